"""Serving recommendations without TensorFlow: live business filters, backfill, cold start, constant query cost,
caching by version, the API, the template tags and privacy. The tables are written here as a training run would."""

import datetime as dt
import warnings
from decimal import Decimal

import pytest
from django.core.cache.backends.base import CacheKeyWarning
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from ai_commerce import cache as cache_module
from ai_commerce import registry, stock_outlook
from ai_commerce.models import Interaction, ModelVersion
from ai_commerce.privacy import forget_user
from ai_commerce.recommendations import serving
from ai_commerce.recommendations.content import index_product
from ai_commerce.recommendations.models import Recommendation, RelatedProduct, TrendingProduct
from tests.althost.models import StockRecord
from tests.factories import ItemFactory, SaleLineFactory, SectionFactory, StockRecordFactory, UserFactory
from tests.services import DEAD_REDIS

pytestmark = pytest.mark.django_db


def catalog(n=12, section="Mugs"):
    shelf = SectionFactory(name=section)
    items = []
    for i in range(n):
        item = ItemFactory(label=f"{section} {i}", summary=f"A {section.lower()} for tea, number {i}.")
        item.sections.add(shelf)
        StockRecordFactory(item=item, price_excl_tax=Decimal("9.50"), num_in_stock=4)
        items.append(item)
    return items


@pytest.fixture
def shop():
    mugs, jugs = catalog(12, "Mugs"), catalog(6, "Jugs")
    version = ModelVersion.objects.create(kind="recommendations", metrics={"recall_at_10": 0.2})
    registry.activate(version)
    return {"mugs": mugs, "jugs": jugs, "version": version, "user": UserFactory()}


def recs(version, user, rows):
    Recommendation.objects.bulk_create(
        Recommendation(model_version=version, user=user, product=product, rank=rank, score=1.0 / rank,
                       reason=reason, because=because) for rank, (product, reason, because) in enumerate(rows, 1))


def related(version, source, products, kind="similar"):
    RelatedProduct.objects.bulk_create(
        RelatedProduct(model_version=version, source=source, product=p, kind=kind, rank=rank, score=1.0 / rank,
                       reason=kind, because=source) for rank, p in enumerate(products, 1))


def trending_rows(version, products, category=""):
    TrendingProduct.objects.bulk_create(
        TrendingProduct(model_version=version, product=p, rank=rank, score=1.0 / rank, reason="trending",
                        category=category) for rank, p in enumerate(products, 1))


def ids(items):
    return [item.product.pk for item in items]


def served_catalog(n=4, section="Mugs"):
    """A catalog whose active version serves every placement: a shopper's list, similar items and trending."""
    mugs = catalog(n, section)
    version = ModelVersion.objects.create(kind="recommendations", metrics={"recall_at_10": 0.2})
    registry.activate(version)
    shopper = UserFactory()
    recs(version, shopper, [(m, "bought_with", mugs[0]) for m in mugs[1:]])
    related(version, mugs[0], mugs[1:])
    trending_rows(version, mugs)
    return mugs, version, shopper


def test_business_filters_apply_at_request_time_and_backfill_to_k(shop):
    mugs, user, version = shop["mugs"], shop["user"], shop["version"]
    recs(version, user, [(m, "bought_with", mugs[0]) for m in mugs[1:7]])
    StockRecord.objects.filter(item=mugs[1]).update(num_in_stock=0)  # sold out since the precompute
    mugs[2].listed = False  # deactivated since the precompute
    mugs[2].save()
    Interaction.objects.create(user=user, product=mugs[3], kind="purchase", source="backfill")
    mugs[4].delete()  # deleted since the precompute
    trending_rows(version, mugs[8:11])
    got = serving.recommended_for(user, k=6, exclude=[mugs[5].pk])  # mugs[5] is in the basket
    assert ids(got)[:1] == [mugs[6].pk] and got[0].reason == "Because you bought Mugs 0"
    assert ids(got)[1:4] == [m.pk for m in mugs[8:11]] and got[1].reason == "Trending now"
    assert len(got) == 6 and not {mugs[1].pk, mugs[2].pk, mugs[3].pk, mugs[5].pk} & set(ids(got))
    assert got[0].attribution == f"recommended:{version.pk}"
    only_jugs = serving.recommended_for(user, k=3, categories=["Jugs"])
    assert {i.product.pk for i in only_jugs} <= {j.pk for j in shop["jugs"]} and len(only_jugs) == 3


