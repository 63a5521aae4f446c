"""Benchmark search (DESIGN.md section 7, "Search, held-out sessions").

Run from the project root (scikit-learn installed)::

    .venv/bin/python bench/search.py --out search.json [--sessions 6000] [--shops demo_small,demo_default]

**Shops**: the demo generator (``bench/shops.py``'s configurations, in memory, no database): its products' titles,
categories and descriptions are indexed, its order history gives popularity.

**Sessions** (``demo_shop.catalog.search_sessions``): a shopper wants a product drawn by popularity, types two or
three of its title's words (the noun last, a synonym for it at 20%, one typo in each word of 5+ letters at 15%),
and looks down the ten results the shop showed (the lexical ranking: the logging policy) with a position-biased eye
(P(look at p) = 1/p); the wanted product, if seen, is ordered (3), put in the basket (2) or clicked (1); a product
sharing words with it is clicked now and then. The sessions are in time order; the newest 20% are held out.

**Systems, in the same run** (``ai_commerce.search.learning.learn``, what the trainer runs): lexical alone, lexical
plus popularity, the learned ranker, and what serves (the best of them on held-out sessions), each as judged (the
statistics and taste groups of the sessions before the held-out ones); and, on the truth only, an oracle that knows
the simulator's expected demand and taste clusters (how far the simulated shoppers let any ranking go). NDCG@10 and
MRR on the held-out sessions; then the same sessions with their clean queries and with one edit in each word of 5+
letters (misspelled / clean NDCG of what serves, as judged); the zero-result rate of held-out queries for which some
product holds one of their words (none should find nothing).

**Latency** on a 10,000-product catalogue of the generator (in process: the index's match and ranking, suggest, a
listing re-rank of 500 ids; the SQL of a search is bounded separately, <= 3 statements, by the tests), the index
build time and its memory.
"""

import argparse
import json
import platform
import random
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.shops import DEMO_CONFIGS, DEMO_END, _django  # noqa: E402


def catalogue(name, with_orders=False, **overrides):
    seeding = _django()
    config = seeding.SeedConfig(**{**DEMO_CONFIGS.get(name, {}), **overrides}, end_date=DEMO_END, progress=False)
    sim = seeding.simulate(config)
    names = {slug: cat_name for cat_name, slug, _parent in sim.categories}
    sold = Counter()
    for _customer, _when, lines in sim.orders:
        for product, qty, _price in lines:
            sold[product] += qty
    rows = [(i, p["name"], names[p["category_slug"]], p.get("description", "")) for i, p in enumerate(sim.products)]
    if with_orders:
        return rows, sold, sorted(sim.orders, key=lambda o: o[1]), sim
    return rows, sold


def tastes(orders, rows):
    """``taste(customer, at)``: the customer's ``shopper_affinity`` from what they bought before ``at`` (their
    newest 200 lines, as the web process reads them), or None when they bought nothing before."""
    import bisect

    from ai_commerce.search.ranking import shopper_affinity

    history = {}
    for customer, when, lines in orders:
        for product, _qty, _price in lines:
            history.setdefault(customer, ([], []))
            history[customer][0].append(when)
            history[customer][1].append((rows[product][0], rows[product][2]))

    def taste(customer, at):
        whens, events = history.get(customer, ((), ()))
        end = bisect.bisect_left(whens, at)
        return shopper_affinity(events[max(0, end - 200):end]) or None

    return taste


def lexical_order(index, query, ranker=None, k=10):
    from ai_commerce.search.learning import ranked
    from ai_commerce.search.ranking import Ranker, query_key

    matches = index.match(query)
    wanted = len(matches.words)
    pool = [p for p, n in matches.matched.items() if n == wanted] or list(matches.matched)
    pool.sort(key=lambda p: (-matches.matched.get(p, 0), -matches.scores.get(p, 0.0)))
    order = ranked(ranker or Ranker(), index, matches, pool[:100], query_key(query))
    return [index.ids[p] for p in order[:k]]


