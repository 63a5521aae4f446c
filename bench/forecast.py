"""Benchmark the demand forecast by rolling origin (DESIGN.md section 7, "Forecast, rolling origin").

Run from the project root (the training stack installed: statsforecast)::

    .venv/bin/python bench/forecast.py --out forecast.json [--products 800] [--shops online_retail,demo_default]
    .venv/bin/python bench/forecast.py --shops demo_heldout --out heldout.json     # the final run only

**Online Retail** (real data, read in place from ../shared/data, never copied): Online Retail II 2009-12-01 to
2010-11-30 and Online Retail 2010-12-01 to 2011-12-09 together (two Christmases), lines with Quantity > 0, a price
> 0 and an invoice not starting with "C" (cancellations are excluded statuses), guests (no CustomerID) counted.
Daily units per StockCode. Products with enough sales: first sale at least ``MIN_HISTORY_DAYS`` (84) before the
oldest origin and sold on at least 60 days; a seeded sample of ``--products`` of them (all when fewer) keeps the run
short, and the JSON says how many there were.

**Demo shops** (the demo generator's defaults in memory, no database, history to 2026-10-31): ``demo_default``
(seed 42), on which the work was judged, and ``demo_heldout`` (seed 1042), kept for the final run. Every product
that qualifies the same way. The generator runs each product's shelf day by day (``demo_shop.catalog.stock``:
opening stock, reorders with lead times, stockouts that lose sales); a day that ends with an empty shelf is
censored (NaN), as the nightly stock snapshots make it for the forecast.

Protocol: 4 origins 28 days apart, the newest 28 days before the last day; horizon 28; each origin's models see only
the days before it. Systems, in the same run: naive, seasonal naive (7), moving average (28), AutoETS, Croston SBA,
TSB, ADIDA, the global gradient-boosting model (``gbm``, which also reads the calendar, the category and the price
paid; Online Retail has no categories, so the first three characters of the stock code stand in for one), its mean
with AutoETS (``gbm_ets``), and what serves (``ai_commerce``: the best model per demand class, chosen on the other
origins, its intervals calibrated on the other origins; ``--models`` runs a subset). Scores
(``ai_commerce.forecast.scoring``): WRMSSE (RMSSE per product scaled by its in-sample one-step naive error, weighted
by its revenue in the 28 days before the origin), MASE, coverage of the 80% and 95% intervals, scaled pinball loss.

Stockout dates (demo shops, ``stockout_dates``): at each origin, each product's stock and its deliveries on order
against what its shelf really did; what serves, the simple mean crossing, two baselines, and the generator's true
expected demand (the ceiling), split by how fast the product sells.

``--speed 4000 [--speed-backtest]`` only times the nightly work on a generated shop of that many products (wall
and CPU seconds, and the load average: the machine is shared).
"""

import argparse
import datetime as dt
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ai_commerce.forecast import backtest, methods, scoring  # noqa: E402

DATA_DIR = ROOT.parent / "shared" / "data"
HORIZON, ORIGINS, STEP, MIN_HISTORY, MIN_SELLING_DAYS = 28, 4, 28, 84, 60


def _lines(path, invoice, price):
    frame = pd.read_csv(path, usecols=[invoice, "StockCode", "Quantity", "InvoiceDate", price],
                        dtype={invoice: str, "StockCode": str})
    frame = frame[(frame["Quantity"] > 0) & (frame[price] > 0) & ~frame[invoice].str.startswith("C")]
    day = pd.to_datetime(frame["InvoiceDate"]).dt.normalize()
    return pd.DataFrame({"product": frame["StockCode"].str.upper(), "day": day,
                         # The data has no categories: the first three characters of the stock code group a line of
                         # products (e.g. 2272x lunch bags), which stands in for one.
                         "category": frame["StockCode"].str.upper().str[:3],
                         "units": frame["Quantity"].astype(float), "revenue": frame["Quantity"] * frame[price]})


def load_online_retail(data_dir):
    older = _lines(data_dir / "online_retail_ii_2009_2010.csv.gz", "Invoice", "Price")
    newer = _lines(data_dir / "online_retail.csv.gz", "InvoiceNo", "UnitPrice")
    older = older[older["day"] < pd.Timestamp("2010-12-01")]  # its last nine days are the first nine of the newer
    return pd.concat([older, newer], ignore_index=True)


