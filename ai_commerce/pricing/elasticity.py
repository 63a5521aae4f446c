"""Estimate each product's price elasticity of demand from the shop's own order lines (pure Python, no Django).

::

    from ai_commerce.pricing.elasticity import estimate

    lines = [("SKU-1", line.created, 2, Decimal("9.99")), ...]        # (product, date or datetime, qty, unit price)
    estimates, skipped = estimate(lines, {"SKU-1": "mugs", "SKU-2": None})
    e = estimates["SKU-1"]    # Elasticity(elasticity=-2.1, low=-2.6, high=-1.6, evidence="own", ...), 90% interval
    e.units_at(8.99)          # expected units per week at 8.99 (constant elasticity around the recent demand)
    skipped["SKU-2"]          # "insufficient price variation (prices ranged 9.99-9.99)"

How it works:

1. **Aggregation** (``aggregate``). Lines become demand per product per period: per open day for the estimate (a day
   with any order line in the shop; days the whole shop was closed are not zero demand), or per Monday week.
   A period's price is the quantity-weighted average unit price (revenue / units), or with ``price="mode"`` the unit
   price paid on the most order lines (for shops with quantity tiers: on UCI Online Retail a line's unit price mostly
   reflects its own quantity tier, and one large bulk order lowers the mean price of its period while it raises the
   units, a spurious negative slope). With ``"mode"`` the estimate works per week: a day has too few lines to show
   the posted price, and its one bulk line would bring the tier mix back.

   Periods without a sale are kept as zero demand: a price at which nothing sold is information. Three things keep
   them honest, because order lines only show the prices that sold. A gap between two sales at different prices
   places the unknown price change at its expected point given the demand at both prices (a first fit's elasticity
   says a long silence belongs to the dearer price; without one, the middle); filling the gap with the last price
   would book the quiet days after a rise at the old, lower price and make demand look inelastic. The first sale
   day is left out (the series starts there because something sold, so it is not a draw of demand). And a series
   runs on to the end of the data after its last sale, unless the product went silent for ``DELISTED_GAPS`` mean
   gaps between its sales (then it stops a gap after its last sale): cutting it at the last sale would drop the
   quiet days, more of them at a high price. On a small shop (25 lines a product) these took the mean bias from
   +0.44 to within +-0.25 (``bench/pricing.py``).
2. **One joint model** (``fit_panel``): a Poisson panel of every product's daily units, fitted by maximum
   (quasi-)likelihood with a normal hierarchical prior on the elasticities::

       log E[units(i, d)] = a_i + g(category of i, week of d) + w(weekday of d) + b_i * (log price(i, d) - mean_i)
       b_i ~ Normal(beta_category, tau_within^2),  beta_category ~ Normal(beta_shop, tau_between^2)

   ``g`` absorbs the demand shocks a category shares in a week (season, trend, a campaign, a holiday), so that a
   product's elasticity is read from how its demand moves against its own category when its price moves, not from
   the calendar. Categories with fewer than ``MIN_SHOCK_PRODUCTS`` products share shop-wide weekly effects. Products
   whose price never varied still inform ``g``. The prior is estimated with the products (empirical Bayes by EM: the
   category means and both spreads are updated from the posterior of every product), so a product with little
   evidence of its own is pulled toward its category mean and gets its category's uncertainty, and a category mean
   is estimated from all of its products at once rather than from already-shrunk fits. The fit is block coordinate
   ascent: the intercepts and weekly effects in closed form, each elasticity by a Newton step. Overdispersion is a
   quasi-Poisson scale per product, from its weekly Pearson residuals (never below 1, with ``PHI_PRIOR_DOF`` weeks
   of prior weight at 1 so that a sparse product's scale cannot swing).
3. **The estimate**: ``elasticity`` is the posterior mean, ``se`` its SD (including the uncertainty of the category
   mean it leans on) and ``low``/``high`` the central 90% interval (``LEVEL``). ``raw`` is the product's own
   estimate without the prior. ``evidence`` is ``"own"`` when the product's own data carry at least half of the
   posterior precision, ``"pooled"`` when the category does: such a product still gets an estimate, with a wide
   interval, and the optimizer's evidence rule keeps it from moving unless the interval allows. An estimate >= -1
   or even > 0 is reported as it is; only values beyond ``BOUNDS`` (a product that only ever sold on one side of a
   price change) are held at the bound, and the prior SDs stay within ``TAU_MIN`` and ``TAU_MAX``.
4. **Insufficient data**: fewer than ``MIN_ORDERS`` lines, fewer than ``MIN_PERIODS`` days in its span, fewer than
   ``MIN_PRICE_LEVELS`` distinct prices or a standard deviation of log price below ``MIN_LOG_PRICE_SD`` over the days
   it sold give no estimate, only a reason string: the price never varied, so its own data cannot say anything.

``Elasticity.base_units`` is the expected units per week at ``ref_price`` (the product's last observed price) at the
recent demand level: the last ``RECENT_DAYS`` days' units, each day's units moved to ``ref_price`` with the estimated
elasticity, divided by those open days, times 7. ``units_at(p)`` scales it by ``(p / ref_price) ** elasticity``.
"""

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

