"""The AI on a host's product page costs almost nothing: once the caches are warm, every tag together adds at most
two SQL statements (the product view and the impressions, one insert each), written after the response."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ai_commerce import registry
from ai_commerce.models import Interaction, ModelVersion
from ai_commerce.recommendations.models import PlacementEvent, Recommendation, RelatedProduct, TrendingProduct
from ai_commerce.sentiment import scoring
from tests.factories import FeedbackFactory, ItemFactory, SectionFactory, StockRecordFactory, UserFactory

pytestmark = pytest.mark.django_db
CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


@pytest.fixture
def page(client):
    shelf = SectionFactory(name="Mugs")
    items = []
    for i in range(8):
        item = ItemFactory(label=f"Mug {i}")
        item.sections.add(shelf)
        StockRecordFactory(item=item, price_excl_tax=Decimal("9.50"), num_in_stock=4)
        items.append(item)
    version = ModelVersion.objects.create(kind="recommendations", metrics={"recall_at_10": 0.2})
    registry.activate(version)
    source, user = items[0], UserFactory()
    for kind, products in (("bought_together", items[1:3]), ("similar", items[3:7])):
        RelatedProduct.objects.bulk_create(
            RelatedProduct(model_version=version, source=source, product=p, kind=kind, rank=rank, score=1 / rank,
                           reason=kind, because=source) for rank, p in enumerate(products, 1))
    Recommendation.objects.bulk_create(Recommendation(model_version=version, user=user, product=p, rank=rank,
                                                      score=1 / rank, reason="popular")
                                       for rank, p in enumerate(items[4:8], 1))
    TrendingProduct.objects.bulk_create(TrendingProduct(model_version=version, product=p, rank=rank, score=1 / rank,
                                                        reason="trending") for rank, p in enumerate(items[5:8], 1))
    FeedbackFactory(item=source, stars=5, comment="Lovely mug, great quality.")
    scoring.score_reviews()
    client.force_login(user)
    return {"url": f"/shop/items/{source.pk}/", "product": source}


def statements(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries if not CONTROL.match(q["sql"])], response


def test_every_tag_together_costs_two_inserts_once_warm(client, page):
    statements(client, page["url"])  # cold: the serving reads fill the caches
    full, response = statements(client, page["url"])
    bare, _ = statements(client, page["url"] + "?bare=1")
    html = response.content.decode()
    assert all(f"ai-{placement}" in html for placement in ("bought_together", "similar", "recommended", "trending"))
    assert "Reviewers" in html or "ai-sentiment" in html
    ours = [sql for sql in full if "ai_commerce" in sql]
    assert len(full) == len(bare) + 2 and len(ours) == 2, full
    assert ours[0].startswith('INSERT INTO "ai_commerce_interaction"')
    assert ours[1].startswith('INSERT INTO "ai_commerce_recommendations_placementevent"')


def test_the_writes_of_a_page_wait_for_the_end_of_the_response(client, page):
    response = client.get(page["url"] + "?probe=1")
    shown = response.content.decode().count('class="ai-item"')
    assert shown == 2 + 3 + 3 + 2
    assert (response["X-Views-Stored"], response["X-Deferred"]) == ("0", str(1 + shown))
    assert Interaction.objects.filter(product=page["product"], kind="view").count() == 1
    assert PlacementEvent.objects.filter(kind="impression").count() == shown


def test_a_failed_write_after_the_response_is_logged_and_loses_nothing_else(client, page, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(PlacementEvent.objects, "bulk_create", broken)
    assert client.get(page["url"]).status_code == 200
    assert "could not store 10 ai_commerce_recommendations.PlacementEvent rows" in caplog.text
    assert Interaction.objects.filter(product=page["product"], kind="view").count() == 1


@pytest.mark.django_db(transaction=True)
def test_after_the_response_one_failed_table_loses_no_other(monkeypatch, caplog):
    """Outside any transaction (a server closing a response), the writes share one; when it fails, each table is
    stored on its own."""
    from ai_commerce import deferred

    item, user = ItemFactory(), UserFactory()
    view = Interaction(user=user, product=item, kind="view", source="page")
    shown = PlacementEvent(placement="similar", version=1, product_id=item.pk, kind="impression", user=user)
    deferred._write([(Interaction, view), (PlacementEvent, shown)])
    assert Interaction.objects.count() == 1 and PlacementEvent.objects.count() == 1

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(PlacementEvent.objects, "bulk_create", broken)
    deferred._write([(Interaction, Interaction(user=user, product=item, kind="view", source="page")),
                     (PlacementEvent, {"placement": "similar", "version": 1, "product_id": item.pk,
                                       "kind": "impression"})])
    assert Interaction.objects.count() == 2 and PlacementEvent.objects.count() == 1
    assert "could not store 1 ai_commerce_recommendations.PlacementEvent rows" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_connection_django_closed_before_the_writes_is_closed_again():
    """With CONN_MAX_AGE = 0, Django closes the connection at request_finished before ai_commerce writes: the writes
    open one, and it is closed again instead of lingering until the next request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from ai_commerce import deferred

    item, user = ItemFactory(), UserFactory()
    request_started.send(sender=None)
    deferred.create(Interaction, Interaction(user=user, product=item, kind="view", source="page"))
    connection.close()  # what close_old_connections does first when connections are not persistent
    request_finished.disconnect(close_old_connections)
    try:
        request_finished.send(sender=None)
    finally:
        request_finished.connect(close_old_connections)
    closed_again = connection.connection is None  # read before the count below opens it again
    assert Interaction.objects.filter(product=item, kind="view").count() == 1
    assert closed_again or connection.vendor == "sqlite"  # SQLite's in-memory test database is never closed