def oracle(sim, index, sessions, simulated):
    """NDCG@10 and MRR of a ranking that knows what no shop knows: the simulator's own expected demand for each
    product on the day of the search and the taste cluster of the shopper and of each product. It orders the same
    candidates (full matches first, as every system) by the chance that this shopper wanted the product that day,
    ``expected units x (0.82 x [same cluster] / the cluster's share of buying + 0.18)``, the generator's own
    draw (``demo_shop.catalog.seeding.simulate``). Not a strict ceiling (it does not weigh how likely each product
    was to be described by the shopper's words), but what the simulated shoppers leave to learn."""
    import math

    from ai_commerce.search import learning
    from demo_shop.catalog.seeding import STRAY_SHARE

    clusters = np.asarray([t["taste_cluster"] for t in sim.truths])
    buying = np.bincount(sim.customer_clusters, weights=sim.customer_activity, minlength=clusters.max() + 1)
    buying = buying / buying.sum()
    ndcg, mrr = [], []
    for session, s in zip(sessions, simulated, strict=True):
        matches, pool = learning.candidates(index, session)
        day = (s["at"].date() - sim.start_date).days
        same = clusters == sim.customer_clusters[s["visitor"]]

        def chance(p, day=day, same=same):
            pid = index.ids[p]
            taste = (1 - STRAY_SHARE) * same[pid] / buying[clusters[pid]] + STRAY_SHARE
            return math.log(sim.expected_units[pid, day] + 1e-12) + math.log(taste)

        order = sorted(pool, key=lambda p: (-matches.matched.get(p, 0), -chance(p)))
        a, b = learning.ndcg_mrr(order, session.labels, index)
        ndcg.append(a)
        mrr.append(b)
    return float(np.mean(ndcg)), float(np.mean(mrr))


def run_shop(name, n_sessions, seed, explore_share):
    from ai_commerce.search import learning
    from ai_commerce.search.index import SearchIndex
    from ai_commerce.search.ranking import explore
    from demo_shop.catalog import search_sessions

    rows, sold, orders, sim = catalogue(name, with_orders=True)
    index = SearchIndex.build(rows, sold)
    products = [{"id": pid, "title": title, "popularity": sold.get(pid, 0)} for pid, title, _c, _d in rows]
    wants = [(customer, product, when) for customer, when, lines in orders for product, _q, _p in lines]
    explorer = random.Random(seed)

    def shown(query):  # what the shop shows before any training: the lexical order, with the default swaps
        return explore(lexical_order(index, query), explore_share, explorer)

    simulated = search_sessions.simulate(products, n_sessions, shown, seed=seed, wants=wants)
    taste = tastes(orders, rows)
    for s in simulated:
        s["affinity"] = taste(s["visitor"], s["at"])
    sessions = [learning.Session(s["query"], s["shown"], s["labels"], 0, s["at"], s["affinity"], s["swap"])
                for s in simulated]
    t = time.monotonic()
    rankers = {}
    events = [(customer, rows[product][0], when) for customer, when, lines in orders for product, _q, _p in lines]
    _serves, metrics = learning.learn(index, sessions, holdout=0.2, min_sessions=40, rankers_out=rankers,
                                     events=events)
    fit_seconds = time.monotonic() - t
    labelled = [s for s in simulated if s["labels"]]
    first_held = labelled[int(len(labelled) * 0.8)]["at"]
    # Judged against the truth as well: the product each held-out shopper wanted (3), whether or not they saw it.
    truth_sessions = [learning.Session(s["query"], s["shown"], {s["target"]: 3}, 0, s["at"], s["affinity"])
                      for s in simulated if s["at"] >= first_held]
    truth = {name: learning.evaluate(r, index, truth_sessions, debias=False) for name, r in rankers.items()}
    truth["serves"] = truth[metrics["serving"]]
    truth["oracle"] = oracle(sim, index, truth_sessions, [s for s in simulated if s["at"] >= first_held])
    held = [s for s in simulated if s["at"] >= first_held and s["labels"]]
    rng = np.random.default_rng(seed + 1)
    clean = [learning.Session(s["clean"], s["shown"], {s["target"]: 3}, 0, s["at"], s["affinity"]) for s in held]
    typo = [learning.Session(search_sessions.with_typos(s["clean"], rng), s["shown"], {s["target"]: 3}, 0, s["at"],
                             s["affinity"]) for s in held]
    judged = rankers[metrics["serving"]]  # as judged: the statistics and groups of the sessions before the held-out
    clean_ndcg = learning.evaluate(judged, index, clean, debias=False)[0]
    typo_ndcg = learning.evaluate(judged, index, typo, debias=False)[0]
    lexical_typo_ndcg = learning.evaluate(learning.Ranker(), index, typo, debias=False)[0]
    zero = considered = 0
    for s, original in [*zip(clean, held, strict=True), *zip(typo, held, strict=True)]:
        # Only queries of which some word is the catalogue's (a query made only of a synonym staff have not
        # entered, "sweater" for "jumper", holds none): such a query should never find nothing.
        if not any(w in index.words for w in original["clean"].split()):
            continue
        considered += 1
        zero += not index.match(s.query).matched
    return {
        "products": len(rows), "sessions": len(sessions), "labelled": metrics["sessions"],
        "held_out": metrics.get("held_out"), "serving": metrics["serving"], "reason": metrics["reason"],
        "ndcg_at_10": {"serves": metrics.get("ndcg_at_10"), "lexical": metrics.get("lexical_ndcg_at_10"),
                       "lexical_popularity": metrics.get("lexical_popularity_ndcg_at_10"),
                       "learned": metrics.get("learned_ndcg_at_10")},
        "mrr": {"serves": metrics.get("mrr"), "lexical": metrics.get("lexical_mrr"),
                "lexical_popularity": metrics.get("lexical_popularity_mrr"), "learned": metrics.get("learned_mrr")},
        "truth_ndcg_at_10": {k: round(v[0], 4) for k, v in truth.items()},
        "held_out_without_history": round(sum(s.affinity is None for s in truth_sessions) / len(truth_sessions), 4),
        "truth_mrr": {k: round(v[1], 4) for k, v in truth.items()},
        "clean_ndcg_at_10": round(clean_ndcg, 4), "misspelled_ndcg_at_10": round(typo_ndcg, 4),
        "misspelled_over_clean": round(typo_ndcg / clean_ndcg, 3) if clean_ndcg else None,
        "lexical_misspelled_ndcg_at_10": round(lexical_typo_ndcg, 4),
        "zero_result_rate": round(zero / considered, 4) if considered else None, "zero_result_queries": considered,
        "fit_seconds": round(fit_seconds, 1), "weights": metrics.get("weights"),
        "taste_groups": metrics.get("taste_groups"),
        "examination_eta": metrics.get("examination_eta"), "swaps": metrics.get("swaps"),
    }


