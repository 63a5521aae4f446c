"""The model registry: run training, store versions and artifacts, promote, activate and roll back.

A capability declares its trainer (``CapabilityConfig.trainer``), and the registry finds it there; code outside a
capability may register one too::

    registry.register_trainer("sentiment", "ai_commerce.sentiment.training.train")

A trainer is ``trainer(reporter) -> ModelVersion``. It reads data, reports progress with ``reporter.progress(40,
"fitting")``, writes a new ``ModelVersion`` with its held-out metrics and artifacts (``save_artifact``), and calls
``promote_if_better``. It raises ``NotEnoughData`` to end the run as skipped, with what was missing and what to do;
a version that was never scored on its held-out metric ends its run as skipped too, never as a success. Whatever
it does, a run that fails or is killed leaves the active version untouched, because only ``activate`` changes it,
in one transaction.

``execute_run(run_id)`` runs a queued ``TrainingRun`` under a per-kind lock, so two runs never overlap; a worker runs
it through ``ai_commerce.tasks`` (``enqueue_training(kind)`` queues one after the transaction commits).
"""

import functools
import logging
import math
import threading
import time
import traceback
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.module_loading import import_string

from . import capabilities, locks, signals
from .conf import app_settings
from .models import ModelVersion, TrainingRun

logger = logging.getLogger(__name__)

#: Errors that pass: the database or the lock cache (Redis) was unreachable for a moment.
#: (Redis' own errors are added by ``transient()``, where a run is executed: the web process need not import redis.)
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@functools.cache
def transient():
    """``TRANSIENT`` and Redis' errors, when redis is installed (it is with Celery's Redis broker)."""
    try:
        from redis.exceptions import RedisError
    except ImportError:
        return TRANSIENT
    return (*TRANSIENT, RedisError)


_trainers = {}
#: How the note of a version pruned by ``ai_commerce.retention`` begins.
PRUNED = "Pruned"


class ActivationRefused(Exception):
    """The version cannot serve: it failed, or it was never evaluated."""


class NotEnoughData(Exception):
    """Raised by a trainer when there is too little data to train or to judge a model; the run ends as skipped.

    ``hint`` says what to do about it; the message names what was missing, then the hint.
    """

    def __init__(self, have, need, what="events", hint=""):
        self.have, self.need, self.what, self.hint = have, need, what, hint
        super().__init__(f"skipped: not enough data ({have} {what}, need {need})" + (f"; {hint}" if hint else ""))


class NotEvaluated(NotEnoughData):
    """A version with no held-out score: it cannot be judged, so it is not promoted and its run is skipped."""

    def __init__(self, version, metric):
        self.version = version
        super().__init__(0, 1, f"held-out {metric} for {version}",
                         hint="the trainer found nothing to judge it on; add data or widen its held-out window")


def register_trainer(kind, trainer):
    """Register the trainer of ``kind``: a callable or a dotted path to one (imported only when a run starts). It
    takes the place of the trainer that the installed capability of ``kind`` declares."""
    _trainers[kind] = trainer


def get_trainer(kind):
    """Return the trainer of ``kind``: the one registered here, else the installed capability's, else None."""
    if kind in _trainers:
        trainer = _trainers[kind]
    else:
        capability = capabilities.get(kind)
        trainer = capability.trainer if capability else None
    return import_string(trainer) if isinstance(trainer, str) else trainer


def lock_name(kind):
    return f"train:{kind}"


# -- versions --------------------------------------------------------------------------------------------------
def activate(version, note=""):
    """Make ``version`` the one active version of its kind, atomically. Raise ActivationRefused if it cannot serve."""
    if version.status == ModelVersion.Status.FAILED:
        raise ActivationRefused(f"{version} failed, so it cannot be activated.")
    if not version.metrics:
        raise ActivationRefused(f"{version} has no held-out metrics; evaluate it before activating it.")
    if version.note.startswith(PRUNED):
        raise ActivationRefused(f"{version} was pruned: its serving rows and artifacts are gone. Retrain instead.")
    with transaction.atomic():
        # Lock the kind's rows so that two activations of one kind serialize; deactivate before activating, so the
        # one-active-per-kind constraint holds after every statement.
        list(ModelVersion.objects.select_for_update().of_kind(version.kind).values_list("pk", flat=True))
        previous = ModelVersion.objects.of_kind(version.kind).active().exclude(pk=version.pk).first()
        ModelVersion.objects.of_kind(version.kind).active().exclude(pk=version.pk).update(
            is_active=False, status=ModelVersion.Status.RETIRED
        )
        signals.send_on_commit(signals.version_activated, ModelVersion, version=version, previous=previous)
        version.is_active, version.status, version.activated_at = True, ModelVersion.Status.ACTIVE, timezone.now()
        if note:
            version.note = note
        version.save(update_fields=["is_active", "status", "activated_at", "note"])
    return version


