"""Benchmark what ai_commerce costs a shop's web pages and web workers, on a seeded demo shop, in one invocation.

Run from the project root (gunicorn comes with the benchmark requirements)::

    .venv/bin/pip install -r requirements/bench.txt
    .venv/bin/python bench/web.py --out bench/web.json [--requests 300 --clients 32 --seconds 60 --db postgres]

1. **Build.** A fresh demo shop (the PostgreSQL database ``ai_commerce_bench_web`` on 127.0.0.1, or a SQLite file
   with ``--db sqlite``), seeded up to a fixed end date, its history imported, recommendations and sentiment
   trained and the reviews scored. ``--reuse`` keeps a database built by an earlier run.
2. **Pages, in-process.** The product page and the home page in three variants, each in its own process calling
   Django's WSGI handler as a server does: with every ai_commerce tag and the staff's rules of ``rules()`` active;
   with every app but ``ai_commerce.merchandising`` (the difference is merchandising's increment: the rules applied
   to the placements and the re-ranked listing); and with the tags taken out and the apps uninstalled
   (``bench/web_settings.py``). For an anonymous shopper with a session and for a signed-in customer, the variants
   taking turns: the median time until the response is ready over ``--requests`` requests after a warm-up, the
   ratios of medians, the median time of what runs after the response (ai_commerce's writes, when the server
   closes it), the median CPU time of the web process's own thread until the response is ready (what the
   variant computes, without the database's share and less moved by other work on the machine), and the SQL
   statements of one request with the caches warm and cold (transaction control not
   counted; the writes after the response are counted).
3. **Memory.** gunicorn (2 workers x 4 threads) with and without the apps; the resident memory of each worker after
   warm-up requests over every benchmarked URL.
4. **Load.** ``--clients`` loopback clients for ``--seconds`` against the server with ai_commerce, over the pages,
   the recommendation, similar, bought-together, trending and sentiment endpoints and the event endpoint: first in
   a closed loop (as fast as the server answers: its saturation), then paced to ``--paced-share`` of that
   throughput; the clients run as threads of 4 processes. Each run twice: gunicorn 2 workers x 4 threads (the
   issue's setup) and 4 sync workers (gunicorn's default worker class). Requests, p50, p99 and errors (a failed
   connection or any status of 400 and above) per endpoint.

Targets (issue 16): product page <= 1.10x the bare page and <= 2 extra statements; <= +30 MB per worker; under the
load 0 errors and each API endpoint's p99 within 3x its p50. Issue 30: the rules add <= 1 statement per ranked list
and leave the ratios unchanged.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
END_DATE = "2026-10-31"  # a fixed history, so that runs on different days compare
DATABASE = "ai_commerce_bench_web"
MEDIA = Path(tempfile.gettempdir()) / "{database}_media"  # the models' files of the database's shop
SQLITE = Path(tempfile.gettempdir()) / "ai_commerce_bench_web.sqlite3"
AI_TAG = re.compile(r"\{%\s*(?:load\s+ai_\w+|record_view|product_sentiment|bought_together|similar_products|"
                    r"recommended_products|trending_products|distinct_placements|product_reviews|search_box|"
                    r"ai_assistant|buy_again)\b[^%]*%\}")
#: What a night's schedules have trained before the shop is measured.
KINDS = ("recommendations", "sentiment", "pricing", "forecast", "search", "assistant")
#: Words the search page and API are asked for (the demo's catalogue words, one misspelled).
QUERIES = ("mug", "candle", "linen", "lamp", "ceramic bowl", "cotton", "vase", "blanket", "cushon")
#: Questions sent to the assistant, on a product's page.
QUESTIONS = ("is this in stock?", "how much is it?", "what do customers say about it?", "how long does delivery take?")
CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)
PRODUCTS = 20  # product pages cycled through
MERCHANDISING = "ai_commerce.merchandising"
#: The in-process variants: {name: (ai_commerce installed, apps taken out of it)}.
VARIANTS = {"with ai_commerce": (True, ()), "without merchandising": (True, (MERCHANDISING,)), "bare": (False, ())}
RULE_PREFIX = "bench: "
LOAD_PROCESSES = 4  # the load clients are spread over this many processes


def environment(args, *, apps=True, bare_templates=None, without=()):
    media = str(MEDIA).format(database=args.database)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.web_settings", "DEMO_MEDIA_ROOT": media,
           "PYTHONPATH": str(ROOT), "BENCH_WEB_APPS": "1" if apps else "0", "BENCH_WEB_WITHOUT": ",".join(without)}
    env.pop("BENCH_DATABASE_NAME", None)
    if args.db == "postgres":
        env["BENCH_DATABASE_NAME"] = args.database
    else:
        env["DEMO_DB_PATH"] = str(SQLITE)
    if bare_templates:
        env["BENCH_BARE_TEMPLATES"] = str(bare_templates)
    return env


def manage(env, *command):
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *command], env=env, check=True, cwd=ROOT)


def build(args):
    """A fresh seeded demo with trained models, unless ``--reuse`` finds one."""
    env = environment(args)
    if args.db == "postgres":
        import psycopg

        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
            if exists and args.reuse:
                return "reused"
            conn.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
            conn.execute(f'CREATE DATABASE "{args.database}"')
    elif SQLITE.exists():
        if args.reuse:
            return "reused"
        SQLITE.unlink()
    print(f"building the demo shop (seed, import, train {', '.join(KINDS)}, score reviews) ...", flush=True)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "demo_seed", "--seed", str(args.seed), "--end-date", END_DATE)
    manage(env, "ai_commerce_import_history")
    for kind in KINDS:
        manage(env, "ai_commerce_train", kind)
    manage(env, "ai_commerce_score_reviews")
    return "built"


def seed_rules_child():
    """Replace the bench's staff rules (named ``RULE_PREFIX``...) with ``rules()``: active now, on every surface the
    pages serve, so that the variant with merchandising pays for real rules. A shop's own rules are kept."""
    import django

    django.setup()
    from ai_commerce.merchandising.models import Rule
    from demo_shop.catalog.models import Product

    on_sale = list(Product.objects.filter(is_active=True, stock__gt=0).order_by("pk").values_list("pk", flat=True))
    Rule.objects.filter(name__startswith=RULE_PREFIX).delete()
    for fields in rules(on_sale):
        Rule.objects.create(**{**fields, "name": RULE_PREFIX + fields["name"]})
    print(f"{Rule.objects.enabled().count()} merchandising rules enabled", flush=True)


