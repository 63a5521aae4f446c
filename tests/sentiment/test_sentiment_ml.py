"""Pure-Python tests of the sentiment machine learning: text, lexicon, classifier, aspects and summary.

None of them needs the database. The classifier is trained once per module on a small generated corpus.
"""

import datetime as dt
import importlib.util
import itertools
import pickle
import random
from pathlib import Path

import numpy as np
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from ai_commerce.sentiment import classifier as classifier_module
from ai_commerce.sentiment.aspects import DEFAULT_ASPECTS, aspect_sentiments, aspect_sentiments_many, validate_aspects
from ai_commerce.sentiment.classifier import LABELS, Prediction, SentimentModel, evaluate, label_from_rating
from ai_commerce.sentiment.lexicon import (
    LEXICON_FEATURES,
    LexiconModel,
    analyzer,
    lexicon_probabilities,
)
from ai_commerce.sentiment.summary import summarize
from ai_commerce.sentiment.text import MAX_CHARS, clean, sentences

ROOT = Path(__file__).resolve().parents[2]

POSITIVE = [
    "I love this dress, it fits perfectly.", "The fabric is soft and beautiful.", "Great quality for the price.",
    "Fast delivery and lovely packaging.", "So comfortable, I wear it every day.", "Gorgeous colour, highly recommend.",
    "True to size and very flattering.", "Excellent customer service, very helpful.",
]
NEGATIVE = [
    "The dress runs small and feels cheap.", "Terrible quality, it ripped after one wash.", "Not worth the money.",
    "Delivery was late and the parcel was damaged.", "Itchy and uncomfortable fabric.",
    "Returned it, very disappointed.",
    "Did not fit at all, awful cut.", "Customer service was rude and never replied.",
]
NEUTRAL = [
    "It is okay, nothing special.", "The fit is fine for the price.", "Average quality, as expected.",
    "Arrived when expected.", "The colour is as pictured.", "Decent enough, might keep it.",
]


def make_corpus(n=360, seed=3):
    """Return (texts, labels): reviews of 2-3 sentences whose tone matches the label."""
    rng = random.Random(seed)
    pools = {"positive": POSITIVE, "negative": NEGATIVE, "neutral": NEUTRAL}
    texts, labels = [], []
    for i in range(n):
        label = LABELS[i % 3]
        texts.append(" ".join(rng.sample(pools[label], rng.randint(2, 3))))
        labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def model():
    texts, labels = make_corpus()
    return SentimentModel.train(texts, labels)


@pytest.fixture(scope="module")
def binary_model():
    texts, labels = make_corpus()
    pairs = [(t, label) for t, label in zip(texts, labels, strict=True) if label != "neutral"]
    return SentimentModel.train([t for t, _ in pairs], [label for _, label in pairs])


def assert_valid(prediction, classes=LABELS):
    assert isinstance(prediction, Prediction)
    assert -1.0 <= prediction.score <= 1.0
    assert 0.0 <= prediction.confidence <= 1.0
    assert set(prediction.probabilities) == set(classes)
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0, abs=1e-4)


# text.py --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, 42, 3.5, ["a list"], {"a": 1}])
def test_clean_returns_empty_string_for_non_text(value):
    assert clean(value) == ""


def test_clean_strips_html_unescapes_entities_and_collapses_whitespace():
    html = "<p>Love   it &amp; the <b>colour</b>!</p><script>alert('x')</script><br>Runs&nbsp;small"
    assert clean(html) == "Love it & the colour !\nRuns small"  # a no-break space is a space
    assert "alert" not in clean(html)
    assert clean("  a \t b \r\n\r\n c  ") == "a b\nc"
    assert clean(b"bytes \xc3\xa9t\xc3\xa9") == "bytes été"


def test_clean_truncates_long_text_at_a_word_boundary():
    text = "word " * 30_000  # 150 kB
    cleaned = clean(text)
    assert len(cleaned) <= MAX_CHARS
    assert cleaned.endswith("word")
    assert len(clean("x" * 100_000)) == MAX_CHARS  # no space to cut at: a hard cut