def rollback_target(kind):
    """The version ``rollback`` would restore: the most recently activated one that did not fail, other than the
    active one; or None."""
    current = ModelVersion.objects.of_kind(kind).active().values_list("pk", flat=True).first()
    return (ModelVersion.objects.of_kind(kind).filter(activated_at__isnull=False)
            .exclude(status=ModelVersion.Status.FAILED).exclude(pk=current).order_by("-activated_at").first())


def rollback(kind):
    """Re-activate the version that was active before the current one. Return it, or raise ActivationRefused."""
    current = ModelVersion.objects.of_kind(kind).active().first()
    previous = rollback_target(kind)
    if previous is None:
        raise ActivationRefused(f"There is no earlier {kind} version to roll back to.")
    return activate(previous, note=f"Rolled back from {current or 'none'} at {timezone.now():%Y-%m-%d %H:%M}.")


def promote_if_better(version, *, metric, tolerance=0.0, baselines=(), compare_active=True):
    """Activate ``version`` if its held-out ``metric`` is no worse (within ``tolerance``) than the active version's
    and every named baseline's (keys of ``version.metrics``). Otherwise mark it not promoted. Return (promoted,
    reason); the reason is stored in ``version.note``. A version without a score on ``metric`` cannot be judged:
    it is marked not promoted and ``NotEvaluated`` ends its run as skipped.

    A trainer that re-evaluated the active model on the new split passes that score as a baseline and
    ``compare_active=False``, so that the comparison is on the same data.
    """
    score = version.metrics.get(metric)
    rivals = {name: version.metrics.get(name) for name in baselines}
    active = ModelVersion.objects.of_kind(version.kind).active().exclude(pk=version.pk).first()
    if compare_active and active is not None and active.metrics.get(metric) is not None:
        rivals[f"active {active}"] = active.metrics[metric]
    if score is None:
        version.status, version.note = ModelVersion.Status.NOT_PROMOTED, f"Not promoted: not evaluated on {metric}."
        version.save(update_fields=["status", "note"])
        raise NotEvaluated(version, metric)
    losses = [f"{name} {value:.4f}" for name, value in rivals.items()
              if value is not None and score < value - tolerance]
    reason = f"{metric} {score:.4f} is below " + ", ".join(losses) if losses else None
    if reason:
        version.status, version.note = ModelVersion.Status.NOT_PROMOTED, f"Not promoted: {reason}."
        version.save(update_fields=["status", "note"])
        return False, version.note
    beaten = ", ".join(f"{n} {v:.4f}" for n, v in rivals.items() if v is not None) or "nothing to compare with"
    activate(version, note=f"Promoted: {metric} {score:.4f} vs {beaten}.")
    return True, version.note


def save_artifact(version, name, content):
    """Store ``content`` (bytes) as artifact ``name`` of a version that is not serving yet; return its path."""
    if version.is_active or name in version.artifacts:
        raise ValueError(f"{version} is immutable: artifact {name!r} cannot be written now.")
    storage = storages[app_settings.ARTIFACT_STORAGE]
    path = storage.save(f"{app_settings.ARTIFACT_DIR}/{version.kind}/{version.pk}/{name}", ContentFile(content))
    version.artifacts = {**version.artifacts, name: path}
    version.save(update_fields=["artifacts"])
    return path


def open_artifact(version, name):
    """Open artifact ``name`` of ``version`` for reading (binary)."""
    return storages[app_settings.ARTIFACT_STORAGE].open(version.artifacts[name], "rb")


