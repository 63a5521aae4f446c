"""Benchmark review trust on a generated shop with known verified buyers and planted fraud (issue 31).

Run from the project root::

    .venv/bin/python bench/review_trust.py --data ../shared/data/womens_clothing_reviews.csv.gz --out review_trust.json

The shop (``generate``): products of good, mixed and poor quality; customers who order a few products over 300 days
and review some of what they bought 1-30 days after the order (several items of one order on the same day, as
people do), with real review texts from the Women's E-Commerce Clothing Reviews of a rating drawn from the product's
quality (without ``--data``, texts of random words, which is what the test suite uses). Into it are planted:

* ``review_burst``: products that get 8 five-star reviews from fresh accounts within 12 hours;
* ``one_sided_reviewer``: accounts that give one star to 4 good products (or five to 4 poor ones), weeks apart;
* ``non_buyer``: single reviews, at ordinary times, by accounts that never bought the product, on products that sell;
* ``near_duplicate``: a review's text copied with two words changed onto another product, by one of its buyers;
* ``account_burst``: buyers who review 5 products they bought, within 6 hours.

The shop is written into the test host (``tests.settings``, a throwaway SQLite file), scored by
``ai_commerce_score_reviews`` (the lexicon cold start: the fraud signals do not depend on the model), and judged:
verification tier per review against the generator's truth (exact matches), precision and recall of the fraud flags
on the planted reviews (any fraud flag; and each signal's recall on its own kind), and the reviews the fraud flags
held back (must be 0). The simple baseline in the same run is the rule that was there before: the ``spam`` flag
(exact duplicate texts and links).
"""

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = ("review_burst", "one_sided_reviewer", "non_buyer", "near_duplicate", "account_burst")
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
QUALITY = {"good": (0.02, 0.03, 0.1, 0.3, 0.55), "mixed": (0.15, 0.15, 0.3, 0.2, 0.2),
           "poor": (0.4, 0.3, 0.15, 0.1, 0.05)}


@dataclass
class Shop:
    products: list = field(default_factory=list)  # quality per product index
    users: int = 0
    orders: list = field(default_factory=list)  # (user, time, [product, ...])
    reviews: list = field(default_factory=list)  # dicts: user, product, rating, text, time, tier, planted


class Texts:
    """Review texts by rating: real ones from the clothing reviews, or random words (tests)."""

    def __init__(self, rng, path=None):
        self.rng = rng
        self.by_rating = {r: [] for r in range(1, 6)}
        if path:
            sys.path.insert(0, str(ROOT / "bench"))
            from sentiment import load_clothing

            texts, ratings = load_clothing(path)
            for text, rating in zip(texts, ratings, strict=True):
                self.by_rating[int(rating)].append(text)
            for pool in self.by_rating.values():
                rng.shuffle(pool)
        self.vocabulary = [f"w{n}" for n in range(3000)]

    def pick(self, rating):
        pool = self.by_rating[rating]
        if pool:
            return pool.pop()
        mood = {1: "awful", 2: "poor", 3: "okay", 4: "good", 5: "lovely"}[rating]
        return " ".join([mood, *self.rng.sample(self.vocabulary, self.rng.randint(12, 30))]) + "."


