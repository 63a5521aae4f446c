"""Learning the search ranking from the shop's own sessions: simulated shoppers (demo_shop's search_sessions: a
wanted product drawn by popularity, its words typed, position-biased clicks, orders) search the tests' host shop;
the trainer judges lexical, lexical plus popularity and the learned ranker on the newest sessions. Real training
(scikit-learn), tiny data."""

import datetime as dt

import pytest
from django.utils import timezone

from ai_commerce import registry
from ai_commerce.models import Interaction, ModelVersion, TrainingRun
from ai_commerce.search import learning, service, serving
from ai_commerce.search.models import SearchClick, SearchQuery
from tests.factories import ItemFactory, SectionFactory, StockRecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_search_index")]


def _load_simulator():
    """demo_shop/catalog/search_sessions.py, read by path: importing the ``demo_shop`` package would make its Celery
    app the current one for the rest of this suite (the broker tests read the tests' own)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "demo_shop" / "catalog" / "search_sessions.py"
    spec = importlib.util.spec_from_file_location("search_sessions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


search_sessions = _load_simulator()
PRODUCTS = [("Blue ceramic mug", 1), ("Red ceramic mug", 1), ("Green ceramic mug", 40), ("White stoneware mug", 2),
            ("Black stoneware mug", 12), ("Linen cushion", 3), ("Wool cushion", 25), ("Scented candle", 4),
            ("Soy wax candle", 30), ("Glass vase", 2), ("Ceramic vase", 15), ("Striped throw", 8)]


@pytest.fixture
def shop(db):
    section = SectionFactory(name="Home")
    items = []
    for label, _popularity in PRODUCTS:
        item = ItemFactory(label=label, summary="")
        item.sections.add(section)
        StockRecordFactory(item=item, num_in_stock=10)
        items.append(item)
    return items


def lexical_ids(query):
    return [r.product.pk for r in service.search(query, page_size=10, log=False).results]


def record(shop, n, seed=3):
    """Write ``n`` simulated search sessions (ending a day ago): the searches, their clicks, and an order (a
    purchase event by the same session) where the shopper bought."""
    products = [{"id": item.pk, "title": label, "popularity": pop} for item, (label, pop) in zip(shop, PRODUCTS,
                                                                                                    strict=True)]
    sessions = search_sessions.simulate(products, n, lexical_ids, seed=seed, typo_p=0.1)
    start = timezone.now() - dt.timedelta(days=30)
    for i, s in enumerate(sessions):
        at = start + dt.timedelta(days=29 * s["at"])
        search = SearchQuery.objects.create(token=f"t{seed}-{i}", session_key=f"shopper{i}", query=s["query"],
                                            normalised=s["query"], total=len(s["shown"]), shown=s["shown"],
                                            occurred_at=at)
        for pid, label in s["labels"].items():
            SearchClick.objects.create(search=search, product_id=pid, position=s["shown"].index(pid) + 1,
                                       occurred_at=at)
            if label >= 2:
                Interaction.objects.create(session_key=f"shopper{i}", product_id=pid, source="app",
                                           kind="purchase" if label == 3 else "cart",
                                           occurred_at=at + dt.timedelta(minutes=5))
    return sessions


def train():
    return registry.execute_run(TrainingRun.objects.create(kind="search").pk)


def test_few_sessions_serve_a_fresh_index_with_the_lexical_ranking_and_say_why(shop):
    record(shop, 10)
    run = train()
    version = run.model_version
    assert run.status == "succeeded" and version.is_active and version.metrics["serving"] == "lexical"
    assert "needs 40" in version.metrics["reason"] and version.metrics["products"] == len(PRODUCTS)
    serving.reset()
    assert service.search("mug", log=False).ranker == "lexical"


def test_the_ranking_learned_from_clicks_and_orders_beats_lexical_on_held_out_sessions(shop):
    record(shop, 400)
    version = train().model_version
    m = version.metrics
    assert version.is_active and m["sessions"] >= 100 and m["held_out"] >= 20
    assert m["serving"] in ("learned", "lexical_popularity")
    assert m["ndcg_at_10"] >= max(m["lexical_ndcg_at_10"], m["lexical_popularity_ndcg_at_10"])
    assert m["ndcg_at_10"] > m["lexical_ndcg_at_10"] + 0.02, m  # the popular green mug is what "mug" wants
    serving.reset()
    page = service.search("mug", log=False)
    assert page.ranker == m["serving"] and page.results[0].title == "Green ceramic mug"
    # Shoppers who typed "cup" (the simulator's synonym of "mug") chose mugs: "cup" is learned as a synonym.
    assert m["learned_synonyms"].get("cup") == ["mug"] and "taste_groups" in m
    found = service.search("cup", log=False)
    assert found.rescue == "" and found.results[0].title == "Green ceramic mug"
    assert found.results[0].matched["title"] == ["mug (synonym)"]


def test_labels_come_from_clicks_baskets_and_orders_of_the_same_shopper(shop):
    record(shop, 30)
    from ai_commerce.search.training import load_sessions

    loaded = load_sessions(7)
    assert all(isinstance(s, learning.Session) for s in loaded)
    assert len(loaded) == SearchQuery.objects.exclude(shown=[]).count() > 20  # a search that showed nothing: no
    clicked = SearchClick.objects.count()
    assert sum(len(s.labels) for s in loaded) == clicked
    bought = Interaction.objects.filter(kind="purchase").count()
    assert sum(1 for s in loaded for g in s.labels.values() if g == 3) == bought
    assert ModelVersion.objects.of_kind("search").count() == 0


def test_dashboard_shows_what_ranks_why_and_the_analytics(admin_client, shop):
    record(shop, 10)
    SearchQuery.objects.create(token="zero", session_key="z", query="teapot", normalised="teapot", total=0)
    train()
    page = admin_client.get("/admin/ai_commerce/dashboard/").content.decode()
    assert 'id="ai-search"' in page and "Ranking that serves: lexical" in page and "needs 40" in page
    assert "Top queries" in page and "Queries that found nothing" in page and "<td>teapot</td>" in page
    assert "Click-through by position" in page and "<rect" in page
    assert "Conversion by query" in page and "/admin/ai_commerce_search/searchquery/preview/" in page
    assert admin_client.get("/admin/ai_commerce_search/searchquery/").status_code == 200


def test_conversion_per_query_credits_baskets_and_orders_as_the_trainer_does(shop):
    from ai_commerce.search import analytics

    sessions = record(shop, 60)
    report = analytics.report(limit=50)
    by_query = {row["normalised"]: row for row in report["top"]}
    expected_converted, expected_ordered, expected_clicked = {}, {}, {}
    for s in sessions:
        best = max(s["labels"].values(), default=0)
        expected_clicked[s["query"]] = expected_clicked.get(s["query"], 0) + bool(s["labels"])
        expected_converted[s["query"]] = expected_converted.get(s["query"], 0) + (best >= 2)
        expected_ordered[s["query"]] = expected_ordered.get(s["query"], 0) + (best == 3)
    assert sum(expected_converted.values()) > 5
    for query, row in by_query.items():
        assert (row["converted"], row["ordered"]) == (expected_converted[query], expected_ordered[query]), query
        assert row["conversion"] == pytest.approx(100 * row["converted"] / row["searches"])
        # Click-through is the share of searches with a click, however many products each drew.
        assert row["ctr"] == pytest.approx(100 * expected_clicked[query] / row["searches"]) and row["ctr"] <= 100


def test_staff_preview_a_query_as_a_shopper_or_anonymous(admin_client, shop):
    from django.contrib.auth import get_user_model

    url = "/admin/ai_commerce_search/searchquery/preview/"
    empty = admin_client.get(url)
    assert empty.status_code == 200 and 'name="q"' in empty.content.decode()
    page = admin_client.get(url, {"q": "ceramc mug"}).content.decode()
    assert "Did you mean" in page and "<strong>ceramic mug</strong>" in page and "As an anonymous shopper" in page
    assert page.index("Green ceramic mug") > 0 and "title: ceramic (1 typo), mug" in page
    ann = get_user_model().objects.create_user("ann")
    Interaction.objects.create(user=ann, product_id=shop[7].pk, source="app", kind="purchase")
    as_ann = admin_client.get(url, {"q": "mug", "shopper": "ann"}).content.decode()
    assert "As ann" in as_ann and "Home 100%" in as_ann
    missing = admin_client.get(url, {"q": "mug", "shopper": "nobody"}).content.decode()
    assert "No user nobody" in missing and "As an anonymous shopper" in missing
    assert SearchQuery.objects.count() == 0  # a preview is not a shopper's search


def test_a_session_carries_its_shoppers_taste_from_events_before_the_search(shop):
    from ai_commerce.search.training import load_sessions

    record(shop, 5)
    first = SearchQuery.objects.order_by("occurred_at").first()
    candle, cushion = shop[7], shop[6]
    Interaction.objects.create(session_key=first.session_key, product_id=candle.pk, source="app", kind="view",
                               occurred_at=first.occurred_at - dt.timedelta(hours=1))
    Interaction.objects.create(session_key=first.session_key, product_id=cushion.pk, source="app", kind="view",
                               occurred_at=first.occurred_at + dt.timedelta(hours=1))  # after: not their taste then
    categories = {item.pk: ("Candles" if item is candle else "Home") for item in shop}
    loaded = load_sessions(7, categories)
    assert loaded[0].affinity == {"categories": {"Candles": 1.0}, "products": {candle.pk: 1.0}}
    assert all(s.affinity is None or "Candles" not in s.affinity["categories"] for s in loaded[1:])


def test_a_learned_ranking_that_weighs_taste_orders_a_known_shoppers_results_by_it(shop):
    from ai_commerce.search.ranking import FEATURES, LEARNED, Ranker

    index = serving.state().index
    matches = index.match("ceramic")
    positions = sorted(matches.scores)
    weights = [1.0 if f in ("shopper_affinity", "shopper_product") else 0.0 for f in FEATURES]
    ranker = Ranker(LEARNED, weights=weights, mean=[0.0] * len(FEATURES), scale=[1.0] * len(FEATURES))
    assert ranker.personal and not Ranker(LEARNED, weights=[0.0] * len(FEATURES)).personal
    vase = index.position[shop[10].pk]
    Interaction.objects.create(session_key="s1", product_id=shop[10].pk, source="app", kind="view")
    Interaction.objects.create(session_key="s1", product_id=shop[7].pk, source="app", kind="view")
    taste = service.taste(index, None, "s1")
    assert taste == {"categories": {index.categories[vase]: 1.0}, "products": {shop[10].pk: 1.0, shop[7].pk: 1.0}}
    scores = dict(zip(positions, ranker.score(index, matches, positions, "ceramic", taste), strict=True))
    # One category in this shop, so the category share ties them; the vase the shopper viewed comes first.
    assert scores[vase] == 2.0 and all(v == 1.0 for p, v in scores.items() if p != vase)
    assert ranker.score(index, matches, positions, "ceramic") == [0.0] * len(positions)  # anonymous
    old = Ranker(LEARNED, weights=weights[:9], mean=[0.0] * 9, scale=[1.0] * 9)  # a version saved with 9 features
    assert not old.personal and old.score(index, matches, positions, "ceramic", taste) == [0.0] * len(positions)
    assert service.taste(index, None, "") is None


def test_a_shoppers_taste_is_read_once_then_kept_in_step_with_their_events(shop, django_assert_num_queries):
    from ai_commerce import events
    from ai_commerce.search import privacy, shoppers
    from tests.factories import UserFactory

    index = serving.state().index
    Interaction.objects.create(session_key="s2", product_id=shop[7].pk, source="app", kind="view")
    assert service.taste(index, None, "s2")["products"] == {shop[7].pk: 1.0}  # read from the log: one query
    events.record_event(kind="view", product=shop[10], session_key="s2")  # announced: it goes in front
    with django_assert_num_queries(0):
        assert service.taste(index, None, "s2")["products"] == {shop[10].pk: 1.0, shop[7].pk: 1.0}
    Interaction.objects.create(session_key="s2", product_id=shop[9].pk, source="app", kind="view")
    assert shoppers.newest_products(None, "s2") == [shop[10].pk, shop[7].pk]  # not announced: until it expires
    user = UserFactory()
    events.record_event(kind="purchase", product=shop[3], user=user, session_key="s2")
    assert shoppers.newest_products(user.pk, "") == [shop[3].pk]
    assert shoppers.newest_products(None, "s2") == [shop[3].pk, shop[10].pk, shop[7].pk]  # the session's too
    privacy.forget_user(user.pk)
    Interaction.objects.filter(user=user).delete()
    assert shoppers.newest_products(user.pk, "") == []
    assert shoppers.newest_products(None, "s2") == [shop[9].pk, shop[10].pk, shop[7].pk]  # read anew, without theirs


def test_explore_swaps_the_first_result_with_one_further_down_at_the_share_asked():
    import random

    from ai_commerce.search.ranking import explore

    rng = random.Random(1)
    order = list(range(30))
    swaps = [explore(order, 0.2, rng)[1] for _ in range(2000)]
    assert 0.17 < sum(1 for k in swaps if k) / len(swaps) < 0.23 and set(swaps) == {0, *range(2, 11)}
    swapped, k = next((o, k) for o, k in (explore(order, 1.0, rng) for _ in range(5)) if k)
    assert swapped[0] == k - 1 and swapped[k - 1] == 0 and sorted(swapped) == order
    assert explore([7], 1.0, rng) == ([7], 0) and explore(order, 0, rng) == (order, 0)


def test_a_search_logs_the_swap_it_explored(shop, settings, monkeypatch):
    import random

    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SEARCH": {"EXPLORE_SHARE": 0.2}}
    monkeypatch.setattr(service, "_explorer", random.Random(4))
    lexical = [r.product.pk for r in service.search("mug", log=False).results]
    pages = [service.search("mug") for _ in range(40)]
    logged = list(SearchQuery.objects.order_by("pk"))
    assert len(logged) == 40 and 0 < sum(1 for row in logged if row.swap) < 40
    for page, row in zip(pages, logged, strict=True):
        shown = [r.product.pk for r in page.results]
        assert row.shown == shown
        if row.swap:  # the first result shown at the swapped position, and that one first
            assert shown[row.swap - 1] == lexical[0] and shown[0] == lexical[row.swap - 1]
        else:
            assert shown == lexical
    service.search("mug", page_size=1, page=2)  # only first pages are explored
    assert SearchQuery.objects.order_by("-pk").first().swap == 0


def test_the_position_bias_is_measured_from_the_swaps():
    import random

    rng = random.Random(5)
    sessions = []
    for n in range(6000):  # the first result is chosen at 60% when seen; a shopper looks at position k at k ** -1
        swap = rng.randint(2, 10) if rng.random() < 0.1 else 0
        shown = list(range(n * 10, n * 10 + 10))
        if swap:
            shown[0], shown[swap - 1] = shown[swap - 1], shown[0]
        top = n * 10
        seen = rng.random() < (shown.index(top) + 1) ** -1.0
        labels = {top: 1} if seen and rng.random() < 0.6 else {}
        sessions.append(learning.Session("mug", shown, labels, swap=swap))
    eta, swaps = learning.examination(sessions)
    assert swaps > 500 and 0.8 <= eta <= 1.2
    assert learning.examination(sessions[:500]) == (None, sum(1 for s in sessions[:500] if s.swap))
    assert learning.propensity(4, 1.0) == 0.25 and learning.propensity(3) == 0.5


def test_a_known_shoppers_search_is_ranked_by_their_taste_in_one_more_statement(shop, django_assert_max_num_queries):
    from ai_commerce.search.ranking import FEATURES, LEARNED, Ranker

    state = serving.state()
    weights = [1.0 if f in ("title", "shopper_product") else 0.0 for f in FEATURES]
    state.ranker = Ranker(LEARNED, weights=weights, mean=[0.0] * len(FEATURES), scale=[1.0] * len(FEATURES))
    anonymous = [r.title for r in service.search("ceramic mug", log=False).results]
    assert anonymous[0] != "Green ceramic mug"  # equal titles' scores: the lexical order's tie-break
    Interaction.objects.create(session_key="s1", product_id=shop[2].pk, source="app", kind="purchase")
    with django_assert_max_num_queries(3):  # eligibility, the shopper's taste, the page
        page = service.search("ceramic mug", session_key="s1", log=False)
    assert page.results[0].title == "Green ceramic mug" and page.ranker == "learned"
    assert sorted(r.title for r in page.results) == sorted(anonymous)


def test_taste_groups_gather_the_products_bought_by_the_same_shoppers():
    import random

    rng = random.Random(2)
    events = []
    for shopper in range(60):  # shoppers 0-29 buy products 1-6, the others 7-12; one basket in ten strays
        own = range(1, 7) if shopper < 30 else range(7, 13)
        for _ in range(5):
            pid = rng.randint(1, 12) if rng.random() < 0.1 else rng.choice(own)
            events.append((("u", shopper), pid))
    events.append((("u", 99), 13))  # bought by one shopper only: no group
    groups = learning.taste_groups(events)
    assert set(groups) == {str(p) for p in range(1, 13)}
    assert len({groups[str(p)] for p in range(1, 7)}) == 1 and len({groups[str(p)] for p in range(7, 13)}) == 1
    assert groups["1"] != groups["7"]
    assert learning.taste_groups(events[:2]) == {}


def test_a_learned_ranking_weighs_the_share_of_the_shoppers_products_in_each_taste_group(shop):
    from ai_commerce.search.ranking import FEATURES, LEARNED, Ranker

    index = serving.state().index
    matches = index.match("mug")
    positions = sorted(matches.scores)
    weights = [1.0 if f == "shopper_group" else 0.0 for f in FEATURES]
    groups = {str(item.pk): 0 if n < 3 else 1 for n, item in enumerate(shop)}  # the ceramic mugs, the rest
    ranker = Ranker(LEARNED, weights=weights, mean=[0.0] * len(FEATURES), scale=[1.0] * len(FEATURES), groups=groups)
    assert ranker.personal and Ranker.loads(ranker.dumps()).groups == groups
    # Three of the shopper's four products are in the ceramic mugs' group (a cushion is in the other).
    taste = {"categories": {"Home": 1.0}, "products": {shop[0].pk: 1.0, shop[1].pk: 1.0, shop[2].pk: 1.0,
                                                      shop[6].pk: 1.0}}
    scores = dict(zip(positions, ranker.score(index, matches, positions, "mug", taste), strict=True))
    ceramic = {index.position[item.pk] for item in shop[:3]}
    assert all(scores[p] == 0.75 for p in ceramic) and all(scores[p] == 0.25 for p in positions if p not in ceramic)
    assert ranker.score(index, matches, positions, "mug") == [0.0] * len(positions)  # anonymous


def test_the_trainer_learns_taste_groups_from_baskets_and_purchases_of_users_and_guests(shop):
    from ai_commerce.search.training import basket_events
    from tests.factories import UserFactory

    user = UserFactory()
    now = timezone.now()
    Interaction.objects.create(user=user, product_id=shop[0].pk, source="app", kind="purchase", occurred_at=now)
    Interaction.objects.create(session_key="g1", product_id=shop[1].pk, source="app", kind="cart", occurred_at=now)
    Interaction.objects.create(session_key="g1", product_id=shop[2].pk, source="app", kind="view", occurred_at=now)
    Interaction.objects.create(user=user, product_id=shop[3].pk, source="app", kind="purchase",
                               occurred_at=now - dt.timedelta(days=400))
    events = sorted(basket_events(since=now - dt.timedelta(days=365)), key=str)
    assert events == sorted([(user.pk, shop[0].pk, now), ("s:g1", shop[1].pk, now)], key=str)
