"""Guardrailed optimal price for one product under constant-elasticity demand (pure Python, no Django).

::

    from decimal import Decimal
    from ai_commerce.pricing.optimize import Guardrails, suggest

    rails = Guardrails(objective="profit", min_margin_pct=Decimal("10"), max_change_pct=Decimal("15"),
                       floor_pct=Decimal("70"), ceiling_pct=Decimal("150"), rounding="0.99")
    assert not rails.validate()                                # {field: message} when the policy contradicts itself
    s = suggest(Decimal("19.99"), Decimal("8.00"), (-2.4, -2.9, -1.9), base_units=40.0, stock=120, guardrails=rails)
    s.price, s.bound_by, s.reason    # Decimal("16.99"), "max_change", "Demand is elastic (-2.4, 90% CI ...) ..."

Model. Expected units per period at price ``p`` are ``base_units * (p / current) ** e``. Profit is ``(p - cost) *
units``, revenue ``p * units``. The elasticity is not known, only believed: normal with the estimate's mean and
standard deviation (from ``se``, or from the interval and its level). A price is chosen among the allowed prices of
the guardrails (whole cents, or the rounding's endings; a very wide box is searched coarse, then to the cent):

* it maximises the **expected** objective over that belief (``E[(p / current) ** e]`` has a closed form), and
* it **moves** the price only when it beats the current price with probability ``min_gain_probability`` (90% by
  default: the 80% interval of the gain lies above zero; 95%: the 90% interval). When no allowed price is that
  sure, the price stays and the reason says "Not enough evidence to move" with the interval of the best move
  (``bound_by="evidence"``); when a smaller move is sure and the best one is not, the smaller one is suggested,
  also with ``bound_by="evidence"``. A move of less than ``MIN_MOVE`` (1%) is never worth suggesting.

The gain promised to staff (``lift_pct``) is the expected change of the objective, with that interval
(``lift_low_pct``/``lift_high_pct``) and ``gain_probability``. With a point elasticity (no interval) the belief is
certain: the optimum is then the classic ``p* = cost * e / (1 + e)`` for ``e < -1`` clipped to the guardrails, and a
price that does not gain never moves. Under the revenue objective a price goes down only when the demand is
confidently elastic (``e < -1`` with 90% probability), and up only when it is confidently inelastic.

Unknown cost: ``default_cost_pct`` assumes the cost as a percent of the current price (the reason says so);
otherwise ``objective="auto"`` optimises revenue, and ``margin_without_cost`` says what the minimum margin does:
``"hold"`` (the default) never lowers the price because the margin cannot be checked, ``"skip"`` applies the margin
only where the cost is known.

Guardrails, and which wins when they contradict each other for a product (highest first):

1. ``min_margin_pct``: margin on price, ``(p - cost) / p >= m``, i.e. ``p >= cost / (1 - m)``. Applied last and
   wins over everything (``bound_by="min_margin"``), even above the ceiling or beyond the maximum change. With no
   cost known and ``m > 0`` the margin cannot be checked, so the price is not lowered (also ``"min_margin"``), unless
   the policy says ``margin_without_cost="skip"``.
2. ``floor`` / ``floor_pct`` (absolute, or percent of the current price; the higher one applies), then ``ceiling`` /
   ``ceiling_pct`` (the lower one applies). When an absolute floor lies above the ceiling for this price, the floor
   wins.
3. ``max_change_pct``: at most this percent away from the current price per suggestion.
4. Low stock: when ``stock <= low_stock_threshold`` the price is not lowered. With a stock outlook (``cover``: the
   demand forecast's days of cover and restock time, through ``ai_commerce.stock_outlook``), a price is not lowered
   so far that the stock would sell out before a restock could arrive: at price ``p`` the cover is
   ``days_of_cover * (p / current) ** -e`` (the point elasticity), and it must stay at least ``restock_days``
   (``bound_by="sell_out"``; not lowered at all when the cover is already shorter). A price rise on an overstocked
   product gets a note: it slows a product that already sells too slowly for its stock.

A lower-ranked guardrail that cannot be met together with the higher ones is projected: the price goes to the point
of the higher ones' range closest to it (e.g. a floor 30% above the current price with a 15% maximum change moves the
price to the floor at once, whatever the evidence). Prices are Decimal with 2 places; bounds are rounded inward to
whole cents. Rounding to a price ending (".99", ".95", "whole") searches only the prices with that ending inside the
feasible range; when none fits, the price keeps its cents and a note says so. Rounding never crosses a guardrail.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from statistics import NormalDist

import numpy as np

__all__ = ["OBJECTIVES", "ROUNDINGS", "Guardrails", "Suggestion", "suggest"]

OBJECTIVES = ("profit", "revenue", "auto")  # "auto": profit when the cost is known, revenue otherwise
ROUNDINGS = ("none", "0.99", "0.95", "whole")
MARGIN_WITHOUT_COST = ("hold", "skip")  # cost unknown: do not lower the price, or apply the margin only where known
MIN_MOVE = 0.01  # a free price moves by at least 1% (or as far as the guardrails allow, if less), or stays
MAX_GRID = 20_000  # prices tried to the cent; a wider box is searched coarse first
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
_ENDINGS = {"0.99": Decimal("0.99"), "0.95": Decimal("0.95"), "whole": Decimal(0)}
_MONEY_FIELDS = ("floor", "ceiling")
_PCT_FIELDS = ("min_margin_pct", "floor_pct", "ceiling_pct", "max_change_pct", "default_cost_pct",
               "min_gain_probability")


@dataclass(frozen=True)
class Guardrails:
    """A pricing policy. Money is Decimal; ``*_pct`` fields are percents (``Decimal("15")`` = 15%)."""

    objective: str = "profit"  # one of OBJECTIVES
    min_margin_pct: Decimal = Decimal(0)  # margin on price, 0 <= m < 100
    floor: Decimal | None = None  # absolute lowest price
    ceiling: Decimal | None = None  # absolute highest price
    floor_pct: Decimal | None = None  # lowest price as a percent of the current price, 0 < x <= 100
    ceiling_pct: Decimal | None = None  # highest price as a percent of the current price, >= 100
    max_change_pct: Decimal = Decimal(10)  # largest move per suggestion, 0 < x < 100
    rounding: str = "none"  # one of ROUNDINGS
    low_stock_threshold: int | None = None  # stock <= threshold: no price decrease
    margin_without_cost: str = "hold"  # cost unknown: "hold" never lowers the price; "skip" drops the margin rule
    default_cost_pct: Decimal | None = None  # cost unknown: assume this percent of the current price, 0 <= x < 100
    min_gain_probability: Decimal = Decimal(90)  # percent: move only a price that beats the current one this surely

    def validate(self):
        """Return {field: message} for every invalid or contradictory setting (empty when the policy is usable)."""
        errors = {}
        if self.objective not in OBJECTIVES:
            errors["objective"] = f"must be one of {', '.join(OBJECTIVES)}"
        if self.rounding not in ROUNDINGS:
            errors["rounding"] = f"must be one of {', '.join(ROUNDINGS)}"
        if self.margin_without_cost not in MARGIN_WITHOUT_COST:
            errors["margin_without_cost"] = f"must be one of {', '.join(MARGIN_WITHOUT_COST)}"
        for name in (*_MONEY_FIELDS, *_PCT_FIELDS):
            value = getattr(self, name)
            if value is None and name in ("min_margin_pct", "max_change_pct", "min_gain_probability"):
                errors[name] = "is required"
            elif value is not None and not (isinstance(value, Decimal | int) and not isinstance(value, bool)
                                            and Decimal(value).is_finite()):
                errors[name] = "must be a finite Decimal"
        if self.low_stock_threshold is not None and (
            not isinstance(self.low_stock_threshold, int) or isinstance(self.low_stock_threshold, bool)
            or self.low_stock_threshold < 0
        ):
            errors["low_stock_threshold"] = "must be a whole number >= 0, or empty"
        ok = {n: Decimal(getattr(self, n)) for n in (*_MONEY_FIELDS, *_PCT_FIELDS)
              if n not in errors and getattr(self, n) is not None}
        for name in _MONEY_FIELDS:
            if name in ok and ok[name] <= 0:
                errors[name] = "must be greater than 0"
            elif name in ok and ok[name] != ok[name].quantize(CENT, rounding=ROUND_FLOOR):
                errors[name] = "must be a whole number of cents (at most 2 decimal places)"
        if "floor" in ok and "ceiling" in ok and "floor" not in errors and ok["floor"] > ok["ceiling"]:
            errors["floor"] = f"is above the ceiling ({ok['ceiling']})"
        if "min_margin_pct" in ok and not 0 <= ok["min_margin_pct"] < 100:
            errors["min_margin_pct"] = "must be at least 0 and below 100 (margin on price)"
        if "min_gain_probability" in ok and not 50 <= ok["min_gain_probability"] < 100:
            errors["min_gain_probability"] = "must be at least 50 and below 100 (percent)"
        if "default_cost_pct" in ok and not 0 <= ok["default_cost_pct"] < 100:
            errors["default_cost_pct"] = "must be at least 0 and below 100 (cost as a percent of the price)"
        if "max_change_pct" in ok and not 0 < ok["max_change_pct"] < 100:
            errors["max_change_pct"] = "must be above 0 and below 100"
        if "floor_pct" in ok and not 0 < ok["floor_pct"] <= 100:
            errors["floor_pct"] = ("must be above 0 and at most 100 (a floor above the current price would raise it at "
                                   "every run)")
        if "ceiling_pct" in ok and ok["ceiling_pct"] < 100:
            errors["ceiling_pct"] = "must be at least 100 (a ceiling below the current price would cut it at every run)"
        return errors


@dataclass(frozen=True)
class Suggestion:
    """The outcome for one product. Figures are expected values per period (the period of ``base_units``)."""

    status: str  # "suggest", "no_change" or "no_suggestion"
    price: Decimal | None  # suggested price (2 places); the current price when "no_change"; None when no suggestion
    current_price: Decimal
    bound_by: str | None  # "min_margin", "floor", "ceiling", "max_change", "low_stock", "sell_out", "rounding", None
    objective: str | None  # objective actually optimized: "profit" or "revenue"
    reason: str
    elasticity: float | None = None
    elasticity_low: float | None = None
    elasticity_high: float | None = None
    change_pct: float | None = None  # (price / current - 1) * 100
    units_now: float | None = None
    units_new: float | None = None
    units_new_low: float | None = None  # range of units_new over the elasticity interval
    units_new_high: float | None = None
    revenue_now: Decimal | None = None
    revenue_new: Decimal | None = None
    profit_now: Decimal | None = None  # None when the cost is unknown
    profit_new: Decimal | None = None
    lift_pct: float | None = None  # expected change of the objective, percent; None when its current value is <= 0
    lift_low_pct: float | None = None  # central interval of the change at the policy's min_gain_probability
    lift_high_pct: float | None = None
    notes: tuple = ()
    gain_probability: float | None = None  # probability that the suggested price beats the current one


def _cents_up(x):
    return Decimal(x).quantize(CENT, rounding=ROUND_CEILING)


def _cents_down(x):
    return Decimal(x).quantize(CENT, rounding=ROUND_FLOOR)


def _elasticity_triple(elasticity):
    if hasattr(elasticity, "elasticity"):
        point, low, high = elasticity.elasticity, elasticity.low, elasticity.high
        level = getattr(elasticity, "level", 0.90)
    elif isinstance(elasticity, tuple | list):
        point, low, high, level = (*elasticity, None) if len(elasticity) == 3 else elasticity
    else:
        point = low = high = elasticity
        level = None
    point, low, high = float(point), float(low), float(high)
    return point, min(low, high), max(low, high), level


def _project(box, names, lower, upper, name):
    """Intersect ``box`` with [lower, upper]; when they are disjoint, collapse ``box`` to its end nearest the range.

    ``names`` are the guardrails that set (lo, hi). A collapsed box keeps the name of the end it collapsed to: that
    higher-ranked guardrail is what holds the price there.
    """
    (lo, hi), (lo_name, hi_name) = box, names
    if lower is not None and lower > hi:
        return (hi, hi), (hi_name, hi_name)
    if upper is not None and upper < lo:
        return (lo, lo), (lo_name, lo_name)
    if lower is not None and lower > lo:
        lo, lo_name = lower, name
    if upper is not None and upper < hi:
        hi, hi_name = upper, name
    return (lo, hi), (lo_name, hi_name)


def sell_out_floor(current, e, cover):
    """The lowest price (Decimal cents) at which the stock still lasts until a restock arrives, under the point
    elasticity ``e``; None when ``cover`` says nothing (no outlook, nothing selling, demand not falling with price)."""
    days, restock = getattr(cover, "days_of_cover", None), getattr(cover, "restock_days", None)
    if days is None or not restock or e >= 0:
        return None
    if days <= restock:
        return current
    return min(current, _cents_up(float(current) * (restock / days) ** (1 / -e)))


def _box(current, cost, stock, rails, margin_floor, sell_out=None):
    """Return ((lo, hi), (lo_name, hi_name)) in cents, all guardrails but the minimum margin, by precedence."""
    box, names = (CENT, Decimal("Infinity")), (None, None)
    floors = [x for x in (rails.floor, None if rails.floor_pct is None else current * rails.floor_pct / HUNDRED)
              if x is not None]
    ceilings = [x for x in (rails.ceiling, None if rails.ceiling_pct is None else current * rails.ceiling_pct / HUNDRED)
                if x is not None]
    if floors:
        box, names = _project(box, names, _cents_up(max(floors)), None, "floor")
    if ceilings:
        box, names = _project(box, names, None, _cents_down(min(ceilings)), "ceiling")
    step = Decimal(rails.max_change_pct) / HUNDRED
    box, names = _project(box, names, _cents_up(current * (1 - step)), _cents_down(current * (1 + step)), "max_change")
    if cost is None and rails.min_margin_pct > 0 and rails.margin_without_cost == "hold":
        box, names = _project(box, names, current, None, "min_margin")
    if stock is not None and rails.low_stock_threshold is not None and stock <= rails.low_stock_threshold:
        box, names = _project(box, names, current, None, "low_stock")
    if sell_out is not None:
        box, names = _project(box, names, sell_out, None, "sell_out")
    return box, names


def _pct(x):
    return f"{x:.0f}" if x == int(x) else f"{x:.1f}".rstrip("0").rstrip(".")


def suggest(current_price, cost, elasticity, base_units, stock, guardrails, *, period="week", cover=None):
    """Return the Suggestion for one product.

    ``current_price``: Decimal > 0. ``cost``: Decimal >= 0 or None. ``elasticity``: an object with ``elasticity``,
    ``low``, ``high`` (and optionally ``level``) such as ``Elasticity``, a ``(point, low, high[, level])`` tuple
    (``level`` e.g. 0.9 names the interval "90% CI" in the reason), or a number (no interval).
    ``base_units``: expected units per ``period`` at the current price. ``stock``: units on hand or None (unknown).
    ``guardrails`` must be valid (``validate()`` empty), otherwise ValueError. ``cover``: the product's stock
    outlook or None (an object with ``days_of_cover``, ``restock_days`` and ``overstock``, such as
    ``ai_commerce.stock_outlook.StockOutlook``).
    """
    errors = guardrails.validate()
    if errors:
        raise ValueError(f"invalid guardrails: {errors}")
    try:
        current = Decimal(current_price).quantize(CENT, rounding=ROUND_HALF_UP)
        cost = None if cost is None else Decimal(cost)
    except (InvalidOperation, TypeError, ValueError):
        return Suggestion("no_suggestion", None, Decimal(0), None, None, "The price or cost is not a number.")

    def refuse(reason, objective=None):
        return Suggestion("no_suggestion", None, current, None, objective, reason)

    if not current.is_finite() or current <= 0:
        return refuse("The current price must be above 0.")
    if cost is not None and (not cost.is_finite() or cost < 0):
        return refuse("The cost must be 0 or more.")
    try:
        e, e_low, e_high, level = _elasticity_triple(elasticity)
    except (TypeError, ValueError):
        return refuse("No usable elasticity estimate.")
    if not all(math.isfinite(x) for x in (e, e_low, e_high)):
        return refuse("No usable elasticity estimate.")
    objective = guardrails.objective
    notes = []
    if cost is None and guardrails.default_cost_pct is not None:
        cost = _cents_up(current * Decimal(guardrails.default_cost_pct) / HUNDRED)
        notes.append(f"Cost unknown: assumed {_pct(guardrails.default_cost_pct)}% of the price ({cost}), the policy's "
                     "default.")
    if objective == "auto":
        objective = "profit" if cost is not None else "revenue"
        if cost is None:
            notes.append("Cost unknown: optimizing revenue.")
    if objective == "profit" and cost is None:
        return refuse("No cost is known for this product and the policy optimizes profit; add the cost to get a "
                      "suggestion.")
    m = Decimal(guardrails.min_margin_pct) / HUNDRED
    margin_floor = None if cost is None else _cents_up(cost / (1 - m))
    (lo, hi), (lo_name, hi_name) = _box(current, cost, stock, guardrails, margin_floor,
                                        sell_out_floor(current, e, cover))
    c = 0.0 if cost is None else float(cost)
    cur = float(current)
    sd = _sd(elasticity, e_low, e_high, level)
    belief = _Belief(e, sd, c if objective == "profit" else 0.0, cur, float(guardrails.min_gain_probability) / 100)
    bound_by = None
    forced = margin_floor is not None and margin_floor > hi  # the minimum margin overrides the box
    if forced:
        lo = hi = margin_floor
        bound_by = "min_margin"
    elif margin_floor is not None and margin_floor > lo:
        lo, lo_name = margin_floor, "min_margin"
    free = not forced and lo <= current <= hi  # the guardrails leave the current price allowed
    keep = current if free else None
    best_cents, best_any = _search(belief, lo, hi, "none", keep)
    price = best_cents
    if guardrails.rounding != "none":
        if len(_grid(lo, hi, guardrails.rounding)):
            price, best_any = _search(belief, lo, hi, guardrails.rounding, keep)
            if price != best_cents and price != current:
                bound_by = bound_by or "rounding"
        elif forced:
            notes.append(f"Not rounded to {guardrails.rounding}: the minimum margin price is kept to the cent.")
        else:
            notes.append(f"No price ending in {guardrails.rounding} fits between {lo} and {hi}; kept to the cent.")
    held = free and price != best_any  # a bigger (or any) move would pay in expectation, but is not sure enough
    if held:
        bound_by = "evidence"
    elif not forced and bound_by is None:
        if price == hi and belief.rising(hi):
            bound_by = hi_name
        elif price == lo and not belief.rising(lo):
            bound_by = lo_name
    if cover is not None and getattr(cover, "overstock", False) and price > current:
        days = getattr(cover, "days_of_cover", None)
        slowed = days * (float(price) / float(current)) ** -e if days and e < 0 else None
        after = f" (about {slowed:.0f} at the new price)" if slowed else ""
        notes.append(f"Overstocked: {days:.0f} days of cover{after}; a higher price slows a product that already "
                     "sells too slowly for its stock." if days else "Overstocked: a higher price slows it further.")
    return _explain(current, cost, price, bound_by, objective, (e, e_low, e_high, level), base_units, stock,
                    guardrails, margin_floor, notes, belief, period, best_any if held else None, cover)


def _sd(elasticity, low, high, level):
    """The elasticity's standard deviation: its own ``se``, else from the interval and its level (90% by default)."""
    se = getattr(elasticity, "se", None)
    if se is not None and math.isfinite(float(se)):
        return max(0.0, float(se))
    if high <= low:
        return 0.0
    return (high - low) / (2 * NormalDist().inv_cdf((1 + (level or 0.90)) / 2))


