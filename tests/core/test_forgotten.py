"""Forgotten means forgotten: after ``forget_user``, no path writes a row about the user again, although the shop
still holds their orders and reviews. The check walks every model of ai_commerce and of each installed capability
that points at the user model, so a model added later is covered without naming it here."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from ai_commerce import capabilities, deferred, events, privacy, registry, tasks
from ai_commerce.backfill import backfill
from ai_commerce.models import Erasure, ForgottenUser, Interaction, ModelVersion, TrainingRun
from ai_commerce.recommendations import precompute
from ai_commerce.recommendations.models import PlacementEvent
from ai_commerce.sentiment import scoring
from ai_commerce.sentiment.sweep import score_unscored
from tests.althost.models import Feedback, Purchase, SaleLine
from tests.factories import (
    FeedbackFactory,
    ItemFactory,
    PurchaseFactory,
    SaleLineFactory,
    SectionFactory,
    StockRecordFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
GOOD = ["Love it.", "Great quality.", "Perfect fit.", "Beautiful colour.", "Very comfortable."]
BAD = ["Awful.", "Poor quality.", "Fell apart.", "Terrible fit.", "Cheap fabric."]
TINY = {"tt_epochs": 1, "tt_dim": 8, "holdout_days": 14, "label_days": 14, "candidates_per_source": 20,
        "ranker_iterations": 20}


def user_columns():
    """(model, field name) of every foreign key to the user model in ai_commerce and the installed capabilities."""
    labels = {"ai_commerce", *(capability.label for capability in capabilities.installed())}
    return [(model, field.name) for model in apps.get_models() if model._meta.app_label in labels
            for field in model._meta.fields if field.is_relation and field.related_model is get_user_model()]


def rows_about(user_id):
    """{"app.Model.field": rows} of the rows about ``user_id``, leaving out the empty ones."""
    counts = {f"{model._meta.label}.{name}": model._default_manager.filter(**{name: user_id}).count()
              for model, name in user_columns()}
    return {column: n for column, n in counts.items() if n}


@pytest.fixture
def shop(settings):
    """30 shoppers of two tastes with 120 days of orders and 8 reviews each, written straight to the shop's tables
    (no signals), as a shop that installs ai_commerce has them; then the history imported and the reviews scored."""
    settings.AI_COMMERCE = {**settings.AI_COMMERCE,
                            "RECOMMENDATIONS": {"PARAMS": TINY, "CHUNK_SIZE": 10, "TOP_K": 10, "RELATED_K": 5,
                                                "PROMOTION_TOLERANCE": 1.0},
                            "SENTIMENT": {"MIN_REVIEWS": 50}}
    rng = random.Random(26)
    tastes = []
    for name in ("Tea", "Garden"):
        section, items = SectionFactory(name=name), []
        for i in range(8):
            item = ItemFactory(label=f"{name} thing {i}")
            item.sections.add(section)
            StockRecordFactory(item=item, num_in_stock=50)
            items.append(item)
        tastes.append(items)
    users = UserFactory.create_batch(30)
    start = timezone.now() - dt.timedelta(days=120)
    purchases, lines, reviews = [], [], []
    for n, user in enumerate(users):
        taste = tastes[n % 2]
        for _ in range(rng.randint(4, 7)):
            purchase = Purchase(buyer=user, placed_on=start + dt.timedelta(days=rng.uniform(0, 119)))
            purchases.append(purchase)
            lines += [SaleLine(purchase=purchase, article=item, qty=1, each_price=Decimal("10.00"))
                      for item in rng.sample(taste, rng.randint(1, 3))]
        for _ in range(8):
            stars = rng.choice([1, 2, 4, 5, 5])
            reviews.append(Feedback(item=rng.choice(taste), reviewer=user, stars=stars, headline="",
                                    comment=" ".join(rng.sample(GOOD if stars > 3 else BAD, 2)),
                                    posted=start + dt.timedelta(days=rng.uniform(0, 119))))
    Purchase.objects.bulk_create(purchases)
    for line in lines:
        line.purchase_id = line.purchase.pk
    SaleLine.objects.bulk_create(lines)
    Feedback.objects.bulk_create(reviews)
    call_command("ai_commerce_import_history")
    scoring.score_reviews()
    return {"users": users, "items": [item for taste in tastes for item in taste]}


def retrain(kind):
    done = registry.execute_run(TrainingRun.objects.create(kind=kind).pk)
    assert done.status in ("succeeded", "skipped"), (kind, done.status, done.error)
    return done


@pytest.mark.train
def test_no_path_writes_a_row_about_a_forgotten_user_again(shop, django_capture_on_commit_callbacks, client):
    forgotten, kept = shop["users"][:2]
    columns = {f"{model._meta.label}.{name}" for model, name in user_columns()}
    assert {"ai_commerce.Interaction.user", "ai_commerce_sentiment.ReviewSentiment.user",
            "ai_commerce_recommendations.Recommendation.user", "ai_commerce_recommendations.PlacementEvent.user",
            "restock.UserDemand.user"} <= columns  # the walk sees every kind of row about a user
    for kind in ("recommendations", "restock"):
        retrain(kind)
    trained = ModelVersion.objects.of_kind("recommendations").active().get()  # it knows the forgotten user
    before = rows_about(forgotten.pk)
    assert {"ai_commerce.Interaction.user", "ai_commerce_sentiment.ReviewSentiment.user",
            "ai_commerce_recommendations.Recommendation.user", "restock.UserDemand.user"} <= set(before), before

    call_command("ai_commerce_forget_user", str(forgotten.pk))
    assert rows_about(forgotten.pk) == {}

    # The sweep, every ten minutes: their reviews have no sentiment, on purpose.
    assert tasks.sweep_task().get("sentiment") == 0
    assert score_unscored() == 0
    assert rows_about(forgotten.pk) == {}, "after the sweep"
    # The history import, again.
    report = backfill()
    assert report.added == 0 and report.skipped[events.FORGOTTEN] == before["ai_commerce.Interaction.user"]
    call_command("ai_commerce_import_history")
    assert rows_about(forgotten.pk) == {}, "after the import"
    # The shop's signals: they edit a review and an order line, write a new review and place a new order.
    review = Feedback.objects.filter(reviewer=forgotten).first()
    line = SaleLine.objects.filter(purchase__buyer=forgotten).first()
    with django_capture_on_commit_callbacks(execute=True):
        review.comment = "Changed my mind: awful."
        review.save()
        line.qty = 3
        line.save()
        line.purchase.save()
        FeedbackFactory(reviewer=forgotten, item=shop["items"][0], stars=5, comment="Lovely.")
        SaleLineFactory(purchase=PurchaseFactory(buyer=forgotten), article=shop["items"][1])
    assert rows_about(forgotten.pk) == {}, "after the shop's saves"
    # The event API, shop code and the page's view tag, as them.
    api = APIClient()
    api.force_authenticate(forgotten)
    answer = api.post(reverse("ai_commerce:events"), {"events": [{"kind": "view", "product": shop["items"][2].pk},
                                                                 {"kind": "cart", "product": shop["items"][3].pk}]},
                      format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json() == {"stored": 0, "duplicates": 0, "ignored": 2}  # said as it is, not as duplicates
    assert events.record_event(kind="wishlist", product=shop["items"][4], user=forgotten).pk is None
    deferred.create(Interaction, events.new_event(kind="view", product=shop["items"][5], user=forgotten))
    deferred.create(PlacementEvent, {"placement": "similar", "version": trained.pk, "product_id": shop["items"][5].pk,
                                     "kind": "impression", "user_id": forgotten.pk, "session_key": ""})
    # A click through a recommendation counts, without them.
    client.force_login(forgotten)
    target = f"/item/{shop['items'][6].pk}/"
    from ai_commerce.recommendations import attribution

    signed = attribution.signature("similar", trained.pk, shop["items"][6].pk, 0, f"u:{forgotten.pk}")  # as served
    clicked = client.get(reverse("ai_commerce:recommendation-click"),
                         {"a": f"similar:{trained.pk}", "p": shop["items"][6].pk, "next": target, "s": signed})
    assert clicked.status_code == 302
    assert PlacementEvent.objects.filter(kind="click", user=None).count() == 1
    assert rows_about(forgotten.pk) == {}, "after the event API, the view tag and a click"
    # Scoring: every review again, and a chunk of users the model trained before the erasure still knows.
    scoring.score_reviews()
    precompute.score_users(trained, [forgotten.pk, kept.pk])
    assert rows_about(forgotten.pk) == {}, "after scoring"
    # Every installed capability retrains.
    for kind in capabilities.kinds():
        retrain(kind)
    assert rows_about(forgotten.pk) == {}, "after retraining"

    after = rows_about(kept.pk)  # everyone else is served as before
    assert {"ai_commerce.Interaction.user", "ai_commerce_sentiment.ReviewSentiment.user",
            "ai_commerce_recommendations.Recommendation.user", "restock.UserDemand.user"} <= set(after), after
    assert ForgottenUser.objects.count() == 1 and Erasure.objects.count() == 1


def test_the_sentiment_model_does_not_learn_from_a_forgotten_users_words():
    from ai_commerce.sentiment.training import labelled_reviews

    author, other = UserFactory(), UserFactory()
    FeedbackFactory(reviewer=author, stars=5, comment="Secret words of mine.")
    FeedbackFactory(reviewer=other, stars=1, comment="Broke at once.")
    privacy.forget_user(author.pk)
    assert [text for _, text, _ in labelled_reviews()] == ["Nice. Broke at once."]


def test_a_guest_order_is_not_a_user_and_is_imported():
    guest = PurchaseFactory(buyer=None)
    SaleLine.objects.bulk_create([SaleLine(purchase=guest, article=ItemFactory(), each_price=Decimal("5.00"))])
    forgotten = UserFactory()
    privacy.forget_user(forgotten.pk)
    report = backfill()
    assert report.added == 1 and Interaction.objects.get().session_key == events.guest_key(guest.pk)


def test_forgetting_is_logged_without_personal_data_and_twice_is_fine(capsys):
    user = UserFactory()
    FeedbackFactory(reviewer=user)
    events.record_event(kind="view", product=ItemFactory(), user=user)
    call_command("ai_commerce_forget_user", str(user.pk))
    assert "Nothing about them will be derived again." in capsys.readouterr().out
    call_command("ai_commerce_forget_user", str(user.pk))  # harmless: the tombstone stays, the log grows
    tombstone = ForgottenUser.objects.get()
    first, second = Erasure.objects.order_by("pk")
    assert tombstone.user_hash == first.user_hash == second.user_hash == privacy.user_hash(user.pk)
    assert len(tombstone.user_hash) == 64 and str(user.pk) != tombstone.user_hash
    assert (first.requested_by, second.requested_by) == ("command", "command")
    assert first.removed == {"events": 2, "restock": 0, "recommendations": 0, "sentiment": 0, "search": 0,
                             "assistant": 0}
    assert set(second.removed.values()) == {0}
    assert first.erased_at <= second.erased_at and tombstone.forgotten_at <= first.erased_at
    user.delete()  # the shop deletes the account too: the signal forgets, and says so
    assert Erasure.objects.order_by("-pk").first().requested_by == "signal"
    assert ForgottenUser.objects.count() == 1


def test_the_hash_is_keyed_by_the_secret_key_and_survives_a_rotation(settings):
    user = UserFactory()
    privacy.forget_user(user.pk)
    assert privacy.is_forgotten(user.pk) and not privacy.is_forgotten(UserFactory().pk)
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key"
    assert not privacy.is_forgotten(user.pk)  # another key, another hash: the id cannot be read back
    settings.SECRET_KEY_FALLBACKS = [old]
    assert privacy.is_forgotten(user.pk)


def test_the_lookup_is_one_query_per_batch_whatever_the_number_of_ids(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert privacy.forgotten_ids([None]) == set() and not privacy.is_forgotten(None)
    with django_assert_num_queries(1):
        assert privacy.forgotten_ids(range(privacy.BATCH // 2)) == set()


def test_the_erasure_log_is_read_only_in_the_admin_and_found_by_user_id(admin_client, django_assert_max_num_queries):
    users = UserFactory.create_batch(3)
    for user in users:
        privacy.forget_user(user.pk, requested_by="admin")
    with django_assert_max_num_queries(8):
        page = admin_client.get("/admin/ai_commerce/erasure/")
    body = page.content.decode()
    assert page.status_code == 200 and "/admin/ai_commerce/erasure/add/" not in body
    assert privacy.user_hash(users[0].pk)[:12] in body and "admin" in body
    found = admin_client.get("/admin/ai_commerce/erasure/", {"q": str(users[1].pk)}).content.decode()
    assert privacy.user_hash(users[1].pk)[:12] in found and privacy.user_hash(users[0].pk)[:12] not in found
    erasure = Erasure.objects.first()
    assert admin_client.get(f"/admin/ai_commerce/erasure/{erasure.pk}/delete/").status_code == 403
    change = admin_client.post(f"/admin/ai_commerce/erasure/{erasure.pk}/change/", {"requested_by": "code"})
    assert change.status_code == 403 and Erasure.objects.get(pk=erasure.pk).requested_by == "admin"


def test_the_answer_about_one_user_is_cached_and_forgetting_updates_it(django_assert_num_queries,
                                                                       django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_assert_num_queries(1):
        assert not privacy.is_forgotten(user.pk)
    with django_assert_num_queries(0):  # a page's shopper costs no query once warm
        assert not privacy.is_forgotten(user.pk)
    with django_capture_on_commit_callbacks(execute=True):
        privacy.forget_user(user.pk)
    with django_assert_num_queries(0):
        assert privacy.is_forgotten(user.pk)
        assert events.record_event(kind="view", product=ItemFactory.build(pk=1), user=user).pk is None


def test_a_page_write_whose_lookup_fails_keeps_only_the_anonymous_rows(monkeypatch):
    item, user = ItemFactory(), UserFactory()
    monkeypatch.setattr(privacy, "forgotten_ids", lambda ids: 1 / 0)
    deferred.create(Interaction, events.new_event(kind="view", product=item, user=user),
                    events.new_event(kind="view", product=item, session_key="anon"))
    assert list(Interaction.objects.values_list("user_id", "session_key")) == [(None, "anon")]
