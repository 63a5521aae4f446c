"""The event log: signals, record_event, the backfill command, and the page-view tag."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from ai_commerce import events
from ai_commerce.models import Interaction
from tests.althost.models import Feedback
from tests.factories import FeedbackFactory, ItemFactory, PurchaseFactory, SaleLineFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_order_line_save_records_a_purchase():
    line = SaleLineFactory(qty=2, each_price=Decimal("3.10"))
    event = Interaction.objects.get()
    assert (event.kind, event.user_id, event.product_id, event.quantity, event.unit_price, event.order_ref) == (
        "purchase", line.purchase.buyer_id, line.article_id, 2, Decimal("3.10"), str(line.purchase_id))
    assert event.event_id == f"order-line:{line.pk}" and event.source == "order"


def test_editing_updates_and_deleting_removes_the_event():
    line = SaleLineFactory(qty=1)
    line.qty = 5
    line.save()
    assert Interaction.objects.get().quantity == 5
    line.delete()
    assert not Interaction.objects.exists()


def test_a_review_records_a_rating_and_follows_edits():
    review = FeedbackFactory(stars=2)
    assert Interaction.objects.get().value == 2.0
    review.stars = 5
    review.save()
    assert Interaction.objects.get(kind="rating").value == 5.0
    review.delete()
    assert not Interaction.objects.exists()


def test_a_guest_order_line_is_a_purchase_keyed_by_its_order():
    line = SaleLineFactory(purchase=PurchaseFactory(buyer=None))
    event = Interaction.objects.get()
    assert (event.kind, event.user_id, event.session_key, event.order_ref) == (
        "purchase", None, f"order:{line.purchase_id}", str(line.purchase_id))


def test_an_order_counts_only_while_its_status_does():
    purchase = PurchaseFactory()
    SaleLineFactory.create_batch(2, purchase=purchase)
    assert Interaction.objects.filter(kind="purchase").count() == 2
    purchase.status = "cancelled"  # the shop cancels it: its lines are no longer demand
    purchase.save()
    assert not Interaction.objects.filter(kind="purchase").exists()
    purchase.status = "placed"
    purchase.save()
    assert Interaction.objects.filter(kind="purchase").count() == 2
    SaleLineFactory(purchase=PurchaseFactory(status="refunded"))  # never counted
    assert Interaction.objects.filter(kind="purchase").count() == 2


def test_a_failure_to_record_never_breaks_the_shops_save(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("event log down")

    monkeypatch.setattr(events, "upsert", broken)
    review = FeedbackFactory()
    assert Feedback.objects.filter(pk=review.pk).exists()
    assert not Interaction.objects.exists()


def test_record_event_validates_and_is_idempotent():
    item, user = ItemFactory(), UserFactory()
    with pytest.raises(ValueError, match="unknown event kind"):
        events.record_event(kind="like", product=item, user=user)
    with pytest.raises(ValueError, match="user or a session"):
        events.record_event(kind="view", product=item)
    first = events.record_event(kind="cart", product=item, user=user, event_id="x1", quantity=2)
    again = events.record_event(kind="cart", product=item, user=user, event_id="x1", quantity=9)
    assert first.pk == again.pk and Interaction.objects.get().quantity == 2


def test_the_database_refuses_an_event_with_no_actor():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Interaction.objects.create(product=ItemFactory(), kind="view", source="app")


def test_backfill_imports_history_once(capsys):
    lines = SaleLineFactory.create_batch(5)
    FeedbackFactory.create_batch(3)
    Interaction.objects.all().delete()  # as if the shop had history before installing ai_commerce
    guest = SaleLineFactory(purchase=PurchaseFactory(buyer=None))  # a guest line: a purchase keyed by its order
    SaleLineFactory(purchase=PurchaseFactory(status="cancelled"))  # skipped and counted
    Interaction.objects.all().delete()
    call_command("ai_commerce_import_history", batch_size=2)
    out = capsys.readouterr()
    assert "9 events added" in out.out and "1 order status not counted" in out.out
    assert "importing history" in out.err  # the progress bar
    assert Interaction.objects.filter(kind="purchase").count() == 6
    assert Interaction.objects.filter(kind="purchase", session_key=f"order:{guest.purchase_id}").count() == 1
    assert Interaction.objects.filter(kind="rating").count() == 3
    assert set(Interaction.objects.filter(kind="purchase").values_list("occurred_at", flat=True)) == {
        line.purchase.placed_on for line in [*lines, guest]}
    call_command("ai_commerce_import_history")
    assert "0 events added, 9 already there" in capsys.readouterr().out
    assert Interaction.objects.count() == 9


def test_backfill_fails_loudly_when_nothing_can_be_imported():
    SaleLineFactory.create_batch(2, purchase=PurchaseFactory(status="cancelled"))
    with pytest.raises(CommandError, match="nothing could be imported: 2 rows read"):
        call_command("ai_commerce_import_history", only="orders")


def test_backfill_rejects_a_bad_batch_size():
    with pytest.raises(CommandError, match="--batch-size"):
        call_command("ai_commerce_import_history", batch_size=0)


def test_backfill_with_broken_mapping_is_one_line(settings):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE,
                            "ORDER_LINE_FIELDS": {**settings.AI_COMMERCE["ORDER_LINE_FIELDS"], "quantity": "nope"}}
    with pytest.raises(CommandError, match=r"has no field 'nope'.*manage\.py check"):
        call_command("ai_commerce_import_history")


def test_signals_and_backfill_never_double_count():
    SaleLineFactory.create_batch(3)
    call_command("ai_commerce_import_history")
    assert Interaction.objects.count() == 3


class TestRecordViewTag:
    template = Template("{% load ai_commerce %}{% record_view product %}ok")

    def render(self, request, product):
        return self.template.render(Context({"request": request, "product": product}))

    def request(self, user=None):
        from django.contrib.auth.models import AnonymousUser
        from django.contrib.sessions.backends.db import SessionStore

        request = RequestFactory().get("/")
        request.user = user or AnonymousUser()
        request.session = SessionStore()
        return request

    def test_records_a_view_for_a_user(self):
        user, item = UserFactory(), ItemFactory()
        assert self.render(self.request(user), item) == "ok"
        event = Interaction.objects.get()
        assert (event.kind, event.user_id, event.product_id, event.source) == ("view", user.pk, item.pk, "page")

    def test_records_an_anonymous_view_by_session(self):
        request = self.request()
        self.render(request, ItemFactory())
        assert Interaction.objects.get().session_key == request.session.session_key != ""

    def test_without_request_or_product_renders_nothing_and_records_nothing(self):
        assert Template("{% load ai_commerce %}{% record_view product %}ok").render(Context({})) == "ok"
        assert self.render(self.request(UserFactory()), None) == "ok"
        assert not Interaction.objects.exists()

    def test_a_failure_renders_the_page_anyway(self, monkeypatch):
        import ai_commerce.templatetags.ai_commerce as tags

        monkeypatch.setattr(tags, "new_event", lambda **kw: 1 / 0)
        assert self.render(self.request(UserFactory()), ItemFactory()) == "ok"


def test_occurred_at_defaults_to_now():
    before = timezone.now()
    event = events.record_event(kind="view", product=ItemFactory(), session_key="abc")
    assert event.occurred_at >= before
