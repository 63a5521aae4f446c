"""Public outputs (summaries, the API, the tag) come from published reviews only; the admin still sees every review.

The althost shop's ``Feedback.state`` is its review status ("visible" is published); ``Feedback.approval`` is a
django-oscar-like integer status (0 for moderation, 1 approved, 2 rejected), to prove that 0 is a status like any other.
"""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from ai_commerce.sentiment import checks as sentiment_checks
from ai_commerce.sentiment import moderation, scoring, summaries
from ai_commerce.sentiment.models import ProductSentiment, ReviewSentiment
from ai_commerce.sentiment.published import is_published
from tests.althost.models import Feedback
from tests.factories import FeedbackFactory, ItemFactory

pytestmark = pytest.mark.django_db

GOOD = ["Love this dress, the fit is perfect and the fabric feels lovely.",
        "Great quality and wonderful customer service, highly recommend."]
PENDING_TEXT = "The zipper broke on the first wear, awful quality and cheap."
HIDDEN_TEXT = "Terrible stitching, the seams fell apart and the colour faded."
ABUSIVE = "You are idiots and this shop is a scam."
STRONGLY_NEGATIVE = "Horrible, disgusting, the worst purchase ever. Awful awful awful."


def review(stars, text, item, **kw):
    return FeedbackFactory(stars=stars, comment=text, headline="", item=item, **kw)


def sentiment_of(feedback):
    return ReviewSentiment.objects.get(review_key=str(feedback.pk))


def host_status(settings, host_status, **review_fields):
    """Map the review status (``review_fields``, e.g. moderation_status="approval") and the host's values."""
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": {"HOST_STATUS": host_status},
                            "REVIEW_FIELDS": {**settings.AI_COMMERCE["REVIEW_FIELDS"], **review_fields}}


def shown(client, item):
    """What a shopper reads about ``item``: the API's summary, every quote in it, and the tag's HTML."""
    body = client.get(f"/ai/api/products/{item.pk}/sentiment/").json()
    html = Template("{% load ai_sentiment %}{% product_sentiment product %}").render(Context({"product": item}))
    return body, " ".join(body["pros"] + body["cons"]), html


@pytest.fixture
def shop_with_moderated_reviews():
    """A product with two published reviews, one the host holds for moderation and one the host hid."""
    item = ItemFactory()
    for text in GOOD:
        review(5, text, item)
    review(1, PENDING_TEXT, item, state="pending")
    review(1, HIDDEN_TEXT, item, state="gone")
    scoring.score_reviews()
    return item


def test_reviews_the_host_does_not_show_are_neither_counted_nor_quoted(settings, client,
                                                                      shop_with_moderated_reviews):
    item = shop_with_moderated_reviews
    host_status(settings, {"published": "visible"})
    summaries.refresh_summaries({item.pk})
    body, quotes, html = shown(client, item)
    assert body["review_count"] == 2 and sum(body["counts"].values()) == 2
    assert body["counts"]["negative"] == 0 and body["cons"] == [] and body["pros"]
    for words in ("zipper", "stitching", "seams"):
        assert words not in quotes and words not in html
    # The admin still lists every review, with the host's status it was scored with.
    assert sorted(ReviewSentiment.objects.values_list("host_status", flat=True)) == [
        "gone", "pending", "visible", "visible"]


def test_without_published_values_the_host_status_says_nothing(client, shop_with_moderated_reviews):
    """The shop maps ``state`` but names no published value: every unflagged review counts (what the setting fixes)."""
    body, quotes, _html = shown(client, shop_with_moderated_reviews)
    assert body["review_count"] == 4 and ("zipper" in quotes or "stitching" in quotes)


def test_a_list_of_published_values(settings):
    host_status(settings, {"published": ["visible", "featured"]})
    item = ItemFactory()
    review(5, GOOD[0], item, state="featured")
    review(5, GOOD[1], item, state="visible")
    review(5, GOOD[1] + " Again.", item, state="draft")
    scoring.score_reviews()
    assert summaries.product_summary(item.pk)["review_count"] == 2


