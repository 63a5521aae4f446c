"""Train and apply the review sentiment classifier: TF-IDF linear models stacked with the VADER lexicon.

::

    from ai_commerce.sentiment.classifier import SentimentModel, evaluate, label_from_rating

    model = SentimentModel.train(texts, [label_from_rating(r) for r in ratings])
    model.predict_one("Runs small but the fabric is lovely")   # Prediction(label=..., score=..., confidence=...)
    evaluate(model, test_texts, test_labels)                   # {"accuracy": ..., "macro_f1": ..., "n": ...}
    blob = model.dumps()                                       # bytes for a ModelVersion artifact
    SentimentModel.loads(blob)

How it works (the numbers behind each choice are in ``bench/sentiment.py`` and the sentiment docs):

1. One pass over each text yields three blocks of word 1-2 grams: the plain words, the words with negation scope
   marked ("did not fit well" -> ``NOT_fit NOT_well``), and the first sentence alone (a review title, or the opening
   verdict). Each block is TF-IDF weighted (sublinear tf) and L2-normalised on its own.
2. Several linear models read those blocks: a linear SVM, NB-weighted logistic regressions (Wang & Manning, 2012),
   a ridge regression on the ordinal target (negative < neutral < positive) and ordinal "at least neutral" / "at
   least positive" SVMs, plus an SVM and a ridge on the negation block and an SVM on the first sentence. All of them
   are linear in the same features, so prediction is one sparse matrix product.
3. A multinomial logistic regression (the meta model) combines their scores with the VADER scores of the whole text
   and three shape features (length, "!" and "?"). It is fitted on out-of-fold scores (5-fold cross-fitting), which
   is exactly what ``CalibratedClassifierCV(method="sigmoid")`` does, generalised to several classes and inputs: the
   probabilities are calibrated on held-out scores, and an unweighted logistic loss keeps them honest about class
   frequencies.
4. The label is the most probable class after per-class log-offsets, tuned on cross-validated meta predictions to
   maximise macro-F1 (rare classes, such as "neutral", need a nudge). Probabilities themselves are not shifted.
5. Back-off: on text unlike the training data (few known words, e.g. another language or another shop's jargon) and
   on low-confidence predictions, probabilities are blended with the lexicon's, so the model degrades towards VADER
   instead of guessing.

A pickled model must only be loaded from a trusted source (the shop's own database), as with any pickle.
"""

import itertools
import math
import pickle
import re
import unicodedata

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from ai_commerce.sentiment.lexicon import (
    LABELS,
    Prediction,
    label_from_rating,
    lexicon_probabilities,
    neutral_prediction,
    polarity,
)
from ai_commerce.sentiment.text import clean

__all__ = ["LABELS", "Prediction", "SentimentModel", "evaluate", "label_from_rating"]

FORMAT_VERSION = 1

# Hyperparameters, chosen on validation splits carved from the training part of the clothing reviews (never on the
# test split): see bench/sentiment.py.
FOLDS = 5
MIN_DF = 2  # a word must appear in 2 reviews (1 when there are fewer than SMALL_CORPUS reviews)
SMALL_CORPUS = 200
SVM_C = 0.1
NB_C = 1.0
RIDGE_ALPHA = 1.0
META_C = 1.0
OFFSET_GRID = np.round(np.arange(-2.0, 2.01, 0.1), 2)
# Back-off to the lexicon. Coverage is the share of a text's content words (not stop words) that the training
# vocabulary knows: below COVERAGE_LOW the lexicon decides alone, above COVERAGE_HIGH the model does, and in between
# they are blended. A prediction whose confidence is below 1/classes + BACKOFF_MARGIN (a near tie) is blended half and
# half with the lexicon as well.
COVERAGE_LOW = 0.4
COVERAGE_HIGH = 0.8
BACKOFF_MARGIN = 0.1

