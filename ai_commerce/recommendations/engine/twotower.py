"""TFRS two-tower retrieval model and the optional TFRS ranking model (Celery workers only).

TensorFlow is imported lazily inside the functions, with TF_USE_LEGACY_KERAS=1 set first (TFRS 0.7 needs tf-keras).
The outputs are numpy arrays (user query embeddings at a point in time, item embeddings, layer weights), so serving
and ``Recommender.recommend`` never need TensorFlow.
"""

from __future__ import annotations

import os

import numpy as np

from . import threads
from .data import DAY, KINDS


def _tf():
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tensorflow as tf
    import tensorflow_recommenders as tfrs

    threads.tensorflow(tf)  # the same thread count on every machine: the figures depend on it (.threads)
    return tf, tfrs


def _encode(inter, uv, iv, params):
    u = uv.encode(inter.users)
    i = iv.encode(inter.items)
    ok = (u >= 0) & (i >= 0)
    kind_w = np.array([float(params["kind_weights"].get(k, 0.0)) for k in KINDS])
    kidx = np.array([KINDS.index(k) for k in inter.kinds[ok].tolist()], dtype=np.int64)
    w = kind_w[kidx] if len(kidx) else np.zeros(0)
    return u[ok], i[ok], inter.ts[ok], w


def _history(u, i, t, w, query_u, query_t, n_items, h, decay_days):
    """For each query (user, time): the user's last ``h`` events strictly before that time, as item indices (pad =
    n_items) with time-decayed weights, and log days since the previous event. Events must be sorted by (u, t)."""
    key_ev = u.astype(np.float64) * 1e10 + t
    key_q = query_u.astype(np.float64) * 1e10 + query_t
    end = np.searchsorted(key_ev, key_q, side="left")  # first event at or after the query time
    start = np.searchsorted(u, query_u, side="left")
    pos = end[:, None] - np.arange(1, h + 1)[None, :]
    valid = pos >= start[:, None]
    pos_c = np.clip(pos, 0, max(len(i) - 1, 0))
    hist = np.where(valid, i[pos_c] if len(i) else n_items, n_items)
    age = np.where(valid, (query_t[:, None] - t[pos_c]) / DAY if len(t) else 0.0, 0.0)
    hw = np.where(valid, (w[pos_c] if len(w) else 0.0) * np.exp(-age / decay_days), 0.0)
    has_prev = end > start
    prev_t = t[np.clip(end - 1, 0, max(len(t) - 1, 0))] if len(t) else query_t
    gap = np.where(has_prev, np.log1p(np.maximum(query_t - prev_t, 0.0) / DAY), -1.0)
    return hist.astype(np.int32), hw.astype(np.float32), gap.astype(np.float32)


def _time_features(ts, gap):
    doy = 2 * np.pi * ((ts / DAY) % 365.25) / 365.25
    return np.column_stack([np.sin(doy), np.cos(doy), gap]).astype(np.float32)


