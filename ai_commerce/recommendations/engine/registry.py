"""The sources the engine knows, by name: one line per source. ``params["sources"]`` names those the ranker
consumes, ``params["baselines"]`` those judged alone (and served alone when the learned system loses to them).

A shop's own source: a ``sources.Source`` subclass, then ``register(MySource)`` (for example in an AppConfig's
``ready()``), then its name in ``PARAMS["sources"]`` or ``PARAMS["baselines"]``."""

from __future__ import annotations

from .ease import EASE
from .latent import ALS, TwoTower
from .neighbours import CoPurchase, ItemKNN
from .popular import Popularity, RecentPopularity, RepeatCategory, Trending
from .rp3beta import RP3beta

SOURCES = {}


def register(source_class):
    """Make ``source_class`` known by its ``name`` (a later registration of the same name replaces it)."""
    if not source_class.name:
        raise ValueError(f"{source_class.__name__} has no name")
    SOURCES[source_class.name] = source_class
    return source_class


def unregister(name):
    SOURCES.pop(name, None)


for _source in (TwoTower, ALS, ItemKNN, CoPurchase, RecentPopularity, Trending, RepeatCategory, Popularity, EASE,
                RP3beta):
    register(_source)


def all_features():
    """Every feature any known source contributes (the rest of the ranker's features are shared context)."""
    return {f for cls in SOURCES.values() for f in cls.features}


def features_of(names):
    return {f for name in names if name in SOURCES for f in SOURCES[name].features}


def label(name):
    cls = SOURCES.get(name)
    return cls.label or name if cls else name
