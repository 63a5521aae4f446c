"""The search index: a compact in-process inverted index of the catalogue (title, category, description), built
by the worker and stored with the model version, read by the web process.

Per field, a stem maps to the sorted positions of the products holding it (``array('i')``: four bytes a posting).
The vocabulary of surface words maps each word to its stem, and a deletion neighbourhood (SymSpell) finds the words
within one or two edits of a misspelled query word without scanning the vocabulary. ``match`` scores products with
BM25 per field (a word counts once per field), weighted by field and by how the word was found (exact or stem,
synonym, prefix of the last word, one or two typos).
"""

import bisect
import json
import math
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from . import text

FIELDS = ("title", "category", "description")
FIELD_WEIGHTS = {"title": 3.0, "category": 1.5, "description": 1.0}
#: Weight of a query word found as it is written (or by its stem), as a staff synonym, as a prefix of the last
#: word, with one typo, with two.
MATCH_WEIGHTS = {"exact": 1.0, "synonym": 0.9, "prefix": 0.8, "typo1": 0.7, "typo2": 0.5}
PREFIX_EXPANSIONS = 40
K1, B = 1.2, 0.75


@dataclass
class Expansion:
    stem: str
    weight: float
    how: str
    word: str  # the word of the catalogue it stands for (shown in "why it matched" and "did you mean")


@dataclass
class Matches:
    """What a query matched: per product position, its score, its per-field scores and how many query words it
    matched; and per query word, what it was expanded to."""

    words: list
    expansions: list
    scores: dict = field(default_factory=dict)
    fields: dict = field(default_factory=dict)
    matched: dict = field(default_factory=dict)
    typo: dict = field(default_factory=dict)


