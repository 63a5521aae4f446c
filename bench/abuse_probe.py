"""Probe a running shop for the abuse of issue 26: a forged X-Forwarded-For and parallel clients against the events
throttle, and fake or replayed clicks and repeated impressions against the experiments' counts.

Start the shop on loopback (only there) with its PostgreSQL database, then, from the project root::

    .venv/bin/python bench/abuse_probe.py --url http://127.0.0.1:8765 \\
        --database postgres://postgres@127.0.0.1:5432/ai_commerce_abuse [--events 800 --clients 16 --clicks 200]

Every loop is bounded. The events cases each start at the top of a minute, so that they fall in one window of the
throttle (``EVENTS_THROTTLE_RATE``, 600/min by default); the rows stored are counted in the database.
"""

import argparse
import json
import random
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from urllib.parse import urlencode, urlsplit

import psycopg


def opener():
    """A client with its own cookies, that does not follow redirects."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect)


def call(client, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with client.open(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def count(database, sql):
    with psycopg.connect(database) as connection:
        return connection.execute(sql).fetchone()[0]


def top_of_minute():
    time.sleep(60 - time.time() % 60 + 0.5)


def events(url, product, n, clients, forge):
    """POST n single-event batches from fresh clients (no cookies), ``clients`` at a time; return (accepted, s)."""
    top_of_minute()
    started = time.time()

    def one(_):
        headers = {"X-Forwarded-For": ".".join(str(random.randint(1, 254)) for _ in range(4))} if forge else {}
        return call(opener(), f"{url}/ai/api/events/", {"events": [{"kind": "view", "product": product}]},
                    headers)[0]

    with ThreadPoolExecutor(clients) as pool:
        codes = list(pool.map(one, range(n)))
    return codes.count(201), round(time.time() - started, 1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8765")
    parser.add_argument("--database", required=True)
    parser.add_argument("--events", type=int, default=800)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--lists", type=int, default=100)
    args = parser.parse_args(argv)
    assert urlsplit(args.url).hostname in ("127.0.0.1", "localhost", "::1"), "probe loopback only"
    clicks_sql = "select count(*) from ai_commerce_recommendations_placementevent where kind = 'click'"
    shown_sql = "select count(*) from ai_commerce_recommendations_placementevent where kind = 'impression'"
    client = opener()
    body = call(client, f"{args.url}/ai/api/trending/?k=10")[1]
    product = int(json.loads(body)["results"][0]["product"])
    call(client, f"{args.url}/ai/api/events/", {"events": [{"kind": "view", "product": product}]})  # a session
    listed = json.loads(call(client, f"{args.url}/ai/api/trending/?k=10")[1])
    result = {}
    result["forged_xff"] = events(args.url, product, args.events, 1, forge=True)
    result["parallel_same_address"] = events(args.url, product, args.events, args.clients, forge=False)

    before = count(args.database, clicks_sql)
    fake = {"a": "recommended:999999:7", "p": product, "next": "/"}
    codes = [call(opener(), f"{args.url}/ai/r/?{urlencode(fake)}")[0] for _ in range(args.clicks)]
    time.sleep(1)
    result["fake_clicks"] = (count(args.database, clicks_sql) - before, args.clicks, sorted(set(codes)))

    before = count(args.database, clicks_sql)
    link = listed["results"][0].get("click_url") or "/ai/r/?" + urlencode(
        {"a": listed["results"][0]["attribution"], "p": product, "next": "/"})
    codes = [call(client, f"{args.url}{link}")[0] for _ in range(args.clicks)]
    time.sleep(1)
    result["replayed_served_link"] = (count(args.database, clicks_sql) - before, args.clicks, sorted(set(codes)))

    before = count(args.database, shown_sql)
    for _ in range(args.lists):
        call(client, f"{args.url}/ai/api/trending/?k=10")
    time.sleep(2)  # impressions are written after each response
    result["impressions_of_repeated_lists"] = (count(args.database, shown_sql) - before, args.lists * 10)

    print(f"{'case':44} {'stored':>8} {'sent':>6}  note")
    print(f"{'events, forged X-Forwarded-For (limit 600)':44} {result['forged_xff'][0]:>8} {args.events:>6}  "
          f"{result['forged_xff'][1]} s, one minute window")
    print(f"{f'events, {args.clients} parallel clients (limit 600)':44} {result['parallel_same_address'][0]:>8} "
          f"{args.events:>6}  {result['parallel_same_address'][1]} s, one minute window")
    print(f"{'fake clicks a=recommended:999999:7':44} {result['fake_clicks'][0]:>8} {args.clicks:>6}  "
          f"HTTP {result['fake_clicks'][2]}")
    print(f"{'one served link replayed':44} {result['replayed_served_link'][0]:>8} {args.clicks:>6}  "
          f"HTTP {result['replayed_served_link'][2]}")
    print(f"{'impressions, one session, lists of 10':44} {result['impressions_of_repeated_lists'][0]:>8} "
          f"{args.lists * 10:>6}")
    return result


if __name__ == "__main__":
    main()
