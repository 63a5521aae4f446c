"""Similar items as a blend of behaviour, content and category (ai_commerce.recommendations.engine.similar), on a real
engine State built from a small synthetic shop (no stubs, no TensorFlow)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ai_commerce.recommendations.engine.data import DAY, Interactions, Vocab
from ai_commerce.recommendations.engine.features import ItemMeta, State
from ai_commerce.recommendations.engine.params import default_params
from ai_commerce.recommendations.engine.similar import DEFAULT_WEIGHTS, category_agreement, similar_items

ROOT = Path(__file__).resolve().parents[2]
CATEGORIES = {
    "mugs": ("mug", "ceramic", "coffee"),
    "lamps": ("lamp", "brass", "light"),
    "scarves": ("scarf", "wool", "warm"),
    "socks": ("sock", "cotton", "knit"),
}
SHARED = ("lovely", "classic", "gift", "modern", "handmade")
PER_CATEGORY = 15
T0 = 1_700_000_000.0


def _shop(seed=0, n_users=80):
    """60 items in 4 categories (items 15c..15c+14 in category c), titles and descriptions with their category's words
    and a few shared ones. Shoppers buy mostly within their favourite category (one order in ten strays), and the
    items 2m and 2m+1 of a category are always bought in the same order (co-purchase partners). Three products have no
    interactions: "cold-lamp" (category lamps), "cold-mug-words" (no category, mug words) and "bare" (nothing)."""
    rng = np.random.default_rng(seed)
    names = list(CATEGORIES)
    products = {}
    for name in names:
        noun, material, adjective = CATEGORIES[name]
        for m in range(PER_CATEGORY):
            products[f"{name}-{m}"] = {
                "title": f"{rng.choice(SHARED)} {adjective} {material} {noun} {m}",
                "description": f"a {rng.choice(SHARED)} {noun} made of {material}",
                "category": name,
            }
    products["cold-lamp"] = {"title": "brass lamp light", "description": "a new lamp", "category": "lamps"}
    products["cold-mug-words"] = {"title": "ceramic coffee mug", "description": "a mug", "category": None}
    products["bare"] = {"title": "", "description": "", "category": None}
    users, its, ts, kinds, orders = [], [], [], [], []
    for u in range(n_users):
        favourite = u % len(names)
        for o in range(int(rng.integers(3, 6))):
            c = favourite if rng.random() > 0.1 else int(rng.integers(len(names)))
            first = 2 * int(rng.integers(PER_CATEGORY // 2))  # the pair (first, first + 1)
            basket = {first, first + 1, *rng.choice(PER_CATEGORY, size=int(rng.integers(0, 2))).tolist()}
            when = T0 + float(rng.uniform(0, 120)) * DAY
            for m in sorted(basket):
                users.append(u)
                its.append(f"{names[c]}-{m}")
                ts.append(when)
                kinds.append("purchase")
                orders.append(f"{u}-{o}")
            users.append(u)  # and a view of something in the category
            its.append(f"{names[c]}-{int(rng.integers(PER_CATEGORY))}")
            ts.append(when - 600)
            kinds.append("view")
            orders.append("")
    item_ids = np.empty(len(its), dtype=object)
    item_ids[:] = its
    inter = Interactions(
        np.asarray(users, dtype=np.int64),
        item_ids,
        np.asarray(ts),
        np.asarray(kinds),
        np.ones(len(users), dtype=np.int64),
        np.asarray(orders),
    )
    return inter, products


@pytest.fixture(scope="module")
def shop():
    inter, products = _shop()
    params = default_params()
    uv = Vocab(inter.users.tolist())
    iv = Vocab([*inter.items.tolist(), *products])
    meta = ItemMeta(iv, products)
    state = State(inter, meta, uv, iv, float(inter.ts.max()) + 1, params)
    return state, meta, iv


@pytest.fixture(scope="module")
def lists(shop):
    state, meta, _ = shop
    return similar_items(state, meta, k=10)


def test_every_item_gets_k_known_neighbours_never_itself(shop, lists):
    state, _, iv = shop
    n = state.shape[1]
    assert n == 63 and int(state.known_items.sum()) == 60  # the three extra products have no interactions
    assert sorted(lists) == list(range(n))
    for i, recs in lists.items():
        others = [j for j, _ in recs]
        assert i not in others and len(set(others)) == len(others)
        assert all(state.known_items[j] for j in others)
        scores = [s for _, s in recs]
        assert all(s > 0 for s in scores) and scores == sorted(scores, reverse=True)
        # best first, equal scores by the lower index
        assert recs == sorted(recs, key=lambda r: (-r[1], r[0]))
        if i != iv.index["bare"]:
            assert len(recs) == 10
    assert lists[iv.index["bare"]] == []  # no behaviour, no words, no category: nothing is similar
    for k in (1, 3, 25):
        assert all(len(recs) <= k for recs in similar_items(state, shop[1], k=k).values())
    assert max(len(r) for r in similar_items(state, shop[1], k=100).values()) == 59  # every other known item


def test_category_agreement_is_far_above_chance(shop, lists):
    state, meta, _ = shop
    share = category_agreement(lists, meta.category, state.known_items)
    # 15 known items a category: a known source draws from the 59 others (14 of its own), the cold lamp from all 60
    assert share["chance"] == round((600 * 14 / 59 + 10 * 15 / 60) / 610, 4)
    assert share["agreement"] >= 0.95 and share["pairs"] >= 600
    assert category_agreement(lists, meta.category) == share  # every known item appears in some list here


def test_category_agreement_and_chance_are_exact_on_a_small_case():
    category = np.array([0, 1, 1, 2, 2, 2])
    lists = {1: [(2, 0.9), (3, 0.5)], 3: [(4, 0.8), (0, 0.7)], 0: [(1, 0.3)]}
    # pairs with a category on both sides: 1->2 (same), 1->3 (not), 3->4 (same); 3->0 and 0->1 do not count.
    # chance: source 1 draws from 4 other categorised items, 1 of them in its category; source 3: 2 of 4.
    share = category_agreement(lists, category, np.ones(6, dtype=bool))
    assert share == {"agreement": 0.6667, "chance": round((0.25 * 2 + 0.5) / 3, 4), "pairs": 3}
    assert category_agreement({}, category) == {"agreement": 0.0, "chance": 0.0, "pairs": 0}


def test_a_co_purchase_partner_ranks_high(shop, lists):
    _, _, iv = shop
    ranks = []
    for name in CATEGORIES:
        for m in range(0, PER_CATEGORY - 1, 2):
            a, b = iv.index[f"{name}-{m}"], iv.index[f"{name}-{m + 1}"]
            for source, partner in ((a, b), (b, a)):
                ranks.append([j for j, _ in lists[source]].index(partner))
    assert np.mean(np.array(ranks) == 0) >= 0.9 and max(ranks) <= 1


def test_cold_items_get_neighbours_from_their_category_and_their_words(shop, lists):
    state, meta, iv = shop
    cold = lists[iv.index["cold-lamp"]]
    assert len(cold) == 10 and {meta.categories[meta.category[j]] for j, _ in cold} == {"lamps"}
    words = lists[iv.index["cold-mug-words"]]  # no category: the words alone
    assert words and {meta.categories[meta.category[j]] for j, _ in words} == {"mugs"}
    assert not state.knn[:, iv.index["cold-lamp"]].nnz and not state.co[:, iv.index["cold-lamp"]].nnz


def test_the_result_is_deterministic(shop, lists):
    state, meta, _ = shop
    assert similar_items(state, meta, k=10) == lists
    assert similar_items(state, meta, k=10, weights={"category": 1.0}) == similar_items(
        state, meta, k=10, weights={"category": 1.0}
    )


def _only(term):
    """Weights that keep one term of the blend."""
    return dict.fromkeys(DEFAULT_WEIGHTS, 0.0) | {term: 1.0}


def test_weights_override_the_defaults(shop):
    state, meta, iv = shop
    table = similar_items(state, meta, k=10, weights=_only("category"))
    for i, recs in table.items():
        if meta.category[i] == 0:
            assert recs == []  # nothing shares "no category"
            continue
        assert {meta.category[j] for j, _ in recs} == {meta.category[i]}
        assert [s for _, s in recs] == [1.0] * 10 and [j for j, _ in recs] == sorted(j for j, _ in recs)
    # behaviour alone: the partner bought in the same order always comes first
    co_only = similar_items(state, meta, k=10, weights=_only("co"))
    for name in CATEGORIES:
        a, b = iv.index[f"{name}-0"], iv.index[f"{name}-1"]
        assert co_only[a][0][0] == b and co_only[a][0][1] == 1.0
    assert co_only[iv.index["cold-lamp"]] == []  # no behaviour at all
    with pytest.raises(ValueError, match="unknown similar-item weights"):
        similar_items(state, meta, weights={"colour": 1.0})


def test_two_tower_item_embeddings_join_the_blend_when_present(shop):
    state, meta, iv = shop
    rng = np.random.default_rng(1)
    emb = rng.normal(size=(state.shape[1], 8))
    a, b = iv.index["mugs-3"], iv.index["socks-8"]  # different categories, no shared behaviour
    emb[b] = emb[a]
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    state.attach_two_tower(None, emb)
    try:
        table = similar_items(state, meta, k=5, weights=_only("embedding"))
        assert table[a][0] == (b, pytest.approx(1.0)) and table[b][0] == (a, pytest.approx(1.0))
        assert all(0 < s <= 1 + 1e-9 for recs in table.values() for _, s in recs)  # cosine clipped at 0
    finally:
        state.attach_two_tower(None, None)


def test_similar_does_not_import_tensorflow_or_django():
    code = (
        "import ai_commerce.recommendations.engine.similar, sys; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'tensorflow_recommenders', "
        "'tf_keras', 'django')]; assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