class SearchIndex:
    def __init__(self, ids, titles, categories, postings, lengths, words, popularity=None):
        self.ids, self.titles, self.categories = list(ids), list(titles), list(categories)
        self.postings = {f: {s: array("i", docs) for s, docs in postings[f].items()} for f in FIELDS}
        self.lengths = {f: array("i", lengths[f]) for f in FIELDS}
        self.words = dict(words)  # surface word -> number of products holding it
        self.popularity = list(popularity or [0.0] * len(self.ids))
        self.position = {pid: i for i, pid in enumerate(self.ids)}
        self.sorted_words = sorted(self.words)
        self.average = {f: (sum(self.lengths[f]) / len(self.ids) if self.ids else 1.0) or 1.0 for f in FIELDS}
        self.idf = {f: {s: math.log(1 + (len(self.ids) - len(d) + 0.5) / (len(d) + 0.5)) for s, d in p.items()}
                    for f, p in self.postings.items()}
        self.neighbours = defaultdict(list)
        for word in self.words:
            depth = 2 if len(word) >= 7 else 1 if len(word) >= 4 else 0
            for deleted in text.deletes(word, depth):
                self.neighbours[deleted].append(word)

    # -- building and storing -------------------------------------------------------------------------------
    @classmethod
    def build(cls, products, popularity=None):
        """``products``: iterable of (id, title, category, description)."""
        ids, titles, categories = [], [], []
        postings = {f: defaultdict(list) for f in FIELDS}
        lengths = {f: [] for f in FIELDS}
        words = defaultdict(int)
        for position, (pid, title, category, description) in enumerate(products):
            ids.append(pid)
            titles.append(str(title or ""))
            categories.append(str(category or ""))
            seen = set()
            for name, value in zip(FIELDS, (title, category, description), strict=True):
                found = text.tokens(value)
                lengths[name].append(len(found))
                for stem in {text.stem(w) for w in found}:
                    postings[name][stem].append(position)
                seen.update(found)
            for word in seen:
                words[word] += 1
        pops = [float((popularity or {}).get(pid, 0.0)) for pid in ids]
        return cls(ids, titles, categories, postings, lengths, words, pops)

    def dumps(self):
        return json.dumps({"ids": self.ids, "titles": self.titles, "categories": self.categories,
                           "postings": {f: {s: d.tolist() for s, d in p.items()} for f, p in self.postings.items()},
                           "lengths": {f: v.tolist() for f, v in self.lengths.items()}, "words": self.words,
                           "popularity": self.popularity}, separators=(",", ":")).encode()

    @classmethod
    def loads(cls, data):
        raw = json.loads(data)
        return cls(raw["ids"], raw["titles"], raw["categories"], raw["postings"], raw["lengths"], raw["words"],
                   raw["popularity"])

    # -- query understanding ----------------------------------------------------------------------------------
    @cached_property
    def stem_words(self):
        """``{stem: the catalogue's word for it}`` (what "did you mean" offers for a stem match): its most common
        uninflected word ("mug" before "mugs"), else its most common word."""
        best = {}
        for word, count in self.words.items():
            stem, key = text.stem(word), (not text.inflected(word), count, word)
            if stem not in best or key > best[stem][0]:
                best[stem] = (key, word)
        return {stem: word for stem, (_key, word) in best.items()}

    def has_stem(self, stem):
        return any(stem in self.postings[f] for f in FIELDS)

    def corrections(self, word, allowed=None):
        """The catalogue's words within the typos ``word`` is allowed, as (distance, word), nearest and most
        common first."""
        allowed = text.typos_allowed(word) if allowed is None else allowed
        if not allowed:
            return []
        variants = {word} | text.deletes(word, allowed)
        candidates = set()
        for variant in variants:
            if variant in self.words:
                candidates.add(variant)
            candidates.update(self.neighbours.get(variant, ()))
        found = []
        for candidate in candidates:
            d = text.distance(word, candidate, allowed)
            if 0 < d <= allowed:
                found.append((d, -self.words[candidate], candidate))
        return [(d, w) for d, _, w in sorted(found)]

    def completions(self, prefix, limit=PREFIX_EXPANSIONS):
        start = bisect.bisect_left(self.sorted_words, prefix)
        out = []
        for word in self.sorted_words[start:]:
            if not word.startswith(prefix) or len(out) >= limit:
                break
            if word != prefix:
                out.append(word)
        return out

    def expand(self, word, *, last=False, synonyms=None):
        """What query ``word`` may stand for in the catalogue, as ``Expansion``s, best first."""
        out, stems = [], set()

        def add(stem, how, surface):
            if stem not in stems and self.has_stem(stem):
                stems.add(stem)
                out.append(Expansion(stem, MATCH_WEIGHTS[how], how, surface))

        add(text.stem(word), "exact", word)
        for synonym in (synonyms or {}).get(word, ()):
            for token in text.tokens(synonym):
                add(text.stem(token), "synonym", token)
        if last and len(word) >= 2:
            for completion in self.completions(word):
                add(text.stem(completion), "prefix", completion)
        if not any(e.how == "exact" for e in out):
            for d, candidate in self.corrections(word):
                add(text.stem(candidate), f"typo{d}", candidate)
        if not out and len(word) == 4 and word.isalpha():
            # A last resort before the word finds nothing: "dess" is "dress" with a letter dropped, typed in four.
            for d, candidate in self.corrections(word, allowed=1):
                add(text.stem(candidate), f"typo{d}", candidate)
        return out

    # -- matching -----------------------------------------------------------------------------------------------
    def _norm(self, name, position):
        return (K1 + 1) / (1 + K1 * (1 - B + B * self.lengths[name][position] / self.average[name]))

    def match(self, query, *, synonyms=None, prefix_last=True, positions=None, fields=FIELDS):
        """Score the products for ``query``; ``positions``: only these product positions (a category); ``fields``:
        only these fields (suggest reads titles)."""
        words = text.tokens(query)
        meaningful = [w for w in words if w not in text.STOPWORDS] or words
        ends_open = prefix_last and bool(query) and not query[-1].isspace()
        expansions = [self.expand(w, last=ends_open and i == len(meaningful) - 1, synonyms=synonyms)
                      for i, w in enumerate(meaningful)]
        result = Matches(words=meaningful, expansions=expansions)
        for expansion_list in expansions:
            best = {}  # position -> {field: contribution}
            typo = {}
            for e in expansion_list:
                for name in fields:
                    docs = self.postings[name].get(e.stem)
                    if docs is None:
                        continue
                    weight = e.weight * FIELD_WEIGHTS[name] * self.idf[name][e.stem]
                    for position in docs:
                        if positions is not None and position not in positions:
                            continue
                        cell = best.setdefault(position, {})
                        value = weight * self._norm(name, position)
                        if value > cell.get(name, 0.0):
                            cell[name] = value
                            typo[position] = e.how.startswith("typo")
            for position, cell in best.items():
                result.scores[position] = result.scores.get(position, 0.0) + sum(cell.values())
                per_field = result.fields.setdefault(position, dict.fromkeys(FIELDS, 0.0))
                for name, value in cell.items():
                    per_field[name] += value
                result.matched[position] = result.matched.get(position, 0) + 1
                result.typo[position] = result.typo.get(position, False) or typo[position]
        return result

    # -- completing titles (suggest) -----------------------------------------------------------------------------
    @cached_property
    def _dense(self):
        """numpy views of the title postings and BM25 length norms, and each product's place among the titles in
        alphabetical order: what ``complete`` scores a whole catalogue with in a few array operations."""
        import numpy as np

        lengths = np.frombuffer(self.lengths["title"], dtype=np.int32).astype(float)
        norm = (K1 + 1) / (1 + K1 * (1 - B + B * lengths / self.average["title"]))
        postings = {stem: np.frombuffer(docs, dtype=np.int32) for stem, docs in self.postings["title"].items()}
        rank = np.empty(len(self.ids), dtype=np.int64)
        rank[sorted(range(len(self.ids)), key=self.titles.__getitem__)] = np.arange(len(self.ids))
        return norm, postings, rank, np.asarray(self.popularity, dtype=float)

    @cached_property
    def listing(self):
        """What a listing's learned order reads per product position, computed once per index (per version): the
        log of its popularity (``math.log1p``, as the order always used), its category's code, and the categories
        by code."""
        import numpy as np

        names = list(dict.fromkeys(self.categories))
        code = {name: i for i, name in enumerate(names)}
        return (np.array([math.log1p(p) for p in self.popularity], dtype=float),
                np.array([code[c] for c in self.categories], dtype=np.int64), names)

    def complete(self, query, limit):
        """Positions of the products whose titles hold every word of ``query`` (the last as a prefix, typos
        forgiven as in ``match``), best title match first, then the most popular, then by title: what suggest
        offers as the shopper types. The same scores as ``match(query, fields=("title",))``, computed over arrays
        of the whole catalogue instead of product by product."""
        import numpy as np

        norm, postings, rank, popularity = self._dense
        words = text.tokens(query)
        meaningful = [w for w in words if w not in text.STOPWORDS] or words
        if not meaningful or not self.ids:
            return []
        ends_open = bool(query) and not query[-1].isspace()
        total = np.zeros(len(self.ids))
        matched = np.zeros(len(self.ids), dtype=np.int32)
        for i, word in enumerate(meaningful):
            best = np.zeros(len(self.ids))
            for e in self.expand(word, last=ends_open and i == len(meaningful) - 1):
                docs = postings.get(e.stem)
                if docs is not None:
                    best[docs] = np.maximum(best[docs], e.weight * FIELD_WEIGHTS["title"] * self.idf["title"][e.stem]
                                            * norm[docs])
            total += best
            matched += best > 0
        found = np.flatnonzero(matched == len(meaningful))
        order = found[np.lexsort((rank[found], -popularity[found], -total[found]))]
        return order[:limit].tolist()

    def why(self, matches, position):
        """``{field: [words]}``: the catalogue words through which product ``position`` matched."""
        out = {}
        for expansion_list in matches.expansions:
            for name in FIELDS:
                for e in expansion_list:
                    docs = self.postings[name].get(e.stem)
                    if docs is not None and _contains(docs, position):
                        label = e.word if e.how in ("exact", "prefix") else f"{e.word} ({_HOW[e.how]})"
                        out.setdefault(name, [])
                        if label not in out[name]:
                            out[name].append(label)
                        break
        return out


_HOW = {"synonym": "synonym", "typo1": "1 typo", "typo2": "2 typos"}


def _contains(docs, position):
    i = bisect.bisect_left(docs, position)
    return i < len(docs) and docs[i] == position