def test_sentences_split_on_terminal_punctuation_and_newlines():
    text = 'Runs small. Great fabric!! Would I buy again? Yes\nNew line "quoted." Price $29.99 is fair'
    assert sentences(text) == [
        "Runs small.", "Great fabric!!", "Would I buy again?", "Yes", 'New line "quoted."', "Price $29.99 is fair",
    ]
    assert sentences("") == []
    assert sentences(None) == []
    assert sentences(" . ") == ["."]


# lexicon.py / labels ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rating", "label"), [(1, "negative"), (2, "negative"), (3, "neutral"), (4, "positive"),
                                               (5, "positive"), ("5", "positive"), (2.0, "negative")])
def test_label_from_rating(rating, label):
    assert label_from_rating(rating) == label


def test_fast_vader_gives_the_stock_analyzers_scores():
    stock = SentimentIntensityAnalyzer()
    texts = [
        "not so good", "never so happy", "without doubt great", "kind of bad", "the shit", "yeah right good",
        "no no no bad", "least good", "I don't like it at all but ok", "GREAT but BAD", "😀 love", "isn't great",
        "Nothing good about it", "cannot complain", ":) :(", "not bad at all!!!", "I was NOT happy?? at all??",
        "sort of good but kind of meh", "The dress is beautiful, but the fabric is thin and it runs small.",
    ]
    for text in texts:
        assert analyzer().polarity_scores(text) == stock.polarity_scores(text), text


def test_lexicon_model_predicts_polarity_and_handles_empty_text():
    lexicon = LexiconModel()
    positive, negative, empty = lexicon.predict(["I love it, beautiful!", "Awful, terrible quality.", ""])
    assert positive.label == "positive" and positive.score > 0.5
    assert negative.label == "negative" and negative.score < -0.5
    assert empty.label == "neutral" and empty.score == 0.0 and empty.confidence < 0.5
    for prediction in (positive, negative, empty):
        assert_valid(prediction)


def test_lexicon_features_shape_and_sentence_columns():
    features = LexiconModel().features(["Runs small. Great fabric!", "", None])
    assert features.shape == (3, len(LEXICON_FEATURES))
    assert features[1].tolist() == features[2].tolist()
    row = dict(zip(LEXICON_FEATURES, features[0], strict=True))
    assert row["sentence_max"] > 0 and row["share_positive"] == 0.5


def test_lexicon_probabilities_follow_vaders_thresholds():
    assert max(lexicon_probabilities(0.5), key=lexicon_probabilities(0.5).get) == "positive"
    assert max(lexicon_probabilities(0.0), key=lexicon_probabilities(0.0).get) == "neutral"
    binary = ("negative", "positive")
    assert set(lexicon_probabilities(0.3, binary)) == set(binary)
    assert lexicon_probabilities(0.04, binary)["negative"] > 0.5  # VADER's binary rule: positive needs >= 0.05
    assert lexicon_probabilities(0.06, binary)["positive"] > 0.5
    assert sum(lexicon_probabilities(-0.7, ("x", "negative")).values()) == pytest.approx(1.0)


# classifier.py --------------------------------------------------------------------------------------------------------


def test_model_learns_the_three_classes(model):
    assert model.classes == ("negative", "neutral", "positive")
    positive, negative, neutral = model.predict(
        ["Gorgeous colour and soft fabric, I love it.", "Cheap, itchy and returned it.", "It is okay, as expected."]
    )
    assert (positive.label, negative.label, neutral.label) == ("positive", "negative", "neutral")
    assert positive.score > 0 > negative.score
    texts, labels = make_corpus(90, seed=11)
    result = evaluate(model, texts, labels)
    assert result["n"] == 90 and result["accuracy"] > 0.9 and result["macro_f1"] > 0.9