# -- runs ------------------------------------------------------------------------------------------------------
class RetryLater(Exception):
    """A run hit a transient error (the database or the lock cache was unreachable) and went back to the queue; the
    task retries it with backoff. ``__cause__`` is the error."""


class Deferred(Exception):
    """Another run holds the kind's lock: this run stays queued, and its task tries again in ``countdown`` seconds,
    when the lock will have expired if its holder's worker died. ``holder`` is the lock's token then: a retry that
    finds the same token renewed knows its holder is alive, and skips."""

    def __init__(self, run, holder, countdown):
        self.run, self.holder, self.countdown = run, holder, countdown
        super().__init__(f"run {run.pk}: deferred {countdown} s behind the {run.kind} lock's holder")


class LockLost(Exception):
    """Another process took the run's lock while it was training (its heartbeat could not renew it in time)."""


class RunReporter:
    """Reports a run's progress and log to its ``TrainingRun`` row (each call is also a heartbeat)."""

    def __init__(self, run, heartbeat=None):
        self.run, self.heartbeat = run, heartbeat

    def progress(self, percent, message=""):
        self._alive()
        self.run.progress = max(0, min(100, int(percent)))
        self.run.message = message[:255]
        self.run.heartbeat_at = timezone.now()
        self.run.save(update_fields=["progress", "message", "heartbeat_at"])

    def log(self, line):
        self._alive()
        self.run.log += f"{timezone.now():%H:%M:%S} {line}\n"
        self.run.heartbeat_at = timezone.now()
        self.run.save(update_fields=["log", "heartbeat_at"])

    def _alive(self):
        if self.heartbeat is not None and self.heartbeat.lost:
            raise LockLost(f"another process took the {self.run.kind} lock; this run stopped so as not to overlap")


class Heartbeat(threading.Thread):
    """Renews a run's lock every third of ``LOCK_TTL`` while its trainer works, so that the lock outlives a live
    run by at most one TTL and a killed worker's lock expires on its own. It touches the cache only, never the
    database. ``lost`` turns true if another process holds the lock."""

    #: Seconds between looks at the stop flag. It sleeps in steps rather than in ``Event.wait(timeout)``, whose
    #: timed wait never returns under a clock-shifting tool such as libfaketime.
    STEP = 0.2

    def __init__(self, name, token, ttl):
        super().__init__(name=f"ai_commerce heartbeat {name}", daemon=True)
        self.lock, self.token, self.ttl = name, token, ttl
        self.lost = False
        self._stopped = threading.Event()

    def run(self):
        due = time.monotonic() + self.ttl / 3
        while not self._stopped.is_set():
            time.sleep(self.STEP)
            if self._stopped.is_set() or time.monotonic() < due:
                continue
            due = time.monotonic() + self.ttl / 3
            try:
                self.lost = not locks.renew(self.lock, self.token, self.ttl)
            except Exception:  # the cache is down for a moment: the lock may expire, the run goes on
                logger.warning("could not renew lock %s", self.lock, exc_info=True)

    def stop(self):
        self._stopped.set()
        self.join()


def _finish(run, status, **fields):
    run.status, run.finished_at = status, timezone.now()
    for name, value in fields.items():
        setattr(run, name, value)
    run.save()
    return run


def _claim(run, task_id):
    """Mark the run running if it is still queued (or is this task's own run, retried after an error); atomic, so two
    deliveries of one run never both start it."""
    now = timezone.now()
    mine = Q(status=TrainingRun.Status.QUEUED)
    if task_id:
        mine |= Q(status=TrainingRun.Status.RUNNING, task_id=task_id)
    claimed = TrainingRun.objects.filter(mine, pk=run.pk).update(
        status=TrainingRun.Status.RUNNING, started_at=now, heartbeat_at=now, task_id=task_id)
    run.refresh_from_db()
    return bool(claimed)


