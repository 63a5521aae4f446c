"""Back-to-back product pages on a real threaded server (``manage.py runserver``), with and without the SQLite options
that check ``ai_commerce.W007`` asks for, in one invocation: the answers of 500 per host, database and traffic.

    .venv/bin/python bench/traffic.py --out bench/traffic.json [--hosts oscar,demo] [--backends sqlite,postgresql]

Each row builds a fresh shop (``tests/live_server.py``: migrate, seed, a signed-in shopper's session) and sends
issue 25's traffic: one signed-in shopper opening every product page three times back to back with no pause, then
four shoppers at once, then four anonymous visitors at once. The Oscar shop runs every request in a transaction
(``ATOMIC_REQUESTS``, as Oscar advises) with the README's product page template; the demo shop as ``make demo``
serves it. "Django's defaults" is SQLite as Django leaves it (no ``OPTIONS``); "W007's options" is what the README
gives a small shop. PostgreSQL rows need ``AI_COMMERCE_TEST_DATABASE_URL`` (a database is created per row).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live_server import DEMO_SEED, OSCAR_SEED, back_to_back  # noqa: E402

HOSTS = {"oscar": ("tests.live_oscar_settings", OSCAR_SEED), "demo": ("tests.live_demo_settings", DEMO_SEED)}


def run(host, backend, defaults):
    settings_module, seed = HOSTS[host]
    os.environ["AI_COMMERCE_LIVE_DJANGO_DEFAULTS"] = "1" if defaults else ""
    with tempfile.TemporaryDirectory() as folder:
        started = time.monotonic()
        answers, _page = back_to_back(settings_module, seed=seed, backend=backend, folder=Path(folder))
        log = (Path(folder) / "server.log").read_text()
    return {"host": host, "backend": backend, "options": "Django's defaults" if defaults else "W007's options",
            "traffic": {name: {str(code): n for code, n in sorted(statuses.items())}
                        for name, statuses in answers.items()},
            "errors_500": sum(statuses.get(500, 0) for statuses in answers.values()),
            "requests": sum(sum(statuses.values()) for statuses in answers.values()),
            "writes_dropped": log.count("ai_commerce dropped"), "why": why(log),
            "seconds": round(time.monotonic() - started, 1)}


def why(log):
    """{the last line of each traceback in the server's log: how often}: what the 500s were."""
    reasons = Counter()
    for block in log.split("Traceback (most recent call last):")[1:]:
        lines = [line for line in block.splitlines() if line.strip() and not line.startswith((" ", "["))]
        reasons[lines[0][:200] if lines else "?"] += 1
    return dict(reasons.most_common())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", default="oscar,demo")
    parser.add_argument("--backends", default="sqlite")
    parser.add_argument("--out", default="bench/traffic.json")
    args = parser.parse_args()
    rows = []
    for host in args.hosts.split(","):
        for backend in args.backends.split(","):
            for defaults in ((True, False) if backend == "sqlite" else (False,)):
                rows.append(run(host, backend, defaults))
                row = rows[-1]
                print(f"{row['host']:6} {row['backend']:10} {row['options']:18} 500s {row['errors_500']:4} of "
                      f"{row['requests']:4}  dropped writes {row['writes_dropped']:3}  "
                      + "  ".join(f"{name}: {codes}" for name, codes in row["traffic"].items()), flush=True)
                for reason, n in row["why"].items():
                    print(f"    {n} x {reason}")
    Path(args.out).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
