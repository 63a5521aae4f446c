"""The event log (``Interaction``), the model registry (``ModelVersion``, ``TrainingRun``) and the privacy records
(``ForgottenUser`` tombstones and the ``Erasure`` audit log, written by ``ai_commerce.privacy``).

Interactions point at the host's product through ``AI_COMMERCE_PRODUCT_MODEL`` and at ``AUTH_USER_MODEL``; deleting
either deletes the events. Model versions are immutable once trained: a retrain writes a new row, and promotion flips
``is_active`` in one transaction (see ``ai_commerce.registry``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .conf import PRODUCT_MODEL_SETTING

PRODUCT_MODEL = getattr(settings, PRODUCT_MODEL_SETTING, None) or "ai_commerce.MissingProductModel"
KIND_HELP = _("The capability (CapabilityConfig.kind), e.g. recommendations.")


class Interaction(models.Model):
    """One thing a shopper did with a product: viewed, put in the basket, bought, rated or wished for it."""

    class Kind(models.TextChoices):
        VIEW = "view", _("view")
        CART = "cart", _("added to basket")
        PURCHASE = "purchase", _("purchase")
        RATING = "rating", _("rating")
        WISHLIST = "wishlist", _("wishlist")

    class Source(models.TextChoices):
        ORDER = "order", _("order line")
        REVIEW = "review", _("review")
        API = "api", _("event API")
        PAGE = "page", _("page view tag")
        APP = "app", _("shop code")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("user"),
    )
    session_key = models.CharField(
        _("session key"), max_length=64, blank=True, db_index=True,
        help_text=_("Identifies an anonymous visitor when there is no user."),
    )
    product = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("product"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    value = models.FloatField(
        _("value"), null=True, blank=True, help_text=_("Star rating for ratings; optional weight otherwise.")
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2, null=True, blank=True)
    order_ref = models.CharField(
        _("order reference"), max_length=64, blank=True,
        help_text=_("The host's order id, so that items bought together can be found."),
    )
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now, db_index=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    event_id = models.CharField(
        _("event id"), max_length=128, null=True, blank=True, unique=True,
        help_text=_("Idempotency key: 'order-line:<pk>', 'review:<pk>' or 'client:<id sent by the client>'."),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ("-occurred_at",)
        indexes = [
            models.Index(fields=["user", "kind", "occurred_at"], name="ai_interaction_user_kind"),
            models.Index(fields=["product", "kind", "occurred_at"], name="ai_interaction_product_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""), name="ai_interaction_has_actor"
            ),
        ]

    def __str__(self):
        who = f"user {self.user_id}" if self.user_id else f"session {self.session_key[:8]}"
        return f"{who} {self.kind} product {self.product_id}"


class ModelVersionQuerySet(models.QuerySet):
    def of_kind(self, kind):
        return self.filter(kind=kind)

    def active(self):
        return self.filter(is_active=True)


class ModelVersion(models.Model):
    """One trained model: its parameters, held-out metrics and artifacts. Immutable once trained."""

    class Status(models.TextChoices):
        TRAINED = "trained", _("trained, not evaluated")
        EVALUATED = "evaluated", _("evaluated")
        ACTIVE = "active", _("active")
        RETIRED = "retired", _("retired")
        NOT_PROMOTED = "not_promoted", _("not promoted")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=32, db_index=True, help_text=KIND_HELP)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.TRAINED)
    is_active = models.BooleanField(
        _("active"), default=False, help_text=_("At most one version of each kind is active; it serves results.")
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    metrics = models.JSONField(
        _("held-out metrics"), default=dict, blank=True,
        help_text=_("Metrics on held-out data, including the baselines measured on the same split."),
    )
    artifacts = models.JSONField(
        _("artifacts"), default=dict, blank=True, help_text=_("Artifact name -> path in the artifact storage.")
    )
    data_start = models.DateTimeField(_("training data from"), null=True, blank=True)
    data_end = models.DateTimeField(_("training data until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, help_text=_("Why it was or was not promoted."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    activated_at = models.DateTimeField(_("last activated at"), null=True, blank=True)

    objects = ModelVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ("-created_at", "-pk")
        get_latest_by = "created_at"
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(is_active=True), name="ai_one_active_version_per_kind"
            ),
        ]

    def __str__(self):
        return f"{self.kind} v{self.pk}{' (active)' if self.is_active else ''}"

    @property
    def held_out(self):
        """The window it was judged on, in words: "2026-10-01 to 2026-10-31, judged on 120 users, 45 products".

        Trainers store ``holdout_start``/``holdout_end`` (ISO dates) and ``judged_on`` ({what: how many}) in metrics.
        """
        start, end = self.metrics.get("holdout_start"), self.metrics.get("holdout_end")
        if not (start and end):
            return ""
        counts = ", ".join(f"{n} {what}" for what, n in (self.metrics.get("judged_on") or {}).items())
        return f"{str(start)[:10]} to {str(end)[:10]}" + (f", judged on {counts}" if counts else "")


class TrainingRunQuerySet(models.QuerySet):
    def unfinished(self):
        return self.filter(status__in=(TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING))


class TrainingRun(models.Model):
    """One attempt to train a model of some kind: its progress, log, outcome and who asked for it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        SKIPPED = "skipped", _("skipped")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=32, db_index=True, help_text=KIND_HELP)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    message = models.CharField(_("message"), max_length=255, blank=True, help_text=_("What it is doing now."))
    log = models.TextField(_("log"), blank=True)
    error = models.TextField(_("error"), blank=True)
    triggered_by = models.CharField(
        _("triggered by"), max_length=64, default="manual",
        help_text=_("schedule, admin, command, api or test"),
    )
    triggered_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("triggered by user"),
    )
    model_version = models.ForeignKey(
        ModelVersion, models.SET_NULL, null=True, blank=True, related_name="training_runs",
        verbose_name=_("model version"),
    )
    task_id = models.CharField(_("Celery task id"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    objects = TrainingRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("training run")
        verbose_name_plural = _("training runs")
        ordering = ("-created_at", "-pk")

    def __str__(self):
        return f"{self.kind} run {self.pk} ({self.status})"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class Tuning(models.Model):
    """Staff's overrides of a capability's settings, edited in the admin; the next run uses them.

    ``values`` holds keys of the capability's settings that it declares tunable (``CapabilityConfig.tunable``); they
    win over the settings file.
    """

    kind = models.CharField(_("capability"), max_length=32, unique=True, help_text=KIND_HELP)
    values = models.JSONField(_("values"), default=dict, blank=True,
                              help_text=_("Settings that override AI_COMMERCE for this capability."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("updated by"))

    class Meta:
        verbose_name = _("tuning")
        verbose_name_plural = _("tuning")

    def __str__(self):
        return f"{self.kind} tuning"


class Dashboard(ModelVersion):
    """The AI dashboard's entry in the admin: a proxy without a table of its own, whose admin serves the dashboard
    pages (``ai_commerce.admin.DashboardAdmin``), so every admin site that registers it lists and links it."""

    class Meta:
        proxy = True
        verbose_name = _("AI dashboard")
        verbose_name_plural = _("AI dashboard")


class ForgottenUser(models.Model):
    """A tombstone: a user who was forgotten, known only by a keyed hash of their id (``privacy.user_hash``), never
    the id itself. Every path that writes rows about a user asks ``privacy.forgotten_ids`` first, so nothing is
    derived again from what the shop still holds (their orders, their reviews)."""

    user_hash = models.CharField(
        _("user hash"), max_length=64, unique=True,
        help_text=_("HMAC-SHA256 of the user's id keyed by SECRET_KEY: it matches the id, and does not reveal it."),
    )
    forgotten_at = models.DateTimeField(_("forgotten at"), default=timezone.now)

    class Meta:
        verbose_name = _("forgotten user")
        verbose_name_plural = _("forgotten users")
        ordering = ("-forgotten_at", "-pk")

    def __str__(self):
        return f"forgotten user {self.user_hash[:12]}"


class Erasure(models.Model):
    """One request to forget a user, carried out: who asked, when, and the rows each forgetter removed. It holds no
    personal data: the user appears only as the tombstone's hash."""

    class RequestedBy(models.TextChoices):
        COMMAND = "command", _("management command")
        SIGNAL = "signal", _("user deleted (signal)")
        ADMIN = "admin", _("admin")
        CODE = "code", _("shop code")

    user_hash = models.CharField(_("user hash"), max_length=64, db_index=True,
                                 help_text=_("The forgotten user's tombstone hash."))
    requested_by = models.CharField(_("requested by"), max_length=16, choices=RequestedBy.choices,
                                    default=RequestedBy.CODE)
    removed = models.JSONField(_("rows removed"), default=dict, blank=True,
                               help_text=_("Forgetter (events, each capability) -> rows it removed."))
    erased_at = models.DateTimeField(_("erased at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasure log")
        ordering = ("-erased_at", "-pk")

    def __str__(self):
        return f"erasure of {self.user_hash[:12]} ({self.requested_by})"
