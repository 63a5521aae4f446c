"""Benchmark recommendations on several shops in one invocation, with the baselines, DESIGN.md section 7.

Run from the project root (no Django database needed; the worker-only training stack must be installed,
``pip install -r requirements/train.txt``, and ``implicit`` from ``requirements/bench.txt``)::

    .venv/bin/python bench/recommendations.py --out bench/recommendations.json
    .venv/bin/python bench/recommendations.py --shops demo_small,demo_default --no-ablation
    .venv/bin/python bench/recommendations.py --shops online_retail,online_retail_ii --ablation-shops online_retail
    .venv/bin/python bench/recommendations.py --buy-again-only --out bench/buy_again.json

Options: ``--shops`` (comma-separated, default all five below), ``--ablation-shops`` (default: every shop run),
``--no-ablation``, ``--data-dir`` (default ../shared/data, read in place), ``--category last_word|none`` (Online
Retail's derived category), ``--tune`` (Online Retail only), ``--random-split`` (also the random-split protocol
below), ``--out`` (the JSON).

Shops (``bench/shops.py``), each in the engine's format (every order line a "purchase"):

* "online_retail": UCI Online Retail, 2010-12-01 to 2011-12-09. Rows kept: CustomerID present, Quantity > 0,
  UnitPrice > 0, InvoiceNo not starting with "C" (397,884 lines, 4,338 customers, 3,665 items). Products: title = the
  most frequent Description, price = median UnitPrice; no category in the data, so a crude one is derived (the last
  alphabetic word of the title, roughly the product type; ``--category none`` turns it off).
* "online_retail_ii": UCI Online Retail II, sheet 2009-2010, the same cleaning, only InvoiceDate < 2010-12-01 (its
  last nine days are the first nine days of online_retail).
* "oscar_small": the demo generator shaped like a small django-oscar shop: 200 products, 300 customers, 5,000 order
  lines (the generator cannot make mostly one-off buyers; its customers come back more often).
* "demo_small", "demo_default", "demo_large": the demo shop's generator (``demo_shop.catalog.seeding.simulate``, in
  memory) with the history ending 2026-06-30: about 200 products, 300 customers and 3,000 orders over 4 categories;
  ``SeedConfig()``'s defaults (seed 42: 400 products, 3,000 customers, ~100,000 order lines); and 10,000 products,
  50,000 customers and 1,000,000 order lines, for the cost of a retrain. Each has its own seed and taste clusters.

Protocol, the same on every shop: the test window is the last 30 days (t >= newest event - 30 days; on a shop with
fewer than ``holdout_min_users`` evaluable users the engine widens it, and the window used is in the JSON); train is
everything before. Evaluated users: those with train history who buy, in the test window, at least one train-known
item they never bought in train. Truth: that set of new items. Lists exclude train-purchased items.
Recall@10 = hits / min(|truth|, 10), and NDCG@10, averaged over the evaluated users. On a shop whose window holds
fewer than ``holdout_decide_users`` users the engine's gate also reads a per-user split (``engine.taste``); the
tables still report the window's figures, and the gate's reason says what it read.

Random-split protocol (``--random-split``; taste, not time): each user with two or more distinct purchased items has
a random 20% of them (seed 7; at least one, never all) held out with every event of theirs on those items; truth =
the held-out items the training events know and the user had not bought. The learned system (selection on its own
temporal validation window inside the training events) and every baseline are fitted on the rest and judged there.

Systems, all on the same split in the same run:

* "learned": the engine's two-stage system (``engine.train``, which evaluates itself on exactly this holdout):
  the candidate sources of ``default_params()["sources"]`` feed a learned ranker that learns from features before an
  inner cut and labels between that cut and the test window, never from the test window. When the params have
  ``select``, the sources and the ranker are first chosen per shop on a validation window inside the training window
  (the choice is reported as "selection").
* "served": what the engine serves after this evaluation: the learned system when it beats the best baseline, else
  that baseline (``metrics["served"]``; an engine without it serves the learned system).
* Baselines: "popularity" (all-time distinct buyers), "recent_popularity" (distinct buyers in the last 30 days of
  train), "item_knn" (cosine over users' time-decayed profiles, 200 neighbours), "als" (implicit ALS, 64 factors,
  BM25-weighted line counts, regularization 0.05, 15 iterations), "ease" (Steck 2019, lambda 200) and "rp3beta"
  (alpha 1, beta 0.5, 200 neighbours): the engine's own ``metrics["baselines"]``; when the engine gives no "als",
  the bench fits it itself on the engine's split (``als_lists``). Their settings are the usual ones, not tuned on
  the test window. "best baseline" is the best of them by Recall@10.
* retrain_seconds: wall time of a full retrain as the Celery task does it: ``engine.train`` (holdout evaluation of
  the system and its baselines, then the fit on all data), then precomputing every output: top-50 for every user,
  similar items (20), bought together (20), trending (50 per category).
* similar_category_agreement: of the 20 "similar items" of every product (what the similar placement serves), the
  share in the product's own category, next to the share a uniform pick among the other categorised items would give
  (chance); Online Retail's category is the crude derived one.
* Ablation (same split, ``evaluate_holdout`` without baselines): the full system with the default sources and ranker,
  then without each source (its candidates and its features removed), without the learned ranker (reciprocal rank
  fusion of the sources' ranks), the other ranker, and the two-tower model alone (retrieval only). With ``select`` in
  the params, these rows set ``select=False`` so each measures exactly its sources, and a last row "with selection
  (default)" runs the defaults. The two-tower's contribution is "full system" minus "without two_tower".
* ``--tune`` runs the small hyperparameter grid used to choose ``default_params()`` on Online Retail: the same
  protocol shifted back by 30 days inside the training window (validation = the 30 days before the test window; the
  ranker's labels the 30 days before that), so the test window is never looked at; results under "tuning".

Buy it again (issue 30; ``--buy-again-only`` runs only this part): the products a shopper bought before and is likely
to buy again, on the same split (the newest 30 days; train = everything before). Evaluated users: those who bought,
in the test window, a product they had bought in train. Truth: those re-purchased products. Lists hold only the
shopper's train-purchased products. Systems: "learned" (``engine.repurchase``: a logistic model over repurchase
timing per product, each product's cycle from the shop's repeat buyers, how often and how recently the shopper bought
it, fitted on a time split inside train), "P-TopFreq" (each shopper's most often bought products, on distinct days,
the most recent first on ties) and, for context, "P-Recent" (the most recently bought first); "served" is what the
gate (``repurchase.judge``) picks: the learned timing only when it beats P-TopFreq by more than one shopper's worth.
Target: Online Retail learned Recall@10 >= 1.10x P-TopFreq.

Targets (PASS/MISS printed; issue 33): Online Retail learned Recall@10 >= 0.160 and >= 1.10x the best baseline
(EASE and RP3beta included); Online Retail II >= 0.150 and >= 1.10x; both retrains <= 300 s. Generated shops:
served >= the best baseline; learned >= 1.0x the best baseline on oscar_small (shaped like a small Oscar shop) and
>= 1.10x on demo_small, demo_default and demo_large; demo_large's retrain <= 20 minutes.

Output: progress lines, a markdown table per shop (Recall@10, NDCG@10, ablation) to paste into docs/benchmarks.md,
and the JSON (per shop: sizes, rows, metrics, selection, ablation, retrain seconds, params; the date and machine),
rewritten after each shop.
"""

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402