@pytest.mark.django_db(transaction=True)
def test_a_write_that_finds_the_database_locked_is_tried_again_then_dropped_with_a_log_line(monkeypatch, caplog):
    """SQLite under back-to-back pages: the after-response insert meets "database is locked". It is tried again (a
    second later the lock is gone), and when the lock outlasts every try the rows are dropped with a log line:
    never raised into the server."""
    from django.db import OperationalError

    from ai_commerce import deferred

    monkeypatch.setattr(deferred, "LOCKED_RETRY_DELAYS", (0, 0, 0))
    item, user = ItemFactory(), UserFactory()
    real = Interaction.objects.bulk_create
    tries = []

    def locked_twice(objects, *args, **kwargs):
        tries.append(len(objects))
        if len(tries) <= 2:
            raise OperationalError("database is locked")
        return real(objects, *args, **kwargs)

    monkeypatch.setattr(Interaction.objects, "bulk_create", locked_twice)
    deferred._write([(Interaction, Interaction(user=user, product=item, kind="view", source="page"))])
    assert len(tries) == 3 and Interaction.objects.count() == 1

    def always_locked(objects, *args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Interaction.objects, "bulk_create", always_locked)
    shown = PlacementEvent(placement="similar", version=1, product_id=item.pk, kind="impression", user=user)
    deferred._write([(Interaction, Interaction(user=user, product=item, kind="view", source="page")),
                     (PlacementEvent, shown)])
    assert "ai_commerce dropped 1 ai_commerce.Interaction, 1 ai_commerce_recommendations.PlacementEvent rows" in \
        caplog.text and "W007" in caplog.text
    assert Interaction.objects.count() == 1 and PlacementEvent.objects.count() == 0  # dropped together, once

    def broken(objects, *args, **kwargs):
        raise OperationalError("no such table: ai_commerce_interaction")

    monkeypatch.setattr(Interaction.objects, "bulk_create", broken)
    caplog.clear()
    deferred._write([(Interaction, Interaction(user=user, product=item, kind="view", source="page"))])
    assert "could not store 1 ai_commerce.Interaction rows" in caplog.text  # not a lock: logged, not retried
