"""The worker side of review sentiment: load the current model and score reviews with it.

::

    from ai_commerce.sentiment.scoring import current_model, score_reviews

    score_reviews(pks=[review_pk])   # or None for every review; returns how many were scored
    model, version = current_model() # the active shop-trained model, or the lexicon cold start and None

``score_reviews`` reads reviews through the shop adapter, scores them in batches (label, score, confidence,
aspects), sets the moderation flags (``moderation``), writes ``ReviewSentiment`` rows with the host's review status,
writes the flags back to that status (``writeback``) and refreshes the touched products' summaries (``summaries``),
which count published reviews only (``published``). A forgotten user's review (``ai_commerce.privacy``) is not
scored: nothing is stored about it, and the summaries leave it out.

This module imports the classifier (scikit-learn) and the lexicon: import it from workers, tasks and commands only,
never from a module the web process loads (the admin, the API and the template tag use ``moderation`` and
``summaries``).
"""

import logging

from django.db import transaction

from ai_commerce import privacy, registry
from ai_commerce.adapter import get_adapter
from ai_commerce.models import ModelVersion
from ai_commerce.tuning import tuned

from .aspects import aspect_lexicon, aspect_sentiments_many
from .classifier import SentimentModel
from .fraud import flag_fraud
from .lexicon import LexiconModel
from .mismatch import MismatchRule
from .models import ReviewSentiment
from .moderation import duplicated_fingerprints, fingerprint, flags_for
from .summaries import refresh_summaries
from .text import clean
from .verification import verify
from .writeback import write_back_flags

logger = logging.getLogger(__name__)
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


def mismatch_rule(version):
    """Return the version's learnt mismatch rule, or None (the lexicon, or a version trained before it existed)."""
    stored = (version.params or {}).get("mismatch") if version is not None else None
    return MismatchRule.from_dict(stored) if stored else None


def review_text(row):
    """Return the text that is scored for one adapter review row: its title and text, cleaned."""
    return clean(f"{row.title}. {row.text}" if row.title else row.text)


def score_reviews(pks=None, batch_size=500, on_progress=None):
    """Score the given reviews (all when None), but none by a forgotten user; return how many were scored."""
    model, version = current_model()
    rule = mismatch_rule(version)
    conf = tuned("SENTIMENT")
    aspects = aspect_lexicon(conf)
    rows = privacy.without_forgotten(r for r in get_adapter().reviews(pks=pks) if r.product_id is not None)
    scored, products = 0, set()
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        texts = [review_text(r) for r in batch]
        hashes = [fingerprint(t) for t in texts]
        keys = [str(r.pk) for r in batch]
        duplicates = duplicated_fingerprints(hashes, keys)
        decided = set(ReviewSentiment.objects.filter(review_key__in=keys).exclude(
            moderation=ReviewSentiment.Moderation.PENDING).values_list("review_key", flat=True))
        predictions = model.predict(texts)
        verified = verify(batch)
        incentivized_mapped = any(r.incentivized is not None for r in batch)
        aspect_rows = aspect_sentiments_many(texts, model.predict, aspects)
        objects = []
        for row, text, digest, prediction, found in zip(batch, texts, hashes, predictions, aspect_rows, strict=True):
            objects.append(ReviewSentiment(
                review_key=str(row.pk), product_id=row.product_id, user_id=row.user_id, rating=row.rating,
                excerpt=text[:1000], label=prediction.label, score=prediction.score,
                confidence=prediction.confidence, probabilities=prediction.probabilities,
                aspects=found,
                flags=flags_for(prediction, row.rating, text, digest in duplicates, conf, rule), text_hash=digest,
                host_status=row.moderation_status, model_version=version, reviewed_at=row.created,
                verification=verified[row.pk].tier, days_after_purchase=verified[row.pk].days_after_purchase,
                incentivized=bool(row.incentivized),
            ))
        with transaction.atomic():
            write_back_flags(objects, decided)  # first: it records the status it writes on the rows
            ReviewSentiment.objects.bulk_create(
                objects, update_conflicts=True, unique_fields=["review_key"],
                update_fields=["product", "user", "rating", "excerpt", "label", "score", "confidence",
                               "probabilities", "aspects", "flags", "text_hash", "host_status", "model_version",
                               "reviewed_at", "verification", "days_after_purchase",
                               # staff's mark stays, unless the shop maps its own field
                               *(["incentivized"] if incentivized_mapped else [])],
            )
        products.update(r.product_id for r in batch)
        scored += len(batch)
        if on_progress:
            on_progress(len(batch))
    touched_users = None if pks is None else {r.user_id for r in rows if r.user_id is not None}
    flag_fraud(None if pks is None else products, touched_users)  # flags with reasons; never hides a review
    refresh_summaries(products)
    return scored
