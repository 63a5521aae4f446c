"""Search in the demo shop: the search box on every page, the search page (typos forgiven, why each result matched,
signed links that log the click), and category pages re-ranked for the shopper with nothing dropped."""

import pytest

from ai_commerce.models import Interaction
from ai_commerce.search import serving
from ai_commerce.search.models import SearchClick, SearchQuery

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_search_index")]


def test_every_page_has_the_search_box(client, catalog):
    page = client.get("/").content.decode()
    assert 'class="ai-search-box"' in page and 'action="/search/"' in page and "/ai/api/search/suggest/" in page


def test_search_page_forgives_a_typo_and_logs_the_click(client, catalog):
    page = client.get("/search/", {"q": "prodcut 007"}).content.decode()
    assert "Did you mean" in page and "product 007" in page and "Product 007" in page
    assert "title: product (1 typo), 007" in page
    search = SearchQuery.objects.get()
    assert search.query == "prodcut 007" and search.did_you_mean == "product 007"
    link = page.split('class="ai-search-result"><a href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    answer = client.get(link)
    assert answer.status_code == 302 and answer["Location"] == "/products/product-007/"
    assert SearchClick.objects.get().position == 1


def test_category_pages_are_reranked_and_keep_every_product(client, catalog):
    before = list(client.get("/", {"category": "home"}).context["products"])
    popular = before[-2]  # near the end by name
    for n in range(5):
        Interaction.objects.create(session_key=f"s{n}", product=popular, kind="purchase", source="app")
    serving.reset()
    response = client.get("/", {"category": "home"})
    after = response.context["products"]
    assert response.context["paginator"].count == len(before) == len(after) == 16
    assert sorted(p.pk for p in after) == sorted(p.pk for p in before)
    assert list(after).index(popular) < list(before).index(popular)


def test_the_all_products_listing_is_reranked_too_and_pages_keep_every_product(client, catalog):
    def listing():
        first = client.get("/")
        pages = first.context["paginator"].num_pages
        return [p for n in range(1, pages + 1) for p in client.get("/", {"page": n}).context["products"]]

    before = listing()
    popular = before[-1]  # last by name
    for n in range(5):
        Interaction.objects.create(session_key=f"s{n}", product=popular, kind="purchase", source="app")
    serving.reset()
    after = listing()
    assert len(after) == len(before) > 24 and sorted(p.pk for p in after) == sorted(p.pk for p in before)
    assert after.index(popular) < before.index(popular)
