"""Review sentiment inside Django: scoring after commit, flags, summaries, training, API, tag, admin, checks."""

import random
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.template import Context, Template

from ai_commerce import registry
from ai_commerce.models import ModelVersion, TrainingRun
from ai_commerce.sentiment import checks as sentiment_checks
from ai_commerce.sentiment import moderation, scoring, summaries
from ai_commerce.sentiment.models import ProductSentiment, ReviewSentiment
from ai_commerce.sentiment.training import split_newest
from tests.althost.models import Feedback
from tests.conftest import wait_for
from tests.factories import FeedbackFactory, ItemFactory, UserFactory
from tests.services import DEAD_REDIS

pytestmark = pytest.mark.django_db

GOOD = ["Love this dress, the fit is perfect.", "Great quality and the fabric feels lovely.",
        "Fast shipping and wonderful customer service.", "Beautiful colour, very comfortable, highly recommend."]
BAD = ["Terrible quality, the seams fell apart.", "Awful fit, way too small and tight.",
       "Shipping took forever and the box was damaged.", "Cheap thin fabric, very disappointed, returning it."]
MEH = ["It is okay, nothing special.", "Average fit, fabric is fine.", "Decent but the colour is a bit dull."]


def review(stars, text, item=None, **kw):
    return FeedbackFactory(stars=stars, comment=text, headline="", item=item or ItemFactory(), **kw)


def sentiment_of(feedback):
    return ReviewSentiment.objects.get(review_key=str(feedback.pk))


@pytest.fixture
def shop_reviews():
    """A few hundred star-rated reviews whose tone agrees with the stars, over two products."""
    rng = random.Random(7)
    items = ItemFactory.create_batch(2)
    for i in range(240):
        stars = rng.choice([1, 2, 3, 4, 5, 5])
        pool = BAD if stars <= 2 else MEH if stars == 3 else GOOD
        review(stars, " ".join(rng.sample(pool, 2)) + f" Order {i}.", item=items[i % 2])
    return items


def test_a_saved_review_is_scored_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        good = review(5, "Absolutely love it. The fit is perfect and the quality is great.")
        assert not ReviewSentiment.objects.exists()  # nothing happens before the commit
    scored = sentiment_of(good)
    assert scored.label == "positive" and scored.score > 0.3 and 0 < scored.confidence <= 1
    assert scored.model_version is None  # lexicon cold start from the first review
    assert {"fit", "quality"} <= set(scored.aspects)
    summary = ProductSentiment.objects.get(product=good.item)
    assert summary.review_count == 1 and summary.summary["counts"]["positive"] == 1


def test_scoring_failure_never_blocks_the_review(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(scoring, "score_reviews", lambda **kw: 1 / 0)
    with django_capture_on_commit_callbacks(execute=True):
        saved = review(4, "Nice.")
    assert Feedback.objects.filter(pk=saved.pk).exists()
    assert not ReviewSentiment.objects.exists()


@pytest.mark.parametrize("text", ["", "😍😍😍🔥", "<p>Great <b>dress</b>!</p><script>alert(1)</script>",
                                  "word " * 20_000, "Das Kleid ist wunderschön und passt perfekt.",
                                  "   \n\t  "])
def test_bad_review_text_never_crashes(text):
    saved = review(4, text)
    scoring.score_reviews(pks=[saved.pk])
    scored = sentiment_of(saved)
    assert scored.label in ("negative", "neutral", "positive")
    assert "<" not in scored.excerpt and len(scored.excerpt) <= 1000
    if not text.strip():
        assert scored.label == "neutral" and scored.confidence < 0.5


@pytest.mark.parametrize(("stars", "text", "flag"), [
    (1, "Horrible, disgusting, the worst purchase ever. Awful awful awful.", "strongly_negative"),
    (5, "Terrible, awful quality. I hate it and it broke immediately.", "rating_mismatch"),
    (3, "You are idiots and this shop is a scam.", "abusive"),
    (4, "Cheap designer bags at www.example.com", "spam"),
])
def test_moderation_flags(stars, text, flag):
    saved = review(stars, text)
    scoring.score_reviews(pks=[saved.pk])
    assert flag in sentiment_of(saved).flags


def test_duplicate_text_is_flagged_as_spam():
    first, second = review(5, "Best shop ever buy now"), review(5, "Best  shop ever BUY now")
    scoring.score_reviews()
    assert "spam" in sentiment_of(second).flags and "spam" in sentiment_of(first).flags


def test_a_good_review_has_no_flags():
    saved = review(5, "Lovely soft fabric and it fits well.")
    scoring.score_reviews(pks=[saved.pk])
    assert sentiment_of(saved).flags == []


def test_flags_are_written_to_the_host_moderation_status(settings):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE,
                            "SENTIMENT": {"HOST_STATUS": {"flagged": "held", "approved": "visible", "hidden": "gone"}}}
    saved = review(3, "You are idiots.")
    scoring.score_reviews(pks=[saved.pk])
    assert Feedback.objects.get(pk=saved.pk).state == "held"
    moderation.moderate(ReviewSentiment.objects.all(), "hidden")
    assert Feedback.objects.get(pk=saved.pk).state == "gone"


