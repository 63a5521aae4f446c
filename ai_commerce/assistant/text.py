"""Words and features of a shopper's message: one normalisation for the classifier, the index and the resolvers."""

import itertools
import re
import unicodedata
from collections import Counter

WORD = re.compile(r"[a-z0-9]+")
STOPWORDS_TEXT = (
    "a an and are as at be been but by can could did do does for from had has have how i if in into is it "
    "its me my of on or our please so that the their them then there these they this to was we were what "
    "when where which who will with would you your yours im hi hello hey doesn don isn didn wasn aren t s "
    "ll ve re d"
)
STOPWORDS = frozenset(STOPWORDS_TEXT.split())


def normalize(text):
    """Lower-case ``text`` without accents."""
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def words(text):
    return WORD.findall(normalize(text))


def content_words(text):
    """The words of ``text`` that carry meaning (no stop words, no single letters)."""
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]


def features(text):
    """Sparse features of ``text``: words, word pairs and the 4-letter pieces of each word (which survive a typo)."""
    tokens = words(text)
    counts = Counter(f"w:{w}" for w in tokens)
    counts.update(f"b:{a}_{b}" for a, b in itertools.pairwise(tokens))
    for w in tokens:
        padded = f"<{w}>"
        counts.update(f"c:{padded[i:i + 4]}" for i in range(max(1, len(padded) - 3)))
    return counts
