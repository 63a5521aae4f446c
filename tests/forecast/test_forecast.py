"""The demand forecast on a small generated shop with known demand: Poisson sellers, two slow movers, a product that
stocks out, and a new product. Real training (statsforecast) on tiny data; no stubs."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone

from ai_commerce import registry
from ai_commerce.forecast import backtest, history, inventory, methods, scoring, stockout
from ai_commerce.forecast.checks import check_forecast_settings
from ai_commerce.forecast.conf import DEFAULTS
from ai_commerce.forecast.models import InventoryPolicy, ProductForecast, ReorderSuggestion, StockSnapshot
from ai_commerce.forecast.ordering import OrderRefused, mark_ordered
from ai_commerce.models import ModelVersion, TrainingRun
from tests.althost.models import Purchase, SaleLine
from tests.factories import ItemFactory, SectionFactory, StockRecordFactory, UserFactory

DAYS = 200
RATES = [4.0, 4.0, 6.0, 3.0, 0.3, 0.25]  # four smooth sellers, two intermittent


def simulate(items, rates, *, days=DAYS, seed=5, first_day=None):
    """Write ``days`` of daily orders ending yesterday: Poisson units per item, from ``first_day`` on (per item)."""
    rng = np.random.default_rng(seed)
    start = timezone.now() - dt.timedelta(days=days)
    buyer = UserFactory()
    purchases = Purchase.objects.bulk_create(
        [Purchase(buyer=buyer if d % 3 else None, placed_on=start + dt.timedelta(days=d, hours=12))
         for d in range(days)])  # every third day's orders are guests'
    lines = []
    for index, (item, rate) in enumerate(zip(items, rates, strict=True)):
        for day, purchase in enumerate(purchases):
            if first_day and day < first_day.get(index, 0):
                continue
            units = int(rng.poisson(rate))
            if units:
                lines.append(SaleLine(purchase=purchase, article=item, qty=units, each_price=Decimal("10.00")))
    SaleLine.objects.bulk_create(lines)
    return purchases


@pytest.fixture
def shop(db):
    section = SectionFactory(name="Mugs")
    items = []
    for n in range(len(RATES) + 1):
        item = ItemFactory(label=f"Mug {n}")
        item.sections.add(section)
        StockRecordFactory(item=item, num_in_stock=[11, 200, 400, 0, 3, 50, 5][n])
        items.append(item)
    purchases = simulate(items, [*RATES, 4.0], first_day={len(RATES): DAYS - 30})  # the last one is new
    cancelled = Purchase.objects.create(buyer=None, placed_on=purchases[-1].placed_on, status="cancelled")
    SaleLine.objects.create(purchase=cancelled, article=items[0], qty=500, each_price=Decimal("10.00"))
    return items


def train():
    return registry.execute_run(TrainingRun.objects.create(kind="forecast").pk)


def test_history_counts_guests_leaves_out_excluded_statuses_and_censors_stockouts(shop):
    demand = history.load()
    assert demand.days == DAYS and demand.end == timezone.localtime(
        Purchase.objects.latest("placed_on").placed_on).date()  # anchored to the newest order, not today
    total = SaleLine.objects.exclude(purchase__status="cancelled").filter(article=shop[0]).values_list("qty", flat=True)
    assert np.nansum(demand.series(shop[0].pk)) == sum(total)  # guests in, the cancelled 500 out
    assert not demand.sees_stockouts and not np.isnan(demand.units).any()
    out_day = demand.end - dt.timedelta(days=3)
    StockSnapshot.objects.create(product=shop[0], day=out_day, stock=0)
    StockSnapshot.objects.create(product=shop[0], day=out_day - dt.timedelta(days=1), stock=4)
    demand = history.load()
    assert demand.sees_stockouts
    series = demand.series(shop[0].pk)
    assert np.isnan(series[(out_day - demand.start).days]) and np.isnan(series).sum() == 1  # unknown, not zero


def test_snapshot_reads_the_adapters_stock_once_a_day(shop):
    day = dt.date(2026, 5, 1)
    assert history.snapshot_stock(day) == len(shop)
    StockRecordFactory(item=shop[0], partner="second", num_in_stock=4)
    assert history.snapshot_stock(day) == len(shop)  # the same day again: rewritten, not duplicated
    assert StockSnapshot.objects.get(product=shop[0], day=day).stock == 15  # stock summed over stock records


def test_demand_classes():
    rng = np.random.default_rng(0)
    assert scoring.demand_class(rng.poisson(5, 200).astype(float)) == "smooth"
    assert scoring.demand_class(rng.poisson(0.2, 200).astype(float)) == "intermittent"
    lumpy = np.zeros(200)
    lumpy[::9] = rng.choice([1, 30], size=len(lumpy[::9]))
    assert scoring.demand_class(lumpy) == "lumpy"
    assert scoring.demand_class(np.zeros(10)) == "none"


def test_censored_days_are_not_read_as_zero_demand():
    """Known demand (Poisson 5); the last 12 days before the origin were out of stock. Reading them as unknown gives
    a lower error on the days after the stockout than reading them as zero demand."""
    rng = np.random.default_rng(1)
    errors = {"censored": [], "zeros": []}
    for seed in range(8):
        y = np.random.default_rng(seed).poisson(5, 112).astype(float)
        future = rng.poisson(5, 28).astype(float)
        censored, zeros = y.copy(), y.copy()
        censored[-12:], zeros[-12:] = np.nan, 0.0
        for name, series in (("censored", censored), ("zeros", zeros)):
            fc = methods.forecast([series], 28, ["ma28", "ets"])
            errors[name].append(np.mean([np.abs(fc[m]["mean"][0] - future).mean() for m in ("ma28", "ets")]))
    assert np.mean(errors["censored"]) < 0.8 * np.mean(errors["zeros"]), errors


def test_backtest_judges_every_model_at_rolling_origins_and_intervals_cover():
    rng = np.random.default_rng(2)
    units = np.vstack([rng.poisson(r, 196).astype(float) for r in (5, 3, 8, 0.3, 0.2, 4)])
    records, used = backtest.run(units, units * 10, [0] * 6, horizon=28, count=4, step=28, min_history=84)
    assert used == [84, 112, 140, 168]
    metrics, choice = backtest.report(records, tuple(methods.MODELS), used)
    for name in methods.MODELS:
        assert metrics[f"wrmsse_{name}"] > 0
    assert metrics["best_baseline"] in methods.BASELINES and "wrmsse_skill" in metrics
    assert metrics["wrmsse"] < metrics["wrmsse_naive"]  # naive is a poor forecast of Poisson demand
    assert 0.6 <= metrics["coverage_80"] <= 0.97 and 0.8 <= metrics["coverage_95"] <= 1.0
    assert set(choice) <= {*scoring.CLASSES, "none"} and choice["smooth"] in methods.MODELS


def test_training_backtests_forecasts_every_product_and_plans_reorders(shop):
    run = train()
    assert run.status == "succeeded", run.error
    version = run.model_version
    m = version.metrics
    assert m["origins"] == 4 and m["judged_on"]["products"] == len(RATES)
    for key in ("wrmsse", "mase", "coverage_80", "coverage_95", "pinball", "wrmsse_naive", "wrmsse_seasonal_naive",
                "wrmsse_ma28", "wrmsse_ets", "wrmsse_tsb", "wrmsse_croston_sba", "wrmsse_gbm", "wrmsse_gbm_ets",
                "interval_scale"):
        assert key in m, key
    assert m["sees_stockouts"] is False and "cannot be seen" in version.note
    assert version.is_active == (m["wrmsse_skill"] >= 0)
    forecasts = {f.product_id: f for f in ProductForecast.objects.filter(model_version=version)}
    assert set(forecasts) == {item.pk for item in shop}
    steady = forecasts[shop[2].pk]
    assert len(steady.mean) == DEFAULTS["HORIZON_DAYS"] and steady.evidence == "own"
    assert 4.5 < steady.daily_rate < 7.5 and steady.demand_class == "smooth"  # true rate 6
    assert all(lo <= mu <= hi for lo, mu, hi in zip(steady.lo95, steady.mean, steady.hi95, strict=True))
    assert all(a <= b for a, b in zip(steady.lo95, steady.lo80, strict=True))
    new = forecasts[shop[-1].pk]
    assert new.evidence == "category" and "New product" in new.note and "'Mugs'" in new.note
    assert forecasts[shop[4].pk].demand_class == "intermittent"
    if version.is_active:
        risky = ReorderSuggestion.objects.get(product=shop[0], status="open")  # 11 in stock, 4 a day, 7 days lead
        assert risky.at_risk and risky.order_qty > 0 and 3 < risky.daily_rate < 5  # true rate 4
        assert risky.reason.startswith(f"sells about {risky.daily_rate:.1f} a day")
        assert "11 in stock" in risky.reason
        assert risky.stockout_on == steady.start + dt.timedelta(days=2)
        assert ReorderSuggestion.objects.get(product=shop[2], status="open").order_qty == 0  # 400 in stock


def test_a_short_history_is_skipped_with_its_reason_and_nothing_is_promoted(db):
    item = ItemFactory()
    StockRecordFactory(item=item)
    simulate([item], [3.0], days=60)
    run = train()
    assert run.status == "skipped" and "days of order history" in run.message
    assert not ModelVersion.objects.of_kind("forecast").exists()


def test_decide_reasons_in_words():
    policy = InventoryPolicy(lead_time_days=7, review_period_days=7, service_level=Decimal(95), min_order_qty=10,
                             pack_size=6)
    start = dt.date(2026, 3, 1)
    mean, lo, hi = [4.0] * 28, [3.0] * 28, [6.0] * 28
    out = inventory.decide(mean, lo, hi, 11, 0, policy, start, 90)
    assert out["reason"].startswith("sells about 4 a day (3 to 6); 11 in stock last 2-4 days; the next delivery "
                                    "takes 7 days; order ")
    assert out["stockout_on"] == dt.date(2026, 3, 3) and out["stockout_earliest"] == dt.date(2026, 3, 2)
    assert out["at_risk"] and out["order_qty"] % 6 == 0 and out["order_qty"] >= 56 - 11
    calm = inventory.decide(mean, lo, hi, 500, 0, policy, start, 90)
    assert calm["order_qty"] == 0 and calm["overstock"] and calm["days_of_cover"] == 125.0
    assert "no order needed" in calm["reason"]
    covered = inventory.decide(mean, lo, hi, 11, 60, policy, start, 90)
    assert covered["order_qty"] == 0 and "60 on order" in covered["reason"]


def test_most_specific_policy_wins(shop):
    InventoryPolicy.objects.create(name="all", lead_time_days=3)
    InventoryPolicy.objects.create(name="mugs", category="Mugs", lead_time_days=10)
    InventoryPolicy.objects.create(name="one", product=shop[0], lead_time_days=20)
    resolve = inventory.PolicyResolver()
    assert resolve(shop[0].pk, "Mugs").name == "one"
    assert resolve(shop[1].pk, "Mugs").name == "mugs" and resolve(shop[1].pk, "Cups").name == "all"


def test_marking_as_ordered_counts_on_order_until_it_arrives(shop):
    run = train()
    version = run.model_version
    version.is_active or registry.activate(version)
    inventory.plan(version, 90)
    suggestion = ReorderSuggestion.objects.get(product=shop[0], status="open")
    ordered = mark_ordered(suggestion, quantity=40, today=suggestion.planned_on)
    assert ordered.status == "ordered" and ordered.arrives_on == suggestion.planned_on + dt.timedelta(days=7)
    with pytest.raises(OrderRefused):
        mark_ordered(ordered)
    inventory.plan(version, 90)
    again = ReorderSuggestion.objects.get(product=shop[0], status="open")
    assert again.on_order == 40 and "40 on order" in again.reason


@pytest.mark.parametrize(("key", "value", "id_"), [("HORIZON_DAYS", 0, "E070"), ("BACKTEST_ORIGINS", 20, "E071"),
                                                   ("MIN_HISTORY_DAYS", True, "E073"),
                                                   ("PROMOTION_TOLERANCE", -1, "E075"), ("OVERSTOCK_DAYS", 1, "E076")])
def test_checks_name_the_setting(key, value, id_):
    found = check_forecast_settings(conf={**DEFAULTS, key: value})
    assert [m.id for m in found if m.level >= 40] == [f"ai_commerce.{id_}"] and found[0].hint


def test_history_shorter_than_three_horizons_is_an_error():
    found = check_forecast_settings(conf={**DEFAULTS, "MIN_HISTORY_DAYS": 60})
    assert [m.id for m in found] == ["ai_commerce.E077"] and "84" in found[0].hint


def test_train_command_runs_the_forecast(shop, capsys):
    call_command("ai_commerce_train", "forecast")
    assert ModelVersion.objects.of_kind("forecast").exists()


def test_the_best_baseline_serves_when_the_models_per_class_backtest_worse():
    """Left-one-origin-out, ETS is chosen for an origin on the other one, where it was perfect, and then fails: the
    served choice is worse than the moving average, so the moving average serves every class."""
    def record(origin, sse):
        return {"origin": origin, "product": 0, "class": "smooth", "weight": 1.0, "sq": 1.0, "abs": 1.0, "n": 28,
                "sse": sse, "sae": sse, "bias": 0.0, "units": 28.0, "in80": 22, "in95": 27, "pinball": 1.0}

    errors = {"naive": (50, 50), "seasonal_naive": (40, 40), "ma28": (10, 10), "ets": (0, 100)}
    records = {name: [record(84, a), record(112, b)] for name, (a, b) in errors.items()}
    metrics, choice = backtest.report(records, tuple(errors), [84, 112])
    assert "ma28" in metrics["fallback"] and metrics["best_baseline"] == "ma28"
    assert metrics["wrmsse"] == metrics["wrmsse_ma28"] and metrics["wrmsse_skill"] == 0.0
    assert set(choice.values()) == {"ma28"}
    records["ets"] = [record(84, 0), record(112, 1)]  # ETS good at both origins: it serves
    metrics, choice = backtest.report(records, tuple(errors), [84, 112])
    assert "fallback" not in metrics and choice["smooth"] == "ets" and metrics["wrmsse_skill"] > 0


def test_the_global_model_learns_weekdays_and_levels_across_products():
    """Twelve products of two categories with a weekend peak (x3) and levels from 0.5 to 12 a day, one of them only
    60 days old: one gradient-boosting model forecasts every level and the weekly shape, the new one included."""
    from ai_commerce.forecast import global_model

    rng = np.random.default_rng(3)
    end = dt.date(2026, 3, 1)  # a Sunday
    days = np.arange(300)
    weekday = np.array([(end - dt.timedelta(days=int(299 - d))).weekday() for d in days])
    shape = np.where(weekday >= 5, 3.0, 1.0)
    levels = np.linspace(0.5, 12, 12)
    series = [rng.poisson(level * shape).astype(float) for level in levels]
    series[-1] = series[-1][-60:]
    fc = global_model.forecast(series, 28, end=end, categories=["a", "b"] * 6)
    mean = fc["mean"]
    future = np.array([(end + dt.timedelta(days=k + 1)).weekday() >= 5 for k in range(28)])
    for i, level in enumerate(levels):
        expected = level * np.where(future, 3.0, 1.0)
        assert abs(mean[i].mean() / expected.mean() - 1) < 0.25, (i, mean[i].mean(), expected.mean())
        if level > 3:
            assert mean[i][future].mean() > 2 * mean[i][~future].mean()  # the weekend peak
    assert np.all(fc["lo80"] <= mean) and np.all(mean <= fc["hi80"]) and np.all(fc["hi80"] <= fc["hi95"])


def test_the_global_model_fits_a_sample_of_a_big_shops_rows(monkeypatch):
    """Past ``MAX_TRAINING_ROWS`` the model fits a seeded sample of the rows (the 4,000-product speed): it still
    forecasts every product's level, and every product keeps bounds."""
    from ai_commerce.forecast import global_model

    monkeypatch.setattr(global_model, "MAX_TRAINING_ROWS", 5_000)  # the 48 products below make about 11,000 rows
    rng = np.random.default_rng(4)
    levels = np.repeat(np.linspace(1, 12, 12), 4)
    series = [rng.poisson(level, 300).astype(float) for level in levels]
    fc = global_model.forecast(series, 28, end=dt.date(2026, 3, 1))
    off = np.abs(fc["mean"].mean(axis=1) / levels - 1)
    assert off.mean() < 0.1 and off.max() < 0.4, off  # all the rows: 0.03 and 0.08; this sample: 0.06 and 0.33
    assert np.all(fc["lo95"] <= fc["lo80"]) and np.all(fc["lo80"] <= fc["mean"]) and np.all(fc["hi80"] <= fc["hi95"])
    assert np.mean(fc["hi80"] > fc["mean"]) > 0.9


