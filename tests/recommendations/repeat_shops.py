"""Small shops with known repeat-purchase behaviour, as engine rows (user, product, when, kind, quantity, order):
the buy-it-again tests train on them for real."""

import datetime as dt
import random

END = 240  # the newest day of every shop here


def due_again(users, old_products, cyclic_products, new_products, start, seed=3):
    """A shop where timing matters: each shopper bought eleven "old" products six times each long ago and never
    since, and three "cyclic" products every 14 days until a week ago (so each is due again: their next purchase
    falls in the newest 14 days); frequency ranks the old ones first. Each also buys one product once early on, and
    one product new to them (which others bought early) three days before the end: the recommendation engine needs
    shoppers to judge. ``start`` is day 0 (a datetime)."""
    rng = random.Random(seed)
    rows = []
    for n, user in enumerate(users):
        old = rng.sample(old_products, 11)
        cyclic = rng.sample(cyclic_products, 3)
        for product in old:
            for day in sorted(rng.sample(range(60), 6)):
                rows.append((user, product, day + rng.random() / 2, f"{n}-old-{day}"))
        for product in cyclic:
            for j in range(6):  # END-7 (in the newest 14 days), END-21, ..., END-77
                day = END - 7 - 14 * j
                rows.append((user, product, day + rng.random() / 2, f"{n}-cyc-{day}"))
        rows.append((user, new_products[(n + 1) % len(new_products)], 30 + rng.random() / 2, f"{n}-first"))
        rows.append((user, new_products[n % len(new_products)], END - 3 + rng.random() / 2, f"{n}-new"))
    return _rows(rows, start)


def frequency_only(users, products, start, seed=4):
    """A shop where every shopper has at most eight products, so any order of them puts them all in a list of ten:
    the timing cannot beat frequency."""
    rng = random.Random(seed)
    rows = []
    for n, user in enumerate(users):
        for product in rng.sample(products, 8):
            for day in sorted(rng.sample(range(END), rng.randint(1, 6))):
                rows.append((user, product, day + rng.random() / 2, f"{n}-{day}"))
    return _rows(rows, start)


def one_offs(users, products, start, seed=5):
    """A shop where nobody buys the same product twice."""
    rng = random.Random(seed)
    rows = []
    for n, user in enumerate(users):
        for product in rng.sample(products, 5):
            day = rng.uniform(0, END)
            rows.append((user, product, day, f"{n}-{day:.3f}"))
    return _rows(rows, start)


def _rows(rows, start):
    return [(user, product, start + dt.timedelta(days=day), "purchase", 1, order) for user, product, day, order in
            sorted(rows, key=lambda row: row[2])]
