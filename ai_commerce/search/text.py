"""Words of a product or a query: normalised (lower case, accents off), cut into tokens, stemmed lightly, and the
edit distance that typo tolerance counts in. Pure Python: the web process reads these too."""

import re
import unicodedata

TOKEN = re.compile(r"[0-9a-z]+")
#: Words too common to require in a query; a query made only of them keeps them.
STOPWORDS = frozenset({
    "a", "an", "and", "the", "of", "for", "in", "on", "with", "to", "by", "or", "at", "from", "is", "are", "my",
    "your"})


def normalise(text):
    """Lower case, accents removed: "Crème Brûlée" -> "creme brulee"."""
    decomposed = unicodedata.normalize("NFKD", str(text or "").lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text):
    """The words of ``text``, normalised, in order."""
    return TOKEN.findall(normalise(text))


def stem(word):
    """A light English stemmer (plurals, -ing, -ed): "mugs", "mug" -> "mug"; "candles" -> "candl", as
    "candle" -> "candl". Short words and numbers are kept whole."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "shes", "ches", "xes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    elif word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # "shopping" -> "shopp" -> "shop"
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


INFLECTIONS = ("s", "ed", "ing")


def inflected(word):
    """Whether ``word`` ends as a regular inflection that ``stem`` takes off ("mugs", "dyed", "knitting"), so that
    finding it through its stem is no correction to offer."""
    return len(word) > 3 and word.endswith(INFLECTIONS) and stem(word) != word


def typos_allowed(word):
    """Edits forgiven in a query word, as Meilisearch does: none under 5 letters, one from 5, two from 9."""
    if word.isdigit():
        return 0
    return 2 if len(word) >= 9 else 1 if len(word) >= 5 else 0


def deletes(word, depth):
    """Every string made from ``word`` by deleting up to ``depth`` letters (not ``word`` itself)."""
    found, frontier = set(), {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))} - found
        found |= frontier
    found.discard(word)
    return found


def distance(a, b, limit):
    """The optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions) of ``a`` and ``b``,
    or ``limit + 1`` as soon as it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def trigrams(text):
    padded = f"  {normalise(text)} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def similarity(a, b):
    """Trigram similarity of two strings (0 to 1), as PostgreSQL's pg_trgm counts it."""
    x, y = trigrams(a), trigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0