def test_the_level_since_the_price_last_changed():
    """The mean units since each product's newest price took over (within the window), and how many days ago."""
    from ai_commerce.forecast import global_model

    units = np.array([[1, 1, 1, 5, 5, np.nan, 5], [2, 2, 2, 2, 2, 2, 2], [1, 1, 1, 1, 1, 1, 1]], dtype=float)
    price = np.array([[10, 10, 10, 8, np.nan, np.nan, 8], [3, 3, 3, 3, 3, 3, 3], [np.nan] * 7])
    newest = global_model._last(price[:, :7])
    level, days = global_model._since_price_change(units, price, 7, newest)
    assert level[0] == 5 and days[0] == 4  # days 3-6 at the new price, the censored one left out
    assert level[1] == 2 and days[1] == 7  # never changed: the whole window
    assert np.isnan(level[2]) and np.isnan(days[2])  # no price paid


def test_intervals_are_calibrated_on_the_backtest_to_cover_their_level():
    """Poisson demand of levels 2 to 20 with intervals too narrow, then too wide: the factor fitted on the other
    origins brings the held-out coverage near 80% and 95%."""
    rng = np.random.default_rng(4)
    for width in (0.4, 4.0):
        records = []
        for origin in (84, 112, 140, 168):
            for product in range(20):
                level = 2 + product * 0.9
                actual = rng.poisson(level, 28).astype(float)
                mean, sd = np.full(28, level), np.sqrt(level)
                arrays = {"mean": mean, "lo80": mean - width * 1.28 * sd, "hi80": mean + width * 1.28 * sd,
                          "lo95": mean - width * 1.96 * sd, "hi95": mean + width * 1.96 * sd}
                records.append({"origin": origin, "product": product, "class": "smooth", "weight": 1.0, "sq": 10.0,
                                "abs": 2.5, **scoring.errors(actual, arrays), "model": "ets", "actual": actual,
                                "forecast": arrays})
        raw = scoring.summarize(records)
        calibrated, by_model = backtest.calibrate({"ets": records}, records, [84, 112, 140, 168])
        factors = by_model["ets"]
        held_out = scoring.summarize(calibrated)
        assert (factors["80"] > 1.5) == (width < 1) and (raw["coverage_80"] < 0.6) == (width < 1)
        assert 0.75 <= held_out["coverage_80"] <= 0.85 and 0.90 <= held_out["coverage_95"] <= 0.97, held_out
        assert held_out["wrmsse"] == raw["wrmsse"]  # the forecast itself is untouched


