"""Train the shop's own sentiment model from its star ratings (1-2 negative, 3 neutral, 4-5 positive).

The newest reviews are held out (``HOLDOUT`` of them, at least ``MIN_HOLDOUT_REVIEWS``), so the window follows the
data, whatever the date. The new model, the lexicon (VADER) and the active model are all evaluated on that
same split; the new one is promoted only if its macro-F1 is no worse than both. After a promotion every review is
scored again with the new model.
"""

from ai_commerce import privacy, registry
from ai_commerce.adapter import get_adapter
from ai_commerce.models import ModelVersion
from ai_commerce.tuning import tuned

from .classifier import SentimentModel, evaluate, label_from_rating
from .lexicon import LexiconModel
from .mismatch import fit_rule
from .models import ReviewSentiment
from .scoring import current_model, review_text, score_reviews


def labelled_reviews(with_stars=False):
    """Return (written at, text, label) of the star-rated reviews (the stars too, last, ``with_stars``), oldest
    first; a forgotten user's are left out (``ai_commerce.privacy``): the model does not learn from their words."""
    rows = privacy.without_forgotten(r for r in get_adapter().reviews() if r.rating and r.created is not None)
    rows = [(r.created, review_text(r), label_from_rating(r.rating), *([r.rating] if with_stars else []))
            for r in rows]
    return sorted((row for row in rows if row[1]), key=lambda row: row[0])


def split_newest(rows, share, minimum):
    """Split rows (oldest first) into (train, test): the test set is the newest ``share`` of them, grown to at
    least ``minimum`` rows but never more than half."""
    size = min(max(round(len(rows) * share), minimum), len(rows) // 2)
    return rows[:len(rows) - size], rows[len(rows) - size:]


def learn_mismatch_rule(model, test_rows):
    """Fit the mismatch flag's cuts (``mismatch.fit_rule``) on the new model's probabilities: of the held-out reviews,
    and of every review staff gave a mismatch verdict on (their verdicts are the labels)."""
    judged = list(ReviewSentiment.objects.exclude(mismatch_verdict=None).exclude(excerpt="").values_list(
        "excerpt", "rating", "mismatch_verdict"))
    texts = [r[1] for r in test_rows] + [text for text, _rating, _verdict in judged]
    ratings = [r[3] for r in test_rows] + [rating for _text, rating, _verdict in judged]
    verdicts = [None] * len(test_rows) + [verdict for _text, _rating, verdict in judged]
    probabilities = [p.probabilities for p in model.predict(texts)] if texts else []
    return fit_rule(probabilities, ratings, verdicts)


def train(reporter):
    conf = tuned("SENTIMENT")
    rows = labelled_reviews(with_stars=True)
    if len(rows) < conf["MIN_REVIEWS"]:
        raise registry.NotEnoughData(len(rows), conf["MIN_REVIEWS"], "star-rated reviews")
    train_rows, test_rows = split_newest(rows, conf["HOLDOUT"], conf["MIN_HOLDOUT_REVIEWS"])
    texts, labels = [r[1] for r in train_rows], [r[2] for r in train_rows]
    test_texts, test_labels = [r[1] for r in test_rows], [r[2] for r in test_rows]
    reporter.progress(10, f"training on {len(train_rows)} reviews")
    model = SentimentModel.train(texts, labels)
    reporter.progress(60, f"evaluating on the newest {len(test_rows)} reviews")
    metrics = evaluate(model, test_texts, test_labels)
    rule = learn_mismatch_rule(model, test_rows)
    lexicon = evaluate(LexiconModel(), test_texts, test_labels)
    metrics.update(lexicon_macro_f1=lexicon["macro_f1"], lexicon_accuracy=lexicon["accuracy"],
                   train_reviews=len(train_rows), test_reviews=len(test_rows), judged_on={"reviews": len(test_rows)},
                   holdout_start=test_rows[0][0].isoformat(timespec="seconds"),
                   holdout_end=test_rows[-1][0].isoformat(timespec="seconds"))
    baselines = ["lexicon_macro_f1"]
    active_model, active = current_model()
    if active is not None:
        metrics["active_macro_f1"] = evaluate(active_model, test_texts, test_labels)["macro_f1"]
        baselines.append("active_macro_f1")
    reporter.log(f"macro-F1 {metrics['macro_f1']:.4f}, lexicon {metrics['lexicon_macro_f1']:.4f}")
    version = ModelVersion.objects.create(
        kind="sentiment", params={"classes": list(model.classes), "holdout": conf["HOLDOUT"],
                                  "mismatch": rule.to_dict()}, metrics=metrics,
        data_start=rows[0][0], data_end=rows[-1][0],
    )
    registry.save_artifact(version, "model.pkl", model.dumps())
    promoted, _ = registry.promote_if_better(version, metric="macro_f1", baselines=baselines, compare_active=False)
    if promoted:
        reporter.progress(80, "scoring every review with the new model")
        score_reviews()
    version.refresh_from_db()
    return version