def known_item(seed, n_queries=2000, postgres=None):
    """Known-item search on UCI Online Retail's catalogue (read in place): a query is two or three words, in order,
    of the description of a product a customer bought in the last 30 days; MRR of the bought product (1/rank, 0
    beyond the 50 best lexical matches re-ranked) for lexical alone and lexical plus popularity (purchases before
    the window), on the clean queries and on the same queries with one edit in each word of 5+ letters. With
    ``postgres`` (a URL), PostgreSQL's full-text ranking and trigram similarity answer the same queries."""
    import csv
    import datetime as dt
    import gzip

    from ai_commerce.search import learning, text
    from ai_commerce.search.index import SearchIndex
    from ai_commerce.search.ranking import Ranker
    from bench.shops import DATA_DIR
    from demo_shop.catalog import search_sessions

    names, bought, lines = {}, Counter(), []
    with gzip.open(DATA_DIR / "online_retail.csv.gz", "rt", encoding="utf-8", errors="replace") as f:
        for row in csv.DictReader(f):
            if not row["CustomerID"] or row["InvoiceNo"].startswith("C") or float(row["Quantity"]) <= 0 or float(
                    row["UnitPrice"]) <= 0 or not row["Description"].strip():
                continue
            when = dt.datetime.strptime(row["InvoiceDate"], "%m/%d/%Y %H:%M") if "/" in row["InvoiceDate"] else \
                dt.datetime.fromisoformat(row["InvoiceDate"])
            names.setdefault(row["StockCode"], Counter())[row["Description"].strip()] += 1
            lines.append((when, row["StockCode"]))
    end = max(w for w, _c in lines)
    cut = end - dt.timedelta(days=30)
    for when, code in lines:
        if when < cut:
            bought[code] += 1
    rows = [(code, c.most_common(1)[0][0], "", "") for code, c in names.items()]
    index = SearchIndex.build(rows, bought)
    rng = np.random.default_rng(seed)
    recent = [code for when, code in lines if when >= cut]
    queries = []  # (clean query, misspelled query, product code)
    for code in rng.choice(recent, size=min(n_queries, len(recent)), replace=False):
        words = [w for w in text.tokens(index.titles[index.position[code]]) if not w.isdigit()]
        if len(words) < 2:
            continue
        size = min(len(words), int(rng.integers(2, 4)))
        start = int(rng.integers(0, len(words) - size + 1))
        query = " ".join(words[start:start + size])
        queries.append((query, search_sessions.with_typos(query, rng), str(code)))
    systems = {"lexical": Ranker(), "lexical_popularity": Ranker("lexical_popularity", popularity_weight=0.5)}
    out = {"products": len(rows), "queries": len(queries)}
    for name, ranker in systems.items():
        for variant, column in (("", 0), ("misspelled_", 1)):
            ranks = []
            for q in queries:
                matches, pool = learning.candidates(index, learning.Session(q[column], [], {}))
                order = [index.ids[p] for p in learning.ranked(ranker, index, matches, pool, q[0])]
                ranks.append(1 / (order.index(q[2]) + 1) if q[2] in order else 0.0)
            out[f"{variant}{name}_mrr"] = round(float(np.mean(ranks)), 4)
    if postgres:
        out.update(postgres_known_item(postgres, rows, queries))
    return out