__all__ = [
    "LEVEL",
    "Elasticity",
    "Panel",
    "Series",
    "aggregate",
    "check",
    "estimate",
    "fit_panel",
    "naive_ols",
]

LEVEL = 0.90  # credible interval of Elasticity.low/high
Z = 1.6448536269514722  # standard normal quantile of (1 + LEVEL) / 2
MIN_ORDERS = 5  # order lines of the product
MIN_PERIODS = 8  # open days between first and last sale
MIN_PRICE_LEVELS = 2  # distinct prices on the days it sold (rounded to cents)
MIN_LOG_PRICE_SD = 0.02  # standard deviation of log price over the days it sold (about 2% price variation)
DELISTED_GAPS = 9  # silent for this many mean gaps between its sales: delisted (a Poisson pause that long: < 1e-4)
DENSE_DAY_SHARE = 0.5  # aggregate(period="auto"): per day when the product sold on at least this share of open days
SHOCK_DAYS = 7  # length of the periods of the shared demand shocks (from a Monday)
MIN_SHOCK_PRODUCTS = 5  # a category with fewer products shares the shop-wide weekly demand shocks
MIN_CATEGORY_PRODUCTS = 3  # a category with fewer estimated products leans on the shop-wide prior
RECENT_DAYS = 56  # window of Elasticity.base_units
TAU_MIN = 0.4  # floor of both prior SDs: the spread the data must show before products are held closer together
TAU_START = 0.5  # starting SD of the prior, before EM
TAU_MAX = 2.0  # ceiling of both prior SDs: a few wild products must not dissolve the prior of all the others
BOUNDS = (-10.0, 5.0)  # an elasticity beyond these is a data artefact (prices that only ever sold on one side)
PHI_PRIOR_DOF = 10  # weeks of prior weight at a quasi-Poisson scale of 1
MAX_ITER = 400
TOL = 1e-6  # largest change of an elasticity between iterations at convergence
_ORDINAL_MONDAY = 1  # date(1, 1, 1).toordinal() == 1 is a Monday: week = (ordinal - 1) // 7
_SHOP = object()  # the shop-wide group


@dataclass(frozen=True)
class Elasticity:
    """One product's elasticity: ``elasticity``/``low``/``high``/``se`` posterior; ``raw``/``raw_se`` its own data."""

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
    pooled_toward: float  # the prior mean it was pulled toward (its category's, or the shop's)
    period: str  # "day" or "week": the aggregation the fit used
    base_units: float  # expected units per week at ref_price, recent demand level
    ref_price: float  # last observed period price
    level: float = LEVEL
    evidence: str = "own"  # "own": its own data carry most of the estimate; "pooled": its category does

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
    price: np.ndarray  # period price ("mean" or "mode", see aggregate); gaps take the nearer sale's price
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