def execute_run(run_id, task_id="", reporter_class=RunReporter, retry=False, defer=False, behind=None):
    """Run the queued training run ``run_id`` to its end. Idempotent: a run that is not queued is left alone.

    The run holds its kind's lock, renewed by a ``Heartbeat``; the lock's owner is the run. With ``retry``, a
    transient error (``transient()``) puts the run back in the queue, logs it, and raises ``RetryLater``.

    When another run holds the lock: with ``defer`` (a task that can retry later), the run stays queued and
    ``Deferred`` says when the lock expires, since its holder may be a killed worker whose lock lives on for up to
    ``LOCK_TTL`` (a nightly run landing there would otherwise be lost). Without ``defer`` (eager mode), or when the
    lock is still held by ``behind``, the token it was deferred behind (so its holder renewed it: a live run), the
    run is skipped.
    """
    run = TrainingRun.objects.filter(pk=run_id).first()
    if run is None:
        logger.warning("training run %s does not exist; nothing to do", run_id)
        return None
    if run.status not in (TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING):
        return run
    trainer = get_trainer(run.kind)
    if trainer is None:
        fix = ("it registers no trainer yet" if capabilities.get(run.kind) else
               f"no installed capability has the kind {run.kind!r}: add its app to INSTALLED_APPS")
        return _finish(run, TrainingRun.Status.SKIPPED, message=f"skipped: no trainer for {run.kind}; {fix}")
    name, token, heartbeat = lock_name(run.kind), None, None
    try:
        token = locks.acquire(name, ttl=app_settings.LOCK_TTL, owner=run.pk)
        if token is None:
            holder = locks.holder(name)
            if locks.owner(name) == str(run.pk) or run.status != TrainingRun.Status.QUEUED:
                return run  # another delivery of this run holds the lock and trains it
            if defer and holder != behind:
                raise _defer(run, name, holder, task_id)
            alive = " (it renewed its lock while this run waited)" if holder is not None and holder == behind else ""
            return _finish(run, TrainingRun.Status.SKIPPED,
                           message=f"skipped: another {run.kind} run is in progress{alive}")
        if not _claim(run, task_id):
            return run
        heartbeat = Heartbeat(name, token, app_settings.LOCK_TTL)
        heartbeat.start()
        version = trainer(reporter_class(run, heartbeat=heartbeat))
        if isinstance(version, HandOff):
            token = None  # the lock now belongs to the tasks that finish the run (in eager mode, they already did)
            run.refresh_from_db()
            return run
        return _finish(run, TrainingRun.Status.SUCCEEDED, progress=100, model_version=version,
                       message=(version.note if version is not None else "done")[:255])
    except Deferred:
        raise
    except NotEnoughData as exc:
        run.log += f"{timezone.now():%H:%M:%S} {exc}\n"
        return _finish(run, TrainingRun.Status.SKIPPED, message=str(exc)[:255])
    except transient() as exc:
        if not retry:
            return _failed(run, exc)
        _requeue(run, exc)
        raise RetryLater(f"run {run.pk}: {exc!r}") from exc
    except BaseException as exc:  # includes Celery's SoftTimeLimitExceeded; record it, keep the active version
        _failed(run, exc)
        if not isinstance(exc, Exception):
            raise
        return run
    finally:
        if heartbeat is not None:
            heartbeat.stop()
        if token is not None:
            _quietly(locks.release, name, token)


def _defer(run, name, holder, task_id):
    """Record on ``run`` (still queued, and marked sent, so the sweep does not send it again) that it waits for the
    lock ``name`` held by ``holder``; return the ``Deferred`` that says for how long."""
    remaining = locks.ttl(name)
    countdown = math.ceil(app_settings.LOCK_TTL if remaining is None else remaining) + 1
    who = f"run {holder.rpartition(':')[0]}" if holder else "another run"
    line = (f"{timezone.now():%H:%M:%S} deferred: {who} holds the {run.kind} lock (its worker may have died); "
            f"trying again in {countdown} s, when the lock expires unless renewed")
    TrainingRun.objects.filter(pk=run.pk).update(message=line[9:][:255], log=Concat("log", Value(line + "\n")))
    if task_id:
        TrainingRun.objects.filter(pk=run.pk, task_id="").update(task_id=task_id)
    return Deferred(run, holder, countdown)


def _failed(run, exc):
    logger.exception("training run %s failed", run.pk)
    return _finish(run, TrainingRun.Status.FAILED, message=f"failed: {exc!r}"[:255], error=traceback.format_exc())