#: PostgreSQL's answers, in the SQL that Django's ``django.contrib.postgres.search`` emits:
#: ``SearchRank(SearchVector("title", config="english"), SearchQuery(q, config="english"))`` filtered on the vector
#: matching the query (plainto_tsquery: every word), and ``TrigramSimilarity("title", q)`` above pg_trgm's default
#: threshold (the ``%`` operator, 0.3), and the first of them that finds something (full text, then trigrams).
POSTGRES_QUERIES = {
    "postgres_fulltext": """
        SELECT code FROM products
        WHERE to_tsvector('english'::regconfig, title) @@ plainto_tsquery('english'::regconfig, %(q)s)
        ORDER BY ts_rank(to_tsvector('english'::regconfig, title),
                         plainto_tsquery('english'::regconfig, %(q)s)) DESC, code
        LIMIT 50""",
    "postgres_trigram": """
        SELECT code FROM products WHERE title %% %(q)s ORDER BY similarity(title, %(q)s) DESC, code LIMIT 50""",
}


def postgres_known_item(url, rows, queries):
    """The known-item queries answered by PostgreSQL (a database of its own, created if missing): MRR and latency of
    its full-text ranking, its trigram similarity, and full text falling back to trigrams when it finds nothing."""
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    out = {}
    with psycopg.connect(url, autocommit=True) as db:
        out["postgres_version"] = db.execute("SHOW server_version").fetchone()[0]
        db.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        db.execute("DROP TABLE IF EXISTS products")
        db.execute("CREATE TABLE products (code text PRIMARY KEY, title text NOT NULL)")
        with db.cursor().copy("COPY products (code, title) FROM STDIN") as copy:
            for code, title, _c, _d in rows:
                copy.write_row((str(code), title))
        db.execute("CREATE INDEX products_fts ON products USING gin (to_tsvector('english'::regconfig, title))")
        db.execute("CREATE INDEX products_trgm ON products USING gin (title gin_trgm_ops)")
        db.execute("ANALYZE products")
        for variant, column in (("", 0), ("misspelled_", 1)):
            answers = {}
            for name, sql in POSTGRES_QUERIES.items():
                ranks, times, answers[name] = [], [], []
                for q in queries:
                    t = time.perf_counter()
                    order = [r[0] for r in db.execute(sql, {"q": q[column]}).fetchall()]
                    times.append((time.perf_counter() - t) * 1000)
                    answers[name].append(order)
                    ranks.append(1 / (order.index(q[2]) + 1) if q[2] in order else 0.0)
                out[f"{variant}{name}_mrr"] = round(float(np.mean(ranks)), 4)
                out[f"{variant}{name}_zero_rate"] = round(sum(not a for a in answers[name]) / len(queries), 4)
                if not variant:
                    out[f"{name}_p95_ms"] = round(float(np.percentile(times, 95)), 2)
            both = [a or b for a, b in zip(answers["postgres_fulltext"], answers["postgres_trigram"], strict=True)]
            out[f"{variant}postgres_fulltext_then_trigram_mrr"] = round(float(np.mean(
                [1 / (o.index(q[2]) + 1) if q[2] in o else 0.0 for o, q in zip(both, queries, strict=True)])), 4)
    return out