_ORDER = {label: rank for rank, label in enumerate(LABELS)}  # negative < neutral < positive
_TOKEN = re.compile(r"\w[\w']*|[.!?,;:]")
_SCOPE_END = frozenset(".!?,;:")
_SENTENCE_END = frozenset(".!?")
_NEGATIONS = frozenset({
    "not", "no", "never", "nothing", "nor", "neither", "nobody", "nowhere", "cannot", "without", "hardly", "barely",
    "isn't", "wasn't", "aren't", "weren't", "don't", "doesn't", "didn't", "won't", "wouldn't", "couldn't", "shouldn't",
    "can't", "haven't", "hasn't", "hadn't", "ain't",
})
BLOCKS = ("w", "n", "f")  # plain words, negation-marked words, first sentence


def _fold(text):
    text = text.lower()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text


def _blocks(text):
    """Return the (plain, negation-marked, first-sentence) token lists of already cleaned ``text``."""
    plain, negated, first = [], [], []
    in_scope = False
    in_first = True
    for token in _TOKEN.findall(_fold(text)):
        if token in _SCOPE_END:
            in_scope = False
            if token in "!?":
                plain.append(token)
            if token in _SENTENCE_END and first:
                in_first = False
            continue
        plain.append(token)
        negated.append("NOT_" + token if in_scope else token)
        if in_first:
            first.append(token)
        if token in _NEGATIONS:
            in_scope = True
    return plain, negated, first


def _terms(blocks):
    terms = []
    for prefix, words in zip(("w ", "n ", "f "), blocks, strict=True):
        prefixed = [prefix + word for word in words]
        terms += prefixed
        terms += map(" ".join, zip(prefixed, words[1:], strict=False))  # "w a b": a bigram of the block
    return terms


def analyze(text):
    """Return the terms of ``text`` for the vectorizer: word 1-2 grams of the three blocks, prefixed by block."""
    return _terms(_blocks(text))


def _shape_features(texts):
    return np.array([[math.log1p(len(t.split())), min(t.count("!"), 10), min(t.count("?"), 10)] for t in texts])


def _lexicon_features(texts):
    out = np.zeros((len(texts), 4))
    for row, text in enumerate(texts):
        scores = polarity(text)
        out[row] = scores["neg"], scores["neu"], scores["pos"], scores["compound"]
    return out


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _macro_f1(y, pred, k):
    cm = np.bincount(y * k + pred, minlength=k * k).reshape(k, k)
    tp = np.diag(cm)
    return float(np.mean(2 * tp / np.maximum(cm.sum(0) + cm.sum(1), 1)))


def _tune_offsets(probabilities, y):
    """Return per-class log-offsets (first class 0) that maximise macro-F1 of argmax(log p + offset)."""
    k = probabilities.shape[1]
    logp = np.log(probabilities + 1e-12)
    best, best_f1 = np.zeros(k), _macro_f1(y, logp.argmax(1), k)
    if k <= 3:
        candidates = (np.array((0.0, *b)) for b in itertools.product(OFFSET_GRID, repeat=k - 1))
        for offsets in candidates:
            f1 = _macro_f1(y, (logp + offsets).argmax(1), k)
            if f1 > best_f1 + 1e-9 or (abs(f1 - best_f1) <= 1e-9 and np.abs(offsets).sum() < np.abs(best).sum()):
                best, best_f1 = offsets, f1
        return best
    for _sweep in range(3):  # coordinate ascent for many classes
        for c in range(1, k):
            for value in OFFSET_GRID:
                offsets = best.copy()
                offsets[c] = value
                f1 = _macro_f1(y, (logp + offsets).argmax(1), k)
                if f1 > best_f1 + 1e-9:
                    best, best_f1 = offsets, f1
    return best


# A feature is a word 1-gram or 2-gram of one block, encoded as one integer: block, first word id, second word id
# (or _NO_WORD for a 1-gram). Integer keys make a batch's lookups a vectorised binary search instead of millions of
# string building and dictionary lookups, the main cost of TF-IDF at prediction time.
_WORD_BITS = 21
_NO_WORD = (1 << _WORD_BITS) - 1


