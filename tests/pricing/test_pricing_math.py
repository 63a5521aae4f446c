"""Pure-Python pricing math: elasticity estimation and the guardrailed optimizer (no database)."""

import math
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ai_commerce.pricing.elasticity import Elasticity, aggregate, estimate, fit_panel, naive_ols
from ai_commerce.pricing.optimize import OBJECTIVES, ROUNDINGS, Guardrails, suggest

D = Decimal
START = date(2024, 1, 3)
CENT = D("0.01")


def simulate_lines(product, elasticity, *, base=12.0, price=20.0, days=365, seed=0, amplitude=0.15, episode=14):
    """Daily Poisson demand with weekly seasonality, price episodes; 1-3 lines per day."""
    rng = np.random.default_rng(seed)
    lines = []
    current = price
    for day in range(days):
        if day % episode == 0:
            current = round(price * rng.uniform(1 - amplitude, 1 + amplitude), 2)
        when = START + timedelta(days=day)
        season = 1.3 if when.weekday() == 5 else 1.0
        units = int(rng.poisson(base * season * (current / price) ** elasticity))
        while units > 0:
            take = min(units, int(rng.integers(1, 4)))
            lines.append((product, when, take, D(f"{current:.2f}")))
            units -= take
    return lines


# --- elasticity ------------------------------------------------------------------------------------------------------


def test_recovers_a_known_elasticity_within_its_interval():
    lines = simulate_lines("A", -2.2, seed=1) + simulate_lines("B", -1.4, seed=2) + simulate_lines("C", -3.0, seed=3)
    estimates, skipped = estimate(lines, {"A": "x", "B": "x", "C": "x"})
    assert skipped == {}
    for product, truth in (("A", -2.2), ("B", -1.4), ("C", -3.0)):
        e = estimates[product]
        assert isinstance(e, Elasticity)
        assert e.raw - 1.645 * e.raw_se <= truth <= e.raw + 1.645 * e.raw_se
        assert abs(e.raw - truth) < 0.35
        assert e.low < e.elasticity < e.high
        assert e.period == "day"
        assert e.n_periods == 364  # every day but the first sale's, which starts the series
        assert e.base_units > 0
        assert e.units_at(e.ref_price) == pytest.approx(e.base_units)
        assert e.units_at(e.ref_price * 1.1) < e.base_units


def test_weekly_aggregation_keeps_zero_weeks_and_gives_a_gap_the_nearer_sales_price():
    monday = date(2024, 1, 1)
    lines = [
        ("A", monday, 2, D("10.00")),
        ("A", monday + timedelta(days=1), 2, D("12.00")),
        ("A", monday + timedelta(days=1), 4, D("9.00")),
        ("Z", monday + timedelta(days=6), 1, D("5.00")),  # another product keeps the shop open all weeks
        ("Z", monday + timedelta(days=10), 1, D("5.00")),
        ("Z", monday + timedelta(days=20), 1, D("5.00")),
        ("A", monday + timedelta(days=21), 1, D("8.00")),
    ]
    series = aggregate(lines, period="week")["A"]
    assert series.period == "week"
    # The first sale day starts the series because something sold: its 2 units are not a draw of demand.
    assert list(series.units) == [6, 0, 0, 1]
    assert list(series.exposure) == [2, 1, 1, 1]  # open days: days with any line in the shop, less that first day
    assert series.price[0] == pytest.approx((2 * 10 + 2 * 12 + 4 * 9) / 8)  # quantity-weighted
    # Nothing sold in weeks 1 and 2, so their price is unknown: the first half of the gap takes the earlier sale's
    # price, the second half the later one's (the last price alone would book a quiet spell after a rise at the old
    # price).
    assert series.price[1] == series.price[0] and series.price[2] == series.price[3] == 8.0
    assert aggregate(lines, period="week", price="mode")["A"].price[0] == 12.0  # most lines; ties to the higher


