"""Score reviews and refresh product summaries, with the active shop-trained model or the lexicon cold start.

``score_reviews(pks)`` reads reviews through the shop adapter, scores them in batches (label, score, confidence,
aspects), sets moderation flags, writes ``ReviewSentiment`` rows and refreshes the touched products' summaries.
``product_summary(product_id)`` is what the API and the template tag read: one query.
"""

import hashlib
import logging
import re

from django.db import transaction

from ai_commerce import registry
from ai_commerce.adapter import get_adapter
from ai_commerce.conf import app_settings
from ai_commerce.models import ModelVersion
from ai_commerce.tuning import tuned

from .aspects import DEFAULT_ASPECTS, aspect_sentiments_many
from .classifier import SentimentModel
from .lexicon import LexiconModel
from .models import Flag, ProductSentiment, ReviewSentiment
from .summary import summarize
from .text import clean

logger = logging.getLogger(__name__)
LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
_loaded = {}


def current_model():
    """Return (model, version): the active shop-trained model, or the lexicon and None (cold start)."""
    version = ModelVersion.objects.of_kind("sentiment").active().first()
    if version is None or "model.pkl" not in version.artifacts:
        return LexiconModel(), None
    if version.pk not in _loaded:
        with registry.open_artifact(version, "model.pkl") as f:
            _loaded.clear()
            _loaded[version.pk] = SentimentModel.loads(f.read())
    return _loaded[version.pk], version


def aspect_lexicon(conf):
    """Return the aspect keywords: the defaults, extended per aspect by the settings (and the admin's tuning)."""
    extra = conf.get("ASPECTS") or {}
    return {**DEFAULT_ASPECTS, **{name: [*DEFAULT_ASPECTS.get(name, []), *words] for name, words in extra.items()}}


def review_text(row):
    return clean(f"{row.title}. {row.text}" if row.title else row.text)


def fingerprint(text):
    return hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest() if text else ""


def flags_for(prediction, rating, text, duplicate, conf):
    """Return the moderation flags of one scored review under the sentiment settings ``conf``."""
    flags = []
    if prediction.score <= conf["STRONG_NEGATIVE"]:
        flags.append(Flag.STRONGLY_NEGATIVE)
    praised_but_negative = rating is not None and rating >= 4 and prediction.score <= conf["MISMATCH"]
    panned_but_positive = rating is not None and rating <= 2 and prediction.score >= -conf["MISMATCH"]
    if text and (praised_but_negative or panned_but_positive):
        flags.append(Flag.MISMATCH)
    words = conf["ABUSIVE_WORDS"]
    if words and re.search(r"\b(" + "|".join(map(re.escape, words)) + r")\b", text, re.IGNORECASE):
        flags.append(Flag.ABUSIVE)
    if duplicate or LINK.search(text):
        flags.append(Flag.SPAM)
    return [str(f) for f in flags]


def score_reviews(pks=None, batch_size=500, on_progress=None):
    """Score the given reviews (all when None); return how many were scored."""
    model, version = current_model()
    conf = tuned("SENTIMENT")
    aspects = aspect_lexicon(conf)
    rows = [r for r in get_adapter().reviews(pks=pks) if r.product_id is not None]
    scored, products = 0, set()
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        texts = [review_text(r) for r in batch]
        hashes = [fingerprint(t) for t in texts]
        duplicates = _duplicated(hashes, [str(r.pk) for r in batch])
        predictions = model.predict(texts)
        aspect_rows = aspect_sentiments_many(texts, model.predict, aspects)
        objects = []
        for row, text, digest, prediction, found in zip(batch, texts, hashes, predictions, aspect_rows, strict=True):
            objects.append(ReviewSentiment(
                review_key=str(row.pk), product_id=row.product_id, user_id=row.user_id, rating=row.rating,
                excerpt=text[:1000], label=prediction.label, score=prediction.score,
                confidence=prediction.confidence, probabilities=prediction.probabilities,
                aspects=found,
                flags=flags_for(prediction, row.rating, text, digest in duplicates, conf), text_hash=digest,
                model_version=version, reviewed_at=row.created,
            ))
        with transaction.atomic():
            ReviewSentiment.objects.bulk_create(
                objects, update_conflicts=True, unique_fields=["review_key"],
                update_fields=["product", "user", "rating", "excerpt", "label", "score", "confidence",
                               "probabilities", "aspects", "flags", "text_hash", "model_version", "reviewed_at"],
            )
        _write_back_flags(objects)
        products.update(r.product_id for r in batch)
        scored += len(batch)
        if on_progress:
            on_progress(len(batch))
    refresh_summaries(products)
    return scored


def _duplicated(hashes, keys):
    """Return the fingerprints that another review (in this batch or stored) also has."""
    seen, duplicated = set(), set()
    for digest in hashes:
        if digest and digest in seen:
            duplicated.add(digest)
        seen.add(digest)
    stored = ReviewSentiment.objects.filter(text_hash__in=[h for h in hashes if h]).exclude(review_key__in=keys)
    return duplicated | set(stored.values_list("text_hash", flat=True))


def _write_back_flags(objects):
    status = app_settings.SENTIMENT["HOST_STATUS"].get("flagged")
    if not status:
        return
    adapter = get_adapter()
    for obj in objects:
        if obj.flags:
            adapter.set_moderation_status(obj.review_key, status)


def moderate(queryset, decision):
    """Approve or hide reviews (our record, and the host's status when mapped). Return how many changed."""
    status = app_settings.SENTIMENT["HOST_STATUS"].get(decision)
    keys = list(queryset.values_list("review_key", flat=True))
    with transaction.atomic():
        changed = ReviewSentiment.objects.filter(review_key__in=keys).update(moderation=decision)
        if status:
            adapter = get_adapter()
            for key in keys:
                adapter.set_moderation_status(key, status)
    return changed


def refresh_summaries(product_ids):
    """Recompute the summaries of the given products from their scored reviews."""
    product_ids = set(product_ids)
    rows = {}
    for r in ReviewSentiment.objects.filter(product_id__in=product_ids).exclude(moderation="hidden").values(
        "product_id", "label", "score", "reviewed_at", "aspects", "excerpt"
    ):
        rows.setdefault(r["product_id"], []).append(
            {"label": r["label"], "score": r["score"], "created": r["reviewed_at"], "aspects": r["aspects"],
             "text": r["excerpt"]})
    with transaction.atomic():
        ProductSentiment.objects.filter(product_id__in=product_ids - set(rows)).delete()
        ProductSentiment.objects.bulk_create(
            [ProductSentiment(product_id=pid, review_count=len(reviews), summary=(s := summarize(reviews)),
                              average_score=s["average_score"]) for pid, reviews in rows.items()],
            update_conflicts=True, unique_fields=["product"],
            update_fields=["review_count", "average_score", "summary"],
        )


def product_summary(product_id):
    """Return the product's sentiment summary as a dict, or None when it has no scored review (one query)."""
    row = ProductSentiment.objects.filter(product_id=product_id).first()
    if row is None:
        return None
    return {**row.summary, "review_count": row.review_count, "average_score": row.average_score,
            "updated_at": row.updated_at}