def test_predict_one_matches_predict_and_predictions_are_valid(model):
    text = "True to size and very flattering. Arrived when expected."
    assert model.predict_one(text) == model.predict([text])[0]
    assert model.predict([]) == []
    assert_valid(model.predict_one(text))


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "   \n\t ",
        "😀😀😀",
        "🤮",
        "<div><p>Love <b>this</b> dress &amp; the fabric!</p><script>bad()</script></div>",
        "lovely " * 20_000,  # 140 kB
        "Très belle robe, la qualité est excellente et la taille est parfaite.",
        "这条裙子非常漂亮，质量很好。",  # noqa: RUF001
        "Das Kleid ist schön, aber zu klein.",
        "!!!???...",
        "\x00\x01 binary junk \ufffd",
    ],
)
def test_unusual_input_never_crashes(model, binary_model, text):
    for m in (model, binary_model):
        prediction = m.predict_one(text)
        assert_valid(prediction, m.classes)


def test_empty_text_is_neutral_with_low_confidence(model, binary_model):
    prediction = model.predict_one("")
    assert prediction.label == "neutral" and prediction.score == 0.0 and prediction.confidence <= 1 / 3 + 1e-9
    binary = binary_model.predict_one(None)
    assert binary.label == "neutral" and binary.confidence == 0.0


def test_unfamiliar_text_backs_off_to_the_lexicon(model):
    # No word of these texts is in the training vocabulary: the lexicon decides alone.
    for text in ("😍😍 🥰", "Zorgly blimp, wibble frobnicate. 😡😡"):
        prediction = model.predict_one(text)
        compound = LexiconModel().predict_one(text).score
        expected = lexicon_probabilities(compound, model.classes)
        assert prediction.probabilities == pytest.approx(expected, abs=1e-5)
        assert prediction.label == max(expected, key=expected.get)
    assert model.predict_one("😍😍 🥰").label == "positive"


def test_uncertain_predictions_are_blended_with_the_lexicon(model, monkeypatch):
    text = "It is okay. Great quality for the price. Not worth the money."
    _, probabilities, compound, _ = model._infer([text])
    monkeypatch.setattr(classifier_module, "BACKOFF_MARGIN", 1.0)  # every prediction counts as uncertain
    blended = model.predict_one(text)
    lexical = lexicon_probabilities(compound[0], model.classes)
    expected = {c: 0.5 * p + 0.5 * lexical[c] for c, p in zip(model.classes, probabilities[0], strict=True)}
    assert blended.probabilities == pytest.approx(expected, abs=1e-5)


def test_binary_and_arbitrary_labels(binary_model):
    assert binary_model.classes == ("negative", "positive")
    assert binary_model.predict_one("I love it, gorgeous colour.").label == "positive"
    assert binary_model.predict_one("Terrible quality, not worth the money.").label == "negative"
    texts, labels = make_corpus(120)
    custom = SentimentModel.train(texts, ["good" if label == "positive" else "bad" for label in labels])
    assert custom.classes == ("bad", "good")
    prediction = custom.predict_one("So comfortable, highly recommend.")
    assert prediction.label == "good"
    assert_valid(prediction, ("bad", "good"))


def test_training_is_deterministic():
    texts, labels = make_corpus(150)
    first = SentimentModel.train(texts, labels, random_state=5)
    second = SentimentModel.train(texts, labels, random_state=5)
    probe = ["Fits well but the fabric is thin.", "Average quality.", "Love it!"]
    assert first.predict(probe) == second.predict(probe)


def test_tiny_training_sets_work():
    model = SentimentModel.train(["love it", "great dress", "awful", "hate it"],
                                 ["positive", "positive", "negative", "negative"])
    assert model.predict_one("love this dress").label == "positive"


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        (["a", "b"], ["positive"], "2 texts but 1 labels"),
        (["good", "great"], ["positive", "positive"], "at least two different labels"),
        (["good", "great", "bad"], ["positive", "positive", "negative"], "at least 2 examples"),
        (["", None, " ", ""], ["positive", "positive", "negative", "negative"], "every text is empty"),
    ],
)
def test_training_rejects_unusable_data(texts, labels, message):
    with pytest.raises(ValueError, match=message):
        SentimentModel.train(texts, labels)


