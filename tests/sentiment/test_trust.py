"""Review trust: who wrote each review (verified from the shop's orders), and summaries whose every number links to
exactly the reviews it counts."""

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from ai_commerce.adapter import ReviewRow
from ai_commerce.privacy import forget_user
from ai_commerce.sentiment import scoring
from ai_commerce.sentiment.checks import check_sentiment_settings
from ai_commerce.sentiment.conf import DEFAULTS
from ai_commerce.sentiment.models import ProductSentiment, ReviewSentiment
from ai_commerce.sentiment.verification import verify
from tests.factories import FeedbackFactory, ItemFactory, PurchaseFactory, SaleLineFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def bought(user, item, days_before, status="placed"):
    """``user`` ordered ``item`` ``days_before`` NOW."""
    purchase = PurchaseFactory(buyer=user, placed_on=NOW - dt.timedelta(days=days_before), status=status)
    return SaleLineFactory(purchase=purchase, article=item)


def reviewed(user, item, text="Lovely fabric, the fit is perfect.", stars=5, days_before=0):
    return FeedbackFactory(reviewer=user, item=item, comment=text, headline="", stars=stars,
                           posted=NOW - dt.timedelta(days=days_before))


def sentiment_of(feedback):
    return ReviewSentiment.objects.get(review_key=str(feedback.pk))


# 1. verification ------------------------------------------------------------------------------------------------------


def test_a_buyer_is_verified_with_the_days_from_the_order_and_others_are_not():
    item, other = ItemFactory(), ItemFactory()
    buyer, twice, non_buyer, later, elsewhere, cancelled = (UserFactory() for _ in range(6))
    bought(buyer, item, 10)
    bought(twice, item, 30)
    bought(twice, item, 3)  # the latest order before the review counts
    bought(later, item, -2)  # ordered after writing the review: not a verified purchase
    bought(elsewhere, other, 5)  # bought something else
    bought(cancelled, item, 8, status="cancelled")  # ORDER_STATUSES_EXCLUDED in tests/settings.py
    reviews = {name: reviewed(user, item) for name, user in
               [("buyer", buyer), ("twice", twice), ("non_buyer", non_buyer), ("later", later),
                ("elsewhere", elsewhere), ("cancelled", cancelled)]}
    scoring.score_reviews()
    found = {name: (sentiment_of(r).verification, sentiment_of(r).days_after_purchase) for name, r in reviews.items()}
    assert found == {"buyer": ("verified_buyer", 10), "twice": ("verified_buyer", 3),
                     "non_buyer": ("signed_in", None), "later": ("signed_in", None),
                     "elsewhere": ("signed_in", None), "cancelled": ("signed_in", None)}


def test_a_review_without_an_author_is_anonymous_and_costs_one_query(django_assert_num_queries):
    item, user = ItemFactory(), UserFactory()
    bought(user, item, 4)
    rows = [ReviewRow(pk=1, user_id=None, product_id=item.pk, rating=5, title="", text="ok", created=NOW,
                      moderation_status=None),
            ReviewRow(pk=2, user_id=user.pk, product_id=item.pk, rating=5, title="", text="ok", created=NOW,
                      moderation_status=None)]
    with django_assert_num_queries(1):
        found = verify(rows)
    assert (found[1].tier, found[2].tier, found[2].days_after_purchase) == ("anonymous", "verified_buyer", 4)


def test_a_cancelled_order_stops_verifying_at_the_next_scoring():
    item, user = ItemFactory(), UserFactory()
    line = bought(user, item, 6)
    review = reviewed(user, item)
    scoring.score_reviews()
    assert sentiment_of(review).verification == "verified_buyer"
    line.purchase.status = "cancelled"
    line.purchase.save()
    scoring.score_reviews()
    assert sentiment_of(review).verification == "signed_in"


def test_the_review_list_and_the_summary_show_who_wrote_the_reviews(client):
    item, buyer, visitor = ItemFactory(), UserFactory(), UserFactory()
    bought(buyer, item, 12)
    reviewed(buyer, item, days_before=0)
    reviewed(visitor, item, text="Soft fabric and a lovely colour, very happy.", days_before=1)
    scoring.score_reviews()
    body = client.get(f"/ai/api/products/{item.pk}/reviews/").json()
    assert [(r["verification"], r["days_after_purchase"], r["incentivized"]) for r in body["results"]] == [
        ("verified_buyer", 12, False), ("signed_in", None, False)]  # newest first
    assert client.get(f"/ai/api/products/{item.pk}/reviews/?tier=verified_buyer").json()["count"] == 1
    summary = client.get(f"/ai/api/products/{item.pk}/sentiment/").json()
    assert (summary["review_count"], summary["verified"], summary["tier"]) == (2, 1, None)
    html = Template("{% load ai_sentiment %}{% product_reviews product %}").render(Context({"product": item}))
    assert "Verified buyer · reviewed 12 days after ordering" in html and "Not a verified purchase" in html


def test_bad_review_filters_are_a_400_naming_the_field(client):
    item = ItemFactory()
    response = client.get(f"/ai/api/products/{item.pk}/reviews/?label=great&tier=vip&aspect=a%20b")
    assert response.status_code == 400 and set(response.json()) == {"label", "tier", "aspect"}
    assert client.get("/ai/api/products/999999/reviews/").status_code == 404


