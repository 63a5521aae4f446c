"""Publish a new recommendations version once its serving tables are written: promote it if it beats the active
version and the best baseline, else drop its serving rows. The training run calls it, or the fan-out's last task."""

from ai_commerce import registry
from ai_commerce.tuning import tuned

from . import precompute

METRIC = "recall_at_10"


def publish(version, reporter):
    """Promote the version if it beats the active version and the best baseline; else drop its serving rows."""
    conf = tuned("RECOMMENDATIONS")
    reporter.progress(94, "comparing with the active version and the baselines")
    promoted, _ = registry.promote_if_better(version, metric=METRIC, tolerance=conf["PROMOTION_TOLERANCE"],
                                             baselines=[f"best_baseline_{METRIC}"])
    if not promoted:
        precompute.delete_serving_rows(version)
    version.refresh_from_db()
    return version