def test_stockout_outlook_dates_a_slow_seller_better_than_the_mean_crossing():
    """Known demand (Poisson 0.3 a day, 7 in stock): against 2,000 true demand paths, among those that empty the
    shelf within the horizon, the outlook's day (the most likely week of simulated paths) is within 3 days of the
    day the shelf empties more often than the day the cumulative mean reaches the stock, which comes late. Even so,
    under half are: the noise of a slow seller's empty day. A delivery on order moves the day later; stock that
    lasts gets no day."""
    rate, stock, horizon = 0.3, 7, 28
    forecast = {"mean": [rate] * horizon, "lo80": [0.0] * horizon, "hi80": [1.0] * horizon}  # Poisson 0.3: 0 to 1
    seen = stockout.outlook(forecast, stock)
    crossing = int(np.flatnonzero(np.cumsum(forecast["mean"]) >= stock - 1e-9)[0])
    truth = stockout.empty_days(np.random.default_rng(7).poisson(rate, size=(2000, horizon)), stock)
    truth = truth[truth < horizon]
    assert seen.earliest <= seen.day < crossing and 0.5 < seen.probability < 0.9 and seen.latest is None
    hit, crossing_hit = np.mean(np.abs(truth - seen.day) <= 3), np.mean(np.abs(truth - crossing) <= 3)
    assert crossing_hit < hit < 0.5
    later = stockout.outlook(forecast, stock, {seen.day - 5: 3})
    assert later.probability < seen.probability and (later.day is None or later.day > seen.day)
    assert stockout.outlook(forecast, 60).day is None