def outlook(days_to_stockout):
    day = dt.date(2026, 3, 2)
    stockout = None if days_to_stockout is None else day + dt.timedelta(days=days_to_stockout)
    return stock_outlook.StockOutlook(stock=3, daily_rate=1.0, days_of_cover=days_to_stockout, stockout_on=stockout,
                                      planned_on=day, restock_days=7)


def test_products_running_out_go_last_when_the_forecast_says_so(shop, settings, cross_signal):
    mugs, user, version = shop["mugs"], shop["user"], shop["version"]
    recs(version, user, [(m, "bought_with", mugs[0]) for m in mugs[1:8]])
    plan = {mugs[1].pk: outlook(2), mugs[3].pk: outlook(0), mugs[4].pk: outlook(30), mugs[5].pk: outlook(None)}
    cross_signal("stock_outlook", lambda ids: {pk: o for pk, o in plan.items() if ids is None or pk in ids})
    # Within RUNNING_OUT_DAYS (7): mugs 1 (two days) and 3 (out now, by the plan) go last, the rest keep their order.
    assert ids(serving.recommended_for(user, k=7)) == [mugs[i].pk for i in (2, 4, 5, 6, 7, 1, 3)]
    # With k below the list, the products running out give way to the next ones.
    serving.forget_served()
    assert ids(serving.recommended_for(user, k=5)) == [mugs[i].pk for i in (2, 4, 5, 6, 7)]
    serving.forget_served()
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "RECOMMENDATIONS": {
        **settings.AI_COMMERCE.get("RECOMMENDATIONS", {}), "DEMOTE_RUNNING_OUT": False}}
    assert ids(serving.recommended_for(user, k=7)) == [m.pk for m in mugs[1:8]]


@pytest.mark.parametrize("k", [1, 5, 30])
def test_query_cost_does_not_grow_with_k(shop, k, django_assert_max_num_queries):
    mugs, user, version = shop["mugs"], shop["user"], shop["version"]
    recs(version, user, [(m, "bought_with", mugs[0]) for m in mugs[1:]])
    trending_rows(version, shop["jugs"])
    # active version, candidate rows, trending rows, purchases, products, the forecast's stock outlook (installed
    # here), one backfill when candidates run out, and the merchandising rules (installed here: one statement while
    # their cache is cold, the target of issue 30)
    with django_assert_max_num_queries(7 + 1):
        serving.recommended_for(user, k=k)
    with django_assert_max_num_queries(8 + 1):
        serving.similar_to(mugs[0], k=k)
    with django_assert_max_num_queries(5 + 1):
        serving.trending(k=k)


def test_cold_start_ladder(shop):
    mugs, jugs, version = shop["mugs"], shop["jugs"], shop["version"]
    related(version, jugs[0], jugs[1:4])
    trending_rows(version, mugs[:3], "Mugs")
    trending_rows(version, jugs[4:6])
    # An anonymous visitor who viewed a jug gets jugs similar to it.
    Interaction.objects.create(session_key="s1", product=jugs[0], kind="view", source="client")
    visitor = serving.recommended_for(None, session_key="s1", k=3)
    assert ids(visitor) == [j.pk for j in jugs[1:4]] and visitor[0].reason == "Because you viewed Jugs 0"
    # A new user who only touched a mug gets what is trending in mugs, then overall.
    newcomer = UserFactory()
    Interaction.objects.create(user=newcomer, product=mugs[5], kind="view", source="client")
    got = serving.recommended_for(newcomer, k=5)
    assert ids(got) == [*(m.pk for m in mugs[:3]), jugs[4].pk, jugs[5].pk]
    assert got[0].reason == "Trending in Mugs"


def test_a_new_product_is_reachable_by_content_before_the_next_retrain(shop):
    new = ItemFactory(label="Mugs extra", summary="A mugs for tea, number 99.")
    new.sections.add(shop["mugs"][0].sections.first())
    StockRecordFactory(item=new, num_in_stock=3)
    assert index_product(new.pk) > 0
    got = serving.similar_to(new, k=3)
    assert len(got) == 3 and all(i.product.pk in {m.pk for m in shop["mugs"]} for i in got)
    assert got[0].reason == "Similar to Mugs extra"


