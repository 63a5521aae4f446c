"""Search on the Oscar shop through the one-line preset: Oscar's titles and categories indexed, a misspelled query
finds the product, the API answers with why it matched, and a category listing is re-ranked without losing any."""

import pytest

from ai_commerce.search.service import rerank, search

pytestmark = pytest.mark.django_db


def test_a_misspelled_query_finds_oscars_product_and_says_why(shop):
    found = search("stapel 3")  # one edit in a six-letter word
    assert found.total >= 1 and found.results[0].product.pk == shop.staples[3].pk
    assert "title" in found.results[0].matched and found.did_you_mean.startswith("staple")


def test_the_api_searches_oscars_catalogue(client, shop):
    response = client.get("/ai/api/search/", {"q": "staple 2"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["results"][0]["title"] == "Staple 2" and body["results"][0]["matched"]["title"]
    assert client.get("/ai/api/search/", {"q": "x" * 5000}).status_code == 400


def test_a_category_listing_is_reranked_without_dropping_a_product(shop):
    from oscar.apps.catalogue.models import Product

    listing = list(Product.objects.filter(categories=shop.tea).values_list("pk", flat=True))
    assert len(listing) > 5
    assert sorted(map(str, rerank(listing))) == sorted(map(str, listing))  # ids in, the same ids out
    queryset = Product.objects.filter(categories=shop.tea)
    assert sorted(product.pk for product in rerank(queryset)) == sorted(listing)
