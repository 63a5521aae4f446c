"""The thread counts of a training run, the same on every machine, so that a run reproduces to the digit (issue 33
item 7; no TensorFlow at import).

Measured on this project's machine (2 cores, 2026-12-06): the two-tower model's embeddings differ in their last
digits between 1, 2 and 4 TensorFlow intra-op threads (its matrix products split their sums by the thread count), and
OpenBLAS's matrix inverse (EASE) differs between 1 and 2 threads. At a fixed count both are identical run after run,
whatever the load and however many cores the process may use (pinned to one core with ``taskset -c 0``, two threads
give the two-core result). So TensorFlow and the BLAS calls whose sums depend on it run with ``THREADS`` threads
everywhere. The rest does not depend on the thread count: scikit-learn's HistGradientBoosting (one thread per
feature's histogram), implicit's ALS (one BLAS thread, each user solved on its own), scipy's sparse products.

Not covered: a machine of another CPU family (AVX-512, ARM), where OpenBLAS and oneDNN choose other kernels."""

from __future__ import annotations

import logging

THREADS = 2
# scikit-learn's OpenMP threads for the "hgb" ranker, whose results do not depend on them (identical with 1 and 2).
# On the shared 2-core machine (load 10) one thread fitted a ranker-sized model (240,000 rows, 40 features, 100 trees)
# in 33-40 s where two took 156-198 s and eight times the CPU: OpenMP threads spin waiting for each other whenever
# one of them is descheduled. On a quiet machine two threads would be faster by less than 2x.
OPENMP_THREADS = 1

log = logging.getLogger(__name__)


def blas():
    """A context in which OpenBLAS uses ``THREADS`` threads (``threadpoolctl``; raises the count on a machine with
    fewer cores, as a limit never would)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(THREADS, "blas")


def openmp():
    """A context in which OpenMP (scikit-learn's HistGradientBoosting) uses ``OPENMP_THREADS`` threads."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(OPENMP_THREADS, "openmp")


def tensorflow(tf):
    """Fix TensorFlow's thread pools at ``THREADS``: possible until the process runs its first TensorFlow op (the
    first fit in a worker does); returns the intra-op count in use (0: TensorFlow's default, one per core)."""
    threading = tf.config.threading
    for get, put in ((threading.get_intra_op_parallelism_threads, threading.set_intra_op_parallelism_threads),
                     (threading.get_inter_op_parallelism_threads, threading.set_inter_op_parallelism_threads)):
        if get() != THREADS:
            try:
                put(THREADS)
            except RuntimeError:  # TensorFlow already ran with other settings in this process
                log.warning("TensorFlow runs with %s threads, not %s: figures may differ in their last digits "
                            "from another machine's", get() or "default", THREADS)
    return threading.get_intra_op_parallelism_threads()