def aggregate(lines, *, period="auto", price="mean", dense_share=DENSE_DAY_SHARE, elasticities=None):
    """Return {product: Series} from (product, date|datetime|ordinal, quantity, unit_price) lines.

    ``elasticities`` ({product: elasticity}, e.g. a first fit's) places the unknown price change inside a gap between
    two sales at different prices: at the expected change point given the demand at both prices (a long silence is
    more likely at the dearer price). Without it a gap is split in the middle.

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
        sold_days = np.unique(d)
        first, last = sold_days[0], sold_days[-1]
        gap = (last - first) / max(1, len(sold_days) - 1)  # mean days between sales
        # After its last sale a product is still for sale until the data ends (cutting the series at the last sale
        # would drop the quiet days after it, more of them at a high price: an inelastic bias), unless the silence
        # is far longer than its sales ever paused: then it was delisted soon after.
        silent = open_days[-1] - last > DELISTED_GAPS * max(gap, 1.0)
        end = last + math.ceil(max(gap, 1.0)) if silent else open_days[-1]
        span = open_days[(open_days >= first) & (open_days <= end)]
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
        price_of = avg[_gap_price_index(sold, avg, units, exposure, (elasticities or {}).get(product, 0.0))]
        # The series starts on its first sale because something sold that day: that day is not a draw of demand
        # (keeping it would inflate demand at the first price, the more so the rarer sales are at that price).
        units[0] -= q[d == first].sum()
        exposure = exposure.astype(float)
        exposure[0] -= 1
        keep = exposure > 0
        out[product] = Series(product, "day" if daily else "week", starts[keep].astype(np.int64), exposure[keep],
                              units[keep], price_of[keep], len(rows))
    return out


def _gap_price_index(sold, price, units, exposure, elasticity):
    """Index of the sale whose price each period takes: its own; in a gap between two sales, the earlier sale's up to
    the expected change point and the later one's after it.

    With demand rates ``l1``, ``l2`` per open day at the two prices (the product's mean rate moved by
    ``elasticity``) and a gap of ``L`` open days without a sale, the change point's likelihood is proportional to
    ``exp(-(l1 - l2) * t)``; its mean share of the gap is ``1 / D - 1 / (exp(D) - 1)`` with ``D = (l1 - l2) * L``
    (one half when ``D = 0``).
    """
    index = np.arange(len(sold))
    before = np.maximum.accumulate(np.where(sold, index, -1))
    after = np.minimum.accumulate(np.where(sold, index, len(sold))[::-1])[::-1]
    before = np.where(before < 0, after, before)
    after = np.where(after >= len(sold), before, after)
    share = np.full(len(sold), 0.5)
    gap = (~sold) & (before != after)
    if elasticity and gap.any():
        rate = units.sum() / exposure.sum()
        centre = np.exp(np.mean(np.log(price[sold])))
        p1, p2 = price[before[gap]], price[after[gap]]
        length = np.array([exposure[b + 1:a].sum() for b, a in zip(before[gap], after[gap], strict=True)])
        e = float(np.clip(elasticity, -10.0, 5.0))

        def rel(p):
            return np.exp(np.clip(e * np.log(p / centre), -30.0, 30.0))

        d = np.clip(rate * (rel(p1) - rel(p2)) * length, -50, 50)
        small = np.abs(d) < 1e-6
        safe = np.where(small, 1.0, d)
        share[gap] = np.where(small, 0.5, 1 / safe - 1 / np.expm1(safe))
    position = (index - before) / np.maximum(after - before, 1)  # in (0, 1) inside a gap
    return np.where(sold, index, np.where(position <= share, before, after))


def _modal_price(period_index, prices):
    """Per period (sorted unique ``period_index``), the price of the most lines (ties: the higher price)."""
    ticks = np.round(prices * 10_000).astype(np.int64)  # 1/100 of a cent: some shops sell below a cent
    big = int(ticks.max()) + 1
    combos, counts = np.unique(period_index.astype(np.int64) * big + ticks, return_counts=True)
    period, ticks = combos // big, combos % big
    order = np.lexsort((ticks, counts, period))
    last = np.r_[period[order][1:] != period[order][:-1], True]
    return ticks[order][last] / 10_000.0


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


@dataclass(frozen=True)
class Panel:
    """The fitted joint model. ``posterior[product]`` is (mean, sd, raw, raw_se, prior mean, own share)."""

    posterior: dict
    shop_mean: float
    category_means: dict
    tau_within: float
    tau_between: float
    iterations: int


def _factorize(keys):
    uniques, codes = np.unique(np.asarray(keys), return_inverse=True)
    return codes.ravel(), len(uniques)


class _Stack:
    """Every series' periods end to end, with the indices the panel sums over."""

    def __init__(self, series, categories, estimable):
        self.products = list(series)
        members = defaultdict(int)
        for product in self.products:
            members[categories.get(product)] += 1
        rows = [len(series[p].units) for p in self.products]
        self.pid = np.repeat(np.arange(len(self.products)), rows)
        day = np.concatenate([series[p].day for p in self.products])
        self.y = np.concatenate([series[p].units for p in self.products])
        self.offset = np.log(np.concatenate([series[p].exposure for p in self.products]))
        logp = [np.log(series[p].price) for p in self.products]
        self.estimable = np.array([p in estimable for p in self.products])
        self.x = np.concatenate([lp - lp.mean() if ok else np.zeros(len(lp))
                                 for lp, ok in zip(logp, self.estimable, strict=True)])
        week = (day - _ORDINAL_MONDAY) // SHOCK_DAYS
        group = [categories.get(p) if categories.get(p) is not None and members[categories.get(p)] >= MIN_SHOCK_PRODUCTS
                 else _SHOP for p in self.products]
        names = sorted(map(str, set(group) - {_SHOP}))
        group_code = np.array([0 if g is _SHOP else 1 + names.index(str(g)) for g in group], dtype=np.int64)
        if sum(g is _SHOP for g in group) < MIN_SHOCK_PRODUCTS:  # too few to tell a shock from a price move
            week = np.where(group_code[self.pid] == 0, 0, week)
        self.cell, self.n_cells = _factorize(group_code[self.pid] * 10_000_000 + week)
        self.daily = all(series[p].period == "day" for p in self.products)
        self.dow = (day - _ORDINAL_MONDAY) % 7
        self.pweek, _ = _factorize(self.pid.astype(np.int64) * 10_000_000 + week)
        self.pweek_pid = np.zeros(self.pweek.max() + 1, dtype=np.int64)
        self.pweek_pid[self.pweek] = self.pid
        self.pweek_cell = np.zeros(self.pweek.max() + 1, dtype=np.int64)
        self.pweek_cell[self.pweek] = self.cell

    def information(self, mu, phi):
        """Fisher information of each product's elasticity with its intercept and its weeks' shocks profiled out.

        The shocks' block is diagonal per week, so the Schur complement has a closed form: with ``u``, ``v`` the
        product's expected units and ``x * units`` in week ``w`` and ``M`` the week's total in its group,
        ``I = sum x^2 mu - sum v^2 / M - (sum x mu - sum u v / M)^2 / (sum mu - sum u^2 / M)``.
        """
        size = len(self.pweek_pid)
        u, v = self.sum(mu, self.pweek, size), self.sum(self.x * mu, self.pweek, size)
        m = self.sum(mu, self.cell, self.n_cells)[self.pweek_cell]
        m = np.maximum(m, 1e-300)

        def per(values):
            return np.bincount(self.pweek_pid, weights=values, minlength=len(self.products))

        s_a = np.maximum(self.sum(mu) - per(u * u / m), 1e-12)
        cross = self.sum(self.x * mu) - per(u * v / m)
        return np.maximum(self.sum(self.x * self.x * mu) - per(v * v / m) - cross**2 / s_a, 1e-12) / phi

    def sum(self, values, index=None, size=None):
        index = self.pid if index is None else index
        return np.bincount(index, weights=values, minlength=len(self.products) if size is None else size)