def test_dumps_and_loads_round_trip(model):
    data = model.dumps()
    assert isinstance(data, bytes)
    loaded = SentimentModel.loads(data)
    probe = ["Runs small, returned it.", "Perfect fit!", "<b>ok</b>", ""]
    assert loaded.predict(probe) == model.predict(probe)
    assert loaded.classes == model.classes and loaded.info == model.info


@pytest.mark.parametrize("data", [b"", b"not a pickle", pickle.dumps({"a": 1}), pickle.dumps(LexiconModel())])
def test_loads_rejects_other_data(data):
    with pytest.raises(ValueError, match="SentimentModel"):
        SentimentModel.loads(data)


def test_model_info_reports_training(model):
    info = model.info
    assert info["n"] == 360 and info["label_counts"] == {"negative": 120, "neutral": 120, "positive": 120}
    assert 0.0 <= info["cv_macro_f1"] <= 1.0 and info["vocabulary"] > 0


def test_evaluate_handles_empty_and_binary(binary_model):
    assert evaluate(binary_model, [], []) == {"accuracy": 0.0, "macro_f1": 0.0, "n": 0}
    result = evaluate(binary_model, ["Love it!", "Awful."], ["positive", "negative"])
    assert result == {"accuracy": 1.0, "macro_f1": 1.0, "n": 2}
    result = evaluate(LexiconModel(), ["Love it!", "Awful."], ["positive", "negative"])
    assert result["accuracy"] == 1.0


# aspects.py -----------------------------------------------------------------------------------------------------------


class KeywordPredict:
    """A predict(sentences) stand-in: +0.8 for "great", -0.6 for "small"/"late", else 0; counts its calls."""

    def __init__(self):
        self.seen = []

    def __call__(self, items):
        self.seen.extend(items)
        out = []
        for sentence in items:
            lowered = sentence.lower()
            score = 0.8 if "great" in lowered else -0.6 if ("small" in lowered or "late" in lowered) else 0.0
            out.append(Prediction(label="x", score=score, confidence=1.0, probabilities={}))
        return out


def test_aspect_sentiments_scores_each_mentioning_sentence_once():
    predict = KeywordPredict()
    text = "It runs SMALL. Great fabric and great quality! Arrived late. My fitness class loved it. Great value."
    result = aspect_sentiments(text, predict)
    assert set(result) == {"fit", "material", "quality", "shipping", "value"}
    assert result["fit"] == {"score": -0.6, "label": "negative", "mentions": 1, "sentences": ["It runs SMALL."]}
    assert result["material"]["label"] == "positive" and result["quality"]["mentions"] == 1
    assert result["shipping"]["sentences"] == ["Arrived late."]
    assert "My fitness class loved it." not in predict.seen  # "fitness" is not the keyword "fit"
    assert len(predict.seen) == len(set(predict.seen))  # the fabric/quality sentence was scored once


def test_aspect_sentiments_keeps_two_strongest_sentences_and_handles_empty_text():
    text = "Size is fine. The size runs small. Great size range. Size ok."
    result = aspect_sentiments(text, KeywordPredict(), {"fit": ["size", "true to size"]})
    assert result["fit"]["mentions"] == 4
    assert result["fit"]["sentences"] == ["Great size range.", "The size runs small."]
    assert aspect_sentiments("", KeywordPredict()) == {}
    assert aspect_sentiments("Nothing relevant here.", KeywordPredict()) == {}
    assert aspect_sentiments("Fits TRUE   to size", KeywordPredict(), {"fit": ["true to size"]})["fit"]["mentions"] == 1