from ai_commerce.recommendations.engine import default_params, repurchase, train  # noqa: E402
from ai_commerce.recommendations.engine.data import Vocab, holdout_split, holdout_truth  # noqa: E402
from ai_commerce.recommendations.engine.evaluate import evaluate_lists  # noqa: E402
from ai_commerce.recommendations.engine.model import evaluate_holdout, make_vocabs  # noqa: E402
from bench.shops import DATA_DIR, SHOPS, load_shop  # noqa: E402

K = 10
METRIC = "recall_at_10"
BASELINE_LABELS = {
    "popularity": "popularity (all time)",
    "recent_popularity": "popularity (last 30 days)",
    "item_knn": "item-kNN (cosine)",
    "als": "ALS (implicit, 64 factors)",
    "ease": "EASE (Steck 2019)",
    "rp3beta": "RP3beta",
}
# (key, what, threshold): "learned" / "served" Recall@10, their ratio to the best baseline, the retrain's seconds
TARGETS = {
    "online_retail": [("learned", ">=", 0.160), ("learned_over_best", ">=", 1.10), ("retrain_seconds", "<=", 300)],
    "online_retail_ii": [("learned", ">=", 0.150), ("learned_over_best", ">=", 1.10), ("retrain_seconds", "<=", 300)],
    "oscar_small": [("served_over_best", ">=", 1.0), ("learned_over_best", ">=", 1.0)],
    "demo_small": [("served_over_best", ">=", 1.0), ("learned_over_best", ">=", 1.10)],
    "demo_default": [("served_over_best", ">=", 1.0), ("learned_over_best", ">=", 1.10)],
    "demo_large": [("served_over_best", ">=", 1.0), ("learned_over_best", ">=", 1.10), ("retrain_seconds", "<=", 1200)],
}
# Buy it again (issue 30): the learned repurchase timing against P-TopFreq on the same newest 30 days.
BUY_AGAIN_TARGETS = {"online_retail": [("learned_over_p_topfreq", ">=", 1.10)]}
TARGET_LABELS = {
    "learned_over_p_topfreq": "buy again: learned / P-TopFreq",
    "learned": "learned Recall@10",
    "learned_over_best": "learned / best baseline",
    "served_over_best": "served / best baseline",
    "retrain_seconds": "full retrain seconds",
}