def generate(seed=7, products=60, customers=400, texts_path=None):
    """Return a ``Shop`` with its truth: each review's tier and, for planted fraud, its kind."""
    rng = random.Random(seed)
    texts = Texts(rng, texts_path)
    shop = Shop(products=[rng.choice(list(QUALITY)) for _ in range(products)], users=customers)
    bought = {}  # (user, product) -> first order time
    for user in range(customers):
        for _ in range(rng.randint(1, 5)):
            when = START + dt.timedelta(days=rng.uniform(0, 300))
            items = rng.sample(range(products), rng.randint(1, 3))
            shop.orders.append((user, when, items))
            for product in items:
                bought[(user, product)] = min(bought.get((user, product), when), when)
            if rng.random() < 0.45:  # reviews the order's items the same day, 1-30 days after
                day = when + dt.timedelta(days=rng.uniform(1, 30))
                for product in items:
                    if rng.random() < 0.8:
                        rating = rng.choices(range(1, 6), QUALITY[shop.products[product]])[0]
                        shop.reviews.append({"user": user, "product": product, "rating": rating,
                                             "text": texts.pick(rating), "planted": None,
                                             "time": day + dt.timedelta(minutes=rng.uniform(0, 60))})
    buyers = {}
    for user, product in bought:
        buyers.setdefault(product, set()).add(user)
    selling = [p for p in range(products) if len(buyers.get(p, ())) >= 8]
    fresh = iter(range(customers, customers + 10_000))

    def plant(kind, user, product, rating, time, text=None):
        shop.reviews.append({"user": user, "product": product, "rating": rating, "text": text or texts.pick(rating),
                             "time": time, "planted": kind})

    for product in rng.sample(selling, 4):
        start = START + dt.timedelta(days=rng.uniform(30, 290))
        for _ in range(8):
            plant("review_burst", next(fresh), product, 5, start + dt.timedelta(hours=rng.uniform(0, 12)))
    good = [p for p in selling if shop.products[p] == "good"]
    poor = [p for p in selling if shop.products[p] == "poor"]
    for n in range(5):
        user, (targets, rating) = next(fresh), ((good, 1) if n % 2 == 0 else (poor, 5))
        for k, product in enumerate(rng.sample(targets, 4)):
            plant("one_sided_reviewer", user, product, rating, START + dt.timedelta(days=40 + 50 * k + n))
    for _ in range(15):
        product = rng.choice(selling)
        plant("non_buyer", next(fresh), product, rng.choice([1, 5]), START + dt.timedelta(days=rng.uniform(0, 300)))
    originals = [r for r in shop.reviews if r["planted"] is None and len(r["text"].split()) >= 15]
    for source in rng.sample(originals, 10):
        words = source["text"].split()
        for i in rng.sample(range(len(words)), 2):
            words[i] = rng.choice(["really", "truly", "very", "quite"])
        user, product = next(((u, p) for (u, p) in sorted(bought) if p != source["product"] and rng.random() < 0.02),
                             (0, (source["product"] + 1) % products))
        when = max(bought.get((user, product), START), source["time"]) + dt.timedelta(days=3)  # copied later
        plant("near_duplicate", user, product, source["rating"], when, " ".join(words))
    for _ in range(4):
        user = next(fresh)
        items = rng.sample(selling, 5)
        when = START + dt.timedelta(days=rng.uniform(20, 250))
        shop.orders.append((user, when, items))
        for product in items:
            bought[(user, product)] = when
            plant("account_burst", user, product, 5, when + dt.timedelta(days=9, hours=rng.uniform(0, 6)))
    shop.users = next(fresh)
    for review in shop.reviews:
        first = bought.get((review["user"], review["product"]))
        review["tier"] = "verified_buyer" if first is not None and first <= review["time"] else "signed_in"
    return shop


def write_shop(shop):
    """Write the shop into the test host's models (``tests.althost``); return review pk -> the review's dict."""
    from django.contrib.auth import get_user_model

    from tests.althost.models import Feedback, Item, Purchase, SaleLine

    users = get_user_model().objects.bulk_create(get_user_model()(username=f"u{n}") for n in range(shop.users))
    items = Item.objects.bulk_create(Item(label=f"Product {n}") for n in range(len(shop.products)))
    purchases = Purchase.objects.bulk_create(Purchase(buyer=users[u], placed_on=t) for u, t, _ in shop.orders)
    SaleLine.objects.bulk_create(SaleLine(purchase=purchase, article=items[p], qty=1, each_price=10)
                                 for purchase, (_u, _t, products) in zip(purchases, shop.orders, strict=True)
                                 for p in products)
    feedback = Feedback.objects.bulk_create(
        Feedback(item=items[r["product"]], reviewer=users[r["user"]], stars=r["rating"], headline="",
                 comment=r["text"], posted=r["time"]) for r in shop.reviews)
    return {str(f.pk): r for f, r in zip(feedback, shop.reviews, strict=True)}