def test_results_follow_the_active_version(shop, django_assert_max_num_queries):
    mugs, user, version = shop["mugs"], shop["user"], shop["version"]
    recs(version, user, [(mugs[1], "popular", None)])
    assert ids(serving.recommended_for(user, k=1)) == [mugs[1].pk]
    with django_assert_max_num_queries(3):  # cached per version: no candidate-row query
        serving.recommended_for(user, k=1)
    newer = ModelVersion.objects.create(kind="recommendations", metrics={"recall_at_10": 0.3})
    recs(newer, user, [(mugs[2], "popular", None)])
    registry.activate(newer)
    assert ids(serving.recommended_for(user, k=1)) == [mugs[2].pk]


def test_served_lists_are_cached_and_dropped_when_the_shop_changes(shop, django_assert_num_queries):
    mugs, jugs, user, version = shop["mugs"], shop["jugs"], shop["user"], shop["version"]
    related(version, mugs[0], mugs[1:6])
    assert ids(serving.similar_to(mugs[0], k=3, user=user)) == [m.pk for m in mugs[1:4]]
    with django_assert_num_queries(0):  # the whole list, products included, comes from the cache
        again = serving.similar_to(mugs[0], k=3, user=user)
    assert ids(again) == [m.pk for m in mugs[1:4]] and again[0].reason == "Similar to Mugs 0"
    # A stock record saved (sold out), a category changed (many-to-many), an order line saved (bought): each
    # drops the cached lists, so the live business filters hold at once.
    record = StockRecord.objects.get(item=mugs[1])
    record.num_in_stock = 0
    record.save()
    assert ids(serving.similar_to(mugs[0], k=3, user=user)) == [m.pk for m in mugs[2:5]]
    mugs[2].sections.set([jugs[0].sections.first()])
    assert ids(serving.similar_to(mugs[0], k=2, user=user, categories=["Mugs"])) == [m.pk for m in mugs[3:5]]
    SaleLineFactory(article=mugs[3], purchase__buyer=user)
    assert mugs[3].pk not in ids(serving.similar_to(mugs[0], k=3, user=user))
    # Another shopper's list is their own.
    assert ids(serving.similar_to(mugs[0], k=3)) == [m.pk for m in (mugs[2], mugs[3], mugs[4])]


def test_a_price_ai_commerce_writes_drops_the_served_lists(shop):
    from ai_commerce.adapter import products_written

    mugs, version = shop["mugs"], shop["version"]
    related(version, mugs[0], mugs[1:3])
    assert serving.similar_to(mugs[0], k=1)[0].product.ai_price == Decimal("9.50")
    StockRecord.objects.filter(item=mugs[1]).update(price_excl_tax=Decimal("8.00"))  # as the adapter writes it
    products_written.send(sender=None, product_ids=[mugs[1].pk])
    assert serving.similar_to(mugs[0], k=1)[0].product.ai_price == Decimal("8.00")


def test_a_forgotten_user_is_not_served_from_the_cache(shop):
    mugs, user, version = shop["mugs"], shop["user"], shop["version"]
    recs(version, user, [(mugs[1], "bought_with", mugs[0])])
    assert serving.recommended_for(user, k=1)[0].reason == "Because you bought Mugs 0"
    forget_user(user.pk)
    assert serving.recommended_for(user.pk, k=1)[0].reason != "Because you bought Mugs 0"


def test_serving_reads_the_database_while_the_cache_is_down(shop, settings, caplog):
    mugs, user, version = shop["mugs"], shop["user"], shop["version"]
    recs(version, user, [(m, "bought_with", mugs[0]) for m in mugs[1:4]])
    related(version, mugs[0], mugs[4:8])
    trending_rows(version, shop["jugs"])
    settings.CACHES = {**settings.CACHES, "down": DEAD_REDIS}
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "RECOMMENDATIONS": {"CACHE": "down"}}
    assert ids(serving.recommended_for(user, k=3)) == [m.pk for m in mugs[1:4]]
    assert ids(serving.similar_to(mugs[0], k=4)) == [m.pk for m in mugs[4:8]]
    assert ids(serving.trending(k=2)) == [j.pk for j in shop["jugs"][:2]]
    assert "cannot be read; reading the database instead" in caplog.text