def test_aspect_sentiments_of_a_batch_match_one_by_one_with_one_predict_call():
    texts = ["It runs SMALL. Great fabric!", "", "Nothing relevant.", "Arrived late. Great value.", "Great fit."]
    calls = []

    def predict(items):
        calls.append(len(items))
        return KeywordPredict()(items)

    assert aspect_sentiments_many(texts, predict) == [aspect_sentiments(t, KeywordPredict()) for t in texts]
    assert calls == [5]  # small, fabric, late, value, fit: one call for the whole batch
    assert aspect_sentiments_many(["", "No aspect here."], predict) == [{}, {}] and calls == [5]


def test_aspect_sentiments_with_the_real_models(model):
    result = aspect_sentiments("Gorgeous colour and soft fabric. The dress runs small and feels cheap.", model.predict)
    assert result["material"]["score"] > 0
    assert result["fit"]["score"] < 0
    assert aspect_sentiments("Delivery was late!", LexiconModel().predict)["shipping"]["mentions"] == 1


def test_validate_aspects():
    assert validate_aspects(DEFAULT_ASPECTS) == []
    assert validate_aspects({"fit": ("size",)}) == []
    assert validate_aspects(["fit"]) == ["must be a dict of aspect name -> list of keywords, not list"]
    assert validate_aspects({}) == ["must name at least one aspect"]
    problems = validate_aspects({"": ["x"], 3: ["x"], "fit": [], "quality": "made", "value": ["price", "", 4]})
    assert len(problems) == 5
    assert any("'value'" in p and "''" in p and "4" in p for p in problems)


# summary.py -----------------------------------------------------------------------------------------------------------


def review(label, score, created, text="", aspects=None):
    return {"label": label, "score": score, "created": created, "text": text, "aspects": aspects or {}}


def test_summarize_counts_trend_aspects_pros_and_cons():
    reviews = [
        review("positive", 0.9, dt.datetime(2026, 1, 5), "Love it. The fabric is soft and lovely to wear.",
               {"material": {"score": 0.8, "mentions": 1, "sentences": ["The fabric is soft and lovely to wear."]}}),
        review("positive", 0.7, dt.datetime(2026, 1, 20), "Great quality, I have washed it many times.",
               {"quality": {"score": 0.6, "mentions": 1, "sentences": ["Great quality, I have washed it many times."]},
                "fit": {"score": -0.3, "mentions": 1, "sentences": ["It runs a little small for me."]}}),
        review("negative", -0.8, dt.date(2026, 3, 2), "Runs very small and the zip broke after a week.",
               {"fit": {"score": -0.7, "mentions": 2,
                        "sentences": ["Runs very small and the zip broke after a week."]}}),
        review("neutral", 0.0, None, "It is fine."),
        review("positive", 0.8, dt.datetime(2026, 1, 6), "The fabric is soft and lovely to wear!"),
    ]
    summary = summarize(reviews)
    assert summary["counts"] == {"negative": 1, "neutral": 1, "positive": 3}
    assert summary["average_score"] == pytest.approx(0.32)
    assert summary["trend"] == [
        {"month": "2026-01", "average_score": 0.8, "n": 3},
        {"month": "2026-03", "average_score": -0.8, "n": 1},
    ]
    assert [a["aspect"] for a in summary["best_aspects"]] == ["material", "quality"]
    assert summary["worst_aspects"][0] == {"aspect": "fit", "score": -0.5667, "mentions": 3, "reviews": 2,
                                           "positive": 0, "negative": 2, "of": 5}
    assert summary["pros"] == ["The fabric is soft and lovely to wear.", "Great quality, I have washed it many times."]
    assert summary["cons"][0] == "Runs very small and the zip broke after a week."
    assert len(summary["cons"]) <= 2


def test_summarize_empty_and_top_sentences():
    empty = summarize([])
    assert empty == {"counts": {"negative": 0, "neutral": 0, "positive": 0}, "average_score": 0.0, "trend": [],
                     "best_aspects": [], "worst_aspects": [], "pros": [], "cons": [], "pros_support": [],
                     "cons_support": []}
    reviews = [review("positive", 0.9, None, f"Really lovely dress number {i} for summer.") for i in range(5)]
    assert len(summarize(reviews, top_sentences=1)["pros"]) == 1


