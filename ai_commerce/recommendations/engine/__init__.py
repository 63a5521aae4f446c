"""Recommendation engine: the pure-Python ML core (no Django).

Candidate sources (a TFRS two-tower retrieval model, implicit ALS, item-kNN, co-purchase, recent popularity,
trending, repeat category) feed one learned ranker; the sources and the ranker are chosen per shop on a validation
window inside the training window. ``train`` judges the learned system and the baselines (``.baselines``) on the
same temporal holdout (DESIGN section 7), then fits on all data whichever serves the shop better. TensorFlow is only
imported lazily, inside ``.twotower``; importing this package never does.
"""

from .data import Interactions, NotEnoughData, Products
from .params import default_params
from .pipeline import train
from .reasons import Rec
from .recommender import Recommender

__all__ = ["Interactions", "NotEnoughData", "Products", "Rec", "Recommender", "default_params", "train"]