def _prior_groups(products, categories, estimable):
    """Return ({product index: category} of the products whose category leans on its own mean, categories)."""
    count = defaultdict(int)
    for i, p in enumerate(products):
        if estimable[i] and categories.get(p) is not None:
            count[categories[p]] += 1
    real = sorted((c for c, n in count.items() if n >= MIN_CATEGORY_PRODUCTS), key=str)
    if len(real) < 2:  # one category is no hierarchy: everything leans on the shop-wide mean
        return {}, []
    return {i: categories[p] for i, p in enumerate(products) if estimable[i] and categories.get(p) in real}, real


class _Prior:
    """The elasticities' prior: ``b_i ~ N(category mean, tau_w^2)``, category means ``~ N(shop mean, tau_b^2)``;
    products outside a category lean on the shop mean with ``tau_w^2 + tau_b^2``. Updated by EM from the products'
    posteriors; ``tau`` fixes one shop-wide level instead."""

    def __init__(self, stack, categories, tau):
        self.estimable, self.fixed = stack.estimable, tau is not None
        by_cat, self.categories = ({}, []) if self.fixed else _prior_groups(stack.products, categories,
                                                                              self.estimable)
        index = {c: k for k, c in enumerate(self.categories)}
        self.member = np.array([index.get(by_cat.get(i), -1) for i in range(len(stack.products))])
        self.in_cat = self.member >= 0
        self.tau_w2 = (tau if self.fixed else TAU_START) ** 2
        self.tau_b2 = TAU_START**2 if self.categories else 0.0
        self.shop_mean = -1.0
        self.cat_mean = np.full(max(1, len(self.categories)), -1.0)

    @property
    def mean(self):
        return np.where(self.in_cat, self.cat_mean[np.maximum(self.member, 0)], self.shop_mean)

    @property
    def var(self):
        return np.where(self.in_cat, self.tau_w2, self.tau_w2 + self.tau_b2)

    def update(self, b, info):
        """One EM step from the current posterior modes ``b`` and the data's information about them."""
        est = self.estimable
        if self.fixed or not est.any():
            self.shop_mean = float(b[est].mean()) if est.any() else self.shop_mean
            return
        post_var = 1.0 / (info + 1.0 / self.var)
        if self.categories:
            cat_var = np.empty(len(self.categories))
            for k in range(len(self.categories)):
                ix = self.member == k
                cat_var[k] = 1.0 / (ix.sum() / self.tau_w2 + 1.0 / self.tau_b2)
                self.cat_mean[k] = cat_var[k] * (b[ix].sum() / self.tau_w2 + self.shop_mean / self.tau_b2)
            self.shop_mean = float(self.cat_mean.mean())
            self.tau_b2 = _bounded(np.mean((self.cat_mean - self.shop_mean) ** 2 + cat_var))
            lean = self.in_cat
        else:
            self.shop_mean = float(b[est].mean())
            lean = est
        self.tau_w2 = _bounded(np.mean((b[lean] - self.mean[lean]) ** 2 + post_var[lean]))

    def uncertainty(self, info):
        """Variance of each product's prior mean: each product tells it ``1 / (tau^2 + its own sampling variance)``,
        so a category of products with little data of their own has a poorly known mean, whatever its size."""
        if self.fixed:
            return np.zeros(len(info))
        marginal = np.where(self.estimable, 1.0 / (self.tau_w2 + 1.0 / info), 0.0)
        if not self.categories:
            return np.full(len(info), 1.0 / max(marginal.sum(), 1e-12))
        known = np.array([1.0 / (marginal[self.member == k].sum() + 1.0 / self.tau_b2)
                          for k in range(len(self.categories))])
        shop = 1.0 / np.sum(1.0 / (self.tau_b2 + known))
        return np.where(self.in_cat, known[np.maximum(self.member, 0)], shop)