#: The generated shops: the demo generator's defaults with these seeds. ``demo_heldout`` is kept for the final run.
DEMO_SEEDS = {"demo_default": 42, "demo_heldout": 1042}


def load_demo(seed):
    """The demo shop's order lines, and its stock trajectory ({"start", "end_of_day", "deliveries"}, per product
    index as in the lines)."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")
    import django

    django.setup()
    from demo_shop.catalog import seeding

    sim = seeding.simulate(seeding.SeedConfig(seed=seed, end_date=dt.date(2026, 10, 31), progress=False))
    rows = [(product, created.date(), qty, qty * float(price), sim.products[product]["category_slug"])
            for _c, created, lines in sim.orders for product, qty, price in lines]
    frame = pd.DataFrame(rows, columns=["product", "day", "units", "revenue", "category"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame, {"start": pd.Timestamp(sim.start_date), "end_of_day": sim.stock.end_of_day,
                   "deliveries": sim.stock.deliveries, "expected": sim.expected_units}


def matrix(lines):
    daily = lines.groupby(["product", "day"], as_index=False)[["units", "revenue"]].sum()
    start, end = daily["day"].min(), daily["day"].max()
    days = (end - start).days + 1
    products = sorted(daily["product"].unique())
    row = {p: i for i, p in enumerate(products)}
    units, revenue = np.zeros((len(products), days)), np.zeros((len(products), days))
    r, c = daily["product"].map(row).to_numpy(), (daily["day"] - start).dt.days.to_numpy()
    units[r, c], revenue[r, c] = daily["units"].to_numpy(), daily["revenue"].to_numpy()
    category = lines.groupby("product")["category"].first()
    return products, units, revenue, start, [category[p] for p in products]


def shelf(stock, products, start, n_days):
    """Align a generator's stock trajectory to the matrix: (end-of-day stock, products x days; deliveries per row,
    as (ordered on, arrives on, units) day indexes of the matrix)."""
    shift = (start - stock["start"]).days
    end_of_day = stock["end_of_day"][products][:, shift:shift + n_days]
    deliveries = [[(o - shift, a - shift, q) for o, a, q in stock["deliveries"][p]] for p in products]
    return end_of_day, deliveries


def run_shop(name, lines, sample, seed, models, stock=None):
    t = time.monotonic()
    products, units, revenue, start, categories = matrix(lines)
    first = np.argmax(units > 0, axis=1)
    if stock is not None:
        # Days that ended with an empty shelf are censored, as the nightly snapshots make them for the forecast.
        end_of_day, deliveries = shelf(stock, products, start, units.shape[1])
        units[(end_of_day <= 0) & (np.arange(units.shape[1])[None, :] >= first[:, None])] = np.nan
    oldest = backtest.origins(units.shape[1], HORIZON, ORIGINS, STEP)[0]
    eligible = np.flatnonzero((oldest - first >= MIN_HISTORY) & ((units > 0).sum(axis=1) >= MIN_SELLING_DAYS))
    picked = eligible
    if sample and len(eligible) > sample:
        picked = np.sort(np.random.default_rng(seed).choice(eligible, size=sample, replace=False))
    u, r, f = units[picked], revenue[picked], first[picked]
    records, used = backtest.run(u, r, list(f), horizon=HORIZON, count=ORIGINS, step=STEP, min_history=MIN_HISTORY,
                                 models=models, log=lambda line: print(f"  {name}: {line}", flush=True),
                                 start=start.date(), categories=[categories[i] for i in picked])
    metrics, choice = backtest.report(records, models, used)
    served = metrics.pop("served_records", None)
    stockouts = None
    if stock is not None:
        shelves = (end_of_day[picked], [deliveries[i] for i in picked])
        truth = stock["expected"][products][:, (start - stock["start"]).days:][picked]
        stockouts = {"ai_commerce": stockout_dates(served, *shelves, truth),
                     "ai_commerce, mean crossing": stockout_dates(served, *shelves, truth, rule="crossing"),
                     **{m: stockout_dates(records[m], *shelves, truth) for m in ("ma28", "ets") if m in records},
                     "true expected demand": stockout_dates(served, *shelves, truth, perfect=True),
                     "true expected demand, mean crossing": stockout_dates(served, *shelves, truth, rule="crossing",
                                                                          perfect=True)}
    rows = {m: {k: metrics.get(f"{k}_{m}") for k in ("wrmsse", "mase", "coverage_80", "coverage_95", "pinball")}
            for m in models}
    rows["ai_commerce"] = {k: metrics.get(k) for k in ("wrmsse", "mase", "coverage_80", "coverage_95", "pinball")}
    best = metrics["best_baseline"]
    everything = {m: rows[m]["wrmsse"] for m in models}
    return {"shop": name, "days": int(units.shape[1]), "start": str(start.date()),
            "origins": [str((start + pd.Timedelta(days=o)).date()) for o in used],
            "products_in_data": len(products), "products_eligible": len(eligible), "products_judged": len(picked),
            "classes": metrics["classes"], "serving": choice, "rows": rows, "best_simple_baseline": best,
            "ratio_to_best_simple_baseline": round(rows["ai_commerce"]["wrmsse"] / rows[best]["wrmsse"], 4),
            "best_of_all": min(everything, key=everything.get),
            "ratio_to_best_of_all": round(rows["ai_commerce"]["wrmsse"] / min(everything.values()), 4),
            "stockout_dates": stockouts, "seconds": round(time.monotonic() - t, 1)}


def crossing(daily, stock, arrivals):
    """The simple rule, for comparison: the first day the cumulative mean forecast empties the shelf (None: not
    within the horizon)."""
    left = stock + np.cumsum([arrivals.get(d, 0) for d in range(len(daily))]) - np.cumsum(daily)
    empty = np.flatnonzero(left <= 1e-9)
    return int(empty[0]) if len(empty) else None


RATE_BANDS = ((0, 1), (1, 3), (3, float("inf")))  # units a day wanted over the horizon (the generator's truth)


def stockout_dates(records, end_of_day, deliveries, truth, rule="outlook", perfect=False, tolerance=3):
    """Stockout-date accuracy on a shop with a stock trajectory. At each origin a product starts with its stock at
    the end of the day before (the snapshot the forecast reads) and the deliveries already ordered, arriving on
    their days (what the shop knows). Among the product-origins in stock whose shelf then empties within the
    horizon, before any delivery ordered after the origin arrives (which nobody could foresee), the share whose
    forecast stockout day is within ``tolerance`` days of the day the shelf actually emptied (a product the
    forecast expects to last the horizon counts as wrong). ``false_alarms``: among those whose shelf lasted the
    horizon without an unforeseen delivery, the share given a stockout day.

    ``rule``: "outlook" (``stockout.outlook``, what ``inventory.decide`` serves: simulated demand paths of the
    forecast), "crossing" (the day the cumulative mean reaches the stock). ``truth`` (products x days): the
    generator's true expected demand, by which ``by_rate`` splits the products that ran out; ``perfect``: date
    with it instead of the forecast's mean, the same way (the ceiling: what a perfect forecast of the mean would
    get; its spread is the forecast's).
    """
    from ai_commerce.forecast import stockout

    errors, rates, alarms, lasted = [], [], 0, 0
    for r in records:
        i, origin = r["product"], r["origin"]
        horizon = len(r["actual"])
        stock = end_of_day[i, origin - 1]
        if stock <= 0:
            continue
        known = {a - origin: q for o, a, q in deliveries[i] if o < origin <= a < origin + horizon}
        unforeseen = [a - origin for o, a, _q in deliveries[i] if origin <= o and a < origin + horizon]
        forecast = dict(r["forecast"])
        if perfect:
            forecast["mean"] = truth[i, origin:origin + horizon]
        guess = (stockout.outlook(forecast, stock, known).day if rule == "outlook" else
                 crossing(forecast["mean"], stock, known))
        empty = np.flatnonzero(end_of_day[i, origin:origin + horizon] <= 0)
        if not len(empty):
            if not unforeseen:
                lasted += 1
                alarms += guess is not None
            continue
        day = int(empty[0])
        if unforeseen and min(unforeseen) <= day:
            continue
        errors.append(horizon if guess is None else abs(guess - day))
        rates.append(float(np.mean(truth[i, origin:origin + horizon])))
    errors, rates = np.array(errors), np.array(rates)
    by_rate = {f"{low:g}-{high:g} a day": {"run_out": int(np.sum(band)), "within_3_days": round(float(np.mean(
        errors[band] <= tolerance)), 4) if band.any() else None}
        for low, high in RATE_BANDS for band in [(rates >= low) & (rates < high)]}
    return {"run_out": len(errors), "within_3_days": round(float(np.mean(errors <= tolerance)), 4) if len(errors)
            else None, "median_days_off": float(np.median(errors)) if len(errors) else None,
            "lasted": lasted, "false_alarms": round(alarms / lasted, 4) if lasted else None, "by_rate": by_rate}


def speed(count, seed, with_backtest):
    """Time the nightly work on a generated shop of ``count`` products (the demo generator, its defaults scaled: 250
    wanted order lines a product): forecasting every product with the model its class serves (as
    ``training.forecast_all`` does, each model fitting only its classes' products) for two servings, the global
    model for every class (what the demo's backtest chooses) and the statsforecast defaults per class, then dating
    each product's stockout (``stockout.outlook``, as the plan does); and, with ``with_backtest``, the backtest of
    every model at 4 origins. statsforecast's numba code is compiled before timing."""
    import os

    from ai_commerce.forecast import stockout

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")
    import django

    django.setup()
    from demo_shop.catalog import seeding

    t = time.monotonic()
    sim = seeding.simulate(seeding.SeedConfig(seed=seed, products=count, order_lines=250 * count,
                                              end_date=dt.date(2026, 10, 31), progress=False))
    rows = [(product, created.date(), qty, qty * float(price), sim.products[product]["category_slug"])
            for _c, created, lines in sim.orders for product, qty, price in lines]
    lines = pd.DataFrame(rows, columns=["product", "day", "units", "revenue", "category"])
    lines["day"] = pd.to_datetime(lines["day"])
    products, units, revenue, start, categories = matrix(lines)
    end_of_day, _deliveries = shelf({"start": pd.Timestamp(sim.start_date), "end_of_day": sim.stock.end_of_day,
                                     "deliveries": sim.stock.deliveries}, products, start, units.shape[1])
    first = np.argmax(units > 0, axis=1)
    units[(end_of_day <= 0) & (np.arange(units.shape[1])[None, :] >= first[:, None])] = np.nan
    out = {"products": len(products), "days": int(units.shape[1]), "generate_seconds": round(time.monotonic() - t, 1)}
    methods.forecast([np.random.default_rng(0).poisson(2.0, 120).astype(float)] * 3, HORIZON,
                     [m for m in methods.MODELS if m not in ("gbm", "gbm_ets")])  # compile numba
    end = (start + pd.Timedelta(days=units.shape[1] - 1)).date()
    price = backtest.prices_paid(units, revenue)
    series = [units[i, first[i]:] for i in range(len(products))]
    classes = [scoring.demand_class(y[-365:]) for y in series]
    for label, serving in (("global model for every class", dict.fromkeys((*scoring.CLASSES, "none"), "gbm")),
                           ("statsforecast defaults per class", methods.DEFAULT_BY_CLASS)):
        t, cpu = time.monotonic(), time.process_time()
        chosen = [serving[c] for c in classes]
        fitted = {}
        for name in sorted(set(chosen)):
            ks = [k for k, model in enumerate(chosen) if model == name]
            fc = methods.forecast([series[k] for k in ks], HORIZON, [name], end=end,
                                  categories=[categories[k] for k in ks], prices=[price[k, first[k]:] for k in ks])
            fitted.update({k: {key: fc[name][key][j] for key in methods.KEYS} for j, k in enumerate(ks)})
        forecast_seconds, forecast_cpu = time.monotonic() - t, time.process_time() - cpu
        for k in range(len(products)):
            stockout.outlook(fitted[k], max(int(end_of_day[k, -1]), 1))
        out[label] = {"forecast_seconds": round(forecast_seconds, 1), "forecast_cpu_seconds": round(forecast_cpu, 1),
                      "with_stockout_dates_seconds": round(time.monotonic() - t, 1),
                      "with_stockout_dates_cpu_seconds": round(time.process_time() - cpu, 1)}
        print(f"speed: {len(products)} products, {label}: forecast {out[label]['forecast_seconds']} s "
              f"({out[label]['forecast_cpu_seconds']} s of CPU), with the stockout dates "
              f"{out[label]['with_stockout_dates_seconds']} s ({out[label]['with_stockout_dates_cpu_seconds']} s of "
              f"CPU); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    if with_backtest:
        t, cpu = time.monotonic(), time.process_time()
        records, used = backtest.run(units, revenue, list(first), horizon=HORIZON, count=ORIGINS, step=STEP,
                                     min_history=MIN_HISTORY, start=start.date(), categories=categories)
        backtest.report(records, tuple(methods.MODELS), used)
        out["backtest_seconds"] = round(time.monotonic() - t, 1)
        out["backtest_cpu_seconds"] = round(time.process_time() - cpu, 1)
        out["backtest_product_origins"] = len(records["naive"])
        print(f"speed: backtest of {len(methods.MODELS)} models at {len(used)} origins, "
              f"{out['backtest_product_origins']} product-origins: {out['backtest_seconds']} s "
              f"({out['backtest_cpu_seconds']} s of CPU); load average {os.getloadavg()[0]:.1f}", flush=True)
    return out


def table(result):
    out = [(f"{result['shop']}: {result['products_judged']} of {result['products_eligible']} eligible products "
            f"({result['products_in_data']} in the data), origins {', '.join(result['origins'])}, "
            f"{result['seconds']} s"),
           f"{'system':<16}{'WRMSSE':>9}{'MASE':>8}{'cov80':>8}{'cov95':>8}{'pinball':>9}"]
    for name, row in result["rows"].items():
        out.append(f"{name:<16}{row['wrmsse']:>9.4f}{row['mase']:>8.4f}{row['coverage_80']:>8.3f}"
                   f"{row['coverage_95']:>8.3f}{row['pinball']:>9.4f}")
    if result.get("stockout_dates"):
        out.append("stockout date within 3 days (product-origins that ran out within the horizon; false alarms "
                   "among those that lasted it):")
        out.extend(f"  {name:<38}{v['within_3_days']} of {v['run_out']} (median {v['median_days_off']} days off), "
                   f"false alarms {v['false_alarms']} of {v['lasted']}; by rate: " + ", ".join(
                       f"{band} {x['within_3_days']} of {x['run_out']}" for band, x in v["by_rate"].items())
                   for name, v in result["stockout_dates"].items())
    out.append(f"serves {result['serving']}; ratio to the best simple baseline ({result['best_simple_baseline']}) "
               f"{result['ratio_to_best_simple_baseline']}, to the best single model ({result['best_of_all']}) "
               f"{result['ratio_to_best_of_all']}")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="forecast.json")
    parser.add_argument("--shops", default="online_retail,demo_default",
                        help="online_retail, demo_default, demo_heldout (keep it for the final run)")
    parser.add_argument("--products", type=int, default=800, help="sample at most this many products per shop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models", default="", help="comma-separated models (default: all, baselines included)")
    parser.add_argument("--data", default=str(DATA_DIR))
    parser.add_argument("--speed", type=int, default=0, help="only time the nightly work on this many generated "
                        "products (4000 for the issue's target)")
    parser.add_argument("--speed-backtest", action="store_true", help="with --speed, time the backtest too")
    args = parser.parse_args()
    if args.speed:
        Path(args.out).write_text(json.dumps({"speed": speed(args.speed, 7, args.speed_backtest),
                                              "machine": platform.platform()}, indent=2))
        return
    models = tuple(args.models.split(",")) if args.models else tuple(methods.MODELS)
    results = []
    for shop in args.shops.split(","):
        lines, stock = (load_online_retail(Path(args.data)), None) if shop == "online_retail" else load_demo(
            DEMO_SEEDS[shop])
        result = run_shop(shop, lines, args.products, args.seed, models, stock)
        print(table(result), flush=True)
        results.append(result)
    Path(args.out).write_text(json.dumps({
        "protocol": {"horizon": HORIZON, "origins": ORIGINS, "step": STEP, "min_history": MIN_HISTORY,
                     "min_selling_days": MIN_SELLING_DAYS, "sample": args.products, "seed": args.seed,
                     "classes": list(scoring.CLASSES)},
        "machine": platform.platform(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
