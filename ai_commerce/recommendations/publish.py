"""Publish a new recommendations version once its serving tables are written: promote it if it is at least as good
as the active version and the best baseline on the same held-out split, else drop its serving rows. The training run
calls it, or the fan-out's last task."""

from ai_commerce import registry
from ai_commerce.tuning import tuned

from . import precompute
from .key_metrics import KEY_METRIC as METRIC

ACTIVE = f"active_{METRIC}"  # the active version's configuration judged on the new version's split


def publish(version, reporter):
    """Promote the version if it is no worse than the active version and the best baseline on its own split; else
    drop its serving rows. A version trained before the active one was re-scored is compared with its old metric."""
    conf = tuned("RECOMMENDATIONS")
    reporter.progress(94, "comparing with the active version and the baselines")
    same_split = ACTIVE in version.metrics
    rivals = [f"best_baseline_{METRIC}", *([ACTIVE] if same_split else [])]
    promoted, _ = registry.promote_if_better(version, metric=METRIC, tolerance=conf["PROMOTION_TOLERANCE"],
                                             baselines=rivals, compare_active=not same_split)
    if not promoted:
        precompute.delete_serving_rows(version)
    version.refresh_from_db()
    return version
