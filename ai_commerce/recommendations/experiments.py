"""A/B experiments of recommendation versions: which arm a visitor sees, and the experiment's life cycle.

::

    from ai_commerce.recommendations import experiments

    errors = experiments.problems(experiment, arms)   # {field: message}: arms of one capability, split of 100 ...
    experiments.start(experiment)                     # running from now (or its start time)
    experiments.assign("similar", "u:42")             # (version id or None, arm id), or None outside experiments
    experiments.conclude(experiment, winner_arm)      # and activate the winner's version, in one step

**Assignment** is sticky and costs no query per request: whether any experiment runs is part of the served state
(one query with the active version, ``serving._state``), the running experiments (their placements, arms, versions
and weights) are cached together (``RUNNING_KEY``, dropped when an experiment or arm is saved), and a visitor's arm
is ``blake2b(experiment id, visitor) mod 10,000`` against the cumulative traffic shares, so the same visitor lands in
the same arm on every request, worker and process. A visitor is ``u:<user id>``, or ``s:<session key>`` for an
anonymous shopper; a visitor without either (a crawler without a session) is not in the experiment and sees the
active version. One experiment per placement at a time: the first running one that covers it.

**The planned sample** of each arm (``planned_sample``) is the fixed horizon of the verdict: the two-sided two-sample
test of proportions at the experiment's significance level and power, for the base rate and the smallest relative
effect worth detecting. Pricing is never an arm: prices are the same for every shopper (see docs/pricing.md).
"""

import hashlib

from django.db import transaction
from django.utils import timezone

from ai_commerce import arrangement, cache, registry
from ai_commerce.conf import app_settings
from ai_commerce.models import ModelVersion

from .models import PLACEMENTS, Experiment, TrendingProduct
from .sample_size import planned_sample

__all__ = ["ExperimentRefused", "arm_of", "assign", "bucket", "conclude", "planned_sample", "problems", "running",
           "start", "stop", "visitor_key"]

RUNNING_KEY = "ai_commerce:experiments:running"
BUCKETS = 10_000


class ExperimentRefused(Exception):
    """The experiment cannot make that step (say why)."""


#: The largest planned sample per arm that ``Experiment.planned_per_arm`` holds on every database (PostgreSQL's
#: integer); a larger one is an experiment no shop can finish.
MAX_PLANNED = 2**31 - 1


def problems(experiment, arms):
    """Return {field: message} of what makes ``experiment`` with ``arms`` (ExperimentArm, saved or not) unusable."""
    errors = {}
    unknown = [p for p in experiment.placements or [] if p not in PLACEMENTS]
    if not isinstance(experiment.placements, list) or unknown:
        errors["placements"] = f"must be a list of {', '.join(PLACEMENTS)} (empty: all)"
    if not 0.001 <= experiment.significance <= 0.2:
        errors["significance"] = "must be from 0.001 to 0.2 (e.g. 0.05)"
    if not 0.5 <= experiment.power <= 0.999:
        errors["power"] = "must be from 0.5 to 0.999 (e.g. 0.95)"
    if not 0 < experiment.base_rate < 1:
        errors["base_rate"] = "must be above 0 and below 1 (e.g. 0.02 for 2%)"
    if experiment.min_effect_pct <= 0:
        errors["min_effect_pct"] = "must be above 0 (e.g. 20 for +20%)"
    elif not errors:
        planned = planned_sample(experiment.base_rate, experiment.min_effect_pct, experiment.significance,
                                 experiment.power)
        if planned > MAX_PLANNED:
            errors["min_effect_pct"] = (f"with this base rate each arm needs {planned:,}, more than {MAX_PLANNED:,}; "
                                        "raise the base rate or the smallest effect")
    if experiment.starts_at and experiment.stops_at and experiment.stops_at <= experiment.starts_at:
        errors["stops_at"] = "must be after the start"
    if len(arms) < 2:
        errors["arms"] = "an experiment needs at least two arms"
    elif sum(arm.weight for arm in arms) != 100:
        errors["arms"] = f"the traffic shares must add up to 100%, not {sum(arm.weight for arm in arms)}%"
    elif sum(bool(arm.is_control) for arm in arms) != 1:
        errors["arms"] = "exactly one arm is the control"
    elif any(arm.weight <= 0 for arm in arms):
        errors["arms"] = "every arm needs a traffic share above 0"
    elif len({arm.name for arm in arms}) != len(arms):
        errors["arms"] = "arm names must differ"
    else:
        for arm in arms:
            version = arm.version
            if version is None:
                continue
            if version.kind != "recommendations":
                errors["arms"] = (f"{arm.name}: {version} is a {version.kind} version; every arm is a "
                                  "recommendations version (or the popularity baseline)")
            elif version.status == ModelVersion.Status.FAILED or not TrendingProduct.objects.filter(
                    model_version=version).exists():
                errors["arms"] = f"{arm.name}: {version} has no serving rows, so it cannot serve"
        versions = [arm.version_id for arm in arms]
        # Two arms may serve one version when a merchandising rule runs in one of them (the rule against "no rule").
        if "arms" not in errors and len(set(versions)) != len(versions) and not arrangement.rules_of_arms(
                [arm.pk for arm in arms if arm.pk]):
            errors["arms"] = "two arms serve the same version (and no merchandising rule runs in either)"
    return errors


