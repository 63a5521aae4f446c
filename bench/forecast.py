"""Benchmark the demand forecast by rolling origin (DESIGN.md section 7, "Forecast, rolling origin").

Run from the project root (the training stack installed: statsforecast)::

    .venv/bin/python bench/forecast.py --out forecast.json [--products 800] [--shops online_retail,demo_default]

**Online Retail** (real data, read in place from ../shared/data, never copied): Online Retail II 2009-12-01 to
2010-11-30 and Online Retail 2010-12-01 to 2011-12-09 together (two Christmases), lines with Quantity > 0, a price
> 0 and an invoice not starting with "C" (cancellations are excluded statuses), guests (no CustomerID) counted.
Daily units per StockCode. Products with enough sales: first sale at least ``MIN_HISTORY_DAYS`` (84) before the
oldest origin and sold on at least 60 days; a seeded sample of ``--products`` of them (all when fewer) keeps the run
short, and the JSON says how many there were.

**Demo shop** (``demo_default``: the demo generator's defaults, seed 42, in memory, no database): every product
that qualifies the same way.

Protocol: 4 origins 28 days apart, the newest 28 days before the last day; horizon 28; each origin's models see only
the days before it. Systems, in the same run: naive, seasonal naive (7), moving average (28), AutoETS, Croston SBA,
TSB, ADIDA, the global gradient-boosting model (``gbm``, which also reads the calendar, the category and the price
paid; Online Retail has no categories, so the first three characters of the stock code stand in for one), its mean
with AutoETS (``gbm_ets``), and what serves (``ai_commerce``: the best model per demand class, chosen on the other
origins, its intervals calibrated on the other origins; ``--models`` runs a subset). Scores
(``ai_commerce.forecast.scoring``): WRMSSE (RMSSE per product scaled by its in-sample one-step naive error, weighted
by its revenue in the 28 days before the origin), MASE, coverage of the 80% and 95% intervals, scaled pinball loss.
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


def load_demo():
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")
    import django

    django.setup()
    from demo_shop.catalog import seeding

    sim = seeding.simulate(seeding.SeedConfig(end_date=dt.date(2026, 10, 31), progress=False))
    rows = [(product, created.date(), qty, qty * float(price), sim.products[product]["category_slug"],
             sim.products[product]["stock"]) for _c, created, lines in sim.orders for product, qty, price in lines]
    frame = pd.DataFrame(rows, columns=["product", "day", "units", "revenue", "category", "stock"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


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
    stock = lines.groupby("product")["stock"].first() if "stock" in lines else None
    return (products, units, revenue, start, [category[p] for p in products],
            None if stock is None else np.array([stock[p] for p in products], dtype=float))


def run_shop(name, lines, sample, seed, models):
    t = time.monotonic()
    products, units, revenue, start, categories, stock = matrix(lines)
    first = np.argmax(units > 0, axis=1)
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
        stockouts = {"ai_commerce": stockout_dates(served, stock[picked]),
                     **{m: stockout_dates(records[m], stock[picked]) for m in ("ma28", "ets") if m in records}}
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


def _crossing(daily, stock):
    """Index of the first day by whose end the cumulative units reach ``stock``; None within the horizon."""
    reached = np.flatnonzero(np.cumsum(np.nan_to_num(daily)) >= stock - 1e-9)
    return int(reached[0]) if len(reached) else None


def stockout_dates(records, stock, tolerance=3):
    """Stockout-date accuracy: each product starts every origin with its stock in the generator; among those whose
    actual sales reach it within the horizon (they run out), the share whose forecast stockout day (the first day
    the cumulative forecast reaches the stock, as ``inventory.decide`` dates it) is within ``tolerance`` days."""
    errors = []
    for r in records:
        s = stock[r["product"]]
        truth = _crossing(r["actual"], s) if s > 0 else None
        if truth is None:
            continue
        guess = _crossing(r["forecast"]["mean"], s)
        errors.append(HORIZON if guess is None else abs(guess - truth))
    errors = np.array(errors)
    return {"run_out": len(errors), "within_3_days": round(float(np.mean(errors <= tolerance)), 4) if len(errors)
            else None, "median_days_off": float(np.median(errors)) if len(errors) else None}


def table(result):
    out = [(f"{result['shop']}: {result['products_judged']} of {result['products_eligible']} eligible products "
            f"({result['products_in_data']} in the data), origins {', '.join(result['origins'])}, "
            f"{result['seconds']} s"),
           f"{'system':<16}{'WRMSSE':>9}{'MASE':>8}{'cov80':>8}{'cov95':>8}{'pinball':>9}"]
    for name, row in result["rows"].items():
        out.append(f"{name:<16}{row['wrmsse']:>9.4f}{row['mase']:>8.4f}{row['coverage_80']:>8.3f}"
                   f"{row['coverage_95']:>8.3f}{row['pinball']:>9.4f}")
    if result.get("stockout_dates"):
        out.append("stockout date within 3 days (products that ran out within the horizon, at every origin): " +
                   ", ".join(f"{name} {v['within_3_days']} of {v['run_out']} (median {v['median_days_off']} days off)"
                             for name, v in result["stockout_dates"].items()))
    out.append(f"serves {result['serving']}; ratio to the best simple baseline ({result['best_simple_baseline']}) "
               f"{result['ratio_to_best_simple_baseline']}, to the best single model ({result['best_of_all']}) "
               f"{result['ratio_to_best_of_all']}")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="forecast.json")
    parser.add_argument("--shops", default="online_retail,demo_default")
    parser.add_argument("--products", type=int, default=800, help="sample at most this many products per shop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models", default="", help="comma-separated models (default: all, baselines included)")
    parser.add_argument("--data", default=str(DATA_DIR))
    args = parser.parse_args()
    models = tuple(args.models.split(",")) if args.models else tuple(methods.MODELS)
    results = []
    for shop in args.shops.split(","):
        lines = load_online_retail(Path(args.data)) if shop == "online_retail" else load_demo()
        result = run_shop(shop, lines, args.products, args.seed, models)
        print(table(result), flush=True)
        results.append(result)
    Path(args.out).write_text(json.dumps({
        "protocol": {"horizon": HORIZON, "origins": ORIGINS, "step": STEP, "min_history": MIN_HISTORY,
                     "min_selling_days": MIN_SELLING_DAYS, "sample": args.products, "seed": args.seed,
                     "classes": list(scoring.CLASSES)},
        "machine": platform.platform(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
