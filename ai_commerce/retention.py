"""Retention: drop the serving rows and artifact files of old model versions, and keep their rows as a record.

::

    from ai_commerce.retention import prune_versions

    pruned = prune_versions(keep=5)   # all but the newest 5 versions of each kind, and those that must stay
    pruned.versions                   # [{"version": "pricing v3", "rows": 812, "files": 1}, ...]

``python manage.py ai_commerce_prune_versions --keep 5`` does the same and prints it. ``prune_versions_task`` is what
the weekly schedule runs (``AI_COMMERCE["SCHEDULES"]``), keeping ``AI_COMMERCE["KEEP_VERSIONS"]`` of each kind.

A version is pruned when it is older than the newest ``keep`` of its kind and is none of these:

* the active version of its kind;
* the version ``registry.rollback`` would restore: the most recently activated one that did not fail, other than
  the active one;
* a version that an installed capability serves or may soon serve besides the active one
  (``CapabilityConfig.versions_in_use()``: the arms of running and draft experiments).

Pruning deletes the version's serving rows, which are the rows of every model whose foreign key to ``ModelVersion``
cascades (they exist for that version only: recommendation lists, elasticity estimates...), and its artifact files
in ``ARTIFACT_STORAGE``. Rows that only refer to a version (a ``SET_NULL`` or ``PROTECT`` foreign key: training
runs, price suggestions, review sentiments, experiment arms) are left alone, and so is the ``ModelVersion`` row with
its parameters and held-out metrics, for the admin's history: it gets ``artifacts = {}`` and a note starting with
"Pruned", which later prunes pass by. A pruned version serves nothing, so ``registry.activate`` refuses it.

The files go after the rows have committed, so run it outside a transaction (the command and the task do): a file
that cannot be deleted is logged and left, never a row pointing at a missing file.
"""

import logging
from dataclasses import dataclass, field

from celery import shared_task
from django.core.files.storage import storages
from django.db import models, transaction
from django.utils import timezone

from . import capabilities, registry
from .conf import app_settings
from .models import ModelVersion

logger = logging.getLogger(__name__)
PRUNED = registry.PRUNED


@dataclass
class Pruned:
    """What a prune removed: one ``{"version", "rows", "files"}`` dict per pruned version."""

    versions: list = field(default_factory=list)

    @property
    def rows(self):
        return sum(v["rows"] for v in self.versions)

    @property
    def files(self):
        return sum(v["files"] for v in self.versions)


def keep_problem(keep):
    """Return what is wrong with ``keep`` as the number of versions to keep of each kind, or None when it is fine."""
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        return f"the number of versions to keep of each kind must be a whole number, 1 or more, not {keep!r}"
    return None


def serving_relations():
    """Return the reverse relations of the foreign keys to ``ModelVersion`` that cascade: its serving rows."""
    return [rel for rel in ModelVersion._meta.get_fields(include_hidden=True)
            if rel.auto_created and not rel.concrete and rel.one_to_many and rel.on_delete is models.CASCADE]


def protected(kind):
    """Return the pks of the versions of ``kind`` that serve now or after a rollback."""
    active = ModelVersion.objects.of_kind(kind).active().values_list("pk", flat=True).first()
    restored = registry.rollback_target(kind)
    return {pk for pk in (active, getattr(restored, "pk", None)) if pk is not None}


def prune_versions(keep=None, now=None):
    """Prune the versions of every kind beyond the newest ``keep`` (``KEEP_VERSIONS`` when None), except those that
    must stay (see the module docstring). Return ``Pruned``; raise ValueError for a bad ``keep``."""
    keep = app_settings.KEEP_VERSIONS if keep is None else keep
    problem = keep_problem(keep)
    if problem:
        raise ValueError(problem)
    now = now or timezone.now()
    in_use = set().union(*(capability.versions_in_use() for capability in capabilities.installed()))
    pruned = Pruned()
    for kind in ModelVersion.objects.order_by("kind").values_list("kind", flat=True).distinct():
        pruned.versions += _prune_kind(kind, keep, in_use, now)
    return pruned


def _prune_kind(kind, keep, in_use, now):
    done, files = [], []
    with transaction.atomic():
        # Lock the kind's versions, as registry.activate does: an activation and a prune of one kind never interleave.
        list(ModelVersion.objects.select_for_update().of_kind(kind).values_list("pk", flat=True))
        stay = protected(kind) | in_use
        for version in ModelVersion.objects.of_kind(kind).order_by("-created_at", "-pk")[keep:]:
            if version.pk in stay or version.note.startswith(PRUNED):
                continue
            rows = sum(rel.related_model._base_manager.filter(**{rel.field.name: version}).delete()[0]
                       for rel in serving_relations())
            files.append(list(version.artifacts.values()))
            version.artifacts = {}
            line = f"{PRUNED} on {now:%Y-%m-%d}: its serving rows and artifacts were removed."
            version.note = f"{line} {version.note}" if version.note else line
            version.save(update_fields=["artifacts", "note"])
            done.append({"version": str(version), "rows": rows, "files": 0})
    storage = storages[app_settings.ARTIFACT_STORAGE]
    for entry, paths in zip(done, files, strict=True):
        for path in paths:
            try:
                if storage.exists(path):
                    storage.delete(path)
                    entry["files"] += 1
            except Exception:
                logger.warning("could not delete artifact %s of pruned %s; delete it by hand", path, entry["version"],
                               exc_info=True)
    return done


@shared_task
def prune_versions_task(keep=None):
    """Prune old model versions (what the weekly schedule runs); return how many were pruned."""
    return len(prune_versions(keep).versions)
