"""Estimate each product's price elasticity of demand from the shop's own order lines (pure Python, no Django).

::

    from ai_commerce.pricing.elasticity import estimate

    lines = [("SKU-1", line.created, 2, Decimal("9.99")), ...]        # (product, date or datetime, qty, unit price)
    estimates, skipped = estimate(lines, {"SKU-1": "mugs", "SKU-2": None})
    e = estimates["SKU-1"]    # Elasticity(elasticity=-2.1, low=-2.6, high=-1.6, raw=-2.4, ...), 90% interval
    e.units_at(8.99)          # expected units per week at 8.99 (constant elasticity around the recent demand)
    skipped["SKU-2"]          # "insufficient price variation (prices ranged 9.99-9.99)"

How it works:

1. **Aggregation.** Lines become demand per product per period (``period="week"``: Monday weeks; ``"day"``; or
   ``"auto"``: per day when the product sold on at least ``DENSE_DAY_SHARE`` of the shop's open days within its own
   first-to-last sale span, else per week). A period's price is the quantity-weighted average unit price (revenue /
   units), or with ``price="mode"`` the unit price paid on the most order lines (for shops with quantity tiers).
   Periods with no sale between the product's first and last sale are kept as zero demand at the last known price:
   a price at which nothing sold is information. The shop's *open days* are the days with any order line at all; a
   period's exposure is its number of open days (partial weeks at the ends of the data, a shop closed on Saturdays),
   used as a log offset, and days the whole shop was closed are not zero demand.

   Why aggregate: on wholesale-ish data such as UCI Online Retail, a line's unit price mostly reflects its own
   quantity tier (bigger quantity, lower unit price), so a line-level log-log regression measures the bulk-discount
   schedule, a spurious negative slope. Per period, demand is the total of all buyers and the price is what was
   paid that period, so the tier schedule no longer maps one line's quantity to its own price. A residual remains
   with the quantity-weighted mean: a week with one unusually large bulk order has both more units and a lower
   average price (tier mix). On Online Retail that residual is large (weekly median elasticity about -7 with
   ``price="mean"``); ``price="mode"``, the posted price most buyers paid that period, removes it (median about
   -2.2, see ``bench/pricing.py``). For a shop where every buyer pays the posted price, both are the same per day.
   ``naive_ols`` keeps the line-level and period-level regressions as baselines.
2. **Per-product fit** (``fit_product``): a Poisson GLM with log link, fitted by iteratively reweighted least squares
   in numpy, of units on log price with controls: a linear trend, yearly Fourier terms of the day of year (2
   harmonics when the product spans >= 300 days, 1 when >= 120 days, none below) and day-of-week indicators when
   daily. The controls carry a small ridge penalty (``CONTROL_RIDGE``) so that a day of week with no sales cannot
   diverge; the intercept and price are unpenalised. Zero periods are handled natively. The elasticity is the
   coefficient of log price; its standard error comes from the Fisher information scaled by the Pearson
   overdispersion (quasi-Poisson, never scaled below 1).
3. **Pooling** (``pool``): empirical Bayes, normal-normal, two levels. Within-category between-product variance
   ``tau_w^2`` is estimated by DerSimonian-Laird from the per-product estimates and their SEs, pooled over the
   categories; each category mean is shrunk toward the global mean by the between-category variance ``tau_b^2``
   (DerSimonian-Laird again); each product is shrunk toward its (shrunk) category mean. A product without category,
   or whose category has fewer than ``MIN_CATEGORY_PRODUCTS`` estimated products, is shrunk toward the global mean
   with prior variance ``tau_w^2 + tau_b^2``. ``elasticity`` is the posterior mean, ``se`` the posterior SD and
   ``low``/``high`` the central 90% credible interval (``LEVEL``). Nothing is clipped: an estimate >= -1 (inelastic,
   profit increases with price) or even > 0 is reported as it is; the optimizer's guardrails bound the consequence.
4. **Insufficient data**: fewer than ``MIN_ORDERS`` lines, fewer than ``MIN_PERIODS`` periods, fewer than
   ``MIN_PRICE_LEVELS`` distinct period prices or a standard deviation of log period price below ``MIN_LOG_PRICE_SD``
   give no estimate, only a reason string.

``Elasticity.base_units`` is the expected units per week at ``ref_price`` (the product's last observed period price)
at the recent demand level: the last ``RECENT_DAYS`` days' units, each period's units moved to ``ref_price`` with the
pooled elasticity, divided by those periods' open days, times 7. ``units_at(p)`` scales it by
``(p / ref_price) ** elasticity``.
"""

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

