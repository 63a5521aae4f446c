"""Train the intent classifier (in a worker: scikit-learn): logistic regression over the built-in example questions
and the shop's FAQ examples, judged on a held-out quarter next to the nearest-centroid baseline (what serves before
the first training).

The held-out quarter also calibrates the confidence threshold: the lowest confidence at which the answered
held-out questions are right at least ``TARGET_PRECISION`` of the time. The version stores the weights
(``intents.json``) for the web process, which reads them with numpy alone.
"""

import json

import numpy as np

from ai_commerce import registry
from ai_commerce.models import ModelVersion

from . import intents, knowledge
from .classifier import CentroidIntents, LinearIntents, build_vocabulary, vectorize

TARGET_PRECISION = 0.95
HELD_OUT = 0.25
SEED = 42


def split(texts, labels, share=HELD_OUT, seed=SEED):
    """Stratified split: ``share`` of each intent's examples held out (at least one)."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in sorted(set(labels)):
        idx = [i for i, value in enumerate(labels) if value == label]
        rng.shuffle(idx)
        cut = max(1, round(len(idx) * share)) if len(idx) > 2 else 0
        test.extend(idx[:cut])
        train.extend(idx[cut:])
    return sorted(train), sorted(test)


def fit(texts, labels, threshold=0.0):
    from sklearn.linear_model import LogisticRegression

    vocabulary, idf = build_vocabulary(texts)
    model = LogisticRegression(C=20.0, max_iter=3000)
    model.fit(vectorize(texts, vocabulary, idf), labels)
    return LinearIntents(list(model.classes_), vocabulary, idf, model.coef_, model.intercept_, threshold)


def calibrate(confidences, correct, target=TARGET_PRECISION):
    """The lowest threshold at which the answered questions are right at least ``target`` of the time."""
    pairs = sorted(zip(confidences, correct, strict=True), reverse=True)
    best, right = 1.0, 0
    for n, (confidence, ok) in enumerate(pairs, start=1):
        right += ok
        if right / n >= target:
            best = confidence
    return float(best)


def train(reporter):
    examples = [e for entry in knowledge.faq_entries() for e in [entry.title, *entry.example_list()]]
    texts, labels = intents.training_examples(examples)
    train_idx, test_idx = split(texts, labels)
    reporter.progress(10, f"training on {len(train_idx)} example questions, judging on {len(test_idx)}")
    pick = lambda idx, values: [values[i] for i in idx]  # noqa: E731
    held_texts, held_labels = pick(test_idx, texts), pick(test_idx, labels)
    model = fit(pick(train_idx, texts), pick(train_idx, labels))
    probs = model.probabilities(held_texts)
    predicted = [model.classes[i] for i in probs.argmax(axis=1)]
    correct = [p == t for p, t in zip(predicted, held_labels, strict=True)]
    threshold = calibrate(probs.max(axis=1).tolist(), correct)
    answered = [ok for ok, c in zip(correct, probs.max(axis=1), strict=True) if c >= threshold]
    centroid = CentroidIntents(pick(train_idx, texts), pick(train_idx, labels))
    centroid_correct = [centroid.predict(t)[0] == y for t, y in zip(held_texts, held_labels, strict=True)]
    metrics = {"accuracy": float(np.mean(correct)), "centroid_accuracy": float(np.mean(centroid_correct)),
               "threshold": threshold, "answered_share": len(answered) / len(correct),
               "answered_precision": float(np.mean(answered)) if answered else 0.0,
               "examples": len(texts), "faq_examples": len(examples), "intents": len(set(labels))}
    reporter.log(f"held-out accuracy {metrics['accuracy']:.3f}, centroid baseline "
                 f"{metrics['centroid_accuracy']:.3f}, threshold {threshold:.2f}")
    reporter.progress(70, "refitting on every example")
    final = fit(texts, labels, threshold)
    version = ModelVersion.objects.create(kind="assistant", metrics=metrics,
                                          params={"C": 20.0, "held_out": HELD_OUT, "target": TARGET_PRECISION})
    registry.save_artifact(version, "intents.json", json.dumps(final.to_json()).encode())
    registry.promote_if_better(version, metric="accuracy", baselines=("centroid_accuracy",))
    return version
