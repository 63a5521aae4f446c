"""A real threaded server for the traffic tests: ``manage.py runserver`` in a process of its own, on a database of its
own (a SQLite file, or a fresh PostgreSQL database in CI), migrated and seeded by the host shop's own code.

::

    with running_shop("tests.live_oscar_settings", seed=OSCAR_SEED, backend="sqlite", folder=tmp_path) as shop:
        statuses = shop.browse(shop.paths, sessions=[shop.session], rounds=1)

Unlike pytest-django's ``live_server`` (which shares one in-memory SQLite connection between its threads), each of
the server's threads has its own connection to a file, as on a small shop's real server, so SQLite's locking is real.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.services import DATABASE_URL

ROOT = Path(__file__).resolve().parent.parent

#: Seeds the Oscar shop of tests/oscar/conftest.py and prints its product page paths (as JSON, on the last line).
OSCAR_SEED = """
from django.conf import settings
from django.contrib.staticfiles.finders import find
from django.core.files import File
from django.core.files.storage import default_storage
from tests.oscar.conftest import build_shop
with open(find("oscar/img/image_not_found.jpg"), "rb") as image:
    default_storage.save(settings.OSCAR_MISSING_IMAGE_URL, File(image))
shop = build_shop()
products = [p for products in shop.tail.values() for p in products] + shop.staples
paths = [p.get_absolute_url() for p in products]
"""

#: Seeds a small demo shop (the README's ``demo_seed``) and prints its product page paths.
DEMO_SEED = """
from django.core.management import call_command
from demo_shop.catalog.models import Product
call_command("demo_seed", "--products", "60", "--customers", "40", "--days", "60", verbosity=0)
paths = [p.get_absolute_url() for p in Product.objects.filter(is_active=True).order_by("pk")[:40]]
"""

#: Appended to a seed: a signed-in shopper's session (the first customer's), then the paths and the session keys.
SESSIONS = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
keys = []
for user in get_user_model().objects.filter(is_staff=False).order_by("pk")[:4]:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    keys.append(session.session_key)
print(json.dumps({"paths": paths, "sessions": keys}))
"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Shop:
    url: str
    paths: list
    sessions: list

    def get(self, path, session=None):
        """GET ``path`` as the shopper of ``session`` (or a new anonymous visitor); return (status code, body)."""
        request = urllib.request.Request(self.url + path)
        if session:
            request.add_header("Cookie", f"sessionid={session}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def browse(self, sessions, rounds=1):
        """Each of ``sessions`` (None: an anonymous visitor) opens every product page ``rounds`` times, back to back
        with no pause, all sessions at once. Return the status codes."""
        def visit(session):
            return [self.get(path, session)[0] for _ in range(rounds) for path in self.paths]

        with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
            return [status for statuses in pool.map(visit, sessions) for status in statuses]


@contextlib.contextmanager
def _database(backend, folder):
    """Yield the environment that points the server's settings at a database of its own."""
    if backend == "sqlite":
        yield {"AI_COMMERCE_LIVE_SQLITE_PATH": str(folder / "live.sqlite3"), "AI_COMMERCE_TEST_DATABASE_URL": ""}
        return
    import psycopg

    base = DATABASE_URL.rsplit("/", 1)[0]
    name = f"ai_commerce_live_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"AI_COMMERCE_TEST_DATABASE_URL": f"{base}/{name}"}
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(args, env, **kwargs):
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900, **kwargs)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args[:1])} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


@contextlib.contextmanager
def running_shop(settings_module, *, seed, backend, folder):
    """Migrate and seed a database of its own for ``settings_module``, serve it with ``runserver`` (threaded) on a
    free loopback port, and yield a ``Shop``; stop the server after."""
    with _database(backend, folder) as database:
        # A process-local cache: the suite's Redis cache holds another database's ids.
        env = {**os.environ, **database, "DJANGO_SETTINGS_MODULE": settings_module, "AI_COMMERCE_TEST_REDIS_URL": "",
               "AI_COMMERCE_LIVE_MEDIA": str(folder / "media"), "PYTHONPATH": str(ROOT)}
        _run(["migrate", "--noinput", "-v", "0"], env)
        seeded = json.loads(_run(["shell", "-c", seed + SESSIONS], env).strip().splitlines()[-1])
        port = _free_port()
        log = open(folder / "server.log", "w")  # noqa: SIM115 - closed below, after the server stops
        server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            shop = Shop(f"http://127.0.0.1:{port}", seeded["paths"], seeded["sessions"])
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"runserver did not start:\n{(folder / 'server.log').read_text()[-3000:]}")
                time.sleep(0.2)
            yield shop
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()


def back_to_back(settings_module, *, seed, backend, folder):
    """Serve ``settings_module`` and send the traffic of issue 25: one signed-in shopper opening product pages back to
    back, then four shoppers and then four anonymous visitors at once. Return {traffic: Counter of status codes},
    and the html of a product page (to show that the page carries the AI)."""
    from collections import Counter

    with running_shop(settings_module, seed=seed, backend=backend, folder=folder) as shop:
        page = shop.get(shop.paths[0], shop.sessions[0])[1]
        return {
            "one shopper": Counter(shop.browse(shop.sessions[:1], rounds=3)),
            "four shoppers": Counter(shop.browse(shop.sessions, rounds=1)),
            "four anonymous visitors": Counter(shop.browse([None] * 4, rounds=1)),
        }, page


def assert_no_500(host, backend, folder):
    """Send ``back_to_back`` traffic to ``host`` ("oscar" or "demo") on ``backend``: every answer is 200, on a page
    that carries the AI (and so makes its writes). PostgreSQL needs ``AI_COMMERCE_TEST_DATABASE_URL``."""
    from tests import services
    from tests.conftest import need_service

    if backend == "postgresql" and not services.DATABASE_URL:
        need_service("PostgreSQL (AI_COMMERCE_TEST_DATABASE_URL) for the threaded-server test")
    seed = OSCAR_SEED if host == "oscar" else DEMO_SEED
    answers, page = back_to_back(f"tests.live_{host}_settings", seed=seed, backend=backend, folder=folder)
    # The page carries the AI (a placement, so impressions to write, besides the view); on a shop not trained yet
    # the distinct placements show the catalogue's backfill once, under the first placement.
    assert 'class="ai-placement ' in page, page[-2000:]
    for traffic, statuses in answers.items():
        assert set(statuses) == {200}, (traffic, statuses, (folder / "server.log").read_text()[-4000:])