def test_summary_counts_trend_aspects_pros_and_cons():
    item = ItemFactory()
    for text in GOOD:
        review(5, text, item=item)
    for text in BAD[:2]:
        review(1, text, item=item)
    scoring.score_reviews()
    summary = summaries.product_summary(item.pk)
    assert summary["review_count"] == 6
    assert summary["counts"]["positive"] >= 3 and summary["counts"]["negative"] >= 1
    assert summary["pros"] and summary["cons"] and summary["trend"]
    assert summary["average_score"] > 0


def test_training_needs_enough_reviews():
    review(5, "ok")
    run = TrainingRun.objects.create(kind="sentiment")
    done = registry.execute_run(run.pk)
    assert done.status == "skipped" and "need 200" in done.message


def test_training_evaluates_against_the_lexicon_and_rescores(settings, shop_reviews):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": {"MIN_REVIEWS": 50}}
    done = registry.execute_run(TrainingRun.objects.create(kind="sentiment").pk)
    assert done.status == "succeeded", done.error
    version = done.model_version
    assert {"macro_f1", "accuracy", "lexicon_macro_f1", "train_reviews", "test_reviews"} <= set(version.metrics)
    # 20% of 240 reviews is 48, grown to the 50 a model is judged on at least; the newest 50, whatever the date.
    assert version.metrics["test_reviews"] == 50 and version.metrics["train_reviews"] == 190
    newest = sorted(Feedback.objects.values_list("posted", flat=True))[-50]
    assert version.metrics["holdout_start"] == newest.isoformat(timespec="seconds")
    assert "model.pkl" in version.artifacts
    # The lexicon cannot tell 3-star "meh" from praise; the shop's own model learns it, so it is promoted.
    assert version.is_active, version.note
    assert version.metrics["macro_f1"] > version.metrics["lexicon_macro_f1"]
    assert set(ReviewSentiment.objects.values_list("model_version", flat=True)) == {version.pk}
    # A second run compares with the active model on the same held-out reviews.
    again = registry.execute_run(TrainingRun.objects.create(kind="sentiment").pk).model_version
    assert "active_macro_f1" in again.metrics and "active" in again.note


@pytest.mark.parametrize(("n", "share", "minimum", "held"), [(240, 0.2, 50, 50), (1000, 0.2, 50, 200),
                                                             (60, 0.2, 50, 30), (11, 0.5, 5, 5)])
def test_the_held_out_reviews_are_the_newest_share_with_a_floor(n, share, minimum, held):
    rows = list(range(n))
    train_rows, test_rows = split_newest(rows, share, minimum)
    assert len(test_rows) == held and train_rows + test_rows == rows


def test_score_command_shows_progress(capsys, shop_reviews):
    ReviewSentiment.objects.all().delete()
    call_command("ai_commerce_score_reviews", batch_size=100)
    captured = capsys.readouterr()
    assert "240 reviews scored" in captured.out and "scoring reviews" in captured.err
    assert ReviewSentiment.objects.count() == 240


