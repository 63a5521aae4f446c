"""The engine's public names, where they were before the pipeline was split into modules of one job each:
``.pipeline`` (train), ``.system`` (the learned system), ``.judge``, ``.gate``, ``.recommender``, ``.reasons``,
``.persistence``, ``.sources`` and ``.registry``."""

from .pairs import Prepared
from .pipeline import evaluate_holdout, make_vocabs, train
from .reasons import REASONS, Rec
from .recommender import Recommender
from .system import CONFIG, Engine

__all__ = ["CONFIG", "REASONS", "Engine", "Prepared", "Rec", "Recommender", "evaluate_holdout", "make_vocabs",
           "train"]
