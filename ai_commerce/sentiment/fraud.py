"""Fraud signals on reviews: moderation flags with a reason each, for staff to judge. They never hide a review.

::

    from ai_commerce.sentiment.fraud import flag_fraud, fraud_flags

    flag_fraud()                                 # all reviews; or flag_fraud(product_ids={...}, user_ids={...})
    fraud_flags(rows, buyers, thresholds)        # the pure rule: {review_key: {flag: reason}}

Five signals, each with its thresholds in ``SENTIMENT["FRAUD"]`` (checked by ``ai_commerce.E121``):

* ``review_burst``: at least ``BURST_REVIEWS`` reviews of one product within ``BURST_HOURS``, and at least
  ``BURST_RATIO`` times what the product usually gets in that time;
* ``one_sided_reviewer``: an account with at least ``ONE_SIDED_REVIEWS`` reviews, all five stars or all one star, on
  average ``ONE_SIDED_GAP`` stars or more away from the other reviews of the same products;
* ``non_buyer``: a signed-in author who never bought the product (``verification``), on a product that at least
  ``NON_BUYER_MIN_BUYERS`` customers bought;
* ``near_duplicate``: the text's set of words overlaps an earlier review's by at least ``NEAR_DUPLICATE``
  (Jaccard), both of at least ``MIN_DUPLICATE_WORDS`` words; the earlier one, the original, is not flagged (exact
  duplicates are also ``spam``);
* ``account_burst``: at least ``ACCOUNT_BURST_REVIEWS`` reviews by one account within ``ACCOUNT_BURST_HOURS`` (5 by
  default: customers often review the two or three items of an order at once).

None of these flags holds a review back (``published.HOLDING_FLAGS`` has none of them): a fraud signal is a reason to
look, and staff decide with the admin's approve and hide. The reasons are stored on the review (``flag_reasons``)
and shown in the admin. Scoring runs ``flag_fraud`` on the products and accounts it touched; a full
``ai_commerce_score_reviews`` run compares every review with every other.
"""

import re
from collections import defaultdict

from django.db import transaction
from django.db.models import Q

from ai_commerce.adapter import get_adapter
from ai_commerce.conf import app_settings

from .models import Flag, ReviewSentiment
from .verification import Tier

FRAUD_FLAGS = (Flag.BURST.value, Flag.ONE_SIDED.value, Flag.NON_BUYER.value, Flag.NEAR_DUPLICATE.value,
               Flag.ACCOUNT_BURST.value)
FIELDS = ("review_key", "product_id", "user_id", "rating", "reviewed_at", "excerpt", "verification")
#: A word in more reviews than this is common ("the", "fit"): it does not make two reviews candidates for copying,
#: which need MIN_RARE_SHARED rarer words in common (the similarity then counts every word).
COMMON_WORD, MIN_RARE_SHARED = 50, 3
_WORD = re.compile(r"\w+")


def thresholds():
    """Return ``SENTIMENT["FRAUD"]`` merged over its defaults."""
    from .conf import DEFAULTS

    return {**DEFAULTS["FRAUD"], **(app_settings.SENTIMENT.get("FRAUD") or {})}


def _windows(times, hours, minimum):
    """Yield (start, end) index ranges of ``times`` (sorted) with at least ``minimum`` items within ``hours``."""
    start = 0
    for end in range(len(times)):
        while (times[end] - times[start]).total_seconds() > hours * 3600:
            start += 1
        if end - start + 1 >= minimum:
            yield start, end


def _bursts(rows, key, hours, minimum, ratio, flag, found, describe):
    groups = defaultdict(list)
    for row in rows:
        if row["reviewed_at"] is not None and row[key] is not None:
            groups[row[key]].append(row)
    for group in groups.values():
        group.sort(key=lambda r: r["reviewed_at"])
        times = [r["reviewed_at"] for r in group]
        span_hours = max((times[-1] - times[0]).total_seconds() / 3600, hours)
        for start, end in _windows(times, hours, minimum):
            count = end - start + 1
            usual = (len(group) - count) * hours / span_hours  # the rate outside this window
            if count >= ratio * usual:
                for row in group[start:end + 1]:
                    found[row["review_key"]][flag] = describe(count, usual)


def _key_order(order, key):
    """Sort key of a review by when it was written (undated last), then by its key."""
    undated, when, review_key = order[key]
    return undated, when.timestamp() if not undated else 0, review_key