def als_lists(train_part, truth, factors=64, seed=7):
    """implicit ALS (64 factors) on BM25-weighted purchase-line counts; filters the user's train items."""
    from implicit.als import AlternatingLeastSquares
    from implicit.nearest_neighbours import bm25_weight
    from threadpoolctl import threadpool_limits

    uv, iv = Vocab(train_part.users.tolist()), Vocab(train_part.items.tolist())
    x = sparse.csr_matrix(
        (np.ones(len(train_part), dtype=np.float32), (uv.encode(train_part.users), iv.encode(train_part.items))),
        shape=(len(uv), len(iv)),
    )
    x.sum_duplicates()
    weighted = bm25_weight(x, K1=100, B=0.8).tocsr().astype(np.float32)
    model = AlternatingLeastSquares(factors=factors, regularization=0.05, iterations=15, random_state=seed)
    with threadpool_limits(1, "blas"):  # implicit's advice: its own threads, not OpenBLAS's
        model.fit(weighted, show_progress=False)
    users = [u for u in truth if u in uv.index]
    idx = uv.encode(users)
    ids, _ = model.recommend(idx, weighted[idx], N=K, filter_already_liked_items=True)
    return {u: [iv.ids[j] for j in row if j >= 0] for u, row in zip(users, ids.tolist(), strict=True)}


def bench_als(inter, metrics, params):
    """ALS on the split the engine judged on (its window may be wider than holdout_days on a thin shop)."""
    cut, end = metrics.get("holdout_start"), metrics.get("holdout_end")
    if cut is None:
        train_part, test_part, _ = holdout_split(inter, params["holdout_days"])
    else:
        train_part = inter.subset(inter.ts < cut)
        test_part = inter.subset((inter.ts >= cut) & (inter.ts <= (np.inf if end is None else end)))
    truth, _ = holdout_truth(train_part, test_part)
    t = time.monotonic()
    scores = evaluate_lists(als_lists(train_part, truth), truth, K)
    return {**scores, "seconds": round(time.monotonic() - t, 1), "computed_by": "bench"}


def similar_agreement(rec, products):
    """How often a "similar" item shares its product's category, against a uniform pick (chance)."""
    from ai_commerce.recommendations.engine.similar import category_agreement

    table = rec.similar(k=20)
    ids = sorted(set(table) | {r.item for recs in table.values() for r in recs}, key=str)
    index = {item: n for n, item in enumerate(ids)}
    names = sorted({p.get("category") for p in products.values() if p.get("category")}, key=str)
    number = {name: n for n, name in enumerate(names, 1)}
    category = np.array([number.get((products.get(item) or {}).get("category"), 0) for item in ids], dtype=np.int64)
    lists = {index[i]: [(index[r.item], r.score) for r in recs] for i, recs in table.items()}
    return {**category_agreement(lists, category), "categories": len(names)}


def precompute(rec):
    started = time.monotonic()
    users = rec.users()
    n_recs = 0
    for start in range(0, len(users), 500):  # chunked, as the Celery group does
        n_recs += sum(len(v) for v in rec.recommend(users[start : start + 500], k=50).values())
    similar = rec.similar(k=20)
    together = rec.bought_together(k=20)
    trending = rec.trending(k=50)
    return {
        "seconds": round(time.monotonic() - started, 1),
        "users": len(users),
        "recommendations": n_recs,
        "similar_items": len(similar),
        "bought_together_items": len(together),
        "trending_lists": len(trending),
    }


def ablation_variants(params):
    """(name, params) rows: sources read from the params (a new source gets its row), select off but in the last."""
    fixed = {"select": False} if "select" in params else {}
    sources = list(params["sources"])
    rows = [("full system", {})]
    rows += [(f"without {s}", {"sources": [x for x in sources if x != s]}) for s in sources if len(sources) > 1]
    rows.append(("without the ranker (rank fusion)", {"ranker": "none"}))
    ranker = params.get("ranker")
    if ranker in ("tfrs", "hgb"):
        other = "hgb" if ranker == "tfrs" else "tfrs"
        rows.append((f"{other} ranker instead of {ranker}", {"ranker": other}))
    if "two_tower" in sources:
        rows.append(("two-tower alone (retrieval only)", {"sources": ["two_tower"], "ranker": "none"}))
    variants = [(name, {**params, **fixed, **change}) for name, change in rows]
    if fixed:
        variants.append(("with selection (default)", dict(params)))
    return variants