def test_a_review_the_host_hides_and_saves_leaves_the_summary_at_once(settings, client,
                                                                      django_assert_num_queries):
    host_status(settings, {"published": "visible"})
    item = ItemFactory()
    review(5, GOOD[0], item)
    bad = review(1, HIDDEN_TEXT, item)
    scoring.score_reviews()
    assert summaries.product_summary(item.pk)["review_count"] == 2
    with django_assert_num_queries(0):  # cached
        assert summaries.product_summary(item.pk)["review_count"] == 2

    bad.state = "gone"
    bad.save()  # scoring again waits for the commit (never, in this test): the save itself refreshes the summary
    assert sentiment_of(bad).host_status == "gone"
    body, quotes, html = shown(client, item)
    assert body["review_count"] == 1 and "stitching" not in quotes and "stitching" not in html

    bad.state = "visible"
    bad.save()
    assert shown(client, item)[0]["review_count"] == 2


def test_a_save_that_keeps_the_status_costs_two_reads(settings):
    from ai_commerce.sentiment.receivers import follow_host_status

    host_status(settings, {"published": "visible"})
    saved = review(5, GOOD[0], ItemFactory())
    scoring.score_reviews()
    with CaptureQueriesContext(connection) as queries:
        assert follow_host_status(saved.pk) is False
    reads = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]  # PostgreSQL reads the review by a cursor
    assert len(reads) == 2 and not any(sql.startswith(("UPDATE", "INSERT", "DELETE")) for sql in reads)


def test_staff_hiding_a_review_in_the_admin_leaves_the_summary_at_once(admin_client, client):
    item = ItemFactory()
    review(5, GOOD[0], item)
    bad = review(1, HIDDEN_TEXT, item)
    scoring.score_reviews()
    assert shown(client, item)[0]["review_count"] == 2  # and now cached
    admin_client.post("/admin/ai_commerce_sentiment/reviewsentiment/",
                      {"action": "hide", "_selected_action": [sentiment_of(bad).pk]})
    body, quotes, html = shown(client, item)
    assert body["review_count"] == 1 and "stitching" not in quotes and "stitching" not in html
    assert Feedback.objects.get(pk=bad.pk).state == "visible"  # HOST_STATUS["hidden"] is not mapped here


def test_without_a_host_status_abusive_reviews_wait_for_staff_and_negative_ones_count(settings):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE,
                            "REVIEW_FIELDS": {**settings.AI_COMMERCE["REVIEW_FIELDS"], "moderation_status": None}}
    item = ItemFactory()
    good, abusive, angry = review(5, GOOD[0], item), review(3, ABUSIVE, item), review(1, STRONGLY_NEGATIVE, item)
    scoring.score_reviews()
    assert "abusive" in sentiment_of(abusive).flags and "strongly_negative" in sentiment_of(angry).flags
    summary = summaries.product_summary(item.pk)
    assert summary["review_count"] == 2 and summary["counts"]["negative"] == 1  # the angry one is not suppressed
    assert "idiots" not in " ".join(summary["pros"] + summary["cons"])

    moderation.moderate(ReviewSentiment.objects.filter(review_key=str(abusive.pk)), "approved")
    assert summaries.product_summary(item.pk)["review_count"] == 3
    moderation.moderate(ReviewSentiment.objects.filter(review_key__in=[str(good.pk), str(angry.pk)]), "hidden")
    assert summaries.product_summary(item.pk)["review_count"] == 1


def test_a_host_status_of_zero_is_a_status(settings, client):
    """django-oscar's statuses: 0 for moderation, 1 approved, 2 rejected."""
    host_status(settings, {"flagged": 0, "approved": 1, "hidden": 2}, moderation_status="approval")
    item = ItemFactory()
    good = review(5, GOOD[0], item)
    abusive = review(3, ABUSIVE, item)
    waiting = review(5, GOOD[1], item, approval=0)  # the host holds it for its own moderation
    scoring.score_reviews()
    assert Feedback.objects.get(pk=abusive.pk).approval == 0 and sentiment_of(abusive).host_status == 0
    assert sentiment_of(waiting).host_status == 0
    assert shown(client, item)[0]["review_count"] == 1

    moderation.moderate(ReviewSentiment.objects.filter(review_key=str(abusive.pk)), "approved")
    assert Feedback.objects.get(pk=abusive.pk).approval == 1
    assert shown(client, item)[0]["review_count"] == 2
    waiting.approval = 1  # the shop's staff publish it in the shop's own admin
    waiting.save()
    assert shown(client, item)[0]["review_count"] == 3
    good.approval = 2
    good.save()
    assert shown(client, item)[0]["review_count"] == 2
    moderation.moderate(ReviewSentiment.objects.filter(review_key=str(abusive.pk)), "hidden")
    assert Feedback.objects.get(pk=abusive.pk).approval == 2 and shown(client, item)[0]["review_count"] == 1


