"""A small lexical index (BM25) in memory, with typo-tolerant words: the assistant's own retrieval over FAQ
entries, product titles and review sentences when no search capability serves one.

``LexicalIndex([(key, text), ...]).search(query, k)`` returns ``[(key, score), ...]``, best first. A query word the
index does not know is replaced by its closest known word (``difflib``, 0.8 alike), so "retrun" finds "return".
"""

import difflib
import math
from collections import Counter, defaultdict

from . import text as text_module


def stem(word):
    """A light plural/verb-ending stem: "returns" and "returned" meet "return"."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def terms(value):
    return [stem(w) for w in text_module.content_words(value)]


class LexicalIndex:
    K1, B = 1.2, 0.75

    def __init__(self, documents):
        self.keys, self.lengths = [], []
        self.postings = defaultdict(list)  # term -> [(doc index, count)]
        self.words = {}  # each indexed word as written -> its term (typos are corrected against the written words)
        for index, (key, value) in enumerate(documents):
            written = text_module.content_words(value)
            self.words.update((w, stem(w)) for w in written)
            counts = Counter(stem(w) for w in written)
            self.keys.append(key)
            self.lengths.append(sum(counts.values()))
            for term, count in counts.items():
                self.postings[term].append((index, count))
        self.count = len(self.keys)
        self.average = (sum(self.lengths) / self.count) if self.count else 0
        self.vocabulary = sorted(self.postings)
        self.written = sorted(self.words)
        self._corrections = {}
        self.mean_idf = (sum(self.idf(t) for t in self.vocabulary) / len(self.vocabulary)) if self.vocabulary else 1.0

    def idf(self, term):
        n = len(self.postings.get(term, ()))
        return math.log(1 + (self.count - n + 0.5) / (n + 0.5))

    def correct(self, word):
        """Return the term of ``word`` (as written), or of the closest indexed word when the index does not know it
        (None when none is close)."""
        term = stem(word)
        if term in self.postings:
            return term
        if word not in self._corrections:
            close = difflib.get_close_matches(word, self.written, n=1, cutoff=0.8) if len(word) > 3 else []
            self._corrections[word] = self.words[close[0]] if close else None
        return self._corrections[word]

    def query_terms(self, query):
        return [t for t in (self.correct(w) for w in text_module.content_words(query)) if t]

    def coverage(self, query, key):
        """The idf-weighted share of the query's known terms that document ``key`` holds (0 to 1)."""
        asked = set(self.query_terms(query))
        index = self.keys.index(key)
        unknown = sum(1 for w in set(text_module.content_words(query)) if not self.correct(w))
        total = sum(self.idf(t) for t in asked) + unknown * self.mean_idf  # a word it does not know: a usual one
        held = sum(self.idf(t) for t in asked if any(i == index for i, _c in self.postings[t]))
        return held / total if total else 0.0

    def search(self, query, k=3):
        scores = defaultdict(float)
        for term in set(self.query_terms(query)):
            idf = self.idf(term)
            for index, count in self.postings[term]:
                norm = self.K1 * (1 - self.B + self.B * self.lengths[index] / (self.average or 1))
                scores[index] += idf * count * (self.K1 + 1) / (count + norm)
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [(self.keys[i], score) for i, score in best]