def visitor_key(user=None, session_key=None):
    """``u:<id>`` for a signed-in user, ``s:<session key>`` for an anonymous one, None for neither."""
    if isinstance(user, int) and not isinstance(user, bool):
        return f"u:{user}"
    if user is not None and getattr(user, "is_authenticated", False):
        return f"u:{user.pk}"
    return f"s:{session_key}" if session_key else None


def bucket(experiment_id, visitor):
    """The visitor's bucket in 0..BUCKETS-1 for this experiment (stable across processes and restarts)."""
    digest = hashlib.blake2b(f"{experiment_id}:{visitor}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def _alias():
    return app_settings.RECOMMENDATIONS["CACHE"]


def running():
    """The running experiments as plain tuples: (id, placements, ((arm id, version id, weight), ...), start, stop).
    Cached until an experiment or arm is saved; read from the database while the cache is down."""
    found = cache.get(_alias(), RUNNING_KEY)
    if found is None:
        found = tuple(
            (e.pk, tuple(e.placements or PLACEMENTS), tuple((a.pk, a.version_id, a.weight) for a in e.arms.all()),
             e.starts_at, e.stops_at)
            for e in Experiment.objects.filter(status=Experiment.Status.RUNNING).prefetch_related("arms")
            .order_by("pk"))
        cache.set(_alias(), RUNNING_KEY, found, 3600)
    return found


def forget_running(**kwargs):
    cache.delete(_alias(), RUNNING_KEY)


def assign(placement, visitor, now=None):
    """Return (version id or None for the popularity baseline, arm id) of ``visitor`` in ``placement``, or None
    when no running experiment covers it (or the visitor is nobody)."""
    if visitor is None:
        return None
    experiments = running()
    if not experiments:
        return None
    now = now or timezone.now()
    for pk, placements, arms, starts, stops in experiments:
        if placement not in placements or (starts and now < starts) or (stops and now >= stops):
            continue
        arm, version, _weight = arm_of(pk, visitor, arms)
        return version, arm
    return None


def arm_of(experiment_id, visitor, arms):
    """The arm of ``visitor``: of ``arms`` ((arm, version, weight percent), ...), the one whose share of the
    buckets holds the visitor's bucket."""
    point, edge = bucket(experiment_id, visitor), 0
    for arm in arms:
        edge += arm[2] * BUCKETS // 100
        if point < edge:
            return arm
    return arms[-1]


def _save(experiment, **fields):
    for name, value in fields.items():
        setattr(experiment, name, value)
    experiment.save(update_fields=list(fields))  # its post_save drops the served state and the running experiments
    return experiment


def start(experiment):
    """Run ``experiment`` (a draft) from now, or from its start time."""
    if experiment.status != Experiment.Status.DRAFT:
        raise ExperimentRefused(f"{experiment} is {experiment.get_status_display()}; only a draft can start.")
    errors = problems(experiment, list(experiment.arms.all()))
    if errors:
        raise ExperimentRefused("; ".join(f"{field}: {message}" for field, message in errors.items()))
    taken = set()
    for other in Experiment.objects.filter(status=Experiment.Status.RUNNING).exclude(pk=experiment.pk):
        taken |= set(other.placements or PLACEMENTS)
    clash = taken & set(experiment.placements or PLACEMENTS)
    if clash:
        raise ExperimentRefused(f"another running experiment already covers {', '.join(sorted(clash))}.")
    return _save(experiment, status=Experiment.Status.RUNNING, starts_at=experiment.starts_at or timezone.now())


def stop(experiment):
    """Stop serving the arms; the results stay."""
    if experiment.status != Experiment.Status.RUNNING:
        raise ExperimentRefused(f"{experiment} is not running.")
    now = timezone.now()
    return _save(experiment, status=Experiment.Status.STOPPED,
                 stops_at=min(experiment.stops_at, now) if experiment.stops_at else now)


def conclude(experiment, winner=None):
    """Close ``experiment``, naming ``winner`` (an arm, or None: no winner), and activate the winner's version."""
    if experiment.status == Experiment.Status.CONCLUDED:
        raise ExperimentRefused(f"{experiment} is already concluded.")
    if winner is not None and winner.experiment_id != experiment.pk:
        raise ExperimentRefused(f"{winner} is not an arm of {experiment}.")
    with transaction.atomic():
        if experiment.status == Experiment.Status.RUNNING:
            stop(experiment)
        _save(experiment, status=Experiment.Status.CONCLUDED, winner=winner)
        if winner is not None and winner.version is not None and not winner.version.is_active:
            registry.activate(winner.version, note=f"Activated as the winner of experiment {experiment}.")
    return experiment

