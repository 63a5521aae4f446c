"""Summarise the scored reviews of one product: counts, average, monthly trend, best and worst aspects, pros and cons.

::

    from ai_commerce.sentiment.summary import summarize

    summarize([
        {"label": "positive", "score": 0.8, "created": review.created, "text": "...",
         "aspects": {"fit": {"score": -0.5, "label": "negative", "mentions": 1, "sentences": ["Runs small."]}}},
        ...
    ])
    # {"counts": {...}, "average_score": ..., "trend": [{"month": "YYYY-MM", ...}], "best_aspects": [...],
    #  "worst_aspects": [...], "pros": [...], "cons": [...]}

The summary is extractive: pros and cons are sentences customers wrote, never generated text. It works on plain dicts
(what the sentiment tables hold), so it needs no model and no database.
"""

import re
from collections import defaultdict

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


def _aspect_table(reviews):
    totals = defaultdict(lambda: [0.0, 0, 0])  # score x mentions, mentions, reviews
    for review in reviews:
        for name, aspect in (review.get("aspects") or {}).items():
            mentions = max(int(aspect.get("mentions") or 1), 1)
            totals[name][0] += float(aspect.get("score") or 0.0) * mentions
            totals[name][1] += mentions
            totals[name][2] += 1
    return [
        {"aspect": name, "score": round(weighted / mentions, 4), "mentions": mentions, "reviews": n_reviews}
        for name, (weighted, mentions, n_reviews) in totals.items()
    ]


def _candidates(reviews):
    """Yield (strength, sentence) pairs; strength is signed like the sentiment and includes the aspect bonus."""
    for review in reviews:
        seen_here = set()
        for aspect in (review.get("aspects") or {}).values():
            score = float(aspect.get("score") or 0.0)
            for sentence in aspect.get("sentences") or ():
                if sentence not in seen_here:
                    seen_here.add(sentence)
                    yield score + (ASPECT_BONUS if score > 0 else -ASPECT_BONUS if score < 0 else 0.0), sentence
        # Sentences without an aspect inherit the review's score: a weaker signal, so no bonus.
        score = float(review.get("score") or 0.0)
        for sentence in split_sentences(review.get("text") or ""):
            if sentence not in seen_here:
                seen_here.add(sentence)
                yield score, sentence


def _pick(candidates, limit):
    chosen, chosen_words = [], []
    for _strength, sentence in candidates:
        if len(chosen) >= limit:
            break
        words = _words(sentence)
        n_words = len(_WORD.findall(sentence))
        if not MIN_WORDS <= n_words <= MAX_WORDS:
            continue
        if any(len(words & other) / max(min(len(words), len(other)), 1) > DUPLICATE_OVERLAP for other in chosen_words):
            continue
        chosen.append(sentence)
        chosen_words.append(words)
    return chosen


def summarize(reviews, top_sentences=2) -> dict:
    """Return the summary of ``reviews`` (dicts with "label", "score", "created", "aspects" and "text").

    ``counts`` has every label (zeros included); ``trend`` has one entry per calendar month of ``created``, oldest
    first; ``best_aspects`` and ``worst_aspects`` list up to three aspects by mention-weighted mean score; ``pros``
    and ``cons`` hold up to ``top_sentences`` of the most strongly positive and negative sentences, preferring ones that
    mention an aspect, without near-duplicates. An empty list of reviews gives zeros and empty lists.
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

    aspects = _aspect_table(reviews)
    best = sorted((a for a in aspects if a["score"] > ASPECT_BAND), key=lambda a: (-a["score"], -a["mentions"]))
    worst = sorted((a for a in aspects if a["score"] < -ASPECT_BAND), key=lambda a: (a["score"], -a["mentions"]))

    candidates = list(_candidates(reviews))
    positive = sorted((c for c in candidates if c[0] > SENTENCE_BAND), key=lambda c: -c[0])
    negative = sorted((c for c in candidates if c[0] < -SENTENCE_BAND), key=lambda c: c[0])
    return {
        "counts": counts,
        "average_score": average,
        "trend": trend,
        "best_aspects": best[:TOP_ASPECTS],
        "worst_aspects": worst[:TOP_ASPECTS],
        "pros": _pick(positive, top_sentences),
        "cons": _pick(negative, top_sentences),
    }