def test_a_category_with_spaces_and_ampersands_makes_keys_safe_for_every_backend(shop):
    garden = catalog(3, "Home & Garden")
    trending_rows(shop["version"], garden, category="Home & Garden")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for _ in range(2):  # a miss, then a hit
            assert ids(serving.trending(k=3, category="Home & Garden")) == [g.pk for g in garden]
    assert [w for w in seen if issubclass(w.category, CacheKeyWarning)] == []  # what memcached would refuse
    assert cache_module.safe_key("ai_commerce:recs:3:user:7:50") == "ai_commerce:recs:3:user:7:50"
    assert cache_module.safe_key("x" * 300) != cache_module.safe_key("x" * 301)


def bought(item, when, times=1, kind="purchase"):
    Interaction.objects.bulk_create(Interaction(user=UserFactory(), product=item, kind=kind, occurred_at=when,
                                                source="backfill") for _ in range(times))


def test_without_an_active_version_every_placement_serves_popularity_from_the_event_log(
        shop, django_assert_max_num_queries):
    ModelVersion.objects.all().delete()
    mugs, jugs = shop["mugs"], shop["jugs"]
    newest = timezone.now() - dt.timedelta(days=400)  # a history that ended long ago: windows follow the data
    bought(mugs[5], newest, times=2)
    bought(jugs[1], newest - dt.timedelta(days=20))
    bought(mugs[0], newest - dt.timedelta(days=200), times=5)  # popular, but not lately
    bought(mugs[7], newest - dt.timedelta(days=100), times=9, kind="view")  # looked at, never bought
    with django_assert_max_num_queries(5 + 1):  # the active version, one count of the log, the products, the stock
        # outlook (the forecast is installed here), the backfill, the merchandising rules (cold cache)
        got = serving.trending(k=5)
    assert ids(got)[:4] == [mugs[5].pk, jugs[1].pk, mugs[0].pk, mugs[7].pk]
    assert [i.reason for i in got[:4]] == ["Trending now", "Trending now", "Popular", "Popular"]
    assert got[4].reason == "You might also like" and got[0].model_version is None
    in_mugs = serving.trending(k=3, category="Mugs")
    assert ids(in_mugs) == [mugs[5].pk, mugs[0].pk, mugs[7].pk] and in_mugs[0].reason == "Trending in Mugs"
    with django_assert_max_num_queries(2):  # cached: the products and the backfill only
        serving.trending(k=5)
    newcomer = serving.recommended_for(UserFactory(), k=2)
    assert ids(newcomer) == [mugs[5].pk, jugs[1].pk] and newcomer[0].reason == "Trending now"
    together = serving.bought_with(mugs[5], k=2)
    assert ids(together) == [jugs[1].pk, mugs[0].pk]  # never the product on the page
    alike = serving.similar_to(mugs[3], k=3)
    assert "You might also like" not in {i.reason for i in alike}


def test_a_shop_with_no_events_at_all_gets_the_catalog(shop):
    ModelVersion.objects.all().delete()
    got = serving.trending(k=4)
    assert len(got) == 4 and got[0].model_version is None and got[0].reason == "You might also like"