__all__ = [
    "LEVEL",
    "Elasticity",
    "Series",
    "aggregate",
    "check",
    "estimate",
    "fit_product",
    "naive_ols",
    "pool",
]

LEVEL = 0.90  # credible interval of Elasticity.low/high
Z = 1.6448536269514722  # standard normal quantile of (1 + LEVEL) / 2
MIN_ORDERS = 20  # order lines of the product
MIN_PERIODS = 8  # periods (with and without sales) between first and last sale
MIN_PRICE_LEVELS = 2  # distinct period prices (rounded to cents)
MIN_LOG_PRICE_SD = 0.02  # standard deviation of log period price (about 2% price variation)
MIN_DF = 4  # periods beyond the number of fitted coefficients
DENSE_DAY_SHARE = 0.5  # "auto": daily when the product sold on at least this share of open days in its span
MIN_CATEGORY_PRODUCTS = 3  # a category with fewer estimated products pools to the global mean
CONTROL_RIDGE = 0.1  # ridge penalty on trend/seasonality coefficients (log-likelihood units)
RECENT_DAYS = 56  # window of Elasticity.base_units
TAU_MIN = 0.05  # floor of the between-product SD, so that a product's own data always counts a little
_ORDINAL_MONDAY = 1  # date(1, 1, 1).toordinal() == 1 is a Monday: week = (ordinal - 1) // 7


@dataclass(frozen=True)
class Elasticity:
    """One product's elasticity. ``elasticity``/``low``/``high``/``se`` are pooled; ``raw``/``raw_se`` unpooled."""

    product: object
    elasticity: float
    low: float
    high: float
    se: float
    raw: float
    raw_se: float
    n_periods: int
    n_orders: int
    category: object
    pooled_toward: float
    period: str  # "day" or "week": the aggregation the fit used
    base_units: float  # expected units per week at ref_price, recent demand level
    ref_price: float  # last observed period price
    level: float = LEVEL

    def units_at(self, price):
        """Expected units per week at ``price`` (float or Decimal) under constant elasticity."""
        return self.base_units * (float(price) / self.ref_price) ** self.elasticity


@dataclass(frozen=True)
class Series:
    """Demand of one product per period. Arrays are aligned; ``day`` is the ordinal of the period's first day."""

    product: object
    period: str
    day: np.ndarray  # int ordinal of the period's first day
    exposure: np.ndarray  # open days in the period (>= 1)
    units: np.ndarray  # float, 0 for periods without sales
    price: np.ndarray  # period price ("mean" or "mode", see aggregate); last known price for zero periods
    n_orders: int  # order lines


def _ordinal(when):
    return when if isinstance(when, int) else when.toordinal()


def _columns(lines):
    products, days, qty, price = [], [], [], []
    for product, when, quantity, unit_price in lines:
        products.append(product)
        days.append(_ordinal(when))
        qty.append(float(quantity))
        price.append(float(unit_price))
    return products, np.asarray(days, dtype=np.int64), np.asarray(qty, dtype=float), np.asarray(price, dtype=float)


