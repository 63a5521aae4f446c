"""Content-based neighbours of a product the model has not seen yet (added after the last retrain).

TF-IDF over title, description and category (scikit-learn, no TensorFlow), cosine similarity against the catalog:
enough to make a new product reachable from "similar items" until the next retrain embeds it.
"""

from django.db import transaction
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import linear_kernel

from ai_commerce.adapter import get_adapter

from .models import ContentNeighbour

NEIGHBOURS = 20


def _text(values):
    return " ".join(str(values.get(key) or "") for key in ("title", "description", "category", "category"))


def index_product(product_id, k=NEIGHBOURS):
    """(Re)compute the content neighbours of ``product_id`` and of nothing else; return how many were written."""
    catalog = get_adapter().product_values()
    if product_id not in catalog or len(catalog) < 2:
        return 0
    ids = [pk for pk in catalog if pk != product_id]
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    matrix = vectorizer.fit_transform([_text(catalog[product_id]), *(_text(catalog[pk]) for pk in ids)])
    scores = linear_kernel(matrix[0], matrix[1:]).ravel()
    best = scores.argsort()[::-1][:k]
    rows = [ContentNeighbour(source_id=product_id, product_id=ids[i], rank=rank, score=float(scores[i]))
            for rank, i in enumerate(best, 1) if scores[i] > 0]
    with transaction.atomic():
        ContentNeighbour.objects.filter(source_id=product_id).delete()
        ContentNeighbour.objects.bulk_create(rows)
    return len(rows)