def _bounded(tau2):
    return min(TAU_MAX**2, max(TAU_MIN**2, float(tau2)))


def _dispersion(s, mu):
    """The quasi-Poisson scale per product, from its weekly Pearson residuals, shrunk toward 1."""
    size = len(s.pweek_pid)
    yw, mw = s.sum(s.y, s.pweek, size), s.sum(mu, s.pweek, size)
    ok = mw > 1e-9
    n = len(s.products)
    chi2 = np.bincount(s.pweek_pid[ok], weights=(yw[ok] - mw[ok]) ** 2 / mw[ok], minlength=n)
    weeks = np.bincount(s.pweek_pid[ok], minlength=n)
    return np.maximum(1.0, (chi2 + PHI_PRIOR_DOF) / (np.maximum(weeks - 2, 0) + PHI_PRIOR_DOF))


def fit_panel(series, categories=None, estimable=None, *, tau=None, max_iter=MAX_ITER, tol=TOL):
    """Fit the joint model to ``series`` ({product: Series}, per day); return a Panel of the ``estimable`` products.

    Every series informs the weekly demand shocks; only ``estimable`` products (default: all) get an elasticity.
    ``tau`` fixes the prior SD of the elasticities around one shop-wide mean (a large value fits each product on its
    own, which the reference test compares with a Poisson GLM); by default the prior is estimated (see the module
    docstring). Block coordinate ascent: the weekly shocks and weekdays in closed form, then a joint Newton step of
    each product's intercept and elasticity, then the prior.
    """
    categories = categories or {}
    estimable = set(series) if estimable is None else set(estimable)
    series = {p: x for p, x in series.items() if x.units.sum() > 0}  # sold only on its first day: nothing to learn
    s = _Stack(series, categories, estimable)
    est, prior = s.estimable, _Prior(s, categories, tau)
    a = np.log(s.sum(s.y) / s.sum(np.exp(s.offset)))
    g, w, b = np.zeros(s.n_cells), np.zeros(7), np.zeros(len(s.products))
    phi = np.ones(len(s.products))
    dead = s.sum(s.y, s.cell, s.n_cells) <= 0  # a week in which the group sold nothing says nothing

    def predict():
        return np.exp(np.clip(a[s.pid] + g[s.cell] + w[s.dow] * s.daily + b[s.pid] * s.x + s.offset, -30, 30))

    for iteration in range(1, max_iter + 1):
        ratio = s.sum(s.y, s.cell, s.n_cells) / np.maximum(s.sum(predict(), s.cell, s.n_cells), 1e-300)
        g = np.where(dead, -30.0, g + np.log(np.where(dead, 1.0, ratio)))
        if s.daily:  # weekdays the shop is open (a shop closed on Saturdays has no Saturday rows)
            sold, expected = s.sum(s.y, s.dow, 7), s.sum(predict(), s.dow, 7)
            open_ = expected > 0
            w[open_] += np.log(np.maximum(sold[open_], 1e-9) / expected[open_])
            w[open_] -= w[open_].mean()
        mu = predict()
        prior_var = prior.var
        resid = s.y - mu
        ga = s.sum(resid) / phi
        gb = s.sum(s.x * resid) / phi - (b - prior.mean) / prior_var * est
        haa, hab = s.sum(mu) / phi, s.sum(s.x * mu) / phi
        hbb = s.sum(s.x * s.x * mu) / phi + 1 / prior_var
        det = np.where(est, haa * hbb - hab**2, 1.0)
        step_a = np.where(est, (hbb * ga - hab * gb) / det, ga / haa)
        step_b = np.where(est, (haa * gb - hab * ga) / det, 0.0)
        a += np.clip(step_a, -2.0, 2.0)
        step_b = np.clip(b + np.clip(step_b, -1.0, 1.0), *BOUNDS) - b
        b += step_b
        if iteration % 5 == 1:
            phi = _dispersion(s, predict())
        prior.update(b, s.information(mu, phi))
        if iteration > 10 and np.max(np.abs(step_b), initial=0.0) < tol:
            break
    info = s.information(predict(), phi)
    prior_mean, prior_var = prior.mean, prior.var
    post_var = 1.0 / (info + 1.0 / prior_var)
    own = info * post_var
    sd = np.sqrt(post_var + (1 - own) ** 2 * prior.uncertainty(info))
    raw = b + (b - prior_mean) / (prior_var * info)
    posterior = {p: (float(b[i]), float(sd[i]), float(raw[i]), float(1 / math.sqrt(info[i])), float(prior_mean[i]),
                     float(own[i])) for i, p in enumerate(s.products) if est[i]}
    return Panel(posterior, prior.shop_mean, {c: float(prior.cat_mean[k]) for k, c in enumerate(prior.categories)},
                 math.sqrt(prior.tau_w2), math.sqrt(prior.tau_b2), iteration)