def rules(on_sale):
    """Rules a merchandiser would set on the demo: pins, boost and bury, filters, a cap and diversity (by category)."""
    middle = on_sale[len(on_sale) // 2]
    return [
        {"name": "pin a new arrival first on the listing and in search", "action": "pin", "product_id": middle,
         "position": 1, "surfaces": ["listing", "search"]},
        {"name": "pin a product third everywhere", "action": "pin", "product_id": on_sale[-1], "position": 3},
        {"name": "pin for mugs", "action": "pin", "product_id": on_sale[len(on_sale) // 3], "position": 2,
         "surfaces": ["search"], "query": "mug", "query_match": "contains"},
        {"name": "boost knitwear", "action": "boost", "factor": 2.0, "if_category": "Knitwear"},
        {"name": "bury beauty", "action": "bury", "factor": 0.5, "if_category": "Beauty"},
        {"name": "hide the last few in stock", "action": "hide", "stock_level": 2},
        {"name": "exclude one product", "action": "exclude", "product_id": on_sale[1]},
        {"name": "at most 3 per category on the listing and in search", "action": "cap", "field": "category",
         "cap": 3, "surfaces": ["listing", "search"]},
        {"name": "at most 2 per category in the placements", "action": "cap", "field": "category", "cap": 2,
         "surfaces": ["recommended", "similar", "bought_together", "trending", "buy_again"]},
        {"name": "diversify the placements", "action": "diversify", "field": "category", "trade_off": 0.7,
         "surfaces": ["recommended", "similar", "trending"]},
    ]


def bare_templates(folder):
    """The demo's page templates with every ai_commerce tag taken out."""
    source = ROOT / "demo_shop" / "templates"
    for path in source.rglob("*.html"):
        target = Path(folder) / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(AI_TAG.sub("", path.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


# -- 2. pages, in-process (runs in a child process: python bench/web.py --pages-child N) -------------------------

def pages_child():
    """Time the pages as a WSGI server would serve them: the response is ready when the handler returns it; what
    runs when the server closes it (``request_finished``: ai_commerce's writes) comes after the shopper has it."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.cache import caches
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext

    from demo_shop.catalog.models import Product
    from demo_shop.orders.models import Order

    slugs = list(Product.objects.filter(is_active=True, stock__gt=0).order_by("pk").values_list("slug", flat=True)
                 [:PRODUCTS])
    customer = get_user_model().objects.get(pk=Order.objects.order_by("pk").values_list("customer", flat=True)[0])
    handler, factory = WSGIHandler(), RequestFactory()
    anonymous = SessionStore()
    anonymous.create()  # a shopper who browses has a session, with or without ai_commerce
    signed_in = Client()
    signed_in.force_login(customer)
    cookie = settings.SESSION_COOKIE_NAME
    visitors = {"anonymous": anonymous.session_key, "customer": signed_in.cookies[cookie].value}

    def serve(url, session_key):
        environ = factory._base_environ(PATH_INFO=url, REQUEST_METHOD="GET", HTTP_HOST="127.0.0.1",
                                        HTTP_COOKIE=f"{cookie}={session_key}")
        start, cpu = time.perf_counter(), time.thread_time()
        response = handler(environ, lambda status, headers, exc_info=None: None)
        body = b"".join(response)
        ready, cpu = time.perf_counter(), time.thread_time() - cpu
        response.close()  # request_finished
        return response.status_code, len(body), (ready - start) * 1000, (time.perf_counter() - ready) * 1000, cpu * 1000

    def statements(url, session_key):
        with CaptureQueriesContext(connection) as captured:
            status = serve(url, session_key)[0]
        sql = [q["sql"] for q in captured.captured_queries if not CONTROL.match(q["sql"])]
        writes = [s for s in sql if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
        return status, len(sql), len(writes)

    pages = {"product": [f"/products/{slug}/" for slug in slugs], "home": ["/"]}
    for line in sys.stdin:  # one command per line from the parent, which alternates the two variants
        command = json.loads(line)
        urls, session_key = pages[command["page"]], visitors[command["visitor"]]
        if command["do"] == "statements":
            for cache in caches.all():
                cache.clear()
            status, cold, _cold_writes = statements(urls[0], session_key)
            for url in urls * 3:  # warm-up
                serve(url, session_key)
            _status, warm, writes = statements(urls[0], session_key)
            answer = {"status": status, "statements_warm": warm, "writes_warm": writes, "statements_cold": cold}
        else:
            ready, after, cpu = [], [], []
            for i in range(command["n"]):
                _code, _size, to_response, closing, own = serve(urls[(command["offset"] + i) % len(urls)], session_key)
                ready.append(to_response)
                after.append(closing)
                cpu.append(own)
            answer = {"ready": ready, "after": after, "cpu": cpu}
        print(json.dumps(answer), flush=True)


BLOCK = 20  # requests per turn: the variants take turns, so that a slow moment of the machine hits both


def pages(args, folder):
    children = {}
    for variant, (apps, without) in VARIANTS.items():
        env = environment(args, apps=apps, bare_templates=folder, without=without)
        children[variant] = subprocess.Popen([sys.executable, __file__, "--pages-child", "1", "--db", args.db],
                                             env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                             cwd=ROOT)

    def ask(variant, **command):
        child = children[variant]
        child.stdin.write(json.dumps(command) + "\n")
        child.stdin.flush()
        return json.loads(child.stdout.readline())

    rows = []
    try:
        for visitor in ("anonymous", "customer"):
            for page in ("product", "home"):
                counts = {v: ask(v, do="statements", page=page, visitor=visitor) for v in children}
                samples = {v: {"ready": [], "after": [], "cpu": []} for v in children}
                for offset in range(0, args.requests, args.block):
                    for variant in children:
                        got = ask(variant, do="time", page=page, visitor=visitor, n=args.block, offset=offset)
                        samples[variant]["ready"] += got["ready"]
                        samples[variant]["after"] += got["after"]
                        samples[variant]["cpu"] += got["cpu"]
                full, bare = counts["with ai_commerce"], counts["bare"]
                unarranged = counts["without merchandising"]
                median = {v: statistics.median(samples[v]["ready"]) for v in children}
                cpu = {v: statistics.median(samples[v]["cpu"]) for v in children}
                rows.append({"page": page, "visitor": visitor, "status": full["status"],
                             "median_ms": round(median["with ai_commerce"], 2),
                             "bare_median_ms": round(median["bare"], 2),
                             "ratio": round(median["with ai_commerce"] / median["bare"], 3),
                             "without_merchandising_median_ms": round(median["without merchandising"], 2),
                             "ratio_to_without_merchandising": round(
                                 median["with ai_commerce"] / median["without merchandising"], 3),
                             "merchandising_ms": round(median["with ai_commerce"] - median["without merchandising"],
                                                       2),
                             "cpu_ms": round(cpu["with ai_commerce"], 2), "bare_cpu_ms": round(cpu["bare"], 2),
                             "without_merchandising_cpu_ms": round(cpu["without merchandising"], 2),
                             "cpu_ratio_to_without_merchandising": round(
                                 cpu["with ai_commerce"] / cpu["without merchandising"], 3),
                             "merchandising_statements_warm": full["statements_warm"] - unarranged["statements_warm"],
                             "merchandising_statements_cold": full["statements_cold"] - unarranged["statements_cold"],
                             "after_response_ms": round(statistics.median(samples["with ai_commerce"]["after"]), 2),
                             "statements_warm": full["statements_warm"], "bare_statements": bare["statements_warm"],
                             "extra_statements_warm": full["statements_warm"] - bare["statements_warm"],
                             "extra_writes_warm": full["writes_warm"] - bare["writes_warm"],
                             "extra_statements_cold": full["statements_cold"] - bare["statements_cold"]})
    finally:
        for child in children.values():
            child.stdin.close()
            child.wait(timeout=60)
    return rows


# -- 3. and 4. gunicorn -------------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: gunicorn configurations of the load runs: the issue's (threads share one interpreter lock per worker), and
#: gunicorn's default worker class, one request per process at a time.
CONFIGS = {"gthread, 2 workers x 4 threads": ["--workers", "2", "--threads", "4", "--worker-class", "gthread"],
           "sync, 4 workers": ["--workers", "4", "--worker-class", "sync"]}


class Server:
    def __init__(self, env, config=CONFIGS["gthread, 2 workers x 4 threads"]):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "demo_shop.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             *config, "--backlog", "256", "--log-level", "warning"], env=env, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start within 60 s")

    def workers(self):
        found = set()
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            found.update(int(pid) for pid in (task / "children").read_text().split())
        return sorted(found)

    def worker_rss_mb(self):
        sizes = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


class Visitor:
    """One keep-alive connection with its own cookies (the session of an anonymous shopper)."""

    def __init__(self, port):
        self.port, self.cookies, self.conn = port, {}, None

    def request(self, method, url, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, url, body=body, headers=headers)
            response = self.conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status


def endpoints(args, apps):
    """{name: (method, url maker, body maker)} over products that are on sale."""
    import psycopg

    if args.db == "postgres":
        with psycopg.connect(host="127.0.0.1", user="postgres", dbname=args.database) as conn:
            rows = conn.execute("SELECT id, slug FROM catalog_product WHERE is_active AND stock > 0 ORDER BY id "
                                "LIMIT 200").fetchall()
    else:
        import sqlite3

        with sqlite3.connect(SQLITE) as conn:
            rows = conn.execute("SELECT id, slug FROM catalog_product WHERE is_active AND stock > 0 ORDER BY id "
                                "LIMIT 200").fetchall()

    def pick():
        return random.choice(rows)

    pages = {"page: product": ("GET", lambda: f"/products/{pick()[1]}/", None),
             "page: home": ("GET", lambda: "/", None)}
    if not apps:
        return pages
    return {**pages,
            "api: recommendations": ("GET", lambda: "/ai/api/recommendations/?k=8", None),
            "api: similar": ("GET", lambda: f"/ai/api/products/{pick()[0]}/similar/?k=8", None),
            "api: bought-together": ("GET", lambda: f"/ai/api/products/{pick()[0]}/bought-together/?k=4", None),
            "api: trending": ("GET", lambda: "/ai/api/trending/?k=8", None),
            "api: sentiment": ("GET", lambda: f"/ai/api/products/{pick()[0]}/sentiment/", None),
            "page: search": ("GET", lambda: f"/search/?q={random.choice(QUERIES).replace(' ', '+')}", None),
            "api: search": ("GET", lambda: f"/ai/api/search/?q={random.choice(QUERIES).replace(' ', '+')}", None),
            "api: assistant": ("POST", lambda: "/ai/api/assistant/",
                               lambda: json.dumps({"message": random.choice(QUESTIONS), "product": pick()[0]})),
            "api: events": ("POST", lambda: "/ai/api/events/",
                            lambda: json.dumps({"events": [{"kind": "view", "product": pick()[0]}]}))}


def warm_up(server, targets, rounds=20):
    visitor = Visitor(server.port)
    for _ in range(rounds):
        for method, url, body in targets.values():
            visitor.request(method, url(), body() if body else None)


def _load_process(port, targets, seeds, clients, began, seconds, rate, results):
    """One load process: a thread per client of ``seeds``; puts (samples, errors) per endpoint on ``results``."""
    samples = {name: [] for name in targets}
    errors = dict.fromkeys(targets, 0)
    lock = threading.Lock()
    deadline = began + seconds

    def client(seed):
        rng, visitor = random.Random(seed), Visitor(port)
        names = sorted(targets)
        interval = clients / rate if rate else 0.0
        due = began + rng.random() * interval
        time.sleep(max(0.0, began - time.monotonic()))
        while time.monotonic() < deadline:
            if interval:
                time.sleep(max(0.0, due - time.monotonic()))
                due += interval
            name = rng.choice(names)
            method, url, body = targets[name]
            start = time.perf_counter()
            try:
                ok = visitor.request(method, url(), body() if body else None) < 400
            except (OSError, http.client.HTTPException):
                ok = False
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                samples[name].append(elapsed)
                errors[name] += not ok

    threads = [threading.Thread(target=client, args=(seed,)) for seed in seeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((samples, errors))


def load(server, targets, clients, seconds, rate=None, processes=LOAD_PROCESSES):
    """Closed loop (each client sends its next request when the last one is answered), or, with ``rate``, each client
    paced to ``rate / clients`` requests per second (sending at once when it falls behind). The clients are spread
    over ``processes`` processes, so that one interpreter lock does not delay reading the answers."""
    context = multiprocessing.get_context("fork")  # the children inherit ``targets`` (closures) as they are
    results = context.Queue()
    began = time.monotonic() + 1.0  # every process starts at once (the monotonic clock is the machine's)
    children = [context.Process(target=_load_process, args=(server.port, targets, range(i, clients, processes),
                                                            clients, began, seconds, rate, results))
                for i in range(processes)]
    for child in children:
        child.start()
    samples = {name: [] for name in targets}
    errors = dict.fromkeys(targets, 0)
    for _ in children:
        got_samples, got_errors = results.get(timeout=seconds + 120)
        for name in targets:
            samples[name] += got_samples[name]
            errors[name] += got_errors[name]
    for child in children:
        child.join()
    total = sum(len(v) for v in samples.values())
    rows = [{"endpoint": "all", "requests": total, "per_second": round(total / seconds, 1),
             "errors": sum(errors.values())}]
    for name in targets:
        ordered = sorted(samples[name])
        p50 = ordered[len(ordered) // 2] if ordered else None
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else None
        rows.append({"endpoint": name, "requests": len(ordered), "p50_ms": round(p50, 1), "p99_ms": round(p99, 1),
                     "p99_over_p50": round(p99 / p50, 2), "errors": errors[name]})
    return rows


def worker_memory(args, folder):
    """Resident memory of each worker of the issue's configuration, with and without the apps, after warm-up."""
    found = {}
    for variant, apps in (("with ai_commerce", True), ("bare", False)):
        server = Server(environment(args, apps=apps, bare_templates=folder))
        try:
            warm_up(server, endpoints(args, apps))
            found[variant] = [round(mb, 1) for mb in server.worker_rss_mb()]
        finally:
            server.stop()
    return found


def loads(args):
    """For each gunicorn configuration: a closed loop, then a run paced to a share of its throughput."""
    runs = {}
    for name, config in CONFIGS.items():
        server = Server(environment(args, apps=True), config)
        try:
            targets = endpoints(args, True)
            warm_up(server, targets)
            print(f"load ({name}): {args.clients} clients for {args.seconds} s, closed loop ...", flush=True)
            saturated = load(server, targets, args.clients, args.seconds)
            rate = round(saturated[0]["per_second"] * args.paced_share, 1)
            print(f"load ({name}): paced to {rate} requests/s ...", flush=True)
            runs[f"{name}, closed loop"] = saturated
            runs[f"{name}, paced at {args.paced_share:.0%}"] = load(server, targets, args.clients, args.seconds,
                                                                   rate=rate)
        finally:
            server.stop()
    return runs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per page and visitor, in-process")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=60, help="of each load run")
    parser.add_argument("--paced-share", type=float, default=0.5,
                        help="the paced run offers this share of the closed loop's throughput")
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    parser.add_argument("--block", type=int, default=BLOCK,
                        help="requests per turn of each variant (fewer: a busy moment of a shared machine hits both)")
    parser.add_argument("--database", default=DATABASE, help="the PostgreSQL database's name (--db postgres)")
    parser.add_argument("--pages-only", action="store_true",
                        help="time the pages in-process only (no gunicorn memory or load runs)")
    parser.add_argument("--pages-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rules-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if args.pages_child:
        return pages_child()
    if args.rules_child:
        return seed_rules_child()
    database = build(args)
    subprocess.run([sys.executable, __file__, "--rules-child", "1", "--db", args.db], env=environment(args),
                   check=True, cwd=ROOT)
    with tempfile.TemporaryDirectory() as folder:
        bare_templates(folder)
        page_rows = pages(args, folder)
        memory = {} if args.pages_only else worker_memory(args, folder)
        load_rows = {} if args.pages_only else loads(args)
    mean = {variant: statistics.fmean(sizes) for variant, sizes in memory.items()}
    result = {"database": args.db, "build": database, "end_date": END_DATE, "requests": args.requests,
              "pages": page_rows, "worker_rss_mb": memory,
              "worker_rss_extra_mb": round(mean["with ai_commerce"] - mean["bare"], 1) if memory else None,
              "load": {"clients": args.clients, "seconds": args.seconds, "runs": load_rows}}
    print(f"\n{'page':<8} {'visitor':<10} {'ms':>7} {'bare ms':>8} {'ratio':>6} {'after':>6} {'SQL':>4} {'bare':>5} "
          f"{'extra':>6} {'writes':>7} {'extra cold':>11} | {'no merch ms':>11} {'ratio':>6} {'SQL':>4} {'cold':>5} | "
          f"{'CPU ms':>6} {'no merch':>8} {'ratio':>6} {'bare':>5}")
    for row in page_rows:
        print(f"{row['page']:<8} {row['visitor']:<10} {row['median_ms']:>7.2f} {row['bare_median_ms']:>8.2f} "
              f"{row['ratio']:>6.3f} {row['after_response_ms']:>6.2f} {row['statements_warm']:>4} "
              f"{row['bare_statements']:>5} "
              f"{row['extra_statements_warm']:>6} {row['extra_writes_warm']:>7} {row['extra_statements_cold']:>11} | "
              f"{row['without_merchandising_median_ms']:>11.2f} {row['ratio_to_without_merchandising']:>6.3f} "
              f"{row['merchandising_statements_warm']:>4} {row['merchandising_statements_cold']:>5} | "
              f"{row['cpu_ms']:>6.2f} {row['without_merchandising_cpu_ms']:>8.2f} "
              f"{row['cpu_ratio_to_without_merchandising']:>6.3f} {row['bare_cpu_ms']:>5.2f}")
    if memory:
        print(f"\nworker RSS MB: with ai_commerce {memory['with ai_commerce']}, bare {memory['bare']}; "
              f"extra {result['worker_rss_extra_mb']} MB")
    for run, rows in load_rows.items():
        print(f"\nload, {run}: {rows[0]['requests']} requests, {rows[0]['per_second']}/s, {rows[0]['errors']} errors")
        print(f"{'endpoint':<22} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8} {'p99/p50':>8} {'errors':>7}")
        for row in rows[1:]:
            print(f"{row['endpoint']:<22} {row['requests']:>9} {row['p50_ms']:>8} {row['p99_ms']:>8} "
                  f"{row['p99_over_p50']:>8} {row['errors']:>7}")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