def test_api_permissions_and_bad_input(client, admin_client, shop):
    mugs, user, version = shop["mugs"], shop["user"], shop["version"]
    recs(version, user, [(m, "bought_with", mugs[0]) for m in mugs[1:4]])
    client.force_login(user)
    mine = client.get("/ai/api/recommendations/", {"k": 2}).json()
    assert [r["product"] for r in mine["results"]] == [str(mugs[1].pk), str(mugs[2].pk)]
    assert mine["results"][0]["reason"] == "Because you bought Mugs 0" and mine["model_version"] == version.pk
    other = UserFactory()
    assert client.get("/ai/api/recommendations/", {"user": other.pk}).status_code == 403
    assert len(admin_client.get("/ai/api/recommendations/", {"user": user.pk, "k": 3}).json()["results"]) == 3
    assert admin_client.get("/ai/api/recommendations/", {"user": 10**6}).status_code == 404
    for k in (0, 51, "x"):
        bad = client.get("/ai/api/trending/", {"k": k})
        assert bad.status_code == 400 and "k" in bad.json()
    assert "from 1 to 50" in client.get("/ai/api/trending/", {"k": 51}).json()["k"][0]
    assert client.get("/ai/api/products/999999/similar/").status_code == 404
    assert client.get("/ai/api/products/nope/bought-together/").status_code == 404
    assert client.get(f"/ai/api/products/{mugs[0].pk}/bought-together/", {"k": 4}).status_code == 200
    assert client.get("/ai/api/trending/", {"category": "Jugs"}).status_code == 200
    schema = client.get("/ai/api/schema/").content.decode()
    assert "/api/recommendations/:" in schema and "/api/products/{product_id}/similar/:" in schema


def pounds(price):
    """A shop's own price format (what AI_COMMERCE["PRICE_FORMAT"] names)."""
    return f"£{price:,.2f}"


def test_tags_show_prices_as_the_shop_does(shop, settings):
    mugs, version = shop["mugs"], shop["version"]
    StockRecord.objects.filter(item=mugs[1]).update(price_excl_tax=Decimal("83.99"))
    StockRecordFactory(item=mugs[1], price_excl_tax=Decimal("1083.99"))  # a to-many path: the lowest price shows
    related(version, mugs[0], mugs[1:2])
    request = RequestFactory().get("/")
    request.user, request.session = shop["user"], None
    page = Template("{% load ai_recommendations %}{% similar_products product k=1 %}")
    html = page.render(Context({"product": mugs[0], "request": request}))
    assert '<span class="ai-price">83.99</span>' in html  # two decimals, never 83.9900000000000
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "PRICE_FORMAT": f"{__name__}.pounds"}
    serving.forget_served()
    html = page.render(Context({"product": mugs[0], "request": request}))
    assert '<span class="ai-price">£83.99</span>' in html


def test_template_tags_render_reasons_and_attribution_and_never_raise(shop, django_assert_max_num_queries):
    mugs, user, version = shop["mugs"], shop["user"], shop["version"]
    related(version, mugs[0], mugs[1:3], kind="bought_together")
    request = RequestFactory().get("/")
    request.user, request.session = user, None
    page = Template("{% load ai_recommendations %}{% bought_together product k=2 %}")
    # The placement's reads (the stock outlook among them), one insert of its impressions, and (cold) whether the
    # shopper was forgotten: that answer is cached, and a warm page costs its inserts only (tests/core/test_page.py).
    # One more while the merchandising rules' cache is cold (installed here).
    with django_assert_max_num_queries(9 + 1):
        html = page.render(Context({"product": mugs[0], "request": request}))
    assert "Bought together with Mugs 0" in html and f'data-ai-attribution="bought_together:{version.pk}"' in html
    assert html.count('class="ai-item"') == 2
    broken = Template("{% load ai_recommendations %}[{% similar_products product k=99 %}][{% similar_products None %}]")
    assert broken.render(Context({"product": mugs[0], "request": request})) == "[][]"  # bad k: nothing, no error
    every = Template("{% load ai_recommendations %}{% recommended_products k=3 %}{% trending_products k=2 %}")
    assert every.render(Context({"request": request})).count('class="ai-item"') == 5


def test_forgetting_a_user_drops_their_recommendations(shop):
    recs(shop["version"], shop["user"], [(shop["mugs"][1], "popular", None)])
    assert forget_user(shop["user"].pk)["recommendations"] == 1
    assert not Recommendation.objects.exists()


def test_recommend_command(shop, capsys):
    user = shop["user"]
    recs(shop["version"], user, [(shop["mugs"][1], "bought_with", shop["mugs"][0])])
    call_command("ai_commerce_recommend", user.username, "-k", "2")
    out = capsys.readouterr().out
    assert "1. Mugs 1" in out and "Because you bought Mugs 0" in out
    with pytest.raises(CommandError, match="no user with id or username 'ghost'"):
        call_command("ai_commerce_recommend", "ghost")
    with pytest.raises(CommandError, match="k must be from 1 to 50"):
        call_command("ai_commerce_recommend", user.username, "-k", "0")