def _grid(lo, hi, rounding):
    """Allowed prices in [lo, hi], in whole cents (int numpy array): every one, or a dense sample of very wide boxes."""
    first, last = int(lo * 100), int(hi * 100)
    if rounding != "none":
        end = int(_ENDINGS[rounding] * 100)
        first += (end - first) % 100
        cents = np.arange(first, last + 1, 100, dtype=np.int64)
    else:
        cents = np.arange(first, last + 1, max(1, (last - first) // MAX_GRID), dtype=np.int64)
    cents = cents[cents > 0]
    if rounding == "none" and len(cents) and cents[-1] != last:
        cents = np.append(cents, last)
    return cents


def _search(belief, lo, hi, rounding, current):
    """``belief.choose`` over the allowed prices in [lo, hi]; a very wide box is searched coarse, then to the cent
    around the coarse choices."""
    cents = _grid(lo, hi, rounding)
    chosen, best = belief.choose(cents, current)
    step = int(cents[1] - cents[0]) if len(cents) > 1 else 1
    if rounding != "none" or step <= 1:
        return chosen, best
    near = [np.arange(max(int(lo * 100), int(x * 100) - step), min(int(hi * 100), int(x * 100) + step) + 1)
            for x in {chosen, best} if x is not None]
    return belief.choose(np.unique(np.concatenate([cents, *near])), current)


class _Belief:
    """The objective under a normal belief about the elasticity (mean ``e``, SD ``sd``), relative to the current price.

    With ``r = p / current``, expected units scale by ``E[r ** e] = exp(e ln r + sd^2 (ln r)^2 / 2)``, so the
    expected objective is ``(p - cost) * E[r ** e]`` (cost 0 for revenue). The gain over the current price is
    positive exactly when ``e`` lies beyond a threshold ``t(p)``, whose probability is a normal tail.
    """

    def __init__(self, e, sd, cost, current, confidence):
        self.e, self.sd, self.cost, self.current, self.confidence = e, sd, cost, current, confidence
        self.z = NormalDist().inv_cdf(confidence)  # the gain's central interval: the elasticity's mean +- z SDs
        self.interval = f"{round((2 * confidence - 1) * 100)}% interval"

    def expected(self, price, e=None):
        """Expected objective at ``price`` (float array or number) per unit of demand at the current price."""
        p = np.asarray(price, dtype=float)
        log_r = np.log(p / self.current)
        spread = 0.0 if e is not None else self.sd**2
        return (p - self.cost) * np.exp((self.e if e is None else e) * log_r + 0.5 * spread * log_r**2)

    def p_gain(self, price):
        """Probability that ``price`` beats the current price (array)."""
        p = np.asarray(price, dtype=float)
        a, b = p - self.cost, self.current - self.cost
        log_r = np.log(p / self.current)
        with np.errstate(divide="ignore", invalid="ignore"):
            # gain > 0  <=>  a * r ** e > b; for a > 0 and b > 0: e * ln r > ln(b / a)
            t = np.log(np.where((a > 0) & (b > 0), b / np.where(a > 0, a, 1.0), 1.0)) / np.where(log_r != 0, log_r, 1)
        if self.sd > 0:
            z = (self.e - t) / self.sd
            prob = np.where(log_r > 0, _cdf(z), _cdf(-z))
        else:
            prob = np.where(log_r > 0, self.e > t, self.e < t).astype(float)
        prob = np.where((a > 0) & (b <= 0), 1.0, prob)  # selling at a loss now: any positive margin is better
        prob = np.where(a <= 0, 0.0, prob)
        return np.where(log_r == 0, 0.0, prob)

    def choose(self, cents, current):
        """Return (chosen, best in expectation) among ``cents``; ``current`` (Decimal or None) is kept unless a move
        is better in expectation and gains with probability ``confidence``."""
        prices = cents / 100.0
        value = self.expected(prices)
        best = _decimal(cents[int(np.argmax(value))]) if len(cents) else current
        if current is None:
            return best, best
        now = float(self.expected(float(current)))
        sure = (self.p_gain(prices) >= self.confidence) & (value > now + 1e-9 * abs(now))  # not float noise
        step = np.abs(prices / self.current - 1)
        sure &= step >= min(MIN_MOVE, step.max()) - 1e-12  # a few cents is not worth a price change
        if not sure.any():
            return current, best
        pick = np.flatnonzero(sure)[int(np.argmax(value[sure]))]
        return _decimal(cents[pick]), best

    def rising(self, price):
        """Whether the expected objective still increases at ``price``."""
        p = float(price)
        slope = self.e + self.sd**2 * math.log(p / self.current)
        return (1.0 / (p - self.cost) + slope / p > 0) if p > self.cost else True


def _cdf(z):
    return 0.5 * (1.0 + np.vectorize(math.erf)(np.asarray(z, dtype=float) / math.sqrt(2.0)))


def _decimal(cents):
    return (Decimal(int(cents)) / 100).quantize(CENT)


def _explain(current, cost, price, bound_by, objective, interval, base_units, stock, rails, margin_floor, notes,
             belief, period, held_at, cover=None):
    e, e_low, e_high, level = interval
    cur, p = float(current), float(price)
    base = float(base_units or 0.0)
    units_at = [base * (p / cur) ** x for x in (e, e_low, e_high)]
    now = float(belief.expected(cur))
    spread = [belief.e - belief.z * belief.sd, belief.e + belief.z * belief.sd]

    def lifts_at(x):
        if now <= 0:
            return [None] * 3
        expected = float(belief.expected(x)) / now * 100 - 100
        return [expected, *sorted(float(belief.expected(x, el)) / now * 100 - 100 for el in spread)]

    lifts = lifts_at(p)
    profit_now = None if cost is None else money((cur - float(cost)) * base)
    profit_new = None if cost is None else money((p - float(cost)) * units_at[0])
    change = (p / cur - 1) * 100
    status = "no_change" if price == current else "suggest"
    kind = "elastic" if e < -1 else "inelastic" if e < 0 else None
    ci = f"{round(level * 100)}% CI" if level else "interval"
    shown = f"{e:.1f}" if e_low == e_high else f"{e:.1f}, {ci} {e_low:.1f} to {e_high:.1f}"
    text = f"Demand is {kind} ({shown})" if kind else f"Demand did not fall with price in the order history ({shown})"
    per = {"week": "weekly", "day": "daily", "month": "monthly"}.get(period, f"per-{period}")
    if status == "no_change" and held_at is not None:
        held = lifts_at(float(held_at))
        move = (float(held_at) / cur - 1) * 100
        text = (f"Not enough evidence to move: {held_at} ({move:+.0f}%) would change {per} {objective} by "
                f"{held[0]:+.0f}% in expectation, but the {belief.interval} is {held[1]:+.0f}% to {held[2]:+.0f}%. "
                f"{text}.") if held[0] is not None else f"Not enough evidence to move. {text}."
    elif status == "no_change":
        text += f": keeping the price at {price}, the best price within the guardrails."
    else:
        verb = "lowering" if change < 0 else "raising"
        text += f": {verb} the price {_pct(abs(round(change, 1)))}% to {price}"
        if lifts[0] is not None:
            direction = "raise" if lifts[0] >= 0 else "lower"
            text += (f" is expected to {direction} {per} {objective} by {abs(lifts[0]):.0f}% "
                     f"({belief.interval} {lifts[1]:+.0f}% to {lifts[2]:+.0f}%).")
        else:
            text += f" is expected to bring {per} {objective} to {money(float(belief.expected(p)) * base)}."
    bound_text = {
        "max_change": f"Bound by the {_pct(rails.max_change_pct)}% maximum change.",
        "floor": f"Bound by the price floor ({_floor_text(rails, current)}).",
        "ceiling": f"Bound by the price ceiling ({_ceiling_text(rails, current)}).",
        "low_stock": f"Not lowered: stock is low ({stock} <= {rails.low_stock_threshold}).",
        "sell_out": _sell_out_text(cover, price, current) if bound_by == "sell_out" else None,
        "rounding": f"Rounded to a price ending in {rails.rounding}.",
        "evidence": None if status == "no_change" else
        "A bigger move would pay in expectation but is not sure enough to make.",
        "min_margin": (f"Bound by the {_pct(rails.min_margin_pct)}% minimum margin "
                       f"(cost {cost}, so at least {margin_floor})."
                       if cost is not None else
                       f"Not lowered: the cost is unknown, so the {_pct(rails.min_margin_pct)}% minimum margin "
                       "cannot be checked."),
    }.get(bound_by)
    reason = " ".join([text, *([bound_text] if bound_text else []), *notes])
    return Suggestion(
        status=status, price=price, current_price=current, bound_by=bound_by, objective=objective, reason=reason,
        elasticity=e, elasticity_low=e_low, elasticity_high=e_high, change_pct=change,
        units_now=base, units_new=units_at[0], units_new_low=min(units_at[1:]), units_new_high=max(units_at[1:]),
        revenue_now=money(cur * base), revenue_new=money(p * units_at[0]), profit_now=profit_now,
        profit_new=profit_new, lift_pct=lifts[0], lift_low_pct=lifts[1], lift_high_pct=lifts[2], notes=tuple(notes),
        gain_probability=None if price == current else float(belief.p_gain(p)),
    )


def _sell_out_text(cover, price, current):
    days, restock = cover.days_of_cover, cover.restock_days
    if price >= current and days is not None and days <= restock:
        return (f"Not lowered: the stock lasts about {days:.0f} days at the current price, and a restock takes "
                f"{restock}.")
    return (f"Not lowered further: below {price} the stock would sell out before a restock could arrive "
            f"({restock} days; {days:.0f} days of cover now).")


def money(x):
    """A float amount as Decimal cents; None when it is not finite or too large to be meaningful (>= 1e30)."""
    if not math.isfinite(x) or abs(x) >= 1e30:
        return None
    with localcontext(prec=60):
        return Decimal(repr(x)).quantize(CENT, rounding=ROUND_HALF_UP)


def _floor_text(rails, current):
    parts = [str(rails.floor)] if rails.floor is not None else []
    if rails.floor_pct is not None:
        parts.append(f"{_pct(rails.floor_pct)}% of {current}")
    return ", ".join(parts)


def _ceiling_text(rails, current):
    parts = [str(rails.ceiling)] if rails.ceiling is not None else []
    if rails.ceiling_pct is not None:
        parts.append(f"{_pct(rails.ceiling_pct)}% of {current}")
    return ", ".join(parts)
