"""Moderation of scored reviews: the flags a review gets when it is scored, and the staff's decisions.

::

    from ai_commerce.sentiment.moderation import flags_for, fingerprint, duplicated_fingerprints, moderate

    digest = fingerprint(text)                              # same text up to case and spacing, same fingerprint
    duplicates = duplicated_fingerprints([digest, ...], [review_key, ...])
    flags_for(prediction, rating, text, digest in duplicates, tuned("SENTIMENT"))
    # ["strongly_negative", "rating_mismatch", "abusive", "spam"] (those that apply)

    moderate(ReviewSentiment.objects.filter(...), ReviewSentiment.Moderation.HIDDEN)   # how many changed

``moderate`` records the decision on our rows and, when the shop maps it, on the host's review status (see
``writeback``), then refreshes the touched products' summaries, so that a hidden review leaves what shoppers see at
once (``published`` has the rule). Nothing here loads a model, so the admin can import it in the web process.
"""

import hashlib
import re

from django.db import transaction
from django.utils import timezone

from ai_commerce.signals import review_moderated, send_on_commit

from . import writeback
from .mismatch import fixed_mismatch
from .models import Flag, ReviewSentiment
from .summaries import refresh_summaries

LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


def fingerprint(text):
    """Return the SHA-256 of the text, lower-cased with its whitespace collapsed ("" for empty text)."""
    return hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest() if text else ""


def flags_for(prediction, rating, text, duplicate, conf, mismatch_rule=None):
    """Return the moderation flags of one scored review under the sentiment settings ``conf``; the rating mismatch
    is judged by the model version's learnt ``mismatch_rule`` (``mismatch.MismatchRule``) when there is one."""
    flags = []
    if prediction.score <= conf["STRONG_NEGATIVE"]:
        flags.append(Flag.STRONGLY_NEGATIVE)
    if mismatch_rule is not None:
        contradicts = mismatch_rule.flags(prediction, rating)
    else:
        contradicts = fixed_mismatch(prediction, rating, conf)
    if text and contradicts:
        flags.append(Flag.MISMATCH)
    words = conf["ABUSIVE_WORDS"]
    if words and re.search(r"\b(" + "|".join(map(re.escape, words)) + r")\b", text, re.IGNORECASE):
        flags.append(Flag.ABUSIVE)
    if duplicate or LINK.search(text):
        flags.append(Flag.SPAM)
    return [str(f) for f in flags]


def duplicated_fingerprints(hashes, keys):
    """Return the fingerprints that another review (in this batch or stored) also has.

    ``hashes`` are the fingerprints of a batch of reviews and ``keys`` their review keys; stored rows of these same
    reviews do not count (scoring a review again is not a duplicate of itself). One query."""
    seen, duplicated = set(), set()
    for digest in hashes:
        if digest and digest in seen:
            duplicated.add(digest)
        seen.add(digest)
    stored = ReviewSentiment.objects.filter(text_hash__in=[h for h in hashes if h]).exclude(review_key__in=keys)
    return duplicated | set(stored.values_list("text_hash", flat=True))


def moderate(queryset, decision, by=None):
    """Approve or hide reviews (our record, and the host's status when mapped), recording who decided (``by``, a
    user, for the suppression audit) and when, and refresh their products' summaries. Return how many changed."""
    status = writeback.host_status(decision)
    keys, products = [], set()
    for key, product_id in queryset.values_list("review_key", "product_id"):
        keys.append(key)
        products.add(product_id)
    with transaction.atomic():
        recorded = {"moderation": decision, "moderated_by": by, "moderated_at": timezone.now()}
        if status is not None:
            recorded["host_status"] = status
        changed = ReviewSentiment.objects.filter(review_key__in=keys).update(**recorded)
        if status is not None:
            writeback.set_host_status(keys, status)
        refresh_summaries(products)
        send_on_commit(review_moderated, ReviewSentiment, review_keys=keys, decision=str(decision), host_status=status)
    return changed