class _Features:
    """TF-IDF features of the three blocks, each block L2-normalised on its own, and vocabulary coverage.

    The weighting is exactly that of ``TfidfVectorizer(analyzer=analyze, sublinear_tf=True, smooth_idf=True,
    norm=None, min_df=min_df)`` followed by a per-block L2 norm; columns are sorted by block, so that
    ``slices[block]`` selects a block's columns.
    """

    def __init__(self, min_df):
        self.min_df = min_df

    def fit_transform(self, texts):
        """Learn the vocabulary and idf weights of ``texts`` (cleaned) and return their feature matrix."""
        blocks = [_blocks(text) for text in texts]
        self.word_ids = {}
        for doc in blocks:
            for words in doc:
                for word in words:
                    self.word_ids.setdefault(word, len(self.word_ids))
        if len(self.word_ids) >= _NO_WORD:
            raise ValueError(f"more than {_NO_WORD - 1} distinct words; train on fewer texts")
        docs, keys = self._keys(blocks)
        pairs = np.unique(np.column_stack([docs, keys]), axis=0)  # each (document, feature) once
        kept, df = np.unique(pairs[:, 1], return_counts=True)
        kept, df = kept[df >= self.min_df], df[df >= self.min_df]
        if not len(kept):
            raise ValueError("the texts have no word in common: there is no vocabulary to learn")
        self.keys = kept  # sorted, hence grouped by block
        self.idf = (np.log((1.0 + len(texts)) / (1.0 + df)) + 1.0).astype(np.float32)
        self.block = (kept >> (2 * _WORD_BITS)).astype(np.int8)
        bounds = np.searchsorted(self.block, np.arange(len(BLOCKS) + 1))
        self.slices = {name: (int(bounds[i]), int(bounds[i + 1])) for i, name in enumerate(BLOCKS)}
        names = {i: word for word, i in self.word_ids.items()}
        plain = kept[(self.block == 0) & ((kept & _NO_WORD) == _NO_WORD)]
        self.words = frozenset(names[int(i)] for i in (plain >> _WORD_BITS) & _NO_WORD)
        return self._matrix(len(texts), docs, keys)

    def transform(self, texts):
        """Return (feature matrix, coverage per text) of cleaned ``texts``.

        Coverage is the share of distinct content words (not stop words) of a text that the vocabulary knows, 0 for
        a text without any.
        """
        blocks = [_blocks(text) for text in texts]
        coverage = np.zeros(len(texts))
        for row, doc in enumerate(blocks):
            words = {word for word in doc[0] if word not in ENGLISH_STOP_WORDS and word not in _SCOPE_END}
            if words:
                coverage[row] = len(words & self.words) / len(words)
        docs, keys = self._keys(blocks)
        return self._matrix(len(texts), docs, keys), coverage

    def _keys(self, blocks):
        """Return (document index, feature key) of every 1-gram and 2-gram occurrence; unknown words are skipped."""
        all_docs, all_keys = [], []
        for b in range(len(BLOCKS)):
            tokens = [doc[b] for doc in blocks]
            lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
            flat = list(itertools.chain.from_iterable(tokens))
            ids = np.fromiter(map(self.word_ids.get, flat, itertools.repeat(-1)), dtype=np.int64, count=len(flat))
            doc = np.repeat(np.arange(len(tokens), dtype=np.int64), lengths)
            high = np.int64(b) << (2 * _WORD_BITS)
            known = ids >= 0
            all_docs.append(doc[known])
            all_keys.append(high | (ids[known] << _WORD_BITS) | _NO_WORD)
            pair = (doc[:-1] == doc[1:]) & known[:-1] & known[1:]
            all_docs.append(doc[:-1][pair])
            all_keys.append(high | (ids[:-1][pair] << _WORD_BITS) | ids[1:][pair])
        return np.concatenate(all_docs), np.concatenate(all_keys)

    def _matrix(self, n, docs, keys):
        columns = np.searchsorted(self.keys, keys)
        found = columns < len(self.keys)
        found[found] = self.keys[columns[found]] == keys[found]
        x = sparse.csr_matrix((np.ones(int(found.sum()), dtype=np.float32), (docs[found], columns[found])),
                              shape=(n, len(self.keys)))
        x.sum_duplicates()  # term counts
        x.data = (1.0 + np.log(x.data)) * self.idf[x.indices]  # sublinear tf times idf
        return self._normalise(x)

    def _normalise(self, x):
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        cell = rows * len(BLOCKS) + self.block[x.indices]
        norms = np.sqrt(np.bincount(cell, weights=x.data.astype(np.float64) ** 2, minlength=x.shape[0] * len(BLOCKS)))
        norms[norms == 0] = 1.0
        x.data = (x.data / norms[cell]).astype(np.float32)
        return x