def judge(truth):
    """Return the figures of the module docstring, from the scored reviews."""
    from ai_commerce.sentiment.fraud import FRAUD_FLAGS
    from ai_commerce.sentiment.models import ReviewSentiment
    from ai_commerce.sentiment.published import HOLDING_FLAGS, why_held

    rows = {r.review_key: r for r in ReviewSentiment.objects.all()}
    planted = {key for key, r in truth.items() if r["planted"]}

    def scores(flagged):
        hits = len(flagged & planted)
        return {"flagged": len(flagged), "precision": round(hits / len(flagged), 4) if flagged else None,
                "recall": round(hits / len(planted), 4) if planted else None}

    fraud = {key for key, r in rows.items() if set(r.flags) & set(FRAUD_FLAGS)}
    spam = {key for key, r in rows.items() if "spam" in r.flags}
    per_kind = {}
    for kind in KINDS:
        of_kind = {key for key, r in truth.items() if r["planted"] == kind}
        caught = {key for key in of_kind if kind in rows[key].flags}
        per_kind[kind] = {"planted": len(of_kind), "caught_by_its_signal": len(caught),
                          "caught_by_any_fraud_flag": len(of_kind & fraud)}
    held_by_fraud = sum(1 for r in rows.values() if set(r.flags) & set(FRAUD_FLAGS)
                        and not set(r.flags) & HOLDING_FLAGS and why_held(r.host_status, r.moderation, r.flags))
    tiers_right = sum(rows[key].verification == r["tier"] for key, r in truth.items())
    return {"reviews": len(truth), "planted": len(planted),
            "verification_exact": tiers_right == len(truth), "verification_right": tiers_right,
            "verified_buyers": sum(r["tier"] == "verified_buyer" for r in truth.values()),
            "fraud_flags": scores(fraud), "baseline_spam_flag": scores(spam), "per_kind": per_kind,
            "auto_hidden_by_fraud_flags": held_by_fraud}


def run(seed, products, customers, texts_path):
    from django.core.management import call_command

    truth = write_shop(generate(seed, products, customers, texts_path))
    call_command("ai_commerce_score_reviews", verbosity=0)
    return judge(truth)


def setup_django(database):
    """Set Django up on the test host's settings with a throwaway SQLite file, migrated."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    connections["default"].close()
    connections["default"].settings_dict["NAME"] = database
    call_command("migrate", verbosity=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="womens_clothing_reviews.csv.gz (real texts); random words without it")
    parser.add_argument("--out", default="review_trust.json")
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    parser.add_argument("--products", type=int, default=60)
    parser.add_argument("--customers", type=int, default=400)
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        setup_django(str(Path(folder) / "shop.sqlite3"))
        from django.core.management import call_command

        for seed in args.seeds:
            call_command("flush", interactive=False, verbosity=0)
            results[seed] = run(seed, args.products, args.customers, args.data)
    print(f"{'seed':>5} {'reviews':>8} {'planted':>8} {'tiers':>7} {'fraud P':>8} {'fraud R':>8} "
          f"{'spam P':>7} {'spam R':>7} {'held':>5}")
    for seed, r in results.items():
        f, s = r["fraud_flags"], r["baseline_spam_flag"]
        print(f"{seed:>5} {r['reviews']:>8} {r['planted']:>8} {r['verification_exact']!s:>7} "
              f"{f['precision'] or 0:>8.3f} {f['recall'] or 0:>8.3f} {s['precision'] or 0:>7.3f} "
              f"{s['recall'] or 0:>7.3f} {r['auto_hidden_by_fraud_flags']:>5}")
    for seed, r in results.items():
        print(seed, json.dumps(r["per_kind"]))
    Path(args.out).write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