def run_ablation(inter, products, params, log, shop=""):
    cache = {}
    vocabs = make_vocabs(inter, products, params)
    rows = []
    for name, p in ablation_variants(params):
        t = time.monotonic()
        try:
            m, _ = evaluate_holdout(inter, products, p, cache, vocabs=vocabs, with_baselines=False)
        except Exception as exc:  # noqa: BLE001 (a variant the engine cannot run is reported, the rest still run)
            rows.append({"system": name, "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()})
            log(f"  [{shop}] ablation {name:<36} FAILED: {rows[-1]['error']}")
            continue
        row = {
            "system": name,
            "recall_at_10": m["recall_at_10"],
            "ndcg_at_10": m["ndcg_at_10"],
            "n_users": m.get("evaluated_users"),
            "sources": m.get("sources", p["sources"]),
            "ranker": m.get("ranker", p["ranker"]),
            "seconds": round(time.monotonic() - t, 1),
        }
        if m.get("selection"):
            row["selection"] = m["selection"]
        rows.append(row)
        log(f"  [{shop}] ablation {name:<36} R@10 {m['recall_at_10']:.4f}  NDCG@10 {m['ndcg_at_10']:.4f}")
    return rows


TUNING_GRID = [
    {},
    {"profile_decay_days": 45.0},
    {"profile_decay_days": 180.0},
    {"candidates_per_source": 50},
    {"candidates_per_source": 200},
    {"ranker_iterations": 100},
    {"ranker_iterations": 400, "ranker_learning_rate": 0.05},
    {"tt_epochs": 5},
    {"tt_temperature": 0.05},
    {"tt_logq": 0.0},
    {"tt_logq": 0.5},
    {"tt_logq": 0.0, "ranker_iterations": 100},
    {"tt_logq": 0.0, "tt_epochs": 5},
    {"tt_decay_days": 60.0},
]


def run_tuning(inter, products, params, log):
    """Shifted protocol inside the training window: the test window is never used (select off: each row measures
    exactly its change)."""
    _, _, test_cut = holdout_split(inter, params["holdout_days"])
    inner = inter.before(test_cut)
    fixed = {"select": False} if "select" in params else {}
    rows = []
    for change in TUNING_GRID:
        p = {**params, **fixed, **change}
        t = time.monotonic()
        m, _ = evaluate_holdout(inner, products, p, {}, with_baselines=not rows)
        rows.append(
            {
                "change": change,
                "recall_at_10": m["recall_at_10"],
                "ndcg_at_10": m["ndcg_at_10"],
                "n_users": m["evaluated_users"],
                "seconds": round(time.monotonic() - t, 1),
            }
        )
        if len(rows) == 1:
            rows[0]["baselines"] = m["baselines"]
        log(f"  tune {json.dumps(change):<60} R@10 {m['recall_at_10']:.4f}  NDCG@10 {m['ndcg_at_10']:.4f}")
    return rows


def _ratio(value, best):
    return round(value / best, 3) if best else None


def check_targets(shop, figures):
    return check_targets_of(TARGETS, shop, figures)


def bench_buy_again(shop, inter, log, days=30):
    """Buy it again on the newest ``days``: the learned repurchase timing, P-TopFreq and P-Recent, and what the gate
    serves (``repurchase.judge``, the same function a training run calls)."""
    t = time.monotonic()
    judged = repurchase.judge(inter, window_days=days)
    seconds = round(time.monotonic() - t, 1)
    entry = {"served": judged.served, "reason": judged.reason, "seconds": seconds,
             "evaluated_users": judged.window.get("evaluated_users", 0), "rows": []}
    if judged.baseline is None:
        log(f"  [{shop}] buy again: {judged.reason}")
        entry["targets"] = check_targets_of(BUY_AGAIN_TARGETS, shop, {})
        return entry
    purchases = inter.positives()
    cut = float(purchases.ts.max()) - days * 86400.0
    histories = repurchase.Histories.of(purchases.subset(purchases.ts < cut), cut)
    truth = repurchase.repurchase_truth(purchases.subset(purchases.ts < cut), purchases.subset(purchases.ts >= cut))
    recent = evaluate_lists(repurchase.ranked_lists(histories, -histories.days_since, K), truth, K)
    systems = {"learned": judged.learned, "p_topfreq": judged.baseline, "p_recent": recent}
    systems["served"] = systems["learned" if judged.served == "learned" else "p_topfreq"]
    for name, label in (("learned", "learned repurchase timing"), ("p_topfreq", "P-TopFreq"),
                        ("p_recent", "P-Recent (context)"), ("served", f"served ({judged.served})")):
        if systems[name] is not None:
            entry["rows"].append({"system": name, "label": label, **systems[name]})
    learned = (judged.learned or {}).get(METRIC)
    entry["figures"] = {"learned": learned, "p_topfreq": judged.baseline[METRIC],
                        "learned_over_p_topfreq": _ratio(learned, judged.baseline[METRIC]) if learned else None}
    if judged.model is not None:
        entry["coefficients"] = dict(zip(repurchase.FEATURES, [round(c, 4) for c in judged.model.coef], strict=True))
    entry["targets"] = check_targets_of(BUY_AGAIN_TARGETS, shop, entry["figures"])
    for row in entry["rows"]:
        log(f"  [{shop}] buy again: {row['label']:<28} Recall@10 {row[METRIC]:.4f}  NDCG@10 {row['ndcg_at_10']:.4f}"
            f"  users {row['n_users']}")
    log(f"  [{shop}] buy again: {judged.reason} ({seconds}s)")
    return entry


def check_targets_of(targets, shop, figures):
    out = []
    for key, op, threshold in targets.get(shop, []):
        value = figures.get(key)
        ok = value is not None and (value >= threshold if op == ">=" else value <= threshold)
        out.append({"target": f"{TARGET_LABELS[key]} {op} {threshold:g}", "value": value, "pass": ok})
    return out


def buy_again_table(results):
    done = {name: r["buy_again"] for name, r in results.items() if r.get("buy_again", {}).get("rows")}
    if not done:
        return ""
    lines = [
        "Buy it again, newest 30 days (truth: re-purchases of products bought before the cut), Recall@10 / NDCG@10:",
        "",
        "| shop | evaluated users | learned timing | P-TopFreq | P-Recent (context) | learned / P-TopFreq | served |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, entry in done.items():
        rows = {row["system"]: row for row in entry["rows"]}
        cells = [f"{rows[k][METRIC]:.4f} / {rows[k]['ndcg_at_10']:.4f}" if k in rows else "n/a"
                 for k in ("learned", "p_topfreq", "p_recent")]
        ratio = entry["figures"]["learned_over_p_topfreq"]
        lines.append(f"| {name} | {entry['evaluated_users']:,} | " + " | ".join(cells)
                     + f" | {'n/a' if ratio is None else f'{ratio:.3f}x'} | {entry['served']} |")
    return "\n".join(lines)


def random_split(inter, share=0.2, seed=7):
    """The random-split protocol: each user with two or more distinct purchased items has a random ``share`` of
    them (at least one, never all) held out, with every event of theirs on those items; the truth is the held-out
    items the training events know. Returns an engine Holdout whose cut is just after the newest event."""
    from ai_commerce.recommendations.engine.data import Holdout

    pos = inter.positives()
    items_of = {}
    for u, i in zip(pos.users.tolist(), pos.items.tolist(), strict=True):
        items_of.setdefault(u, {})[i] = None
    rng = np.random.default_rng(seed)
    held = set()
    for u in sorted(items_of, key=str):
        items = sorted(items_of[u], key=str)
        if len(items) < 2:
            continue
        n = min(len(items) - 1, max(1, round(share * len(items))))
        held.update((u, items[j]) for j in rng.choice(len(items), n, replace=False).tolist())
    mask = np.fromiter(((u, i) in held for u, i in zip(inter.users.tolist(), inter.items.tolist(), strict=True)),
                       dtype=bool, count=len(inter))
    train_part, test = inter.subset(~mask), inter.subset(mask)
    known = set(train_part.items.tolist())
    bought = {}
    tp = train_part.positives()
    for u, i in zip(tp.users.tolist(), tp.items.tolist(), strict=True):
        bought.setdefault(u, set()).add(i)
    truth = {}
    for u, i in zip(test.users.tolist(), test.items.tolist(), strict=True):
        if u in bought and i in known and i not in bought[u] and (u, i) in held:
            truth.setdefault(u, set()).add(i)
    end = float(inter.ts.max())
    return Holdout(train_part, test, end + 1e-3, end, truth, bought)


def bench_random_split(shop, inter, products, params, log):
    """The learned system (sources and ranker chosen on its own validation window, as in a retrain) and every
    baseline, fitted on the random split's training events and judged on its held-out items."""
    from ai_commerce.recommendations.engine.judge import judge
    from ai_commerce.recommendations.engine.pairs import Prepared
    from ai_commerce.recommendations.engine.params import validated

    p = validated(params)
    inter = inter.with_positives(p["positive_kinds"], p["rating_positive_at"])
    holdout = random_split(inter)
    uv, iv, meta = make_vocabs(inter, products, p)
    t = time.monotonic()
    m, _ = judge(Prepared(holdout.train, meta, uv, iv, p, {}, None), holdout, p)
    baselines = {name: b[METRIC] for name, b in m["baselines"].items()}
    best = max(baselines, key=baselines.get)
    out = {"users": len(holdout.truth), "learned": m[METRIC], "learned_ndcg": m["ndcg_at_10"],
           "baselines": m["baselines"], "best_baseline": best, "learned_over_best": _ratio(m[METRIC], baselines[best]),
           "sources": m["sources"], "ranker": m["ranker"], "anchor": m.get("anchor", ""),
           "anchor_weight": m.get("anchor_weight", 0.0), "selection": m.get("selection"),
           "seconds": round(time.monotonic() - t, 1)}
    # the selection as the temporal protocol records it: trials, blend, and the anchor's choice (anchor_choice)
    anchor = f"{out['anchor']} at weight {out['anchor_weight']:g}" if out["anchor"] else "none"
    log(f"  [{shop}] random 20% split, {out['users']} users: learned {m[METRIC]:.4f}; "
        + ", ".join(f"{name} {value:.4f}" for name, value in baselines.items())
        + f"; learned / best ({best}) {_f(out['learned_over_best'], 3)}; anchor {anchor} ({out['seconds']}s)")
    return out


def bench_shop(shop, inter, products, params, log):
    """The full retrain (timed), the systems' rows and the targets of one shop."""
    t = time.monotonic()
    last = [None]

    def progress(pct, msg):
        if msg != last[0]:
            last[0] = msg
            log(f"  [{shop}] [{float(pct):5.1f}%] {msg}")

    rec = train(inter, products, params, on_progress=progress)
    train_seconds = time.monotonic() - t
    outputs = precompute(rec)
    retrain_seconds = time.monotonic() - t
    m = rec.metrics
    log(
        f"  [{shop}] full retrain {retrain_seconds:.1f}s (train + evaluation {train_seconds:.1f}s, "
        f"outputs {outputs['seconds']}s)"
    )

    # The protocol's figures are the newest window's; when the engine's gate also read a per-user split (a shop with
    # few users in the window), its averaged figures are in the JSON ("engine_metrics") and the gate's line below.
    newest = m.get("newest") or m
    learned = {key: newest[key] for key in ("recall_at_10", "ndcg_at_10")} if m.get("newest") else (
        m.get("learned") or {key: m[key] for key in ("recall_at_10", "ndcg_at_10")})
    served_name = m.get("served", "learned")
    baselines = {name: dict(b) for name, b in (newest.get("baselines") or {}).items()}
    served = learned if served_name == "learned" else {key: baselines[served_name][key]
                                                       for key in ("recall_at_10", "ndcg_at_10")}
    if m.get("newest"):
        log(f"  [{shop}] the gate also read a per-user split ({m['per_user']['evaluated_users']} users): "
            f"{m['served_reason']}")
    for b in baselines.values():
        b.setdefault("computed_by", "engine")
    if "als" not in baselines:
        log(f"  [{shop}] the engine has no ALS baseline: fitting implicit ALS on its split")
        baselines["als"] = bench_als(inter, m, params)
    best_name = max(baselines, key=lambda name: baselines[name][METRIC])
    best = baselines[best_name][METRIC]
    users = m.get("evaluated_users")
    rows = [
        {"system": "learned", "label": "learned (sources + ranker)", **learned, "n_users": users},
        {"system": "served", "label": f"served ({served_name})", **served, "n_users": users},
    ]
    order = [*BASELINE_LABELS, *sorted(set(baselines) - set(BASELINE_LABELS))]
    for name in order:
        if name in baselines:
            b = baselines[name]
            rows.append(
                {
                    "system": name,
                    "label": BASELINE_LABELS.get(name, name),
                    "recall_at_10": b[METRIC],
                    "ndcg_at_10": b["ndcg_at_10"],
                    "n_users": b.get("n_users"),
                    "computed_by": b["computed_by"],
                }
            )
    figures = {
        "learned": learned[METRIC],
        "served": served[METRIC],
        "best_baseline": best_name,
        "best_baseline_recall_at_10": best,
        "learned_over_best": _ratio(learned[METRIC], best),
        "served_over_best": _ratio(served[METRIC], best),
        "retrain_seconds": round(retrain_seconds, 1),
    }
    return {
        "rows": rows,
        "served": served_name,
        "baselines": baselines,
        "figures": figures,
        "targets": check_targets(shop, figures),
        "selection": m.get("selection"),
        "sources": m.get("sources"),
        "ranker": m.get("ranker"),
        "evaluated_users": users,
        "holdout": {
            **{key: m.get(key) for key in ("holdout_start", "holdout_end", "holdout_days", "holdout_events")},
            **{f"{key}_utc": _iso(m.get(key)) for key in ("holdout_start", "holdout_end")},
        },
        "retrain_seconds": round(retrain_seconds, 1),
        "train_seconds": round(train_seconds, 1),
        "similar_category_agreement": similar_agreement(rec, products),
        "outputs": outputs,
        "engine_metrics": m,
    }


def _iso(ts):
    return None if ts is None else dt.datetime.fromtimestamp(float(ts), dt.UTC).isoformat(timespec="seconds")


def _f(value, digits=4):
    return "n/a" if value is None else f"{value:.{digits}f}"


def markdown_tables(results):
    done = {name: r for name, r in results.items() if "figures" in r}
    if not done:  # --buy-again-only
        return ""
    lines = [
        (
            "| shop | events | users | items | evaluated users | learned R@10 | served R@10 | popularity | "
            "recent popularity | item-kNN | ALS | best baseline | learned / best | served / best | retrain s | "
            "two-tower contribution |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in done.items():
        f, b, s = r["figures"], r["baselines"], r["sizes"]
        tt = r.get("two_tower_contribution")
        lines.append(
            f"| {name} | {s['events']:,} | {s['users']:,} | {s['items']:,} | {r['evaluated_users'] or 0:,} | "
            f"**{_f(f['learned'])}** | {_f(f['served'])} ({r['served']}) | "
            + " | ".join(_f(b.get(k, {}).get(METRIC)) for k in BASELINE_LABELS)
            + f" | {f['best_baseline']} | {_f(f['learned_over_best'], 3)}x | {_f(f['served_over_best'], 3)}x | "
            f"{f['retrain_seconds']:.1f} | {'n/a' if tt is None else f'{tt:+.4f}'} |"
        )
    lines += [
        "",
        "| shop | categories | similar items in the product's category | chance |",
        "|---|---|---|---|",
    ]
    for name, r in done.items():
        a = r.get("similar_category_agreement") or {}
        lines.append(f"| {name} | {a.get('categories', 0)} | {_f(a.get('agreement'))} | {_f(a.get('chance'))} |")
    lines += [
        "",
        "| shop | learned NDCG@10 | served NDCG@10 | popularity | recent popularity | item-kNN | ALS |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in done.items():
        rows = {row["system"]: row for row in r["rows"]}
        cells = [_f(rows.get(k, {}).get("ndcg_at_10")) for k in ("learned", "served", *BASELINE_LABELS)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    ablated = {name: r["ablation"] for name, r in done.items() if r.get("ablation")}
    if ablated:
        variants = list(dict.fromkeys(row["system"] for rows in ablated.values() for row in rows))
        lines += [
            "",
            "Ablation, same split (Recall@10 / NDCG@10):",
            "",
            "| variant | " + " | ".join(ablated) + " |",
            "|---|" + "---|" * len(ablated),
        ]
        for variant in variants:
            cells = []
            for rows in ablated.values():
                row = next((x for x in rows if x["system"] == variant), None)
                if row is None:
                    cells.append("")
                elif "error" in row:
                    cells.append("failed")
                else:
                    cells.append(f"{row['recall_at_10']:.4f} / {row['ndcg_at_10']:.4f}")
            lines.append(f"| {variant} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _shop_list(text, option):
    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in names if s not in SHOPS]
    if unknown:
        raise SystemExit(f"{option}: unknown shop(s) {', '.join(unknown)}; choose from {','.join(SHOPS)}")
    return names


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shops", default=",".join(SHOPS), help=f"comma-separated, from {','.join(SHOPS)} (default all)")
    ap.add_argument("--ablation-shops", default=None, help="comma-separated shops to ablate (default: every shop run)")
    ap.add_argument("--no-ablation", action="store_true")
    ap.add_argument("--data-dir", default=str(DATA_DIR), help="where the Online Retail files are (read in place)")
    ap.add_argument("--out", default="recommendations.json")
    ap.add_argument("--category", choices=["last_word", "none"], default="last_word", help="Online Retail's category")
    ap.add_argument("--tune", action="store_true", help="also run the tuning grid on Online Retail's inner split")
    ap.add_argument("--buy-again-only", action="store_true",
                    help="run only the buy-it-again systems (no engine retrain), on every shop of --shops")
    ap.add_argument("--random-split", action="store_true",
                    help="also judge every system on a random 20%% of each user's items (random_split)")
    args = ap.parse_args(argv)
    shops = _shop_list(args.shops, "--shops")
    ablate = [] if args.no_ablation else _shop_list(args.ablation_shops or args.shops, "--ablation-shops")

    def log(msg):
        print(msg, flush=True)

    if args.tune and "online_retail" not in shops:
        log("--tune runs on online_retail only, which is not in --shops: no tuning")

    t0 = time.monotonic()
    params = default_params()
    result = {
        "protocol": "DESIGN.md section 7, temporal (last 30 days), on several shops",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "node": platform.node(),
            "machine": platform.machine(),
            "system": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "command": " ".join(sys.argv),
        "shops": {},
    }

    def save():
        result["markdown"] = "\n\n".join(filter(None, [markdown_tables(result["shops"]),
                                                        buy_again_table(result["shops"])]))
        result["total_seconds"] = round(time.monotonic() - t0, 1)
        Path(args.out).write_text(json.dumps(result, indent=2, default=_json_default) + "\n", encoding="utf-8")

    failed = []
    for shop in shops:
        log(f"\n== {shop}: {SHOPS[shop]}")
        entry = {"shop": shop, "params": params}
        result["shops"][shop] = entry
        try:
            inter, products, info = load_shop(shop, args.data_dir, args.category)
            entry.update(info)
            s = info["sizes"]
            log(
                f"  [{shop}] {s['events']:,} purchase lines, {s['orders']:,} orders, {s['users']:,} customers, "
                f"{s['items']:,} items ({info['load_seconds']}s to load; {s['first_event']} to {s['last_event']})"
            )
            entry["buy_again"] = bench_buy_again(shop, inter, log)
            if args.buy_again_only:
                save()
                continue
            if args.tune and shop == "online_retail":
                entry["tuning"] = run_tuning(inter, products, params, log)
            entry.update(bench_shop(shop, inter, products, params, log))
            if args.random_split:
                entry["random_split"] = bench_random_split(shop, inter, products, params, log)
            if shop in ablate:
                entry["ablation"] = run_ablation(inter, products, params, log, shop)
                by_name = {row["system"]: row[METRIC] for row in entry["ablation"] if METRIC in row}
                if "full system" in by_name and "without two_tower" in by_name:
                    entry["two_tower_contribution"] = round(by_name["full system"] - by_name["without two_tower"], 4)
                if "with selection (default)" in by_name:  # the same configuration as the retrain's evaluation
                    gap = by_name["with selection (default)"] - entry["figures"]["learned"]
                    log(f"  [{shop}] with selection (default) minus the retrain's learned Recall@10: {gap:+.4f}")
            report_shop(shop, entry, log)
        except Exception as exc:  # noqa: BLE001 (one shop failing must not lose the others)
            failed.append(shop)
            entry["error"] = f"{type(exc).__name__}: {exc}"
            entry["traceback"] = traceback.format_exc()
            log(f"  [{shop}] FAILED: {entry['error']}\n{entry['traceback']}")
        save()

    log("\n" + result.get("markdown", ""))
    log("\ntargets:")
    for shop, entry in result["shops"].items():
        for target in [*entry.get("targets", []), *entry.get("buy_again", {}).get("targets", [])]:
            value = target["value"]
            shown = "n/a" if value is None else f"{value:g}"
            log(f"  {shop:<17} {target['target']:<36} {shown:>10}  {'PASS' if target['pass'] else 'MISS'}")
        if "error" in entry:
            log(f"  {shop:<17} FAILED: {entry['error']}")
    save()
    log(f"\nwrote {args.out} ({result['total_seconds']}s in all)")
    return 1 if failed else 0


def report_shop(shop, entry, log):
    log(f"\n  {shop}: {'system':<34} {'Recall@10':>10} {'NDCG@10':>10} {'users':>7}")
    for r in entry["rows"]:
        log(f"  {shop}: {r['label']:<34} {r['recall_at_10']:>10.4f} {r['ndcg_at_10']:>10.4f} {r['n_users'] or 0:>7}")
    f = entry["figures"]
    log(
        f"  {shop}: best baseline {f['best_baseline']} ({f['best_baseline_recall_at_10']:.4f}); learned / best "
        f"{_f(f['learned_over_best'], 3)}, served / best {_f(f['served_over_best'], 3)}; "
        f"retrain {f['retrain_seconds']:.1f}s"
    )
    selection = entry.get("selection")
    if selection:
        log(
            f"  {shop}: selection: sources {selection.get('sources')}, ranker {selection.get('ranker')} "
            f"({selection.get('why', '')})"
        )
    if "two_tower_contribution" in entry:
        log(f"  {shop}: two-tower contribution (full - without two_tower): {entry['two_tower_contribution']:+.4f}")
    for target in entry["targets"]:
        log(f"  {shop}: target {target['target']}: {target['value']} {'PASS' if target['pass'] else 'MISS'}")


if __name__ == "__main__":
    sys.exit(main())