def _base_units(series, elasticity):
    recent = series.day >= series.day[-1] + (1 if series.period == "day" else 7) - RECENT_DAYS
    ref = float(series.price[-1])
    moved = series.units[recent] * (ref / series.price[recent]) ** elasticity
    return float(moved.sum() / series.exposure[recent].sum() * 7.0), ref


def estimate(lines, categories=None, *, price="mean", min_orders=MIN_ORDERS, min_periods=MIN_PERIODS,
             min_price_levels=MIN_PRICE_LEVELS, min_log_price_sd=MIN_LOG_PRICE_SD):
    """Return ({product: Elasticity}, {product: reason}) for (product, when, quantity, unit_price) order lines.

    ``categories`` maps product -> category (None or missing: the shop-wide prior). ``price`` is passed to
    ``aggregate``; ``lines`` may also be a ``{product: Series}`` per day from ``aggregate(..., period="day")``.
    """
    period = "week" if price == "mode" else "day"  # the posted price under quantity tiers needs a week of lines
    series = lines if isinstance(lines, dict) else aggregate(lines, period=period, price=price)
    categories = categories or {}
    skipped = {}
    for product, s in series.items():
        reason = check(s, min_orders=min_orders, min_periods=min_periods, min_price_levels=min_price_levels,
                       min_log_price_sd=min_log_price_sd)
        if reason:
            skipped[product] = reason
    estimable = [p for p in series if p not in skipped]
    if not estimable:
        return {}, skipped
    panel = fit_panel(series, categories, estimable)
    if not isinstance(lines, dict):  # again, with the unknown price changes placed by the first fit
        first = {p: post[0] for p, post in panel.posterior.items()}
        series = aggregate(lines, period=period, price=price, elasticities=first)
        panel = fit_panel(series, categories, estimable)
    estimates = {}
    for product, (mean, sd, raw, raw_se, toward, own) in panel.posterior.items():
        s = series[product]
        base, ref = _base_units(s, mean)
        estimates[product] = Elasticity(
            product=product, elasticity=mean, low=mean - Z * sd, high=mean + Z * sd, se=sd, raw=raw, raw_se=raw_se,
            n_periods=len(s.units), n_orders=s.n_orders, category=categories.get(product), pooled_toward=toward,
            period=s.period, base_units=base, ref_price=ref, evidence="own" if own >= 0.5 else "pooled",
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

