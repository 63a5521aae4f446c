"""Find what a review says about each aspect of a product (fit, quality, delivery...) and how it feels about it.

::

    from ai_commerce.sentiment.aspects import aspect_sentiments

    aspect_sentiments("Runs small. The fabric is lovely!", model.predict)
    # {"fit": {"score": -0.4, "label": "negative", "mentions": 1, "sentences": ["Runs small."]},
    #  "material": {"score": 0.8, "label": "positive", "mentions": 1, "sentences": ["The fabric is lovely!"]}}

A sentence that mentions an aspect keyword (whole words, any case) is scored with the ``predict`` callable, usually
``SentimentModel.predict`` or ``LexiconModel.predict``; every sentence is scored once, even when it mentions several
aspects. Shops pass their own ``{aspect: [keywords]}`` mapping (checked by ``validate_aspects``) for other vocabularies.
"""

import re
from functools import lru_cache

_WORD = re.compile(r"\w+")

DEFAULT_ASPECTS = {
    "fit": [
        "fit", "fits", "fitted", "fitting", "size", "sizes", "sizing", "sized", "small", "smaller", "large", "larger",
        "big", "bigger", "tight", "loose", "baggy", "snug", "runs", "petite", "length", "long", "short", "true to size",
        "tts", "boxy", "roomy", "waist", "bust", "hips", "shoulders", "cut", "shape", "flattering", "unflattering",
    ],
    "quality": [
        "quality", "made", "well made", "poorly made", "cheaply made", "construction", "stitching", "seams", "seam",
        "durable", "flimsy", "sturdy", "cheap", "ripped", "tear", "torn", "hole", "holes", "broke", "broken",
        "falling apart", "finish", "finished", "workmanship", "defect", "defective", "held up", "lasts",
    ],
    "material": [
        "material", "materials", "fabric", "fabrics", "cotton", "linen", "silk", "wool", "cashmere", "polyester",
        "rayon", "viscose", "knit", "lining", "lined", "thin", "thick", "sheer", "see-through", "see through",
        "itchy", "scratchy", "pilling", "pilled", "pills", "shrank", "shrunk", "faded", "texture", "colour", "color",
        "leather", "suede",
    ],
    "comfort": [
        "comfort", "comfortable", "comfy", "uncomfortable", "soft", "cozy", "cosy", "breathable", "stiff", "itch",
        "pinch", "pinches", "rubs", "dig", "digs", "wear all day", "easy to wear", "relaxed",
    ],
    "value": [
        "price", "priced", "pricey", "overpriced", "expensive", "cheaper", "value", "worth", "money", "cost",
        "costs", "bargain", "deal", "sale", "discount", "affordable", "afford", "paid", "pay", "penny",
    ],
    "shipping": [
        "shipping", "shipped", "ship", "delivery", "delivered", "arrived", "arrive", "arrival", "package",
        "packaging", "packaged", "parcel", "courier", "tracking", "dispatch", "dispatched", "late", "on time",
    ],
    "service": [
        "customer service", "service", "support", "support team", "staff", "refund", "refunded", "return",
        "returned", "returning", "returns", "exchange", "exchanged", "replacement", "helpful", "rude", "responded",
        "response", "reply", "replied", "email", "emails", "store",
    ],
}

# Sentences kept per aspect as evidence (the most strongly scored first).
EVIDENCE_SENTENCES = 2
# A mean sentence score beyond this band is positive or negative; inside it, neutral.
NEUTRAL_BAND = 0.15


def aspect_lexicon(conf):
    """Return the aspect keywords: the defaults, extended per aspect by the settings (and the admin's tuning)."""
    extra = conf.get("ASPECTS") or {}
    return {**DEFAULT_ASPECTS, **{name: [*DEFAULT_ASPECTS.get(name, []), *words] for name, words in extra.items()}}