def test_the_shop_releasing_a_held_review_publishes_it(settings):
    host_status(settings, {"flagged": "held", "published": "visible"})
    item = ItemFactory()
    abusive = review(3, ABUSIVE, item)
    review(5, GOOD[0], item)
    scoring.score_reviews()
    assert Feedback.objects.get(pk=abusive.pk).state == "held"
    assert summaries.product_summary(item.pk)["review_count"] == 1
    abusive.refresh_from_db()
    abusive.state = "visible"
    abusive.save()
    assert summaries.product_summary(item.pk)["review_count"] == 2


def test_scoring_again_never_undoes_a_decision(settings):
    host_status(settings, {"flagged": "held", "approved": "visible", "hidden": "gone"})
    item = ItemFactory()
    approved, hidden_by_host = review(3, ABUSIVE, item), review(3, ABUSIVE + " Twice.", item)
    scoring.score_reviews()
    moderation.moderate(ReviewSentiment.objects.filter(review_key=str(approved.pk)), "approved")
    Feedback.objects.filter(pk=hidden_by_host.pk).update(state="gone")  # no signal: the next scoring reads it
    scoring.score_reviews()
    assert Feedback.objects.get(pk=approved.pk).state == "visible"
    assert Feedback.objects.get(pk=hidden_by_host.pk).state == "gone"
    assert summaries.product_summary(item.pk)["review_count"] == 1
    assert ProductSentiment.objects.get(product=item).review_count == 1


@pytest.mark.parametrize(("host", "moderation_", "flags", "expected"), [
    (None, "pending", [], True),                       # nothing known: published
    ("visible", "pending", [], True),
    ("pending", "pending", [], False),                 # the host does not show it
    ("visible", "hidden", [], False),                  # our staff hid it
    ("visible", "pending", ["spam"], False),           # waits for staff
    ("visible", "approved", ["spam"], True),
    ("visible", "pending", ["strongly_negative", "rating_mismatch"], True),   # tone never holds a review back
    (None, "pending", ["abusive"], False),
    (0, "pending", [], False),
    (1, "pending", [], True),                          # 1 and "1" are one status
])
def test_the_rule(settings, host, moderation_, flags, expected):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": {"HOST_STATUS": {"published": ["visible", "1"]}}}
    assert is_published(host, moderation_, flags) is expected


@pytest.mark.parametrize("value", ["visible", ["visible", "featured"], 0, None])
def test_published_host_values_pass_the_checks(settings, value):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": {"HOST_STATUS": {"published": value, "flagged": 0}}}
    assert sentiment_checks.check_sentiment_settings() == []


def test_the_cached_summaries_are_dropped_again_when_the_transaction_commits(django_capture_on_commit_callbacks):
    """A page read between the refresh and the commit may cache the old summary under the new stamp."""
    item = ItemFactory()
    review(5, GOOD[0], item)
    scoring.score_reviews()
    with django_capture_on_commit_callbacks() as callbacks:
        summaries.refresh_summaries({item.pk})
        stamp = summaries.summary_stamp()
    for callback in callbacks:
        callback()
    assert summaries.summary_stamp() != stamp


def test_a_moderation_decision_is_announced_once_committed(settings, django_capture_on_commit_callbacks):
    from ai_commerce.signals import review_moderated

    host_status(settings, {"flagged": 0, "approved": 1, "hidden": 2}, moderation_status="approval")
    item = ItemFactory()
    abusive = review(3, ABUSIVE, item)
    scoring.score_reviews()
    heard = []

    def receiver(sender, review_keys, decision, host_status, **kwargs):
        heard.append((sender, review_keys, decision, host_status))

    review_moderated.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            moderation.moderate(ReviewSentiment.objects.filter(review_key=str(abusive.pk)), "hidden")
            assert heard == []
    finally:
        review_moderated.disconnect(receiver)
    assert heard == [(ReviewSentiment, [str(abusive.pk)], "hidden", 2)]