def latency(n_products, seed):
    from ai_commerce.search import text
    from ai_commerce.search.index import SearchIndex
    from ai_commerce.search.ranking import Ranker, query_key
    from demo_shop.catalog import search_sessions

    rows, sold = catalogue("demo_default", products=n_products, customers=3000, order_lines=60_000, seed=seed)
    tracemalloc.start()
    t = time.monotonic()
    index = SearchIndex.build(rows, sold)
    build = time.monotonic() - t
    memory = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    rng = np.random.default_rng(seed)
    queries = []
    for _ in range(300):
        title = rows[int(rng.integers(len(rows)))][1]
        q = search_sessions.query_for(title, rng)
        queries.append(search_sessions.with_typos(q, rng) if rng.random() < 0.3 else q)
    ranker = Ranker("lexical_popularity", popularity_weight=0.5)

    def one_search(q):
        matches = index.match(q)
        wanted = len(matches.words)
        pool = [p for p, n in matches.matched.items() if n == wanted] or list(matches.matched)
        pool.sort(key=lambda p: (-matches.matched.get(p, 0), -matches.scores.get(p, 0.0)))
        depth = pool[:100]
        scores = ranker.score(index, matches, depth, query_key(q))
        order = [p for _s, p in sorted(zip(scores, depth, strict=True), reverse=True)][:20]
        return [index.why(matches, p) for p in order]

    def timed(fn, args):
        out = []
        for a in args:
            t0 = time.perf_counter()
            fn(a)
            out.append((time.perf_counter() - t0) * 1000)
        return {"p50_ms": round(float(np.percentile(out, 50)), 2), "p95_ms": round(float(np.percentile(out, 95)), 2)}

    prefixes = [q[: max(2, int(len(q) * rng.uniform(0.3, 1.0)))] for q in queries]

    popular = [q for q, _n in Counter(query_key(q) for q in queries).most_common(500)]

    def one_suggest(prefix):  # as service.suggest: past queries that start with it, then titles (index.complete)
        key = query_key(prefix)
        past = [q for q in popular if q.startswith(key) and q != key][:4]
        return past + [index.titles[p] for p in index.complete(prefix, 16)][:8 - len(past)]

    lists = [list(rng.choice(len(rows), size=500, replace=False)) for _ in range(100)]

    def one_rerank(ids):
        learned = {i: np.log1p(index.popularity[index.position[pid]]) for i, pid in enumerate(ids)}
        by_learned = {i: r for r, i in enumerate(sorted(learned, key=lambda i: -learned[i]))}
        return sorted(range(len(ids)), key=lambda i: 0.5 * i + 0.5 * by_learned[i])

    del text
    return {"products": len(rows), "words": len(index.words), "index_build_seconds": round(build, 2),
            "index_memory_mb": round(memory, 1), "search": timed(one_search, queries),
            "suggest": timed(one_suggest, prefixes), "rerank_500": timed(one_rerank, lists)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="search.json")
    parser.add_argument("--sessions", type=int, default=6000)
    parser.add_argument("--shops", default="demo_small,demo_default")
    parser.add_argument("--latency-products", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explore-share", type=float, default=None,
                        help="share of searches whose first result is swapped (default: SEARCH's EXPLORE_SHARE)")
    parser.add_argument("--postgres", default=None, metavar="URL",
                        help="PostgreSQL to compare with (a database of its own, created if missing), e.g. "
                             "postgresql://postgres@127.0.0.1:5432/aic_search_bench")
    args = parser.parse_args()
    if args.explore_share is None:
        from ai_commerce.search.conf import DEFAULTS

        args.explore_share = DEFAULTS["EXPLORE_SHARE"]
    results = {"python": platform.python_version(), "sessions": args.sessions, "explore_share": args.explore_share,
               "shops": {}}
    for shop in args.shops.split(","):
        t = time.monotonic()
        results["shops"][shop] = run_shop(shop, args.sessions, args.seed, args.explore_share)
        results["shops"][shop]["seconds"] = round(time.monotonic() - t, 1)
        r = results["shops"][shop]
        print(f"\n{shop}: {r['products']} products, {r['labelled']} labelled sessions ({r['held_out']} held out); "
              f"serves {r['serving']}; position bias measured from {r['swaps']} swaps: eta {r['examination_eta']}")
        print(f"{'system':<20}{'NDCG@10':>10}{'MRR':>10}{'truth NDCG@10':>16}{'truth MRR':>12}")
        for system in ("serves", "lexical", "lexical_popularity", "learned"):
            print(f"{system:<20}{r['ndcg_at_10'][system] or 0:>10.4f}{r['mrr'][system] or 0:>10.4f}"
                  f"{r['truth_ndcg_at_10'].get(system, 0):>16.4f}{r['truth_mrr'].get(system, 0):>12.4f}")
        print(f"{'oracle':<20}{'':>10}{'':>10}{r['truth_ndcg_at_10']['oracle']:>16.4f}{r['truth_mrr']['oracle']:>12.4f}")
        truth = r["truth_ndcg_at_10"]
        print(f"truth NDCG@10, what serves: {truth['serves'] / truth['lexical']:.3f}x lexical (target 1.20x), "
              f"{truth['serves'] / truth['lexical_popularity']:.3f}x lexical + popularity (target 1.10x); the oracle "
              f"{truth['oracle'] / truth['lexical']:.3f}x and {truth['oracle'] / truth['lexical_popularity']:.3f}x")
        print(f"clean {r['clean_ndcg_at_10']:.4f}  misspelled {r['misspelled_ndcg_at_10']:.4f} "
              f"(ratio {r['misspelled_over_clean']}); lexical misspelled {r['lexical_misspelled_ndcg_at_10']:.4f}; "
              f"zero-result rate {r['zero_result_rate']:.2%} of {r['zero_result_queries']}")
    results["known_item_online_retail"] = known_item(args.seed, postgres=args.postgres)
    k = results["known_item_online_retail"]
    print(f"\nknown-item search, Online Retail ({k['products']} products, {k['queries']} queries)")
    print(f"{'system':<36}{'MRR':>8}{'misspelled MRR':>16}")
    for system in ("lexical", "lexical_popularity", "postgres_fulltext", "postgres_trigram",
                   "postgres_fulltext_then_trigram"):
        if f"{system}_mrr" in k:
            print(f"{system:<36}{k[system + '_mrr']:>8.4f}{k['misspelled_' + system + '_mrr']:>16.4f}")
    if "postgres_version" in k:
        print(f"PostgreSQL {k['postgres_version']}: p95 full text {k['postgres_fulltext_p95_ms']} ms, trigram "
              f"{k['postgres_trigram_p95_ms']} ms; found nothing: full text {k['postgres_fulltext_zero_rate']:.1%} "
              f"({k['misspelled_postgres_fulltext_zero_rate']:.1%} misspelled), trigram "
              f"{k['postgres_trigram_zero_rate']:.1%} ({k['misspelled_postgres_trigram_zero_rate']:.1%})")
    results["latency"] = latency(args.latency_products, args.seed)
    lat = results["latency"]
    print(f"\nlatency on {lat['products']} products ({lat['words']} words): build {lat['index_build_seconds']} s, "
          f"{lat['index_memory_mb']} MB; search p50/p95 {lat['search']['p50_ms']}/{lat['search']['p95_ms']} ms; "
          f"suggest {lat['suggest']['p50_ms']}/{lat['suggest']['p95_ms']} ms; "
          f"rerank 500 {lat['rerank_500']['p50_ms']}/{lat['rerank_500']['p95_ms']} ms")
    Path(args.out).write_text(json.dumps(results, indent=2, default=str))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
