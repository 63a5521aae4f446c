"""Benchmark the serving functions of recommendations in-process, on SQLite, for known users.

Run from the project root::

    .venv/bin/python bench/recs_serving.py --out recs_serving.json [--calls 2000 --seed 42]

It builds the demo shop in a fresh SQLite file (``demo_seed``, the event backfill), trains recommendations once with
the package's own trainer (TensorFlow, in this process), then times each placement's service function for users and
products drawn at random: ``recommended_for`` (a known user, with the live filters), ``similar_to``, ``bought_with``
and ``trending``, each once cold (empty cache) and then warm (rows cached per model version, as in production). It
reports p50, p99 and the mean in milliseconds, and the queries per call.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
END_DATE = "2026-10-31"  # a fixed history, so that runs on different days compare
sys.path.insert(0, str(ROOT))


def setup(db_path, seed):
    os.environ["DEMO_DB_PATH"] = str(db_path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    conf = settings.AI_COMMERCE
    override_settings(AI_COMMERCE={**conf, "RECOMMENDATIONS": {**conf.get("RECOMMENDATIONS", {}),
                                                               "PROMOTION_TOLERANCE": 1.0}}).enable()  # serve it
    call_command("migrate", verbosity=0)
    call_command("demo_seed", seed=seed, end_date=END_DATE, verbosity=0)  # the same shop on any day
    call_command("ai_commerce_import_history", verbosity=0)
    call_command("ai_commerce_train", "recommendations")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))]


def timed_calls(function, subjects, calls):
    from django.db import connection, reset_queries

    samples, queries = [], []
    for i in range(calls):
        subject = subjects[i % len(subjects)]
        reset_queries()
        start = time.perf_counter()
        function(subject)
        samples.append((time.perf_counter() - start) * 1000)
        queries.append(len(connection.queries))
    return {"p50_ms": round(percentile(samples, 0.5), 3), "p99_ms": round(percentile(samples, 0.99), 3),
            "mean_ms": round(statistics.fmean(samples), 3), "queries_per_call": max(queries), "calls": calls}


def run(calls, seed):
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    from ai_commerce.recommendations import serving
    from ai_commerce.recommendations.models import Recommendation
    from demo_shop.catalog.models import Product

    settings.DEBUG = True  # count queries
    rng = random.Random(seed)
    version = serving.active_version_id()
    user_ids = list(Recommendation.objects.filter(model_version=version).values_list("user", flat=True).distinct())
    users = list(get_user_model().objects.filter(pk__in=rng.sample(user_ids, min(500, len(user_ids)))))
    products = list(Product.objects.filter(is_active=True).order_by("?")[:200])
    placements = {
        "recommended_for": (lambda u: serving.recommended_for(u, k=10), users),
        "similar_to": (lambda p: serving.similar_to(p, k=10), products),
        "bought_with": (lambda p: serving.bought_with(p, k=10), products),
        "trending": (lambda _: serving.trending(k=10), [None]),
    }
    rows = []
    for name, (function, subjects) in placements.items():
        cache.clear()
        cold = timed_calls(function, subjects, min(calls, len(subjects)))
        warm = timed_calls(function, subjects, calls)
        rows.append({"function": name, "cold": cold, "warm": warm})
    return {"rows": rows, "model_version": version, "users_with_recommendations": len(user_ids), "seed": seed}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        setup(Path(folder) / "bench.sqlite3", args.seed)
        result = run(args.calls, args.seed)
    print(f"\n{'function':<16} {'cold p50':>9} {'cold p99':>9} {'warm p50':>9} {'warm p99':>9} {'queries':>8}")
    for row in result["rows"]:
        cold, warm = row["cold"], row["warm"]
        print(f"{row['function']:<16} {cold['p50_ms']:>9.2f} {cold['p99_ms']:>9.2f} {warm['p50_ms']:>9.2f} "
              f"{warm['p99_ms']:>9.2f} {max(cold['queries_per_call'], warm['queries_per_call']):>8}")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
