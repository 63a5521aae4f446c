"""A Recommender on disk: the shared State (``features.state_to_files``), the ranker, each fitted source's own
arrays (``<name>_weights.npz``, from ``Source.to_arrays``) and a JSON description (no TensorFlow)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np

from .data import Vocab, plain
from .features import state_from_files, state_to_files
from .params import DEFAULTS
from .ranker import Ranker
from .registry import SOURCES

FORMAT_VERSION = 2  # 2: each fitted source saves its own arrays


def save(rec, directory):
    """Write ``rec`` into ``directory``; returns the paths written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    eng = rec._engine
    written = state_to_files(eng.state, directory)
    ranker = eng.ranker
    if ranker.kind == "hgb":
        path = directory / "ranker.pkl"
        with open(path, "wb") as fh:
            pickle.dump(ranker.model, fh, protocol=pickle.HIGHEST_PROTOCOL)
        written.append(str(path))
    elif ranker.kind == "tfrs":
        path = directory / "ranker_mlp.npz"
        arrays = {"mean": ranker.model["mean"], "std": ranker.model["std"]}
        for n, (w, b) in enumerate(ranker.model["layers"]):
            arrays[f"w{n}"], arrays[f"b{n}"] = w, b
        np.savez(path, **arrays)
        written.append(str(path))
    fitted = [name for name in eng.state.fitted if name in eng.sources or name == rec.served]
    for name in fitted:
        path = directory / f"{name}_weights.npz"
        np.savez(path, **eng.state.fitted[name].to_arrays())
        written.append(str(path))
    meta = {
        "format": FORMAT_VERSION,
        "params": rec.params,
        "metrics": rec.metrics,
        "users": [plain(u) for u in rec._uv.ids],
        "items": [plain(i) for i in rec._iv.ids],
        "categories": rec._meta.categories,
        "texts": rec._meta.texts,
        "ranker": {"kind": ranker.kind, "columns": ranker.columns},
        "sources": eng.sources,
        # the blend the selection chose (.blend): the engine ranks with it, the shop's params do not hold it
        "blend": {key: eng.params.get(key, DEFAULTS[key]) for key in ("anchor", "anchor_weight")},
        "fitted": fitted,
        "served": rec.served,
    }
    path = directory / "recommender.json"
    path.write_text(json.dumps(meta), encoding="utf-8")
    written.append(str(path))
    return written


def load(cls, directory):
    """The Recommender ``save`` wrote into ``directory``."""
    from .system import Engine

    directory = Path(directory)
    meta = json.loads((directory / "recommender.json").read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT_VERSION:
        raise ValueError(f"unsupported recommender format {meta.get('format')!r} in {directory}")
    state = state_from_files(directory, meta["categories"], meta["texts"])
    kind, columns = meta["ranker"]["kind"], meta["ranker"]["columns"]
    model = None
    if kind == "hgb":
        with open(directory / "ranker.pkl", "rb") as fh:
            model = pickle.load(fh)  # written by our own trainer into the model version directory
    elif kind == "tfrs":
        with np.load(directory / "ranker_mlp.npz") as z:
            n_layers = sum(1 for f in z.files if f.startswith("w"))
            model = {"mean": z["mean"], "std": z["std"], "layers": [(z[f"w{n}"], z[f"b{n}"]) for n in range(n_layers)]}
    for name in meta["fitted"]:
        if name not in SOURCES:
            raise ValueError(f"the saved recommender in {directory} uses source {name!r}, which is not registered")
        with np.load(directory / f"{name}_weights.npz", allow_pickle=False) as z:
            state.fitted[name] = SOURCES[name].from_arrays({f: z[f] for f in z.files}, state)
    params, served = meta["params"], meta.get("served", "learned")
    engine = Engine(state, Ranker(kind, columns, model), meta["sources"], {**params, **meta.get("blend", {})})
    scorer = state.fitted[served] if served != "learned" else None
    return cls(engine, Vocab(meta["users"]), Vocab(meta["items"]), state.meta, params, meta["metrics"],
               served=served, scorer=scorer)
