"""What search and a re-ranked listing serve, for a merchandising preview (``ai_commerce.arrangement.ranked``)."""

from ai_commerce.adapter import get_adapter
from ai_commerce.arrangement import Shown

from .service import rerank, search


def ranked(surface, *, user=None, query="", category="", product=None, k=10):
    """The first ``k`` results of a search for ``query`` (in ``category``), or of the listing of ``category`` as
    ``rerank`` orders it (the shop's listing: its eligible products by pk); None for another surface."""
    if surface == "search":
        page = search(query, user=user, category=category or None, page_size=k, log=False)
        return [Shown(r.product.pk, r.title, "Featured" if r.featured else "") for r in page.results]
    if surface == "listing":
        adapter = get_adapter()
        listing = adapter.eligible()
        if category:
            listing = listing.filter(ai_category=category)
        ids = list(listing.order_by("pk").values_list("pk", flat=True)[:200])
        titles = {pk: values.get("title") or str(pk) for pk, values in adapter.product_values(ids).items()}
        return [Shown(pk, titles.get(pk, str(pk)), "") for pk in rerank(ids, user=user, category=category)[:k]]
    return None
