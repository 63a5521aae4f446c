"""Score reviews with the VADER lexicon: the cold start that needs no labelled review, and features for the classifier.

::

    from ai_commerce.sentiment.lexicon import LexiconModel

    model = LexiconModel()
    model.predict(["Love it, fits perfectly!"])[0]   # Prediction(label="positive", score=0.86, ...)
    model.features(["Runs small. Great fabric!"])     # numpy array, one row of LEXICON_FEATURES per text

The shared vocabulary of the sentiment package lives here too (``LABELS``, from ``labels``; ``Prediction``,
``label_from_rating``); ``ai_commerce.sentiment.classifier`` re-exports it, so import it from either module.

VADER (Hutto & Gilbert, 2014) is used as published, through a subclass that only removes its quadratic cost: the
stock analyzer lower-cases the whole review again for every sentiment word it looks at, which makes a long review
several times slower to score. The subclass returns exactly the same numbers.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    SentiText,
)

from ai_commerce.sentiment.labels import LABELS
from ai_commerce.sentiment.text import clean, sentences

# VADER's own thresholds on the compound score (its README): below -0.05 negative, above 0.05 positive.
NEUTRAL_BAND = 0.05
# The lexicon's probabilities are a softmax of (-a * compound, a * NEUTRAL_BAND, a * compound), so that the most
# probable label is VADER's label. ``a`` makes a compound of 0.9 about 90% sure and a compound of 0 about 40% neutral.
LEXICON_SHARPNESS = 3.0

LEXICON_FEATURES = (
    "neg",  # VADER's proportions and compound score of the whole text
    "neu",
    "pos",
    "compound",
    "sentence_min",  # compound score of the most negative sentence
    "sentence_max",  # ... of the most positive sentence
    "sentence_mean",
    "sentence_last",  # the verdict often comes last ("... sending it back.")
    "share_negative",  # share of sentences below -NEUTRAL_BAND
    "share_positive",
)


@dataclass(frozen=True)
class Prediction:
    """The sentiment of one text.

    ``score`` runs from -1 (negative) to 1 (positive): the probability of "positive" minus that of "negative" (for
    the lexicon, VADER's compound score). ``confidence`` is the probability of ``label``.
    """

    label: str
    score: float
    confidence: float
    probabilities: dict[str, float] = field(default_factory=dict)


def label_from_rating(rating) -> str:
    """Return the label of a star rating: 1-2 "negative", 3 "neutral", 4-5 "positive"."""
    rating = float(rating)
    if rating >= 4:
        return "positive"
    if rating <= 2:
        return "negative"
    return "neutral"


def neutral_prediction(labels=LABELS) -> Prediction:
    """Return the prediction for a text with nothing to score (empty): "neutral", uniform probabilities over ``labels``.

    Its confidence is the probability of "neutral": 1/3 for three labels, 0 for a binary model that has no neutral.
    """
    probabilities = {label: 1.0 / len(labels) for label in labels}
    return Prediction(label="neutral", score=0.0, confidence=probabilities.get("neutral", 0.0),
                      probabilities=probabilities)


_NEGATE = frozenset(NEGATE)


def _negated(word):
    # VADER's negated([word]) for a single word: a negation word, or any word containing "n't".
    word = word.lower()
    return word in _NEGATE or "n't" in word


class _Analyzer(SentimentIntensityAnalyzer):
    """VADER with linear-time negation and idiom checks (same results as the stock analyzer)."""

    def polarity_scores(self, text):
        # VADER 3.3.2's polarity_scores, except that plain ASCII text (most reviews) skips the character-by-character
        # emoji translation, which cannot change it: every key of VADER's emoji table is non-ASCII.
        if not text.isascii():
            return super().polarity_scores(text)
        text = text.strip()
        sentitext = SentiText(text)
        sentiments = []
        words_and_emoticons = sentitext.words_and_emoticons
        n = len(words_and_emoticons)
        lexicon = self.lexicon
        for i, item in enumerate(words_and_emoticons):
            lowered = item.lower()
            kind_of = i < n - 1 and lowered == "kind" and words_and_emoticons[i + 1].lower() == "of"
            # A word outside the lexicon scores 0 in sentiment_valence; skipping the call is the main saving.
            if lowered in BOOSTER_DICT or kind_of or lowered not in lexicon:
                sentiments.append(0)
                continue
            sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
        sentiments = self._but_check(words_and_emoticons, sentiments)
        return self.score_valence(sentiments, text)

    @staticmethod
    def _negation_check(valence, words_and_emoticons, start_i, i):
        # Same logic as VADER 3.3.2, but it lower-cases only the (up to 3) words it reads, not the whole text. Negative
        # indexes wrap around exactly as they do in the original.
        def low(k):
            return str(words_and_emoticons[k]).lower()

        if start_i == 0 and _negated(low(i - 1)):
            valence = valence * N_SCALAR
        if start_i == 1:
            if low(i - 2) == "never" and low(i - 1) in ("so", "this"):
                valence = valence * 1.25
            elif low(i - 2) == "without" and low(i - 1) == "doubt":
                pass
            elif _negated(low(i - 2)):
                valence = valence * N_SCALAR
        if start_i == 2:
            if (low(i - 3) == "never" and low(i - 2) in ("so", "this")) or low(i - 1) in ("so", "this"):
                valence = valence * 1.25
            elif low(i - 3) == "without" and (low(i - 2) == "doubt" or low(i - 1) == "doubt"):
                pass
            elif _negated(low(i - 3)):
                valence = valence * N_SCALAR
        return valence

    @staticmethod
    def _special_idioms_check(valence, words_and_emoticons, i):
        # Same logic as VADER 3.3.2 on a window of 6 words instead of a lower-cased copy of the whole text.
        n = len(words_and_emoticons)

        def low(k):
            return str(words_and_emoticons[k]).lower()

        w3, w2, w1, w0 = low(i - 3), low(i - 2), low(i - 1), low(i)
        onezero, twoonezero, twoone = f"{w1} {w0}", f"{w2} {w1} {w0}", f"{w2} {w1}"
        threetwoone, threetwo = f"{w3} {w2} {w1}", f"{w3} {w2}"
        for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
            if seq in SPECIAL_CASES:
                valence = SPECIAL_CASES[seq]
                break
        if n - 1 > i:
            zeroone = f"{w0} {low(i + 1)}"
            if zeroone in SPECIAL_CASES:
                valence = SPECIAL_CASES[zeroone]
        if n - 1 > i + 1:
            zeroonetwo = f"{w0} {low(i + 1)} {low(i + 2)}"
            if zeroonetwo in SPECIAL_CASES:
                valence = SPECIAL_CASES[zeroonetwo]
        for n_gram in (threetwoone, threetwo, twoone):
            if n_gram in BOOSTER_DICT:
                valence = valence + BOOSTER_DICT[n_gram]
        return valence


_ANALYZER = None
_EMPTY_SCORES = {"neg": 0.0, "neu": 1.0, "pos": 0.0, "compound": 0.0}


def analyzer() -> SentimentIntensityAnalyzer:
    """Return the process-wide VADER analyzer (its lexicon is loaded once, on first use)."""
    global _ANALYZER  # a lazily built, read-only singleton
    if _ANALYZER is None:
        _ANALYZER = _Analyzer()
    return _ANALYZER


def polarity(text) -> dict:
    """Return VADER's scores of already cleaned ``text``: ``{"neg", "neu", "pos", "compound"}``."""
    if not text or not text.strip():
        return dict(_EMPTY_SCORES)
    try:
        return analyzer().polarity_scores(text)
    except (IndexError, ValueError):  # defensive: VADER is not written for arbitrary input
        return dict(_EMPTY_SCORES)


def lexicon_probabilities(compound, labels=LABELS) -> dict[str, float]:
    """Return probabilities over ``labels`` for a VADER compound score.

    With "neutral" among the labels, the three-way softmax above is used. Without it (a binary model), the neutral
    mass counts as negative, so that "positive" wins exactly when compound > NEUTRAL_BAND, VADER's usual binary rule.
    Labels other than negative/neutral/positive get no mass.
    """
    a = LEXICON_SHARPNESS
    logits = {"negative": -a * compound, "neutral": a * NEUTRAL_BAND, "positive": a * compound}
    if "neutral" not in labels:
        logits = {"negative": -a * (compound - NEUTRAL_BAND), "positive": a * (compound - NEUTRAL_BAND)}
    known = [label for label in labels if label in logits]
    if not known:
        return {label: 1.0 / len(labels) for label in labels}
    top = max(logits[label] for label in known)
    weights = {label: math.exp(logits[label] - top) if label in logits else 0.0 for label in labels}
    total = sum(weights.values())
    return {label: weight / total for label, weight in weights.items()}


class LexiconModel:
    """Sentiment from the VADER lexicon alone: works from the first review, with nothing to train."""

    classes = LABELS

    def predict(self, texts) -> list[Prediction]:
        """Return one ``Prediction`` per text; an empty text is neutral with low confidence."""
        predictions = []
        for text in texts:
            text = clean(text)
            if not text:
                predictions.append(neutral_prediction())
                continue
            compound = polarity(text)["compound"]
            probabilities = lexicon_probabilities(compound)
            label = max(probabilities, key=probabilities.get)
            predictions.append(
                Prediction(label=label, score=float(compound), confidence=probabilities[label],
                           probabilities=probabilities)
            )
        return predictions

    def predict_one(self, text) -> Prediction:
        """Return the ``Prediction`` of one text."""
        return self.predict([text])[0]

    def features(self, texts) -> np.ndarray:
        """Return an array of shape (len(texts), len(LEXICON_FEATURES)) with the lexicon features of each text.

        Texts are cleaned first. Sentence features use the sentences of ``ai_commerce.sentiment.text.sentences``;
        a text without sentences gets zeros (and ``neu`` 1).
        """
        out = np.zeros((len(texts), len(LEXICON_FEATURES)), dtype=np.float64)
        for row, text in enumerate(texts):
            text = clean(text)
            whole = polarity(text)
            parts = [polarity(s)["compound"] for s in sentences(text)] or [0.0]
            out[row] = (
                whole["neg"],
                whole["neu"],
                whole["pos"],
                whole["compound"],
                min(parts),
                max(parts),
                sum(parts) / len(parts),
                parts[-1],
                sum(c < -NEUTRAL_BAND for c in parts) / len(parts),
                sum(c > NEUTRAL_BAND for c in parts) / len(parts),
            )
        return out
