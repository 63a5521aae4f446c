"""Summarise the scored reviews of one product: counts, average, monthly trend, best and worst aspects, pros and cons.

::

    from ai_commerce.sentiment.summary import summarize

    summarize([
        {"label": "positive", "score": 0.8, "created": review.created, "text": "...",
         "aspects": {"fit": {"score": -0.5, "label": "negative", "mentions": 1, "sentences": ["Runs small."]}}},
        ...
    ])
    # {"counts": {...}, "average_score": ..., "trend": [{"month": "YYYY-MM", ...}], "best_aspects": [...],
    #  "worst_aspects": [{"aspect": "fit", "reviews": 12, "positive": 3, "negative": 9, "of": 40, ...}],
    #  "pros": [...], "cons": [...], "pros_support": [{"text": ..., "aspect": "fit", "label": "positive",
    #  "reviews": 9, "of": 40}], "cons_support": [...]}

The summary is extractive: pros and cons are sentences customers wrote, never generated text. It works on plain dicts
(what the sentiment tables hold), so it needs no model and no database.
"""

import re
from collections import defaultdict

from ai_commerce.sentiment.aspects import label_for_score
from ai_commerce.sentiment.labels import LABELS
from ai_commerce.sentiment.text import sentences as split_sentences

# Aspects listed as best or worst, at most.
TOP_ASPECTS = 3
# An aspect is best (worst) when its mean score is above (below) this; in between it is neither.
ASPECT_BAND = 0.1
# A candidate sentence must have a score beyond this to be a pro (or below its negative to be a con).
SENTENCE_BAND = 0.2
# Representative sentences say something: at least this many words, and not a whole essay.
MIN_WORDS, MAX_WORDS = 4, 45
# Sentences that mention an aspect ("The fabric is soft") are preferred over generic ones ("Love it!").
ASPECT_BONUS = 0.25
# Two candidates whose word sets overlap more than this are duplicates.
DUPLICATE_OVERLAP = 0.6

_WORD = re.compile(r"\w+")


def _month(created):
    if created is None:
        return None
    try:
        return f"{created.year:04d}-{created.month:02d}"
    except AttributeError:
        return None


def _words(sentence):
    return set(_WORD.findall(sentence.lower()))


def aspect_label(aspect):
    """Return the aspect's label in a review (stored with it; from its score for older rows without one)."""
    return aspect.get("label") or label_for_score(float(aspect.get("score") or 0.0))


def aspect_table(reviews):
    """Per aspect the reviews mention: its mention-weighted mean score, mentions, reviews, positive, negative, of."""
    totals = defaultdict(lambda: [0.0, 0, 0, 0, 0])  # score x mentions, mentions, reviews, positive, negative
    for review in reviews:
        for name, aspect in (review.get("aspects") or {}).items():
            mentions = max(int(aspect.get("mentions") or 1), 1)
            totals[name][0] += float(aspect.get("score") or 0.0) * mentions
            totals[name][1] += mentions
            totals[name][2] += 1
            totals[name][3] += aspect_label(aspect) == "positive"
            totals[name][4] += aspect_label(aspect) == "negative"
    return [
        {"aspect": name, "score": round(weighted / mentions, 4), "mentions": mentions, "reviews": n_reviews,
         "positive": positive, "negative": negative, "of": len(reviews)}
        for name, (weighted, mentions, n_reviews, positive, negative) in totals.items()
    ]


def _support(reviews, aspect, label):
    """Return how many of ``reviews`` back a pro or con: those whose ``aspect`` has ``label`` (or, without an aspect,
    whose own label is ``label``); the review list filtered by the same aspect and label lists exactly them."""
    if aspect is None:
        count = sum(review.get("label") == label for review in reviews)
    else:
        count = sum(aspect_label(found) == label
                    for review in reviews if (found := (review.get("aspects") or {}).get(aspect)))
    return {"aspect": aspect, "label": label, "reviews": count, "of": len(reviews)}


