"""The review-policy disclosure says what the live settings do (a test per setting), and the suppression audit lists
every review shoppers do not see, why, and whether negative reviews are held more often."""

import re

import pytest
from django.template import Context, Template

from ai_commerce.sentiment import moderation, scoring
from ai_commerce.sentiment.models import ReviewSentiment
from tests.factories import FeedbackFactory, ItemFactory, UserFactory

pytestmark = pytest.mark.django_db
AUDIT = "/admin/ai_commerce_sentiment/reviewsentiment/suppression/"


def paragraph(html, name):
    """The text of the page's ``data-policy=name`` paragraph, whitespace collapsed."""
    found = re.search(rf'<p data-policy="{name}">(.*?)</p>', html, re.DOTALL)
    return " ".join(found.group(1).split())


def policy(client):
    response = client.get("/ai/reviews/policy/")
    assert response.status_code == 200
    return response.content.decode()


def sentiment_settings(settings, **sentiment):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": sentiment}


def test_the_tag_and_the_url_render_the_same_policy(client):
    tag = Template("{% load ai_sentiment %}{% review_policy %}").render(Context({}))
    page = policy(client)
    for name in ("verification", "shown", "average", "order", "incentivized"):
        assert paragraph(tag, name) == paragraph(page, name)


def test_verification_says_which_order_statuses_do_not_count(client, settings):
    assert "cancelled, refunded" in paragraph(policy(client), "verification")  # tests/settings.py
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "ORDER_STATUSES_EXCLUDED": ("void",)}
    text = paragraph(policy(client), "verification")
    assert "do not count: void" in text and "cancelled" not in text


def test_without_an_order_model_the_page_says_nothing_is_verified(client, settings):
    assert "“Verified buyer” when its author" in paragraph(policy(client), "verification")
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "ORDER_LINE_MODEL": None}
    assert "We do not check whether reviewers bought" in paragraph(policy(client), "verification")


def test_summary_verified_only_changes_what_the_average_is_computed_from(client, settings):
    assert "from all published reviews" in paragraph(policy(client), "average")
    sentiment_settings(settings, SUMMARY_VERIFIED_ONLY=True)
    assert "from reviews by verified buyers only" in paragraph(policy(client), "average")


def test_an_empty_abusive_word_list_leaves_only_spam_held(client, settings):
    assert "contains abusive words or looks like spam" in paragraph(policy(client), "shown")
    sentiment_settings(settings, ABUSIVE_WORDS=[])
    text = paragraph(policy(client), "shown")
    assert "abusive" not in text and "when it looks like spam" in text


def test_the_shops_published_statuses_and_its_own_holding_are_stated(client, settings):
    assert "status in our shop" not in paragraph(policy(client), "shown")
    sentiment_settings(settings, HOST_STATUS={"published": ["visible", "shown"]})
    text = paragraph(policy(client), "shown")
    assert "status in our shop is: shown, visible." in text and "moderation status there" not in text
    sentiment_settings(settings, HOST_STATUS={"published": "visible", "flagged": "pending"})
    assert "Held reviews get a moderation status there" in paragraph(policy(client), "shown")


def test_incentivized_reviews_are_counted_and_their_source_named(client, settings):
    assert "We know of no review written in return" in paragraph(policy(client), "incentivized")
    assert "Our staff mark them" in paragraph(policy(client), "incentivized")
    FeedbackFactory.create_batch(2)
    scoring.score_reviews()
    ReviewSentiment.objects.update(incentivized=True)
    assert "2 reviews were written in return for something" in paragraph(policy(client), "incentivized")
    settings.AI_COMMERCE = {**settings.AI_COMMERCE,
                            "REVIEW_FIELDS": {**settings.AI_COMMERCE["REVIEW_FIELDS"], "incentivized": "stars"}}
    assert "Our shop records this with each review" in paragraph(policy(client), "incentivized")


def test_the_product_summary_links_the_policy_page(client):
    item = ItemFactory()
    FeedbackFactory(item=item, comment="Lovely fabric, the fit is perfect.")
    scoring.score_reviews()
    html = Template("{% load ai_sentiment %}{% product_sentiment product %}").render(Context({"product": item}))
    assert 'href="/ai/reviews/policy/"' in html


# the suppression audit ------------------------------------------------------------------------------------------------


def reviews_held(admin_user, negative_hidden):
    """Six good and four bad reviews; staff hide two (bad ones, or good ones); one abusive review waits for staff."""
    item = ItemFactory()
    good = [FeedbackFactory(item=item, stars=5, comment=f"Lovely dress number {n}, great fabric.") for n in range(6)]
    bad = [FeedbackFactory(item=item, stars=1, comment=f"Awful quality, it broke on day {n}.") for n in range(3)]
    bad.append(FeedbackFactory(item=item, stars=1, comment="You are idiots and this shop is a scam."))
    scoring.score_reviews()
    hide = bad[:2] if negative_hidden else good[:2]
    moderation.moderate(ReviewSentiment.objects.filter(review_key__in=[str(f.pk) for f in hide]),
                        ReviewSentiment.Moderation.HIDDEN, by=admin_user)
    return hide, bad[-1]


def test_the_audit_lists_every_held_review_with_who_or_which_rule(admin_client, admin_user):
    hidden, abusive = reviews_held(admin_user, negative_hidden=False)
    page = admin_client.get(AUDIT)
    assert page.status_code == 200
    audit = page.context["audit"]
    held = {row["review_key"]: (row["reason"], row["detail"], row["by"]) for row in audit["held"]}
    assert held == {**{str(f.pk): ("hidden by staff", "", admin_user.username) for f in hidden},
                    str(abusive.pk): ("waits for staff", "abusive", None)}
    # 4 of 10 negative overall; 1 of 3 held: no red line
    assert (audit["negative_share_all"], round(audit["negative_share_held"], 3)) == (0.4, 0.333)
    assert not audit["negatives_held_more"] and "ai-red-line" not in page.content.decode()
    assert "Suppression audit" in admin_client.get("/admin/ai_commerce_sentiment/reviewsentiment/").content.decode()


def test_a_red_line_when_negative_reviews_are_held_more_often(admin_client, admin_user):
    reviews_held(admin_user, negative_hidden=True)
    page = admin_client.get(AUDIT)
    audit = page.context["audit"]
    assert (audit["held_count"], audit["held_negatives"]) == (3, 3) and audit["negatives_held_more"]
    assert 'class="errornote ai-red-line"' in page.content.decode()


def test_the_shops_own_status_is_named_as_the_reason(admin_client, settings):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": {"HOST_STATUS": {"published": "visible"}}}
    waiting = FeedbackFactory(state="pending", comment="Nice enough.")
    FeedbackFactory(comment="Lovely.")
    scoring.score_reviews()
    audit = admin_client.get(AUDIT).context["audit"]
    assert [(r["review_key"], r["reason"], r["detail"]) for r in audit["held"]] == [
        (str(waiting.pk), "shop's status", "pending")]


def test_the_audit_needs_the_view_permission(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(AUDIT).status_code == 403