def _build_model(tf, tfrs, n_users, n_items, meta, params):
    dim = int(params["tt_dim"])
    logq = float(params["tt_logq"])  # strength of the popularity correction: 0 = off, 1 = full logQ
    keras = tf.keras
    n_cats = len(meta.categories)
    buckets = int(params["tt_text_buckets"])
    item_tokens = tf.constant(meta.tokens.astype(np.int32))
    item_cat = tf.constant(meta.category.astype(np.int32))
    item_band = tf.constant(meta.price_band.astype(np.int32))

    class TwoTower(tfrs.Model):
        def __init__(self):
            super().__init__()
            self.user_emb = keras.layers.Embedding(n_users, dim, name="user_emb")
            self.hist_emb = keras.layers.Embedding(n_items + 1, dim, name="hist_emb")
            self.item_emb = keras.layers.Embedding(n_items, dim, name="item_emb")
            self.tok_emb = keras.layers.Embedding(buckets, dim, name="tok_emb")
            self.cat_emb = keras.layers.Embedding(max(n_cats, 1), max(dim // 2, 4), name="cat_emb")
            self.band_emb = keras.layers.Embedding(9, 8, name="band_emb")
            self.q_mlp = keras.Sequential([keras.layers.Dense(2 * dim, activation="relu"), keras.layers.Dense(dim)],
                                          name="query_tower")
            self.c_mlp = keras.Sequential([keras.layers.Dense(2 * dim, activation="relu"), keras.layers.Dense(dim)],
                                          name="candidate_tower")
            self.task = tfrs.tasks.Retrieval(temperature=float(params["tt_temperature"]),
                                             remove_accidental_hits=True)

        def query(self, user, hist, hist_w, tfeat):
            he = self.hist_emb(hist)
            hw = tf.expand_dims(hist_w, -1)
            pooled = tf.reduce_sum(he * hw, axis=1) / (tf.reduce_sum(hw, axis=1) + 1e-6)
            x = tf.concat([self.user_emb(user), pooled, tfeat], axis=1)
            return tf.math.l2_normalize(self.q_mlp(x), axis=1)

        def candidate(self, item):
            toks = tf.gather(item_tokens, item)
            mask = tf.cast(toks > 0, tf.float32)[..., None]
            text = tf.reduce_sum(self.tok_emb(toks) * mask, axis=1) / (tf.reduce_sum(mask, axis=1) + 1e-6)
            x = tf.concat([self.item_emb(item), text, self.cat_emb(tf.gather(item_cat, item)),
                           self.band_emb(tf.gather(item_band, item))], axis=1)
            return tf.math.l2_normalize(self.c_mlp(x), axis=1)

        def compute_loss(self, features, training=False):
            q = self.query(features["user"], features["hist"], features["hist_w"], features["tfeat"])
            c = self.candidate(features["item"])
            prob = features["prob"] if logq > 0 else None
            return self.task(q, c, sample_weight=features["weight"], candidate_sampling_probability=prob,
                             candidate_ids=features["item"], compute_metrics=False, compute_batch_metrics=False)

    return TwoTower()


def fit_two_tower(inter, meta, uv, iv, cut, params):
    """Train on the events before ``cut``; return (user query embeddings at ``cut``, item embeddings, weights)."""
    tf, tfrs = _tf()
    seed = int(params["tt_seed"])
    tf.keras.utils.set_random_seed(seed)
    n_users, n_items = len(uv), len(iv)
    u, i, t, w = _encode(inter.before(cut), uv, iv, params)
    order = np.lexsort((t, u))
    u, i, t, w = u[order], i[order], t[order], w[order]
    h = int(params["tt_history"])
    decay = float(params["tt_decay_days"])
    hist, hist_w, gap = _history(u, i, t, w, u, t, n_items, h, decay)
    weight = (w * np.exp(-(cut - t) / DAY / decay)).astype(np.float32)
    freq = np.bincount(i, minlength=n_items).astype(np.float64)
    # logQ correction: TFRS subtracts log(prob) from the logits; prob ** strength scales the correction
    prob = ((freq / max(freq.sum(), 1.0))[i] ** float(params["tt_logq"])).astype(np.float32)
    keep = weight > 0
    data = {"user": u[keep].astype(np.int32), "item": i[keep].astype(np.int32), "hist": hist[keep],
            "hist_w": hist_w[keep], "tfeat": _time_features(t[keep], gap[keep]), "weight": weight[keep] / max(
                float(weight[keep].mean()) if keep.any() else 1.0, 1e-9), "prob": prob[keep]}
    model = _build_model(tf, tfrs, n_users, n_items, meta, params)
    model.compile(optimizer=tf.keras.optimizers.Adagrad(learning_rate=float(params["tt_learning_rate"])))
    n = len(data["user"])
    batch = int(params["tt_batch"])
    # Shuffle row numbers, not rows: the order depends only on the count, the buffer and the seed, so the batches
    # are those a shuffle of the rows themselves gives (the same embeddings), and each batch is gathered at once
    # instead of seven tensors copied per row through the shuffle buffer (6.6 s of 7.9 per fit on Online Retail).
    columns = {key: tf.constant(value) for key, value in data.items()}
    ds = (tf.data.Dataset.range(n).shuffle(min(n, 200_000), seed=seed, reshuffle_each_iteration=True)
          .batch(batch, drop_remainder=n > batch)
          .map(lambda rows: {key: tf.gather(value, rows) for key, value in columns.items()})
          .prefetch(2))
    if n:
        model.fit(ds, epochs=int(params["tt_epochs"]), verbose=0)
    # query embeddings of every user at `cut`
    qu = np.arange(n_users, dtype=np.int64)
    qt = np.full(n_users, float(cut))
    qh, qhw, qgap = _history(u, i, t, w, qu, qt, n_items, h, decay)
    q = model.query(tf.constant(qu.astype(np.int32)), tf.constant(qh), tf.constant(qhw),
                    tf.constant(_time_features(qt, qgap))).numpy()
    e = model.candidate(tf.constant(np.arange(n_items, dtype=np.int32))).numpy()
    weights = {f"w{n}": a for n, a in enumerate(model.get_weights())}
    return q.astype(np.float32), e.astype(np.float32), weights


def fit_tfrs_ranker(x, y, params):
    """A TFRS ranking model (MLP, binary cross-entropy) on standardised features; returns numpy weights for
    ``ranker.mlp_forward``."""
    tf, tfrs = _tf()
    tf.keras.utils.set_random_seed(int(params["seed"]))
    x = np.nan_to_num(np.asarray(x, dtype=np.float32), nan=0.0)
    mean = x.mean(axis=0)
    std = x.std(axis=0) + 1e-6
    xs = (x - mean) / std
    keras = tf.keras

    class RankingModel(tfrs.Model):
        def __init__(self):
            super().__init__()
            self.mlp = keras.Sequential([keras.layers.Dense(64, activation="relu"),
                                         keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
            self.task = tfrs.tasks.Ranking(loss=keras.losses.BinaryCrossentropy(from_logits=True))

        def compute_loss(self, features, training=False):
            return self.task(labels=features["y"], predictions=self.mlp(features["x"]))

    model = RankingModel()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3))
    columns = {"x": tf.constant(xs), "y": tf.constant(y.astype(np.float32)[:, None])}
    ds = (tf.data.Dataset.range(len(y)).shuffle(min(len(y), 200_000), seed=int(params["seed"])).batch(1024)
          .map(lambda rows: {key: tf.gather(value, rows) for key, value in columns.items()}).prefetch(2))  # as above
    model.fit(ds, epochs=int(params["ranker_epochs"]), verbose=0)
    layers = [(d.kernel.numpy(), d.bias.numpy()) for d in model.mlp.layers]
    return {"mean": mean, "std": std, "layers": layers}