def test_impressions_clicks_and_conversions_are_credited_to_placement_and_version(client, admin_client, shop):
    from django.contrib.sessions.backends.db import SessionStore

    from ai_commerce.recommendations.dashboard import online_metrics
    from ai_commerce.recommendations.models import PlacementEvent

    mugs, user, version = shop["mugs"], shop["user"], shop["version"]
    related(version, mugs[0], mugs[1:3], kind="bought_together")
    request = RequestFactory().get("/")
    request.user, request.session = user, SessionStore()
    html = Template("{% load ai_recommendations %}{% bought_together product k=2 %}").render(
        Context({"product": mugs[0], "request": request}))
    assert PlacementEvent.objects.filter(kind="impression", placement="bought_together", version=version.pk,
                                         user=user).count() == 2
    link = html.split('<a href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    client.force_login(user)
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == "/"  # althost items have no URL of their own
    click = PlacementEvent.objects.get(kind="click")
    assert (click.placement, click.version, click.product_id, click.user) == (
        "bought_together", version.pk, mugs[1].pk, user)
    Interaction.objects.create(user=user, product=mugs[1], kind="purchase", source="backfill")
    row = online_metrics()[0]
    assert (row["impressions"], row["clicks"], row["conversions"], row["ctr"], row["conversion"]) == (2, 1, 1, 0.5, 1.0)
    assert "bought_together" in admin_client.get("/admin/ai_commerce/dashboard/").content.decode()
    # A broken or foreign link is refused, and nothing is logged.
    for bad in ({"a": "x", "p": mugs[1].pk, "next": "/"}, {"a": "similar:1", "p": mugs[1].pk,
                                                           "next": "https://evil.example/"}):
        assert client.get("/ai/r/", bad).status_code == 400
    assert PlacementEvent.objects.filter(kind="click").count() == 1


def test_an_anonymous_visitors_recent_views_are_cached_and_kept_in_step(shop, client, django_assert_num_queries):
    from ai_commerce import events

    mugs, jugs, version = shop["mugs"], shop["jugs"], shop["version"]
    related(version, jugs[0], jugs[1:4])
    related(version, mugs[0], mugs[1:4])
    events.record_event(kind="view", product=jugs[0], session_key="s2")
    assert ids(serving.recommended_for(None, session_key="s2", k=3)) == [j.pk for j in jugs[1:4]]
    with django_assert_num_queries(0):  # the session's recent products and its list are both cached
        serving.recommended_for(None, session_key="s2", k=3)
    # A view recorded through the event endpoint (or a page's view tag) counts at once, though the session's
    # recent products were cached before it.
    events.record_event(kind="view", product=jugs[0], session_key="s3")
    assert not {m.pk for m in mugs} & set(ids(serving.recommended_for(None, session_key="s3", k=3)))
    serving.remember_views([events.new_event(kind="view", product=mugs[0], session_key="s3")])
    assert mugs[1].pk in ids(serving.recommended_for(None, session_key="s3", k=6))
    session_key = client.session.session_key  # the test client's session, which the event endpoint will use
    events.record_event(kind="view", product=jugs[0], session_key=session_key)
    assert not {m.pk for m in mugs} & set(ids(serving.recommended_for(None, session_key=session_key, k=3)))
    assert client.post("/ai/api/events/", {"events": [{"kind": "view", "product": mugs[0].pk}]},
                       content_type="application/json").status_code == 201
    assert client.session.session_key == session_key
    assert mugs[1].pk in ids(serving.recommended_for(None, session_key=session_key, k=6))


def placement_ids(html):
    """The product ids of a page's items, placement by placement, in the order they render."""
    import re

    return [[int(p) for p in re.findall(r"[?&;]p=(\d+)", block)] for block in html.split('class="ai-placement')[1:]]


PAGE = ("{% load ai_recommendations %}{% distinct_placements %}{% recommended_products k=4 %}"
        "{% trending_products k=4 %}{% similar_products product k=4 %}")


def test_distinct_placements_show_no_product_twice_in_the_order_the_page_renders_them(shop):
    mugs, user, version = shop["mugs"], shop["user"], shop["version"]
    recs(version, user, [(m, "bought_with", mugs[0]) for m in mugs[1:5]])
    trending_rows(version, mugs[1:9])
    related(version, mugs[0], mugs[2:12])  # three of them not among the lists above
    request = RequestFactory().get("/")
    request.user, request.session = user, None
    recommended, trending, similar = placement_ids(Template(PAGE).render(
        Context({"product": mugs[0], "request": request})))
    assert recommended == [m.pk for m in mugs[1:5]]
    assert trending == [m.pk for m in mugs[5:9]]  # the next four trending: the first four were just shown
    assert len(similar) == 4 and not set(similar) & {*recommended, *trending}
    # Without the tag, each placement is on its own: trending repeats what was recommended.
    request = RequestFactory().get("/")
    request.user, request.session = user, None
    plain = PAGE.replace("{% distinct_placements %}", "")
    recommended, trending, _similar = placement_ids(Template(plain).render(
        Context({"product": mugs[0], "request": request})))
    assert set(recommended) & set(trending)


def test_an_anonymous_visitor_without_history_sees_one_list_of_trending_products(shop, client):
    """Issue 25: the demo's anonymous home page showed the same six products as 'Recommended for you' and as
    'Trending now'. A list that is only what everyone gets is shown once per distinct page, cached or not."""
    from django.contrib.auth.models import AnonymousUser

    mugs, version = shop["mugs"], shop["version"]
    trending_rows(version, mugs)
    home = Template("{% load ai_recommendations %}{% distinct_placements %}{% recommended_products k=4 %}"
                    "{% trending_products k=4 %}{% trending_products k=4 category='Mugs' %}")
    for _cold_then_cached in range(2):
        request = RequestFactory().get("/")
        request.user, request.session = AnonymousUser(), None
        html = home.render(Context({"request": request}))
        blocks = placement_ids(html)
        assert html.count("ai-placement ai-recommended") == 1 and "ai-placement ai-trending" in html
        assert blocks[0] == [m.pk for m in mugs[:4]]
        assert len(blocks) == 2 and blocks[1] == [m.pk for m in mugs[4:8]]  # trending in Mugs: scoped, distinct


def test_before_any_training_an_anonymous_visitor_sees_one_list_of_the_catalogue(shop):
    """No rows yet (a new shop): every placement backfills from the catalogue, which is the same for everyone, so a
    distinct page shows it once."""
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user, request.session = AnonymousUser(), None
    home = Template("{% load ai_recommendations %}{% distinct_placements %}{% recommended_products k=4 %}"
                    "{% trending_products k=4 %}")
    html = home.render(Context({"request": request}))
    assert html.count('class="ai-placement ') == 1 and "You might also like" in html


class NoPreOrders:
    """A shop's adapter that hides pre-order products (their title says so) from every placement."""

    def eligible(self, queryset=None):
        return super().eligible(queryset).exclude(ai_title__icontains="pre-order")


def pre_order_adapter():
    from ai_commerce.adapter import ShopAdapter

    return type("PreOrderAdapter", (NoPreOrders, ShopAdapter), {})


PreOrderAdapter = pre_order_adapter()


def test_an_overridden_eligible_applies_to_every_placement_not_only_the_backfill(settings):
    mugs, _version, shopper = served_catalog(6)
    hidden = mugs[2]
    hidden.label = "Mugs 2 (pre-order)"
    hidden.save()
    before = {
        "recommended": ids(serving.recommended_for(shopper, k=5)),
        "similar": ids(serving.similar_to(mugs[0], k=5)),
        "trending": ids(serving.trending(k=5)),
    }
    assert all(hidden.pk in got for got in before.values())  # the default rule serves it (in stock, listed)
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "ADAPTER": f"{__name__}.PreOrderAdapter"}
    serving.forget_served()
    after = {
        "recommended": ids(serving.recommended_for(shopper, k=5)),
        "similar": ids(serving.similar_to(mugs[0], k=5)),
        "trending": ids(serving.trending(k=5)),
    }
    assert all(hidden.pk not in got for got in after.values()), after
    # still as many as the catalogue allows: five, and four similar ones (six mugs, less the product, less hidden)
    assert [len(got) for got in after.values()] == [5, 4, 5], after