def test_a_series_runs_to_the_end_of_the_data_unless_the_product_went_silent():
    lines = [("A", START + timedelta(days=d), 1, D("5.00") + d % 8 // 4) for d in range(0, 40, 4)]  # every 4th day
    lines += [("B", START + timedelta(days=d), 1, D("7.00")) for d in range(150, 190, 4)]
    lines += [("Z", START + timedelta(days=d), 1, D("3.00")) for d in range(200)]  # the shop is open 200 days
    series = aggregate(lines, period="day")
    assert series["A"].day[0] == START.toordinal() + 1
    assert series["A"].day[-1] == START.toordinal() + 36 + 4  # silent for 40 gaps: delisted a gap after its last sale
    assert series["B"].day[-1] == START.toordinal() + 199  # silent for 3 gaps: still for sale, the quiet days count
    assert series["A"].units.sum() == 9


def test_insufficient_price_variation_and_too_few_orders():
    flat = [("F", START + timedelta(days=d), 1, D("9.99")) for d in range(200)]
    few = [("S", START + timedelta(days=d * 3), 1, D("5.00") + d) for d in range(3)]
    estimates, skipped = estimate(flat + few, {})
    assert estimates == {}
    assert skipped["F"] == "insufficient price variation (prices ranged 9.99-9.99)"
    assert skipped["S"] == "too few orders (3 < 5)"
    _, skipped = estimate(flat + few, {}, min_orders=2, min_periods=20)
    assert skipped["S"] == "too few days with data (9 < 20)"  # 3 sales 3 days apart, then delisted


def small_shop(seed, n_products=120, categories=(-2.2, -1.0), lines_per_year=25):
    """A sparse shop: about ``lines_per_year`` lines per product, 2 to 4 price changes, category shocks per week."""
    rng = np.random.default_rng(seed)
    days = 365
    season = {c: 1 + 0.5 * np.sin(2 * np.pi * (np.arange(days) / 365 + rng.uniform())) for c in range(len(categories))}
    lines, truth, cats = [], {}, {}
    for i in range(n_products):
        c = i % len(categories)
        e = categories[c] + rng.normal(0, 0.3)
        price = np.full(days, 20.0)
        for cut in np.sort(rng.choice(np.arange(30, days - 30), size=int(rng.integers(2, 5)), replace=False)):
            price[cut:] = round(20.0 * rng.uniform(0.75, 1.25), 2)
        units = rng.poisson(lines_per_year / days * season[c] * (price / 20.0) ** e)
        for day in np.flatnonzero(units):
            lines += [(f"p{i}", START + timedelta(days=int(day)), 1, D(f"{price[day]:.2f}"))] * int(units[day])
        truth[f"p{i}"], cats[f"p{i}"] = e, f"c{c}"
    return lines, truth, cats


def test_sparse_products_are_unbiased_pooled_and_honest_about_it():
    lines, truth, cats = small_shop(3)
    estimates, _ = estimate(lines, cats)
    assert len(estimates) >= 0.9 * len(truth)
    bias = np.mean([estimates[p].elasticity - truth[p] for p in estimates])
    assert abs(bias) < 0.25  # not pulled toward inelastic
    toward = {c: np.mean([e.pooled_toward for e in estimates.values() if e.category == c]) for c in ("c0", "c1")}
    assert toward["c0"] < toward["c1"] - 0.4  # the category means are told apart, estimated jointly
    assert abs(toward["c0"] + 2.2) < 0.5 and abs(toward["c1"] + 1.0) < 0.5
    pooled = [e for e in estimates.values() if e.evidence == "pooled"]
    assert pooled, "25 lines a year cannot carry an estimate alone"
    for e in pooled:  # leaning on the category, with its category's uncertainty (not a false precision)
        assert abs(e.elasticity - e.pooled_toward) <= abs(e.raw - e.pooled_toward) + 1e-9
        assert e.high - e.low > 0.8
    inside = np.mean([e.low <= truth[e.product] <= e.high for e in estimates.values()])
    assert inside >= 0.8


def test_the_panel_without_pooling_is_the_poisson_glm():
    """Reference: with no prior (a huge tau), fit_panel is the maximum-likelihood Poisson GLM with product, category-
    by-week and weekday effects, fitted here by scikit-learn on the one-hot design."""
    from sklearn.linear_model import PoissonRegressor

    lines = [row for seed, (p, e) in enumerate((("A", -2.0), ("B", -1.2), ("C", -0.7), ("D", -1.6), ("E", -2.5)))
             for row in simulate_lines(p, e, base=3.0, days=70, seed=seed)]
    series = aggregate(lines, period="day")
    panel = fit_panel(series, dict.fromkeys(series, "k"), tau=1e6, max_iter=5000, tol=1e-10)
    rows = [(p, int(day), float(u), float(np.log(price) - np.log(s.price).mean()))
            for p, s in series.items() for day, u, price in zip(s.day, s.units, s.price, strict=True)]
    products, weeks = sorted(series), sorted({(day - 1) // 7 for _, day, _, _ in rows})
    X = np.array([[float(p == q) for q in products] + [float((day - 1) // 7 == w) for w in weeks[1:]]
                  + [float((day - 1) % 7 == k) for k in range(1, 7)] + [x * float(p == q) for q in products]
                  for p, day, _, x in rows])
    y = np.array([u for _, _, u, _ in rows])
    glm = PoissonRegressor(alpha=0.0, fit_intercept=False, solver="newton-cholesky", max_iter=1000, tol=1e-12)
    slopes = glm.fit(X, y).coef_[-len(products):]
    for product, slope in zip(products, slopes, strict=True):
        assert panel.posterior[product][0] == pytest.approx(slope, abs=1e-4)


def test_naive_line_ols_is_a_separate_baseline():
    lines = simulate_lines("A", -2.0, seed=4)
    assert set(naive_ols(lines, level="line")) == {"A"}
    assert set(naive_ols(lines, level="period")) == {"A"}
    with pytest.raises(ValueError):
        naive_ols(lines, level="nope")


# --- optimizer -------------------------------------------------------------------------------------------------------


def rails(**kwargs):
    spec = {"objective": "profit", "max_change_pct": D(50)}
    spec.update(kwargs)
    return Guardrails(**spec)


def test_interior_profit_optimum_is_c_e_over_1_plus_e():
    s = suggest(D("16.00"), D("10.00"), -3.0, 100.0, None, rails())  # a certain elasticity
    assert s.price == D("15.00")  # 10 * -3 / -2
    assert s.bound_by is None and s.status == "suggest" and s.objective == "profit"
    assert s.units_new > s.units_now and s.profit_new > s.profit_now
    assert s.lift_low_pct <= s.lift_pct <= s.lift_high_pct
    assert "elastic (-3.0" in s.reason and "15.00" in s.reason


def test_an_uncertain_elasticity_moves_only_as_far_as_the_evidence_goes():
    s = suggest(D("16.50"), D("10.00"), (-3.0, -3.4, -2.6), 100.0, None, rails())
    assert D("15.00") < s.price < D("16.50") and s.bound_by == "evidence"  # the optimum, 15.00, is not sure enough
    assert suggest(D("16.00"), D("10.00"), (-3.0, -3.4, -2.6), 100.0, None, rails()).price == D("16.00")  # nor is
    # any move of 1% or more from 16.00, and a few cents is not worth a price change
    assert s.gain_probability >= 0.9 and s.lift_low_pct > 0 and "not sure enough" in s.reason
    s = suggest(D("16.00"), D("10.00"), (-3.0, -4.6, -1.4), 100.0, None, rails())
    assert s.status == "no_change" and s.bound_by == "evidence"
    assert s.reason.startswith("Not enough evidence to move: ") and "80% interval" in s.reason
    s = suggest(D("20.00"), None, (-1.8, -2.3, -1.3), 10.0, None, rails(objective="revenue", max_change_pct=D(10)))
    assert s.price == D("18.00")  # revenue: lowered only because the whole interval lies below -1
    s = suggest(D("20.00"), None, (-1.8, -3.0, -0.6), 10.0, None, rails(objective="revenue", max_change_pct=D(10)))
    assert s.status == "no_change" and s.bound_by == "evidence"


def test_unknown_cost_policies():
    s = suggest(D("20.00"), None, -2.0, 10.0, None, rails(objective="revenue", min_margin_pct=D(10),
                                                           margin_without_cost="skip", max_change_pct=D(10)))
    assert s.price == D("18.00")  # the margin applies only where the cost is known
    s = suggest(D("20.00"), None, -3.0, 10.0, None, rails(objective="auto", default_cost_pct=D(60)))
    assert s.objective == "profit" and "assumed 60% of the price (12.00)" in s.reason
    assert s.price == D("18.00")  # 12 * -3 / -2
    assert Guardrails(default_cost_pct=D(100)).validate() == {
        "default_cost_pct": "must be at least 0 and below 100 (cost as a percent of the price)"}
    assert "margin_without_cost" in Guardrails(margin_without_cost="maybe").validate()


@pytest.mark.parametrize(
    ("current", "cost", "e", "stock", "policy", "price", "bound_by"),
    [
        (D("20.00"), D("10.00"), -3.0, None, {"max_change_pct": D(10)}, D("18.00"), "max_change"),
        (D("20.00"), D("10.00"), -3.0, None, {"floor": D("19.00")}, D("19.00"), "floor"),
        (D("20.00"), D("10.00"), -3.0, None, {"floor_pct": D(95)}, D("19.00"), "floor"),
        (D("20.00"), D("10.00"), -0.5, None, {"ceiling": D("21.00")}, D("21.00"), "ceiling"),
        (D("20.00"), D("10.00"), -0.5, None, {"ceiling_pct": D(102)}, D("20.40"), "ceiling"),
        (D("20.00"), D("10.00"), -3.0, 2, {"low_stock_threshold": 5}, D("20.00"), "low_stock"),
        (D("20.00"), D("10.00"), -3.0, 6, {"low_stock_threshold": 5}, D("15.00"), None),
        (D("20.00"), D("10.00"), -3.0, None, {"min_margin_pct": D(40)}, D("16.67"), "min_margin"),
        (D("20.00"), D("10.00"), -3.0, None, {"rounding": "0.99"}, D("14.99"), "rounding"),
        (D("20.00"), D("10.00"), -3.0, None, {"rounding": "whole"}, D("15.00"), None),
        (D("20.00"), D("10.00"), -3.0, None, {"floor": D("30.00"), "max_change_pct": D(10)}, D("30.00"), "floor"),
    ],
)
def test_each_guardrail_binds_and_is_named(current, cost, e, stock, policy, price, bound_by):
    s = suggest(current, cost, e, 10.0, stock, rails(**policy))
    assert (s.price, s.bound_by) == (price, bound_by), s.reason
    if price == current:
        assert s.status == "no_change" and "keeping the price" in s.reason


def test_days_of_cover_keep_a_discount_from_selling_out_before_a_restock():
    """The forecast's stock outlook (through ai_commerce.stock_outlook): at -3 the free optimum is 15.00, which would
    cut 20 days of cover to 20 * (15 / 20) ** 3 = 8.4, under a 14-day restock; the price stops where the cover is 14."""
    from ai_commerce.stock_outlook import StockOutlook

    def cover(days, restock=14, overstock=False):
        return StockOutlook(stock=100, daily_rate=5.0, days_of_cover=days, stockout_on=None,
                            planned_on=date(2026, 1, 1), restock_days=restock, overstock=overstock)

    s = suggest(D("20.00"), D("10.00"), -3.0, 10.0, 100, rails(), cover=cover(20))
    assert (s.price, s.bound_by) == (D("17.76"), "sell_out"), s.reason
    assert 20 * (17.76 / 20) ** 3 >= 14 > 20 * (17.75 / 20) ** 3
    assert "before a restock could arrive (14 days; 20 days of cover now)" in s.reason
    s = suggest(D("20.00"), D("10.00"), -3.0, 10.0, 100, rails(), cover=cover(10))  # already shorter than a restock
    assert (s.price, s.bound_by, s.status) == (D("20.00"), "sell_out", "no_change")
    assert "lasts about 10 days at the current price, and a restock takes 14" in s.reason
    s = suggest(D("20.00"), D("10.00"), -3.0, 10.0, 100, rails(), cover=cover(200))  # plenty: the optimum
    assert (s.price, s.bound_by) == (D("15.00"), None)
    s = suggest(D("20.00"), D("10.00"), -3.0, 10.0, 100, rails(), cover=cover(None))  # nothing expected to sell
    assert s.price == D("15.00")
    rise = suggest(D("20.00"), D("10.00"), -0.5, 10.0, 500, rails(ceiling=D("21.00")), cover=cover(120, 7, True))
    assert rise.price == D("21.00") and "Overstocked: 120 days of cover (about 123 at the new price)" in rise.reason
    assert "Overstocked" not in suggest(D("20.00"), D("10.00"), -0.5, 10.0, 500, rails(ceiling=D("21.00")),
                                        cover=cover(30, 7)).reason


def test_min_margin_wins_over_ceiling_and_max_change():
    policy = rails(min_margin_pct=D(20), ceiling=D("21.00"), max_change_pct=D(5))
    s = suggest(D("19.99"), D("19.00"), (-4.0, -4.5, -3.5), 40.0, None, policy)
    assert s.price == D("23.75") and s.bound_by == "min_margin"  # 19 / 0.8, above the ceiling and +5%
    assert "minimum margin" in s.reason
    policy = rails(min_margin_pct=D(20), max_change_pct=D(5), rounding="0.99")
    s = suggest(D("19.99"), D("19.00"), -4.0, 40.0, None, policy)
    assert s.price == D("23.75") and s.notes  # no .99 price in a one-price box: kept to the cent, and said so


def test_no_cost_profit_policy_gives_no_suggestion_and_auto_falls_back_to_revenue():
    s = suggest(D("20.00"), None, -2.0, 10.0, None, rails(objective="profit"))
    assert s.status == "no_suggestion" and s.price is None and "cost" in s.reason
    s = suggest(D("20.00"), None, -2.0, 10.0, None, rails(objective="auto", max_change_pct=D(10)))
    assert s.objective == "revenue" and s.price == D("18.00") and s.profit_new is None
    assert "Cost unknown" in s.reason
    s = suggest(D("20.00"), None, -0.5, 10.0, None, rails(objective="revenue", max_change_pct=D(10)))
    assert s.price == D("22.00") and s.bound_by == "max_change"
    s = suggest(D("20.00"), None, -2.0, 10.0, None, rails(objective="revenue", min_margin_pct=D(10)))
    assert s.price == D("20.00") and s.bound_by == "min_margin"  # margin unknown: no cut
    s = suggest(D("20.00"), None, -1.0, 10.0, None, rails(objective="revenue"))
    assert s.status == "no_change"


def test_rounding_never_leaves_the_box():
    policy = rails(max_change_pct=D(1), rounding="0.99")  # box 18.32-18.68 holds no .99 price
    s = suggest(D("18.50"), D("10.00"), -3.0, 10.0, None, policy)
    assert s.price == D("18.32") and "kept to the cent" in s.reason
    policy = rails(max_change_pct=D(10), rounding="0.95")
    s = suggest(D("18.00"), D("10.00"), -3.0, 10.0, None, policy)
    assert s.price == D("16.95") and D("16.20") <= s.price


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"objective": "margin"}, "objective"),
        ({"rounding": "0.49"}, "rounding"),
        ({"floor": D("30.00"), "ceiling": D("20.00")}, "floor"),
        ({"floor": D("-1.00")}, "floor"),
        ({"ceiling": D("0")}, "ceiling"),
        ({"floor": D("9.999")}, "floor"),
        ({"floor": 9.99}, "floor"),
        ({"min_margin_pct": D(-5)}, "min_margin_pct"),
        ({"min_margin_pct": D(100)}, "min_margin_pct"),
        ({"max_change_pct": D(0)}, "max_change_pct"),
        ({"max_change_pct": D(-3)}, "max_change_pct"),
        ({"max_change_pct": None}, "max_change_pct"),
        ({"floor_pct": D(120)}, "floor_pct"),
        ({"floor_pct": D(0)}, "floor_pct"),
        ({"ceiling_pct": D(90)}, "ceiling_pct"),
        ({"low_stock_threshold": -1}, "low_stock_threshold"),
    ],
)
def test_validate_names_the_field(kwargs, field):
    policy = Guardrails(**kwargs)
    errors = policy.validate()
    assert field in errors and isinstance(errors[field], str)
    with pytest.raises(ValueError):
        suggest(D("10.00"), D("5.00"), -2.0, 1.0, None, policy)


def test_default_and_typical_policies_are_valid():
    assert Guardrails().validate() == {}
    typical = Guardrails(min_margin_pct=D(10), floor_pct=D(70), ceiling_pct=D(150), max_change_pct=D(15),
                         floor=D("1.00"), ceiling=D("99.00"), rounding="0.99", low_stock_threshold=5)
    assert typical.validate() == {}


# --- the guarantee ---------------------------------------------------------------------------------------------------

money = st.integers(min_value=1, max_value=500_000).map(lambda c: D(c) / 100)
pct = st.integers(min_value=1, max_value=9_900).map(lambda c: D(c) / 100)


@st.composite
def policies(draw):
    floor = draw(st.none() | money)
    ceiling = draw(st.none() | money)
    if floor is not None and ceiling is not None and floor > ceiling:
        floor, ceiling = ceiling, floor
    return Guardrails(
        objective=draw(st.sampled_from(OBJECTIVES)),
        min_margin_pct=draw(st.just(D(0)) | pct),
        floor=floor,
        ceiling=ceiling,
        floor_pct=draw(st.none() | st.integers(1, 100).map(D)),
        ceiling_pct=draw(st.none() | st.integers(100, 400).map(D)),
        max_change_pct=draw(pct),
        rounding=draw(st.sampled_from(ROUNDINGS)),
        low_stock_threshold=draw(st.none() | st.integers(0, 10)),
    )


def up(x):
    return x.quantize(CENT, rounding=ROUND_CEILING)


def down(x):
    return x.quantize(CENT, rounding="ROUND_FLOOR")


@settings(max_examples=300, deadline=None)
@given(
    policy=policies(),
    current=money,
    cost=st.none() | st.integers(0, 600_000).map(lambda c: D(c) / 100),
    e=st.floats(-6, 2),
    widths=st.tuples(st.floats(0, 2), st.floats(0, 2)),
    stock=st.none() | st.integers(0, 20),
    base=st.floats(0, 1000),
)
def test_no_suggestion_ever_violates_its_policy(policy, current, cost, e, widths, stock, base):
    assert policy.validate() == {}
    s = suggest(current, cost, (e, e - widths[0], e + widths[1]), base, stock, policy)
    if s.status == "no_suggestion":
        assert policy.objective == "profit" and cost is None and s.price is None and s.reason
        return
    price = s.price
    assert isinstance(price, Decimal) and price == price.quantize(CENT) and price > 0
    assert s.reason and (s.status == "no_change") == (price == current)
    m = policy.min_margin_pct / 100
    margin_price = None if cost is None else up(cost / (1 - m))
    if cost is not None:
        assert (price - cost) / price >= m  # always, whatever else
    floors = [x for x in (policy.floor, None if policy.floor_pct is None else up(current * policy.floor_pct / 100))
              if x is not None]
    ceilings = [x for x in (policy.ceiling, None if policy.ceiling_pct is None else
                            down(current * policy.ceiling_pct / 100)) if x is not None]
    floor = max(floors) if floors else None
    ceiling = min(ceilings) if ceilings else None
    band = (up(current * (1 - policy.max_change_pct / 100)), down(current * (1 + policy.max_change_pct / 100)))
    forced = {p for p in (margin_price, floor, ceiling) if p is not None}
    if floor is not None:
        assert price >= floor  # only the margin pushes above a floor, never below
    if ceiling is not None and price > ceiling:
        assert price == margin_price or (floor is not None and floor > ceiling and price in forced)
    if not band[0] <= price <= band[1]:
        assert price in forced  # only the margin, a floor or a ceiling outside the band moves the price beyond it
    low_stock = stock is not None and policy.low_stock_threshold is not None and stock <= policy.low_stock_threshold
    unknown_margin = cost is None and m > 0
    if (low_stock or unknown_margin) and price < current:
        # only a ceiling below the current price forces a cut (to it, or to a floor or margin price above it)
        assert ceiling is not None and ceiling < current and price in forced
    if s.bound_by == "min_margin" and cost is not None:
        assert price >= margin_price


@settings(max_examples=300, deadline=None)
@given(policy=policies(), current=money, cost=st.integers(0, 600_000).map(lambda c: D(c) / 100), e=st.floats(-6, 2),
       stock=st.none() | st.integers(0, 20))
def test_never_worse_than_keeping_an_allowed_price(policy, current, cost, e, stock):
    policy = Guardrails(**{**policy.__dict__, "rounding": "none"})
    m = policy.min_margin_pct / 100
    allowed = (
        (cost / (1 - m) <= current)
        and (policy.floor is None or policy.floor <= current)
        and (policy.ceiling is None or current <= policy.ceiling)
    )
    assume(allowed)
    s = suggest(current, cost, e, 10.0, stock, policy)
    objective = "profit" if policy.objective in ("profit", "auto") else "revenue"

    def value(p):
        p = float(p)
        return (p - (float(cost) if objective == "profit" else 0.0)) * (p / float(current)) ** e

    assert value(s.price) >= value(current) - 1e-9 * max(1.0, abs(value(current)))
    if objective == "profit" and e < -1 and s.bound_by is None:
        assert abs(float(s.price) - float(cost) * e / (1 + e)) <= 0.01 + 1e-9


def test_elasticity_object_is_accepted():
    e = Elasticity(product="A", elasticity=-2.5, low=-3.0, high=-2.0, se=0.3, raw=-2.7, raw_se=0.5, n_periods=52,
                   n_orders=300, category="mugs", pooled_toward=-2.2, period="week", base_units=30.0, ref_price=20.0)
    s = suggest(D("20.00"), D("12.00"), e, e.units_at(20), 100, rails(max_change_pct=D(10)))
    assert "90% CI -3.0 to -2.0" in s.reason and s.units_now == pytest.approx(30.0)
    assert math.isclose(s.units_new, e.units_at(s.price))
    s = suggest(D("20.00"), D("12.00"), (-2.5, -3.0, -2.0, 0.95), 30.0, 100, rails(max_change_pct=D(10)))
    assert "95% CI -3.0 to -2.0" in s.reason