def aggregate(lines, *, period="auto", price="mean", dense_share=DENSE_DAY_SHARE):
    """Return {product: Series} from (product, date|datetime|ordinal, quantity, unit_price) lines.

    Lines with quantity <= 0 or unit price <= 0 (returns, free items) are ignored. ``period`` is "day", "week" or
    "auto" (see the module docstring). ``price`` is the period's price: "mean" (quantity-weighted average, for shops
    where every buyer pays the posted price) or "mode" (the unit price of the most order lines, ties to the higher
    price: the posted price of a shop with quantity tiers, robust to one large bulk order).
    """
    if period not in ("auto", "day", "week"):
        raise ValueError(f"period must be 'auto', 'day' or 'week', not {period!r}")
    if price not in ("mean", "mode"):
        raise ValueError(f"price must be 'mean' or 'mode', not {price!r}")
    statistic = price
    products, days, qty, unit = _columns(lines)
    keep = (qty > 0) & (unit > 0)
    days, qty, unit = days[keep], qty[keep], unit[keep]
    products = [p for p, k in zip(products, keep, strict=True) if k]
    if not products:
        return {}
    open_days = np.unique(days)
    index = defaultdict(list)
    for i, product in enumerate(products):
        index[product].append(i)
    out = {}
    for product, rows in index.items():
        rows = np.asarray(rows)
        d, q, rev = days[rows], qty[rows], qty[rows] * unit[rows]
        span = open_days[(open_days >= d.min()) & (open_days <= d.max())]
        sold_days = np.unique(d)
        daily = period == "day" or (period == "auto" and len(sold_days) >= dense_share * len(span))
        if daily:
            keys, exposure, starts = span, np.ones(len(span)), span
        else:
            weeks = (span - _ORDINAL_MONDAY) // 7
            keys, exposure = np.unique(weeks, return_counts=True)
            starts = keys * 7 + _ORDINAL_MONDAY
        where = np.searchsorted(keys, d if daily else (d - _ORDINAL_MONDAY) // 7)
        units = np.bincount(where, weights=q, minlength=len(keys))
        revenue = np.bincount(where, weights=rev, minlength=len(keys))
        sold = units > 0
        avg = np.divide(revenue, units, out=np.full(len(keys), np.nan), where=sold)
        if statistic == "mode":
            avg[sold] = _modal_price(where, unit[rows])
        last = np.maximum.accumulate(np.where(sold, np.arange(len(keys)), 0))  # forward fill (first period sold)
        out[product] = Series(product, "day" if daily else "week", starts.astype(np.int64), exposure.astype(float),
                              units, avg[last], len(rows))
    return out


def _modal_price(period_index, prices):
    """Per period (sorted unique ``period_index``), the price of the most lines (ties: the higher price)."""
    ticks = np.round(prices * 10_000).astype(np.int64)  # 1/100 of a cent: some shops sell below a cent
    big = int(ticks.max()) + 1
    combos, counts = np.unique(period_index.astype(np.int64) * big + ticks, return_counts=True)
    period, ticks = combos // big, combos % big
    order = np.lexsort((ticks, counts, period))
    last = np.r_[period[order][1:] != period[order][:-1], True]
    return ticks[order][last] / 10_000.0


def _design(series):
    """Return (X, names, penalty) for the Poisson fit: intercept, centred log price, then controls."""
    day = series.day + (0 if series.period == "day" else 3)  # mid-week
    span = int(series.day[-1] - series.day[0]) + (1 if series.period == "day" else 7)
    logp = np.log(series.price)
    cols = [np.ones(len(day)), logp - logp.mean()]
    if span >= 28:
        cols.append((day - day.mean()) / 365.0)
    harmonics = 2 if span >= 300 else 1 if span >= 120 else 0
    angle = 2 * math.pi * (day % 365.25) / 365.25
    for k in range(1, harmonics + 1):
        cols += [np.sin(k * angle), np.cos(k * angle)]
    if series.period == "day":
        dow = day % 7
        cols += [(dow == k).astype(float) for k in range(1, 7) if (dow == k).any() and (dow != k).any()]
    X = np.column_stack(cols)
    penalty = np.full(X.shape[1], CONTROL_RIDGE)
    penalty[:2] = 0.0
    return X, penalty


def _poisson_irls(X, y, offset, penalty, max_iter=100, tol=1e-9):
    """Penalised Poisson regression (log link) by IRLS with step halving. Returns (beta, mu, hessian)."""
    beta = np.zeros(X.shape[1])
    beta[0] = math.log(max(y.sum(), 0.5) / np.exp(offset).sum())
    P = np.diag(penalty)

    def objective(b):
        eta = np.clip(X @ b + offset, -30, 30)
        return float(np.sum(np.exp(eta) - y * eta) + 0.5 * b @ P @ b)

    current = objective(beta)
    for _ in range(max_iter):
        mu = np.exp(np.clip(X @ beta + offset, -30, 30))
        grad = X.T @ (mu - y) + P @ beta
        hess = X.T @ (mu[:, None] * X) + P
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        t = 1.0
        while t > 1e-6:
            candidate = beta - t * step
            value = objective(candidate)
            if value <= current + 1e-12:
                break
            t /= 2
        beta, previous, current = candidate, current, value
        if abs(previous - current) < tol * (1 + abs(current)):
            break
    mu = np.exp(np.clip(X @ beta + offset, -30, 30))
    return beta, mu, X.T @ (mu[:, None] * X) + P


def check(series, *, min_orders=MIN_ORDERS, min_periods=MIN_PERIODS, min_price_levels=MIN_PRICE_LEVELS,
          min_log_price_sd=MIN_LOG_PRICE_SD):
    """Return the reason why ``series`` cannot be estimated, or None."""
    if series.n_orders < min_orders:
        return f"too few orders ({series.n_orders} < {min_orders})"
    if len(series.units) < min_periods:
        return f"too few {series.period}s with data ({len(series.units)} < {min_periods})"
    sold = series.units > 0
    prices = series.price[sold]
    levels = len(np.unique(np.round(prices, 2)))
    sd = float(np.std(np.log(prices)))
    if levels < min_price_levels or sd < min_log_price_sd:
        detail = "" if levels < min_price_levels else f", sd of log price {sd:.3f} < {min_log_price_sd}"
        return f"insufficient price variation (prices ranged {prices.min():.2f}-{prices.max():.2f}{detail})"
    return None


def fit_product(series):
    """Return (elasticity, se, mu) of one product's Poisson fit, or None when it has too few degrees of freedom."""
    X, penalty = _design(series)
    if len(series.units) < X.shape[1] + MIN_DF:
        return None
    beta, mu, hess = _poisson_irls(X, series.units, np.log(series.exposure), penalty)
    dof = len(series.units) - X.shape[1]
    phi = max(1.0, float(np.sum((series.units - mu) ** 2 / np.maximum(mu, 1e-9))) / dof)
    cov = np.linalg.pinv(hess)
    return float(beta[1]), float(math.sqrt(max(cov[1, 1] * phi, 1e-12))), mu


def _dersimonian_laird(b, v):
    """Return (mean, var of mean, tau^2, Q, C) of a random-effects meta-analysis of estimates ``b`` (variances v)."""
    w = 1.0 / v
    fixed = float(np.sum(w * b) / np.sum(w))
    q = float(np.sum(w * (b - fixed) ** 2))
    c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    tau2 = max(0.0, (q - (len(b) - 1)) / c) if c > 0 else 0.0
    w_re = 1.0 / (v + tau2)
    return float(np.sum(w_re * b) / np.sum(w_re)), float(1.0 / np.sum(w_re)), tau2, q, c


def pool(raw, categories=None, *, min_category_products=MIN_CATEGORY_PRODUCTS, tau_min=TAU_MIN):
    """Shrink raw estimates {product: (estimate, se)} toward category means; return {product: (mean, sd, toward)}.

    Two-level normal-normal empirical Bayes (see the module docstring). ``categories`` maps product -> category
    (or None); products missing from it pool to the global mean.
    """
    categories = categories or {}
    if not raw:
        return {}
    products = list(raw)
    b = np.array([raw[p][0] for p in products])
    v = np.array([raw[p][1] for p in products]) ** 2
    groups = defaultdict(list)
    for i, p in enumerate(products):
        cat = categories.get(p)
        groups[cat].append(i)
    real = {c: np.asarray(ix) for c, ix in groups.items() if c is not None and len(ix) >= min_category_products}
    # Within-category heterogeneity, pooled over categories (sum of Q and of C, DerSimonian-Laird).
    q_sum = c_sum = 0.0
    dof = 0
    for ix in real.values():
        _, _, _, q, c = _dersimonian_laird(b[ix], v[ix])
        q_sum, c_sum, dof = q_sum + q, c_sum + c, dof + len(ix) - 1
    if real and c_sum > 0:
        tau2_w = max(tau_min**2, (q_sum - dof) / c_sum)
    else:
        tau2_w = max(tau_min**2, _dersimonian_laird(b, v)[2]) if len(b) > 1 else tau_min**2
    # Category means, and their spread around the global mean.
    cat_mean, cat_var = {}, {}
    for c, ix in real.items():
        w = 1.0 / (v[ix] + tau2_w)
        cat_mean[c], cat_var[c] = float(np.sum(w * b[ix]) / np.sum(w)), float(1.0 / np.sum(w))
    if len(real) >= 2:
        means = np.array(list(cat_mean.values()))
        g_mean, g_var, tau2_b, _, _ = _dersimonian_laird(means, np.array(list(cat_var.values())))
    else:
        w = 1.0 / (v + tau2_w)
        g_mean, g_var, tau2_b = float(np.sum(w * b) / np.sum(w)), float(1.0 / np.sum(w)), 0.0
    out = {}
    for c, ix in groups.items():
        if c in real:
            shrink = tau2_b / (tau2_b + cat_var[c])
            prior_mean = g_mean + shrink * (cat_mean[c] - g_mean)
            prior_var = tau2_w + shrink * cat_var[c] + (1 - shrink) ** 2 * g_var
        else:
            prior_mean, prior_var = g_mean, tau2_w + tau2_b + g_var
        for i in ix:
            post_var = 1.0 / (1.0 / prior_var + 1.0 / v[i])
            post_mean = post_var * (prior_mean / prior_var + b[i] / v[i])
            out[products[i]] = (float(post_mean), float(math.sqrt(post_var)), float(prior_mean))
    return out


def _base_units(series, elasticity):
    recent = series.day >= series.day[-1] + (1 if series.period == "day" else 7) - RECENT_DAYS
    ref = float(series.price[-1])
    moved = series.units[recent] * (ref / series.price[recent]) ** elasticity
    return float(moved.sum() / series.exposure[recent].sum() * 7.0), ref


def estimate(lines, categories=None, *, period="auto", price="mean", min_orders=MIN_ORDERS, min_periods=MIN_PERIODS,
             min_price_levels=MIN_PRICE_LEVELS, min_log_price_sd=MIN_LOG_PRICE_SD):
    """Return ({product: Elasticity}, {product: reason}) for (product, when, quantity, unit_price) order lines.

    ``categories`` maps product -> category (None or missing: pool toward the global mean). ``period`` and ``price``
    are passed to ``aggregate``; ``lines`` may also be a ``{product: Series}`` from ``aggregate``.
    """
    series = lines if isinstance(lines, dict) else aggregate(lines, period=period, price=price)
    raw, skipped, fitted = {}, {}, {}
    for product, s in series.items():
        reason = check(s, min_orders=min_orders, min_periods=min_periods, min_price_levels=min_price_levels,
                       min_log_price_sd=min_log_price_sd)
        fit = None if reason else fit_product(s)
        if reason is None and fit is None:
            reason = f"too few {s.period}s for the seasonal controls ({len(s.units)})"
        if reason:
            skipped[product] = reason
            continue
        raw[product] = fit[:2]
        fitted[product] = s
    categories = categories or {}
    pooled = pool(raw, categories)
    estimates = {}
    for product, (mean, sd, toward) in pooled.items():
        s = fitted[product]
        base, ref = _base_units(s, mean)
        estimates[product] = Elasticity(
            product=product, elasticity=mean, low=mean - Z * sd, high=mean + Z * sd, se=sd,
            raw=raw[product][0], raw_se=raw[product][1], n_periods=len(s.units), n_orders=s.n_orders,
            category=categories.get(product), pooled_toward=toward, period=s.period, base_units=base, ref_price=ref,
        )
    return estimates, skipped


def naive_ols(lines, *, level="line", period="week"):
    """Baseline: per-product OLS slope of log(quantity) on log(unit price), no controls, no pooling.

    ``level="line"`` regresses each order line (biased by quantity tiers on wholesale data); ``level="period"``
    regresses per-period totals on the period's average price, periods with sales only. Returns {product: slope}
    for products with at least two distinct prices.
    """
    if level == "period":
        series = lines if isinstance(lines, dict) else aggregate(lines, period=period)
        pairs = {p: (s.price[s.units > 0], s.units[s.units > 0]) for p, s in series.items()}
    elif level == "line":
        products, _, qty, price = _columns(lines)
        rows = defaultdict(list)
        for i, p in enumerate(products):
            if qty[i] > 0 and price[i] > 0:
                rows[p].append(i)
        pairs = {p: (price[ix], qty[ix]) for p, ix in rows.items()}
    else:
        raise ValueError(f"level must be 'line' or 'period', not {level!r}")
    out = {}
    for product, (price, qty) in pairs.items():
        x = np.log(price)
        if len(price) < 3 or np.ptp(x) < 1e-9:
            continue
        x = x - x.mean()
        out[product] = float(np.sum(x * np.log(qty)) / np.sum(x * x))
    return out