def validate_aspects(value) -> list[str]:
    """Return the problems of an aspect mapping (an empty list when it is valid).

    A valid mapping is a dict of non-empty aspect names to non-empty lists (or tuples) of non-empty keyword strings.
    """
    if not isinstance(value, dict):
        return [f"must be a dict of aspect name -> list of keywords, not {type(value).__name__}"]
    if not value:
        return ["must name at least one aspect"]
    problems = []
    for name, keywords in value.items():
        if not isinstance(name, str) or not name.strip():
            problems.append(f"aspect name {name!r} must be a non-empty string")
            continue
        if not isinstance(keywords, list | tuple) or not keywords:
            problems.append(f"aspect {name!r} must map to a non-empty list of keywords")
            continue
        bad = [keyword for keyword in keywords if not isinstance(keyword, str) or not keyword.strip()]
        if bad:
            problems.append(f"aspect {name!r} has keywords that are not non-empty strings: {bad!r}")
    return problems


@lru_cache(maxsize=32)
def _compile(items: tuple) -> tuple:
    # Per aspect: its one-word keywords as a set (matched against a sentence's words), and one regex for the others
    # ("true to size", "see-through"), longest first; the lookarounds match whole words only.
    compiled = []
    for name, keywords in items:
        words = sorted({keyword.strip().lower() for keyword in keywords}, key=len, reverse=True)
        single = frozenset(word for word in words if _WORD.fullmatch(word))
        phrases = [word for word in words if word not in single]
        alternation = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in phrases)
        pattern = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE) if phrases else None
        compiled.append((name, single, pattern))
    return tuple(compiled)


def _patterns(aspects):
    return _compile(tuple((name, tuple(keywords)) for name, keywords in aspects.items()))


def label_for_score(score, band=NEUTRAL_BAND) -> str:
    """Return "positive", "negative" or "neutral" for a mean score in [-1, 1]."""
    if score > band:
        return "positive"
    if score < -band:
        return "negative"
    return "neutral"


def mentions(sentence_list, aspects=DEFAULT_ASPECTS) -> dict[str, list[int]]:
    """Return, for each aspect mentioned, the indexes of the sentences in ``sentence_list`` that mention it."""
    found = {}
    words = [set(_WORD.findall(sentence.lower())) for sentence in sentence_list]
    for name, single, phrases in _patterns(aspects):
        hits = [i for i, sentence in enumerate(sentence_list)
                if not single.isdisjoint(words[i]) or (phrases is not None and phrases.search(sentence))]
        if hits:
            found[name] = hits
    return found


def aspect_sentiments(text, predict, aspects=DEFAULT_ASPECTS) -> dict[str, dict]:
    """Return ``{aspect: {"score", "label", "mentions", "sentences"}}`` for the aspects that ``text`` mentions.

    ``predict`` takes a list of sentences and returns one ``Prediction`` per sentence. ``score`` is the mean score of
    the sentences that mention the aspect, ``mentions`` their number, and ``sentences`` up to two of them, the most
    strongly scored first. Aspects that are not mentioned are absent; a text without sentences gives ``{}``.
    """
    return aspect_sentiments_many([text], predict, aspects)[0]


def aspect_sentiments_many(texts, predict, aspects=DEFAULT_ASPECTS) -> list[dict[str, dict]]:
    """Return ``aspect_sentiments`` of each of ``texts``, with one ``predict`` call for all their sentences."""
    from ai_commerce.sentiment.text import sentences as split_sentences

    parsed = []  # (sentences, {aspect: [sentence index]}) per text
    needed = []  # (text index, sentence index) of every sentence that mentions an aspect
    for t, text in enumerate(texts):
        parts = split_sentences(text)
        found = mentions(parts, aspects)
        parsed.append((parts, found))
        needed += [(t, i) for i in sorted({i for hits in found.values() for i in hits})]
    predictions = predict([parsed[t][0][i] for t, i in needed]) if needed else []
    scores = {key: float(p.score) for key, p in zip(needed, predictions, strict=True)}
    results = []
    for t, (parts, found) in enumerate(parsed):
        result = {}
        for name, hits in found.items():
            mean = sum(scores[t, i] for i in hits) / len(hits)
            strongest = sorted(hits, key=lambda i, t=t: -abs(scores[t, i]))[:EVIDENCE_SENTENCES]
            result[name] = {
                "score": round(mean, 4),
                "label": label_for_score(mean),
                "mentions": len(hits),
                "sentences": [parts[i] for i in strongest],
            }
        results.append(result)
    return results