def _candidates(reviews):
    """Yield (strength, sentence, aspect, label): strength is signed like the sentiment and includes the aspect
    bonus; ``label`` is the aspect's label in that review (the review's own label for a sentence without aspect)."""
    for review in reviews:
        seen_here = set()
        for name, aspect in (review.get("aspects") or {}).items():
            score = float(aspect.get("score") or 0.0)
            for sentence in aspect.get("sentences") or ():
                if sentence not in seen_here:
                    seen_here.add(sentence)
                    strength = score + (ASPECT_BONUS if score > 0 else -ASPECT_BONUS if score < 0 else 0.0)
                    yield strength, sentence, name, aspect_label(aspect)
        # Sentences without an aspect inherit the review's score: a weaker signal, so no bonus.
        score = float(review.get("score") or 0.0)
        for sentence in split_sentences(review.get("text") or ""):
            if sentence not in seen_here:
                seen_here.add(sentence)
                yield score, sentence, None, review.get("label")


def _pick(candidates, limit):
    chosen, chosen_words = [], []
    for _strength, sentence, aspect, _label in candidates:
        if len(chosen) >= limit:
            break
        words = _words(sentence)
        n_words = len(_WORD.findall(sentence))
        if not MIN_WORDS <= n_words <= MAX_WORDS:
            continue
        if any(len(words & other) / max(min(len(words), len(other)), 1) > DUPLICATE_OVERLAP for other in chosen_words):
            continue
        chosen.append((sentence, aspect))
        chosen_words.append(words)
    return chosen


def summarize(reviews, top_sentences=2) -> dict:
    """Return the summary of ``reviews`` (dicts with "label", "score", "created", "aspects" and "text").

    ``counts`` has every label (zeros included); ``trend`` has one entry per calendar month of ``created``, oldest
    first; ``best_aspects`` and ``worst_aspects`` list up to three aspects by mention-weighted mean score; ``pros``
    and ``cons`` hold up to ``top_sentences`` of the most strongly positive and negative sentences, preferring ones that
    mention an aspect, without near-duplicates, and ``pros_support`` and ``cons_support`` say, for each, how many
    reviews back it out of how many (``_support``). Each aspect counts the reviews that mention it (``reviews``) and
    those where it is positive and negative, out of ``of``. An empty list of reviews gives zeros and empty lists.
    """
    reviews = list(reviews or ())
    counts = dict.fromkeys(LABELS, 0)
    for review in reviews:
        label = review.get("label")
        if label:
            counts[label] = counts.get(label, 0) + 1

    scores = [float(review.get("score") or 0.0) for review in reviews]
    average = round(sum(scores) / len(scores), 4) if scores else 0.0

    by_month = defaultdict(list)
    for review, score in zip(reviews, scores, strict=True):
        month = _month(review.get("created"))
        if month:
            by_month[month].append(score)
    trend = [
        {"month": month, "average_score": round(sum(values) / len(values), 4), "n": len(values)}
        for month, values in sorted(by_month.items())
    ]

    aspects = aspect_table(reviews)
    best = sorted((a for a in aspects if a["score"] > ASPECT_BAND), key=lambda a: (-a["score"], -a["mentions"]))
    worst = sorted((a for a in aspects if a["score"] < -ASPECT_BAND), key=lambda a: (a["score"], -a["mentions"]))

    # A pro comes from a review (or an aspect of it) labelled positive, a con from a negative one, so that the
    # reviews counted in its support include the one it quotes.
    candidates = list(_candidates(reviews))
    positive = sorted((c for c in candidates if c[0] > SENTENCE_BAND and c[3] == "positive"), key=lambda c: -c[0])
    negative = sorted((c for c in candidates if c[0] < -SENTENCE_BAND and c[3] == "negative"), key=lambda c: c[0])
    pros, cons = _pick(positive, top_sentences), _pick(negative, top_sentences)
    return {
        "counts": counts,
        "average_score": average,
        "trend": trend,
        "best_aspects": best[:TOP_ASPECTS],
        "worst_aspects": worst[:TOP_ASPECTS],
        "pros": [sentence for sentence, _aspect in pros],
        "cons": [sentence for sentence, _aspect in cons],
        "pros_support": [{"text": sentence, **_support(reviews, aspect, "positive")} for sentence, aspect in pros],
        "cons_support": [{"text": sentence, **_support(reviews, aspect, "negative")} for sentence, aspect in cons],
    }
