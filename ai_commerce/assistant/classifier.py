"""The intent classifier as the web process serves it: numpy only (the trainer, in a worker, fits it with
scikit-learn and writes its weights as JSON).

``LinearIntents`` is the trained model (multinomial logistic regression over ``text.features``, TF-IDF weighted and
L2-normalised); ``CentroidIntents`` is the cold start and the trainer's baseline: the nearest class centroid of the
same vectors. Both answer ``predict(text) -> (intent, confidence)``.
"""

import math
from collections import Counter

import numpy as np

from . import text as text_module


def build_vocabulary(texts, min_count=1):
    """Return (vocabulary {feature: column}, idf array) of ``texts``' features."""
    documents = Counter()
    for value in texts:
        documents.update(set(text_module.features(value)))
    names = sorted(f for f, n in documents.items() if n >= min_count)
    count = len(texts)
    idf = np.array([math.log((1 + count) / (1 + documents[f])) + 1 for f in names])
    return {f: i for i, f in enumerate(names)}, idf


def vectorize(texts, vocabulary, idf):
    """Return the TF-IDF rows of ``texts`` (L2-normalised, dense: a few thousand columns)."""
    matrix = np.zeros((len(texts), len(vocabulary)))
    for row, value in enumerate(texts):
        for feature, count in text_module.features(value).items():
            column = vocabulary.get(feature)
            if column is not None:
                matrix[row, column] = (1 + math.log(count)) * idf[column]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


class LinearIntents:
    """A trained linear intent model (weights from the trainer's artifact)."""

    def __init__(self, classes, vocabulary, idf, coef, intercept, threshold=0.0):
        self.classes, self.vocabulary = list(classes), dict(vocabulary)
        self.idf, self.coef, self.intercept = np.asarray(idf), np.asarray(coef), np.asarray(intercept)
        self.threshold = float(threshold)

    @classmethod
    def from_json(cls, data):
        return cls(data["classes"], data["vocabulary"], data["idf"], data["coef"], data["intercept"],
                   data.get("threshold", 0.0))

    def to_json(self):
        return {"classes": self.classes, "vocabulary": self.vocabulary, "idf": self.idf.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept.tolist(), "threshold": self.threshold}

    def probabilities(self, texts):
        scores = vectorize(texts, self.vocabulary, self.idf) @ self.coef.T + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, value):
        probs = self.probabilities([value])[0]
        best = int(probs.argmax())
        return self.classes[best], float(probs[best])


class CentroidIntents:
    """Nearest class centroid by cosine; its confidence is a softmax of the similarities (not calibrated)."""

    TEMPERATURE = 12.0

    def __init__(self, texts, labels, threshold=0.0):
        self.vocabulary, self.idf = build_vocabulary(texts)
        vectors = vectorize(texts, self.vocabulary, self.idf)
        self.classes = sorted(set(labels))
        labels = np.array(labels)
        centroids = np.stack([vectors[labels == c].mean(axis=0) for c in self.classes])
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self.centroids = centroids / np.where(norms == 0, 1, norms)
        self.threshold = float(threshold)

    def probabilities(self, texts):
        scores = self.TEMPERATURE * (vectorize(texts, self.vocabulary, self.idf) @ self.centroids.T)
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, value):
        probs = self.probabilities([value])[0]
        best = int(probs.argmax())
        return self.classes[best], float(probs[best])