def _fit_bases(x, y, classes, slices, ordered, random_state=0):
    """Fit the linear base models on ``x``; return (coef matrix [features x scores], intercepts, score names)."""
    k = len(classes)
    block = {name: x[:, start:end] for name, (start, end) in slices.items()}
    columns, intercepts, names = [], [], []

    def add(coef, intercept, name, on):
        full = np.zeros(x.shape[1], dtype=np.float32)
        start, end = slices[on]
        full[start:end] = np.ravel(coef)
        columns.append(full)
        intercepts.append(float(np.ravel(intercept)[0]))
        names.append(name)

    def svm(target, on, name):
        model = LinearSVC(C=SVM_C, class_weight="balanced", random_state=random_state).fit(block[on], target)
        for row in range(model.coef_.shape[0]):
            add(model.coef_[row], model.intercept_[row:row + 1], f"{name}{row}", on)

    svm(y, "w", "svm")
    present = (block["w"] > 0).astype(np.float64)
    for c in classes if k > 2 else classes[1:]:
        # NB-weighted logistic regression: features scaled by their log-count ratio for the class.
        target = (y == c).astype(int)
        p = 1.0 + np.asarray(present[target == 1].sum(0)).ravel()
        q = 1.0 + np.asarray(present[target == 0].sum(0)).ravel()
        ratio = np.log((p / p.sum()) / (q / q.sum()))
        model = LogisticRegression(C=NB_C, class_weight="balanced", solver="liblinear", random_state=random_state)
        model.fit(block["w"].multiply(ratio).tocsr(), target)
        add(model.coef_[0] * ratio, model.intercept_, f"nb_{c}", "w")
    if ordered:
        rank = np.array([_ORDER[c] for c in y], dtype=np.float64)
        for on in ("w", "n"):
            ridge = Ridge(alpha=RIDGE_ALPHA, solver="sparse_cg").fit(block[on], rank)
            add(ridge.coef_, np.atleast_1d(ridge.intercept_), f"ridge_{on}", on)
        if k > 2:
            for threshold in range(1, k):
                svm((rank >= threshold).astype(int), "w", f"ord{threshold}_")
    svm(y, "n", "svm_neg")
    svm(y, "f", "svm_first")
    return np.column_stack(columns), np.array(intercepts), names


