"""The rating-text mismatch flag, learnt from the shop's own model's probabilities and the staff's verdicts.

::

    from ai_commerce.sentiment.mismatch import MismatchRule, fit_rule

    rule = fit_rule(probabilities, ratings, verdicts)   # at training: holdout probabilities, staff verdicts
    rule.flags(prediction, rating)                      # True when the text contradicts the stars
    MismatchRule.from_dict(version.params["mismatch"])  # stored with the model version it was fitted for

The shop's model is trained on its own stars, and its probabilities are calibrated: for a review with 4-5 stars,
``p(negative)`` is how likely a review with this text is to be a 1-2 star one. So the question "does the text
contradict the stars?" is asked in the model's own terms, per group of stars:

* ``high`` (4-5 stars): ``p(negative) - p(positive)``; ``low`` (1-2 stars): ``p(positive) - p(negative)``;
* ``middle`` (3 stars): ``max(p(positive), p(negative)) - p(neutral)``: clearly positive or clearly negative text.

that is, how much more probable the contradicting label is than the stars' own (a mixed review, likely both ways,
scores low). A review is flagged when that margin reaches the group's cut. The cuts are learnt at each training:

* from the staff's verdicts ("Confirm rating mismatch" / "Not a rating mismatch" in the admin), once a group has
  ``MIN_VERDICTS`` of them with at least ``MIN_CONFIRMED`` confirmed: the lowest cut whose precision on the verdicts
  is at least ``TARGET_PRECISION`` (the most mismatches found at that precision);
* otherwise the defaults below: the contradicting label is 75 points more probable than the stars' own at 1-2
  stars, 50 points at 4-5 stars, and 96 points more than neutral at 3 stars (where mixed feelings are the norm and
  warm 3-star reviews are common). They were chosen on validation parts carved from the training splits of both
  benchmark shops, the test splits unread (``bench/sentiment.py --part mismatch-validation``): of every combination
  of cuts on a grid, the one with the highest mean F1 of the two shops. It also holds precision 0.90 on both
  (clothing 0.94 at recall 0.76, demo 1.00 at 0.87), as the verdicts' rule does; the cuts served before (0.4 / 0.95
  / 0.4) found a few more mismatches at a much lower precision (clothing 0.78 at 0.80).

The lexicon cold start has no model version, so no learnt rule: the fixed score rule of ``SENTIMENT["MISMATCH"]``
serves until the first model is trained (``moderation.flags_for``).
"""

from dataclasses import asdict, dataclass

GROUPS = ("low", "middle", "high")
DEFAULT_CUTS = {"low": 0.75, "middle": 0.96, "high": 0.5}
TARGET_PRECISION = 0.9
MIN_VERDICTS, MIN_CONFIRMED = 20, 5


def fixed_mismatch(prediction, rating, conf):
    """The cold start's mismatch rule (no trained model yet): 4-5 stars with a score at or below
    ``SENTIMENT["MISMATCH"]``, or 1-2 stars at or above its opposite. It cannot judge 3-star reviews."""
    praised_but_negative = rating is not None and rating >= 4 and prediction.score <= conf["MISMATCH"]
    panned_but_positive = rating is not None and rating <= 2 and prediction.score >= -conf["MISMATCH"]
    return praised_but_negative or panned_but_positive


def group_of(rating):
    """Return the star group of a rating (None when there is none)."""
    if rating is None:
        return None
    return "high" if rating >= 4 else "low" if rating <= 2 else "middle"


def opposite(probabilities, rating):
    """Return how much more probable the text's contradicting label is than the stars' own label, from -1 to 1
    (0 without a rating)."""
    group = group_of(rating)
    negative, positive = probabilities.get("negative", 0.0), probabilities.get("positive", 0.0)
    neutral = probabilities.get("neutral", 0.0)
    return {"high": negative - positive, "low": positive - negative,
            "middle": max(negative, positive) - neutral}.get(group, 0.0)


@dataclass(frozen=True)
class MismatchRule:
    cuts: dict
    learnt_from: dict  # group -> "verdicts" or "default"

    def flags(self, prediction, rating):
        group = group_of(rating)
        return group is not None and opposite(prediction.probabilities, rating) >= self.cuts[group]

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(cuts={**DEFAULT_CUTS, **data.get("cuts", {})}, learnt_from=data.get("learnt_from", {}))


def best_cut(scores, confirmed, target=TARGET_PRECISION):
    """Return the lowest cut whose precision over (score, confirmed) pairs is at least ``target``, or None."""
    pairs = sorted(zip(scores, confirmed, strict=True), reverse=True)
    best, hits = None, 0
    for n, (score, is_mismatch) in enumerate(pairs, start=1):
        hits += bool(is_mismatch)
        if hits / n >= target and (n == len(pairs) or pairs[n][0] < score):
            best = score  # every review at or above this score is counted in n
    return best


def fit_rule(probabilities, ratings, verdicts=None):
    """Return the ``MismatchRule`` for a model: ``probabilities`` and ``ratings`` of reviews it scored, and
    ``verdicts`` (True, False, or None for no verdict) of the staff on them."""
    verdicts = verdicts if verdicts is not None else [None] * len(ratings)
    cuts, learnt = dict(DEFAULT_CUTS), dict.fromkeys(GROUPS, "default")
    for group in GROUPS:
        judged = [(opposite(p, r), v) for p, r, v in zip(probabilities, ratings, verdicts, strict=True)
                  if v is not None and group_of(r) == group]
        if len(judged) >= MIN_VERDICTS and sum(v for _, v in judged) >= MIN_CONFIRMED:
            cut = best_cut([s for s, _ in judged], [v for _, v in judged])
            if cut is not None:
                cuts[group], learnt[group] = round(cut, 6), "verdicts"
    return MismatchRule(cuts=cuts, learnt_from=learnt)
