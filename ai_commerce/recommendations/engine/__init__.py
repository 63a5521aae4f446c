"""Recommendation engine: the pure-Python ML core (no Django).

Candidate sources (a TFRS two-tower retrieval model, item-kNN, co-purchase, recent popularity, trending, repeat
category) feed one learned ranker; ``train`` evaluates on a temporal holdout (DESIGN section 7) against baselines and
then fits on all data. TensorFlow is only imported lazily, inside ``.twotower``; importing this package never does.
"""

from .data import Interactions, NotEnoughData, Products
from .model import Rec, Recommender, train
from .params import default_params

__all__ = ["Interactions", "NotEnoughData", "Products", "Rec", "Recommender", "default_params", "train"]
