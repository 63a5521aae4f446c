"""A training run reproduces to the digit whatever the machine's core count (issue 33 item 7; engine.threads)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The two-tower model on 400 shoppers with batches of 2,048 events: the size at which TensorFlow's matrix products
# split their sums by the thread count (its embeddings differed between 1 and 2 threads before engine.threads).
FIT = """
import hashlib
import numpy as np
from ai_commerce.recommendations.engine import Interactions
from ai_commerce.recommendations.engine.params import validated
from ai_commerce.recommendations.engine.pipeline import make_vocabs
from ai_commerce.recommendations.engine.twotower import fit_two_tower

rng = np.random.default_rng(0)
items = [f"{c}{n}" for c in "ab" for n in range(60)]
rows = []
for u in range(400):
    own = items[:60] if u % 2 else items[60:]
    for o in range(int(rng.integers(3, 9))):
        t = 1.7e9 + float(rng.uniform(0, 150)) * 86400.0
        rows += [(u, str(i), t, "purchase", 1, f"o{u}-{o}") for i in rng.choice(own, int(rng.integers(1, 5)), False)]
inter = Interactions.from_rows(rows)
products = {i: {"title": f"thing {i}", "category": i[0], "price": 5.0} for i in items}
p = validated({"tt_epochs": 1, "tt_batch": 2048})
uv, iv, meta = make_vocabs(inter, products, p)
q, e, _ = fit_two_tower(inter, meta, uv, iv, float(inter.ts.max()) + 1, p)
print(hashlib.sha1(q.tobytes() + e.tobytes()).hexdigest())
"""


def _fit(cores):
    """The digest of the two-tower's embeddings in a fresh process whose TensorFlow would use ``cores`` threads by
    default (as on a machine with that many cores), with its own hash seed."""
    env = {"PATH": "/usr/bin:/bin", "TF_NUM_INTRAOP_THREADS": str(cores), "TF_NUM_INTEROP_THREADS": str(cores),
           "OMP_NUM_THREADS": str(cores), "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": str(cores)}
    return subprocess.Popen([sys.executable, "-c", FIT], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.train
def test_the_two_tower_model_is_the_same_on_one_core_as_on_three():
    runs = [_fit(1), _fit(3)]  # side by side: about 20 s together on 2 cores
    digests = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        digests.append(out.strip().splitlines()[-1])
    assert len(digests[0]) == 40 and digests[0] == digests[1]


def test_the_thread_count_is_fixed_for_blas_and_tensorflow():
    from threadpoolctl import threadpool_info, threadpool_limits

    from ai_commerce.recommendations.engine import threads

    with threadpool_limits(1, "blas"), threads.blas():
        counts = {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}
    assert counts == {threads.THREADS}

    class Threading:  # TensorFlow's tf.config.threading, before its first op
        intra = inter = 0

        def get_intra_op_parallelism_threads(self):
            return self.intra

        def set_intra_op_parallelism_threads(self, n):
            self.intra = n

        def get_inter_op_parallelism_threads(self):
            return self.inter

        def set_inter_op_parallelism_threads(self, n):
            self.inter = n

    tf = type("tf", (), {"config": type("config", (), {"threading": Threading()})})
    assert threads.tensorflow(tf) == threads.THREADS == tf.config.threading.inter