def test_staff_mark_incentivized_reviews_filter_them_and_scoring_again_keeps_the_mark(admin_client, client):
    item, user = ItemFactory(), UserFactory()
    bought(user, item, 2)
    review = reviewed(user, item)
    scoring.score_reviews()
    row = sentiment_of(review)
    admin_client.post("/admin/ai_commerce_sentiment/reviewsentiment/",
                      {"action": "mark_incentivized", "_selected_action": [row.pk]})
    scoring.score_reviews()
    assert sentiment_of(review).incentivized
    page = admin_client.get("/admin/ai_commerce_sentiment/reviewsentiment/?incentivized__exact=1"
                            "&verification__exact=verified_buyer")
    assert page.status_code == 200 and page.context["cl"].result_count == 1
    assert admin_client.get("/admin/ai_commerce_sentiment/reviewsentiment/?verification__exact=anonymous"
                            ).context["cl"].result_count == 0
    assert client.get(f"/ai/api/products/{item.pk}/reviews/").json()["results"][0]["incentivized"] is True


def test_a_shop_that_maps_incentivized_is_the_source(settings, monkeypatch):
    """The althost review has no such field: map one to ``stars`` (truthy for every review) to prove the path."""
    settings.AI_COMMERCE = {**settings.AI_COMMERCE,
                            "REVIEW_FIELDS": {**settings.AI_COMMERCE["REVIEW_FIELDS"], "incentivized": "stars"}}
    review = reviewed(UserFactory(), ItemFactory())
    scoring.score_reviews()
    assert sentiment_of(review).incentivized


def test_forgetting_a_verified_buyer_removes_the_review_from_the_counts():
    item, buyer, other = ItemFactory(), UserFactory(), UserFactory()
    bought(buyer, item, 3)
    reviewed(buyer, item)
    reviewed(other, item, text="Soft fabric and a lovely colour, very happy.")
    scoring.score_reviews()
    assert ProductSentiment.objects.get(product=item).summary["verified"] == 1
    forget_user(buyer.pk)
    summary = ProductSentiment.objects.get(product=item)
    assert (summary.review_count, summary.summary["verified"]) == (1, 0)


# 2. summaries that count --------------------------------------------------------------------------------------------

TEXTS = [
    (5, "The fit is perfect and the fabric is soft."),
    (5, "Lovely colour, the fabric feels great."),
    (4, "Fits true to size, comfortable and warm."),
    (2, "Runs small, the fit is awful and too tight."),
    (1, "The fabric is thin and scratchy, the zipper broke."),
    (1, "Terrible quality, the stitching came apart after one wash."),
    (3, "The colour is fine but the fit is a bit odd."),
    (5, "Great quality and very comfortable, love it."),
    (2, "Poor quality, the seams are falling apart."),
]


@pytest.fixture
def reviewed_item():
    """A product with nine reviews on fit, fabric, quality and colour, about half by verified buyers."""
    item = ItemFactory()
    for n, (stars, text) in enumerate(TEXTS):
        user = UserFactory()
        if n % 2 == 0:
            bought(user, item, 5 + n)
        reviewed(user, item, text=text, stars=stars, days_before=n)
    scoring.score_reviews()
    return item


def page_links(item):
    """Render the product page's summary and return (count shown, href) for every number in it."""
    html = Template("{% load ai_sentiment %}{% product_sentiment product %}").render(Context({"product": item}))
    return [(int(count), href.replace("&amp;", "&"))
            for count, href in re.findall(r'class="ai-count" data-count="(\d+)" href="([^"]+)"', html)]


def listed_by(item, href):
    """Open a summary link as the product page does and return how many reviews the list shows."""
    request = RequestFactory().get("/product/" + href.split("#")[0])
    html = Template("{% load ai_sentiment %}{% product_reviews product limit=1000 %}").render(
        Context({"product": item, "request": request}))
    total = int(re.search(r'data-total="(\d+)"', html).group(1))
    assert total == html.count('class="ai-review"')
    return total


@pytest.mark.parametrize("verified_only", [False, True])
def test_every_summary_number_on_the_page_is_the_count_of_the_reviews_its_link_lists(
        settings, reviewed_item, verified_only, client):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": {"SUMMARY_VERIFIED_ONLY": verified_only}}
    scoring.score_reviews()  # the summaries under this setting
    links = page_links(reviewed_item)
    assert len(links) >= 4  # aspects, pros and cons
    for count, href in links:
        assert listed_by(reviewed_item, href) == count, href
        assert ("review_tier=verified_buyer" in href) == verified_only
    # the same numbers through the API, whose links list the same reviews
    summary = client.get(f"/ai/api/products/{reviewed_item.pk}/sentiment/").json()
    entries = [*summary["best_aspects"], *summary["worst_aspects"], *summary["pros_support"],
               *summary["cons_support"]]
    assert len(entries) == len(links)
    for entry in entries:
        listed = client.get(entry["reviews_url"] + ("&" if "?" in entry["reviews_url"] else "?") + "limit=500")
        assert listed.json()["count"] == entry["reviews"], entry
        assert entry["of"] == summary["review_count"]
    assert summary["review_count"] == (5 if verified_only else 9)


def test_an_aspect_says_how_many_of_how_many_reviews_mention_it_and_how_many_are_positive(reviewed_item):
    html = Template("{% load ai_sentiment %}{% product_sentiment product %}").render(
        Context({"product": reviewed_item}))
    fit = re.search(r"Fit: (\d+) of (\d+) reviews mention it, (\d+) (positive|negative)", html)
    rows = ReviewSentiment.objects.filter(product=reviewed_item)
    assert int(fit.group(1)) == sum("fit" in r.aspects for r in rows) and int(fit.group(2)) == 9
    assert int(fit.group(3)) == sum(r.aspects.get("fit", {}).get("label") == fit.group(4) for r in rows)


def test_summary_verified_only_must_be_a_boolean():
    assert [e.id for e in check_sentiment_settings(conf={**DEFAULTS, "SUMMARY_VERIFIED_ONLY": "yes"})] == [
        "ai_commerce.E120"]
    assert check_sentiment_settings(conf={**DEFAULTS, "SUMMARY_VERIFIED_ONLY": True}) == []