def _requeue(run, exc):
    """Record a transient error on the run and put it back in the queue (best effort: the database may be down)."""
    line = f"{timezone.now():%H:%M:%S} transient error, retrying: {exc!r}"
    try:
        TrainingRun.objects.filter(pk=run.pk).update(
            status=TrainingRun.Status.QUEUED, message=line[9:][:255], log=Concat("log", Value(line + "\n")))
    except transient():
        logger.warning("could not record the retry of run %s", run.pk, exc_info=True)


def _quietly(function, *args):
    try:
        return function(*args)
    except Exception:
        logger.warning("%s%r failed", function.__name__, args, exc_info=True)
        return None


class HandOff:
    """What a trainer returns when tasks of its own finish the run (``finish_run``): the run stays running and its
    lock, renewed for ``TRAIN_TIME_LIMIT``, goes to those tasks with ``token``."""

    def __init__(self, run, token):
        self.run, self.token = run, token


def hand_off(reporter):
    """Keep the reporter's run running after its trainer returns; return the ``HandOff`` for the trainer to return,
    whose token the finishing task passes to ``finish_run``."""
    heartbeat = reporter.heartbeat
    heartbeat.stop()  # so that it no longer shortens the lock to LOCK_TTL
    locks.renew(heartbeat.lock, heartbeat.token, app_settings.TRAIN_TIME_LIMIT)
    return HandOff(reporter.run, heartbeat.token)


def finish_run(run_id, token, finisher):
    """End a handed-off run: ``finisher(reporter) -> ModelVersion`` does the rest of the work; then release the lock
    held by ``token``. A failure fails the run, as in ``execute_run``."""
    run = TrainingRun.objects.get(pk=run_id)
    if run.status != TrainingRun.Status.RUNNING:
        return run
    try:
        version = finisher(RunReporter(run))
        return _finish(run, TrainingRun.Status.SUCCEEDED, progress=100, model_version=version,
                       message=(version.note if version is not None else "done")[:255])
    except BaseException as exc:
        _failed(run, exc)
        if not isinstance(exc, Exception):
            raise
        return run
    finally:
        _quietly(locks.release, lock_name(run.kind), token)


def _fail_if(run, status, message, error):
    """Fail ``run`` if it still has ``status`` (one conditional update: a run that just ended is left alone)."""
    return TrainingRun.objects.filter(pk=run.pk, status=status).update(
        status=TrainingRun.Status.FAILED, finished_at=timezone.now(), message=message, error=error)


def fail_stale_runs(now=None):
    """The janitor. Fail running runs whose lock has expired (their worker died: a live run renews it), and queued
    runs that no worker took within ``STALE_RUN_SECONDS``; release locks held by runs that have ended. A lock held
    by a live run is never touched. Return how many runs it failed."""
    now = now or timezone.now()
    failed = 0
    for run in TrainingRun.objects.filter(status=TrainingRun.Status.RUNNING):
        if locks.owner(lock_name(run.kind)) != str(run.pk):
            failed += _fail_if(run, TrainingRun.Status.RUNNING, "failed: its worker stopped (the lock expired)",
                               f"Marked failed by the janitor at {now:%Y-%m-%d %H:%M:%S}: no heartbeat renewed "
                               f"its lock.")
    never_started = TrainingRun.objects.filter(
        status=TrainingRun.Status.QUEUED, created_at__lt=now - timedelta(seconds=app_settings.STALE_RUN_SECONDS))
    for run in never_started:
        failed += _fail_if(run, TrainingRun.Status.QUEUED, "failed: no worker took it",
                           f"Marked failed by the janitor at {now:%Y-%m-%d %H:%M:%S}: queued for too long.")
    kinds = {c.kind for c in capabilities.installed()} | set(TrainingRun.objects.values_list("kind", flat=True))
    for kind in kinds:
        token = locks.holder(lock_name(kind))
        owner = token.rpartition(":")[0] if token else ""
        if owner.isdigit() and not TrainingRun.objects.filter(pk=owner, status=TrainingRun.Status.RUNNING).exists():
            locks.release(lock_name(kind), token)  # its run ended without releasing it; atomic, by token
    return failed