# bench ----------------------------------------------------------------------------------------------------------------


def test_bench_generates_demo_reviews_without_django():
    spec = importlib.util.spec_from_file_location("_bench_sentiment", ROOT / "bench" / "sentiment.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    reviews = bench.demo_reviews(n=40, seed=1)
    assert len(reviews) == 40
    assert all(1 <= rating <= 5 and text for rating, text in reviews)
    assert reviews == bench.demo_reviews(n=40, seed=1)
    ratings = np.array([rating for rating, _ in reviews])
    x, y = bench.task_data([t for _, t in reviews], ratings, "binary")
    assert len(x) == int((ratings != 3).sum()) and set(y) <= {"negative", "positive"}


def _bench():
    spec = importlib.util.spec_from_file_location("_bench_sentiment", ROOT / "bench" / "sentiment.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_bench_best_reachable_is_the_highest_recall_of_any_cuts():
    bench = _bench()
    rng = np.random.default_rng(3)
    groups = np.array(["low"] * 12 + ["middle"] * 10 + ["high"] * 14)
    truth = rng.random(len(groups)) < 0.35
    scores = np.round(truth * 0.4 + rng.random(len(groups)), 2)
    best = bench.best_reachable(scores, groups, truth, precision=0.8)
    brute = 0.0
    options = [[np.inf, *np.unique(scores[groups == g])] for g in ("low", "middle", "high")]
    for cuts in itertools.product(*options):
        flags = scores >= np.select([groups == g for g in ("low", "middle", "high")], cuts)
        if flags.sum() and (flags & truth).sum() >= 0.8 * flags.sum():
            brute = max(brute, (flags & truth).sum() / truth.sum())
    assert best["recall"] == round(brute, 4) and best["precision"] >= 0.8
    cuts = [np.inf if best["cuts"][g] is None else best["cuts"][g] for g in ("low", "middle", "high")]
    flags = scores >= np.select([groups == g for g in ("low", "middle", "high")], cuts)
    assert round((flags & truth).sum() / truth.sum(), 4) == best["recall"]


def test_bench_expected_operating_points_follow_how_separable_the_texts_are():
    bench = _bench()
    original = np.array(["low"] * 100 + ["middle"] * 100 + ["high"] * 800)
    label = {"low": "negative", "middle": "neutral", "high": "positive"}
    clear = [{c: float(c == label[g]) for c in ("negative", "neutral", "positive")} for g in original]
    expected = bench.expected_operating_points(clear, original)
    assert expected["best_precision_at_r85"]["precision"] == 1.0
    assert expected["best_recall_at_p90"]["recall"] == 1.0
    assert all(near["at_least_planted_lower_quartile"] == 0 for near in expected["natural_near_mismatches"].values())
    same = [{"negative": 0.2, "neutral": 0.3, "positive": 0.5}] * len(original)  # texts that tell nothing
    blind = bench.expected_operating_points(same, original)
    assert blind["best_recall_at_p90"] == {"precision": None, "recall": 0.0, "cuts": None, "false_flags": None}
    # no better than flagging whole star groups: 28 planted among 95 natural at 1-2 stars is the best share
    assert blind["best_precision_at_r85"]["precision"] < 28 / (28 + 95)


def test_bench_recall_by_star_gap_counts_moved_stars():
    bench = _bench()
    rows = bench.recall_by_star_gap(np.array([True, False, True, True]), np.array([True, True, True, False]),
                                    [5, 4, 1, 5], [1, 3, 4, 5])
    assert rows == [{"star_gap": 1, "mismatches": 1, "found": 0}, {"star_gap": 2, "mismatches": 0, "found": 0},
                    {"star_gap": 3, "mismatches": 1, "found": 1}, {"star_gap": 4, "mismatches": 1, "found": 1}]