def _near_duplicates(rows, threshold, min_words, found):
    """Flag reviews whose word sets overlap another's by ``threshold`` (Jaccard); candidates share rare words."""
    words, index, order = {}, defaultdict(list), {}
    for row in rows:
        order[row["review_key"]] = (row["reviewed_at"] is None, row["reviewed_at"], row["review_key"])
        found_words = _WORD.findall((row["excerpt"] or "").lower())
        if len(found_words) >= min_words:
            words[row["review_key"]] = set(found_words)
            for word in words[row["review_key"]]:
                index[word].append(row["review_key"])
    for key, mine in words.items():
        candidates = defaultdict(int)
        for word in mine:
            if len(index[word]) <= COMMON_WORD:
                for other in index[word]:
                    if other != key:
                        candidates[other] += 1
        for other, rare_shared in candidates.items():
            if rare_shared < MIN_RARE_SHARED or _key_order(order, other) > _key_order(order, key):
                continue  # the earlier of two look-alikes is the original: only the later one is flagged
            similarity = len(mine & words[other]) / len(mine | words[other])
            if similarity >= threshold:
                found[key][Flag.NEAR_DUPLICATE.value] = (f"{similarity:.0%} of its words are in review {other}, "
                                                         f"written before it")
                break


def fraud_flags(rows, buyers, conf):
    """Return ``{review_key: {flag: reason}}`` for review rows (dicts of ``FIELDS``), given ``{product: buyers}``."""
    found = defaultdict(dict)
    _bursts(rows, "product_id", conf["BURST_HOURS"], conf["BURST_REVIEWS"], conf["BURST_RATIO"], Flag.BURST.value,
            found, lambda n, usual: f"{n} reviews of this product within {conf['BURST_HOURS']} h "
                                    f"(usually {usual:.1f})")
    _bursts(rows, "user_id", conf["ACCOUNT_BURST_HOURS"], conf["ACCOUNT_BURST_REVIEWS"], 0, Flag.ACCOUNT_BURST.value,
            found, lambda n, _usual: f"{n} reviews by this account within {conf['ACCOUNT_BURST_HOURS']} h")
    by_product, by_user = defaultdict(list), defaultdict(list)
    for row in rows:
        if row["rating"] is not None:
            by_product[row["product_id"]].append(row)
            if row["user_id"] is not None:
                by_user[row["user_id"]].append(row)
    for reviews in by_user.values():
        ratings = {r["rating"] for r in reviews}
        if len(reviews) < conf["ONE_SIDED_REVIEWS"] or len(ratings) != 1 or not ratings <= {1, 5}:
            continue
        gaps = []
        for review in reviews:
            others = [r["rating"] for r in by_product[review["product_id"]] if r["user_id"] != review["user_id"]]
            if others:
                gaps.append(abs(review["rating"] - sum(others) / len(others)))
        if gaps and sum(gaps) / len(gaps) >= conf["ONE_SIDED_GAP"]:
            reason = (f"this account gave {reviews[0]['rating']} stars to all {len(reviews)} of its reviews, "
                      f"{sum(gaps) / len(gaps):.1f} stars away from the others")
            for review in reviews:
                found[review["review_key"]][Flag.ONE_SIDED.value] = reason
    for row in rows:
        sold = buyers.get(row["product_id"], 0)
        if row["verification"] == Tier.SIGNED_IN and sold >= conf["NON_BUYER_MIN_BUYERS"]:
            found[row["review_key"]][Flag.NON_BUYER.value] = f"never bought it; {sold} customers did"
    _near_duplicates(rows, conf["NEAR_DUPLICATE"], conf["MIN_DUPLICATE_WORDS"], found)
    return {key: flags for key, flags in found.items() if flags}


def flag_fraud(product_ids=None, user_ids=None):
    """Set the fraud flags (and their reasons) of the reviews of these products and accounts (all when both are
    None), judged with every review of those products and accounts. Return how many reviews carry one."""
    queryset = ReviewSentiment.objects.all()
    if product_ids is not None or user_ids is not None:
        scope = Q(product_id__in=list(product_ids or ())) | Q(user_id__in=list(user_ids or ()))
        products = set(ReviewSentiment.objects.filter(scope).values_list("product_id", flat=True))
        queryset = queryset.filter(scope | Q(product_id__in=products))
    rows = list(queryset.values("pk", "flags", "flag_reasons", *FIELDS))
    buyers = get_adapter().buyers_per_product({r["product_id"] for r in rows})
    found = fraud_flags(rows, buyers, thresholds())
    changed = []
    for row in rows:
        fraud = found.get(row["review_key"], {})
        kept = [f for f in row["flags"] or () if f not in FRAUD_FLAGS]
        reasons = {k: v for k, v in (row["flag_reasons"] or {}).items() if k not in FRAUD_FLAGS}
        flags, reasons = kept + [f for f in FRAUD_FLAGS if f in fraud], {**reasons, **fraud}
        if flags != (row["flags"] or []) or reasons != (row["flag_reasons"] or {}):
            changed.append(ReviewSentiment(pk=row["pk"], flags=flags, flag_reasons=reasons))
    with transaction.atomic():
        ReviewSentiment.objects.bulk_update(changed, ["flags", "flag_reasons"], batch_size=500)
    return len(found)