class TestApiAndTag:
    def test_api_unknown_product_is_404(self, client):
        assert client.get("/ai/api/products/999999/sentiment/").status_code == 404
        assert client.get("/ai/api/products/abc/sentiment/").status_code == 404

    def test_api_product_without_reviews_is_an_empty_summary(self, client):
        item = ItemFactory()
        body = client.get(f"/ai/api/products/{item.pk}/sentiment/").json()
        assert body["review_count"] == 0 and body["pros"] == []

    def test_api_summary(self, client, django_assert_max_num_queries):
        saved = review(5, "Great quality, love the fit.")
        scoring.score_reviews()
        with django_assert_max_num_queries(3):
            body = client.get(f"/ai/api/products/{saved.item_id}/sentiment/").json()
        assert body["review_count"] == 1 and body["counts"] == {"negative": 0, "neutral": 0, "positive": 1}

    def test_tag_renders_badge_aspects_pros(self, django_assert_max_num_queries):
        item = ItemFactory()
        for text in GOOD:
            review(5, text, item=item)
        scoring.score_reviews()
        template = Template("{% load ai_sentiment %}{% product_sentiment product %}")
        with django_assert_max_num_queries(1):
            html = template.render(Context({"product": item}))
        assert "Reviewers like it" in html and "Pros" in html
        # the best aspects by name, each with how many reviews mention it
        assert re.search(r"▲ <a [^>]*>Fit: \d of \d reviews mention it, \d positive", html)
        assert re.search(r"▲ <a [^>]*>Material: \d of \d reviews mention it", html)

    def test_tag_renders_nothing_without_data(self):
        template = Template("{% load ai_sentiment %}[{% product_sentiment product %}]")
        assert template.render(Context({"product": ItemFactory()})) == "[]"
        assert template.render(Context({"product": None})) == "[]"

    def test_summaries_are_cached_until_the_next_scoring(self, django_assert_num_queries):
        from ai_commerce.sentiment.summaries import product_summary

        saved, unreviewed = review(5, "Great quality, love the fit."), ItemFactory()
        scoring.score_reviews()
        assert product_summary(saved.item_id)["review_count"] == 1 and product_summary(unreviewed.pk) is None
        with django_assert_num_queries(0):  # a summary, and the absence of one, are both cached
            assert product_summary(saved.item_id)["review_count"] == 1 and product_summary(unreviewed.pk) is None
        review(1, "Broke on the first day, awful.", item=saved.item)
        scoring.score_reviews()  # rescoring drops every cached summary
        assert product_summary(saved.item_id)["review_count"] == 2

    def test_summaries_are_read_from_the_database_while_the_cache_is_down(self, settings):
        from ai_commerce.sentiment.summaries import product_summary

        saved = review(5, "Great quality, love the fit.")
        scoring.score_reviews()
        settings.CACHES = {**settings.CACHES, "down": DEAD_REDIS}
        settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": {"CACHE": "down"}}
        assert product_summary(saved.item_id)["review_count"] == 1


def test_admin_flagged_filter_and_bulk_hide(admin_client):
    flagged, fine = review(3, "You are idiots."), review(5, "Lovely.")
    scoring.score_reviews()
    page = admin_client.get("/admin/ai_commerce_sentiment/reviewsentiment/?flag=abusive")
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    response = admin_client.post("/admin/ai_commerce_sentiment/reviewsentiment/", {
        "action": "hide", "_selected_action": [sentiment_of(flagged).pk]}, follow=True)
    assert "1 review hidden" in response.content.decode()
    assert sentiment_of(flagged).moderation == "hidden" and sentiment_of(fine).moderation == "pending"
    assert ProductSentiment.objects.filter(product=flagged.item).count() == 0  # hidden reviews leave the summary


def test_forgetting_a_user_removes_their_sentiments():
    from ai_commerce.privacy import forget_user

    user = UserFactory()
    review(5, "Great.", reviewer=user)
    review(5, "Great too.")
    scoring.score_reviews()
    assert forget_user(user.pk)["sentiment"] == 1
    assert ReviewSentiment.objects.count() == 1


@pytest.mark.parametrize(("changes", "expected"), [
    ({"ASPECTS": {"fit": "snug"}}, "ai_commerce.E020"),
    ({"ASPECTS": ["fit"]}, "ai_commerce.E020"),
    ({"ABUSIVE_WORDS": "scam"}, "ai_commerce.E021"),
    ({"STRONG_NEGATIVE": 2}, "ai_commerce.E022"),
    ({"MIN_REVIEWS": 1}, "ai_commerce.E023"),
    ({"HOST_STATUS": {"deleted": "x"}}, "ai_commerce.E024"),
])
def test_sentiment_checks(settings, changes, expected):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": changes}
    assert expected in [m.id for m in sentiment_checks.check_sentiment_settings()]


def test_sentiment_checks_pass_by_default():
    assert sentiment_checks.check_sentiment_settings() == []


@pytest.mark.services
def test_a_real_worker_scores_a_review_saved_in_a_transaction(live_worker):
    with transaction.atomic():
        saved = review(1, "Awful quality, it fell apart after one wash.")
    scored = wait_for(lambda: ReviewSentiment.objects.filter(review_key=str(saved.pk)).first(), timeout=60)
    assert scored.label == "negative"


def test_model_versions_of_sentiment_serve_after_promotion(settings, shop_reviews):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": {"MIN_REVIEWS": 50}}
    version = registry.execute_run(TrainingRun.objects.create(kind="sentiment").pk).model_version
    model, active = scoring.current_model()
    assert active == version
    assert model.predict(["Love this dress, great quality and the fabric feels lovely."])[0].label == "positive"
    assert ModelVersion.objects.active().of_kind("sentiment").get() == version