class SentimentModel:
    """A trained sentiment classifier; build it with ``SentimentModel.train`` or ``SentimentModel.loads``."""

    def __init__(self, *, features, coef, intercept, score_names, mean, scale, meta_coef, meta_intercept, classes,
                 offsets, info):
        self.features = features
        self.coef = coef
        self.intercept = intercept
        self.score_names = score_names
        self.mean = mean
        self.scale = scale
        self.meta_coef = meta_coef
        self.meta_intercept = meta_intercept
        self.classes = tuple(classes)
        self.offsets = offsets
        self.info = info

    # Training -----------------------------------------------------------------------------------------------------

    @classmethod
    def train(cls, texts, labels, *, random_state=0) -> "SentimentModel":
        """Train on ``texts`` and their ``labels`` (any strings; two or more classes, each with 2+ examples).

        Labels among "negative" < "neutral" < "positive" also train ordinal models. Raise ``ValueError`` when the
        data cannot train a classifier (fewer than two classes, a class with one example, lengths differ).
        """
        texts = [clean(t) for t in texts]
        labels = np.asarray([str(label) for label in labels])
        if len(texts) != len(labels):
            raise ValueError(f"got {len(texts)} texts but {len(labels)} labels")
        if not any(texts):
            raise ValueError("every text is empty: there is nothing to learn from")
        classes, y = np.unique(labels, return_inverse=True)
        if len(classes) < 2:
            raise ValueError("need at least two different labels to train a classifier")
        smallest = int(np.bincount(y).min())
        if smallest < 2:
            raise ValueError(f"every label needs at least 2 examples; {classes[np.bincount(y).argmin()]!r} has 1")
        ordered = set(classes) <= set(LABELS)
        if ordered:  # keep negative < neutral < positive order for the ordinal models
            classes = np.array(sorted(classes, key=_ORDER.get))
            position = {label: i for i, label in enumerate(classes)}
            y = np.array([position[label] for label in labels])
        k = len(classes)

        features = _Features(min_df=MIN_DF if len(texts) >= SMALL_CORPUS else 1)
        x = features.fit_transform(texts)
        dense = np.hstack([_lexicon_features(texts), _shape_features(texts)])

        folds = min(FOLDS, smallest)
        splitter = StratifiedKFold(folds, shuffle=True, random_state=random_state)
        named = classes[y]
        out_of_fold = None
        for fit_rows, held_rows in splitter.split(np.zeros(len(y)), y):
            fold = _fit_bases(x[fit_rows], named[fit_rows], classes, features.slices, ordered, random_state)
            scores = x[held_rows] @ fold[0] + fold[1]
            if out_of_fold is None:
                out_of_fold = np.zeros((len(y), scores.shape[1]))
            out_of_fold[held_rows] = scores
        coef, intercept, score_names = _fit_bases(x, named, classes, features.slices, ordered, random_state)

        meta_x = np.hstack([out_of_fold, dense])
        mean, scale = meta_x.mean(0), meta_x.std(0)
        scale[scale == 0] = 1.0
        meta_x = (meta_x - mean) / scale
        # Cross-validated meta predictions: to tune the decision offsets and to report honest training metrics.
        meta_oof = np.zeros((len(y), k))
        for fit_rows, held_rows in splitter.split(meta_x, y):
            meta = LogisticRegression(C=META_C, max_iter=2000).fit(meta_x[fit_rows], y[fit_rows])
            meta_oof[np.ix_(held_rows, meta.classes_)] = meta.predict_proba(meta_x[held_rows])
        offsets = _tune_offsets(meta_oof, y)
        meta = LogisticRegression(C=META_C, max_iter=2000).fit(meta_x, y)
        pred = (np.log(meta_oof + 1e-12) + offsets).argmax(1)
        info = {
            "format": FORMAT_VERSION,
            "n": len(texts),
            "label_counts": {str(c): int(n) for c, n in zip(classes, np.bincount(y, minlength=k), strict=True)},
            "vocabulary": len(features.keys),
            "cv_accuracy": round(float((pred == y).mean()), 4),
            "cv_macro_f1": round(_macro_f1(y, pred, k), 4),
            "offsets": {str(c): float(o) for c, o in zip(classes, offsets, strict=True)},
        }
        meta_coef, meta_intercept = _meta_arrays(meta, k)
        return cls(features=features, coef=coef, intercept=intercept, score_names=score_names, mean=mean,
                   scale=scale, meta_coef=meta_coef, meta_intercept=meta_intercept, classes=[str(c) for c in classes],
                   offsets=offsets, info=info)

    # Prediction ---------------------------------------------------------------------------------------------------

    def _infer(self, texts):
        """Return (cleaned texts, model probabilities [n x classes], lexicon compound scores, coverage)."""
        cleaned = [clean(t) for t in texts]
        x, coverage = self.features.transform(cleaned)
        lexicon = _lexicon_features(cleaned)
        meta_x = np.hstack([x @ self.coef + self.intercept, lexicon, _shape_features(cleaned)])
        meta_x = (meta_x - self.mean) / self.scale
        probabilities = _softmax(meta_x @ self.meta_coef + self.meta_intercept)
        return cleaned, probabilities, lexicon[:, 3], coverage

    def predict(self, texts) -> list[Prediction]:
        """Return one ``Prediction`` per text, backing off to the lexicon on unfamiliar or uncertain text."""
        texts = list(texts)
        if not texts:
            return []
        cleaned, probabilities, compound, coverage = self._infer(texts)
        familiar = np.clip((coverage - COVERAGE_LOW) / (COVERAGE_HIGH - COVERAGE_LOW), 0.0, 1.0)
        # Near ties of the decision rule (probabilities with the decision offsets applied), not of raw probabilities.
        decision = _softmax(np.log(probabilities + 1e-12) + self.offsets)
        uncertain = decision.max(1) < 1.0 / len(self.classes) + BACKOFF_MARGIN
        weight = np.where(uncertain, familiar * 0.5, familiar)
        predictions = []
        for i, text in enumerate(cleaned):
            if not text:
                predictions.append(neutral_prediction(labels=self.classes))
                continue
            p = probabilities[i]
            if weight[i] < 1.0:
                lexical = lexicon_probabilities(compound[i], self.classes)
                p = weight[i] * p + (1.0 - weight[i]) * np.array([lexical[c] for c in self.classes])
            # The decision offsets were tuned on the training domain: they fade out with familiarity, not confidence.
            chosen = int((np.log(p + 1e-12) + familiar[i] * self.offsets).argmax())
            predictions.append(self._prediction(p, chosen))
        return predictions

    def predict_one(self, text) -> Prediction:
        """Return the ``Prediction`` of one text."""
        return self.predict([text])[0]

    def _prediction(self, p, chosen):
        probabilities = {c: round(float(v), 6) for c, v in zip(self.classes, p, strict=True)}
        score = probabilities.get("positive", 0.0) - probabilities.get("negative", 0.0)
        label = self.classes[chosen]
        confidence = probabilities[label]
        return Prediction(label=label, score=round(score, 6), confidence=confidence, probabilities=probabilities)

    # Persistence --------------------------------------------------------------------------------------------------

    def dumps(self) -> bytes:
        """Return the model as bytes (a pickle) for storage in a model version."""
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def loads(cls, data: bytes) -> "SentimentModel":
        """Return the model stored by ``dumps``; raise ``ValueError`` when ``data`` is not one."""
        try:
            model = pickle.loads(data)  # artifacts come from the shop's own database, never from users
        except Exception as exc:
            raise ValueError(f"not a stored SentimentModel: {exc}") from exc
        info = model.info if isinstance(model, cls) else {}
        if info.get("format") != FORMAT_VERSION:
            found = f"format {info.get('format')}" if info else type(model).__name__
            raise ValueError(f"not a stored SentimentModel of format {FORMAT_VERSION} (found {found}); retrain it")
        return model


def _meta_arrays(meta, k):
    """Return (coef [inputs x k], intercept [k]) of the fitted meta model as softmax logits."""
    if k == 2:  # scikit-learn stores one row for two classes: logit(class 1) - logit(class 0)
        coef = np.column_stack([-meta.coef_[0] / 2, meta.coef_[0] / 2])
        intercept = np.array([-meta.intercept_[0] / 2, meta.intercept_[0] / 2])
        return coef, intercept
    return meta.coef_.T.copy(), meta.intercept_.copy()


def evaluate(model, texts, labels) -> dict:
    """Return ``{"accuracy", "macro_f1", "n"}`` of ``model`` on ``texts`` against their true ``labels``.

    Macro-F1 averages over the labels that occur in ``labels`` or in the predictions, as scikit-learn's
    ``f1_score(average="macro")`` does.
    """
    labels = [str(label) for label in labels]
    if not labels:
        return {"accuracy": 0.0, "macro_f1": 0.0, "n": 0}
    predicted = [p.label for p in model.predict(texts)]
    return {
        "accuracy": round(float(accuracy_score(labels, predicted)), 4),
        "macro_f1": round(float(f1_score(labels, predicted, average="macro", zero_division=0)), 4),
        "n": len(labels),
    }
