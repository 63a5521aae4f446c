"""A capability is an AppConfig: everything a sub-app brings to the core, declared in one place.

A capability (recommendations, sentiment, pricing, or one of a shop's own) subclasses ``CapabilityConfig`` in its
``apps.py`` and is installed through ``INSTALLED_APPS`` alone; the core loops over ``installed()`` and names none.
Import the module, not the class, so that Django finds one AppConfig in ``apps.py``::

    from ai_commerce import capabilities

    class RestockConfig(capabilities.CapabilityConfig):
        name = "shop.restock"
        kind = "restock"                                  # ModelVersion.kind, TrainingRun.kind, Tuning.kind
        kind_label = _("restock planning")
        settings_key = "RESTOCK"                           # AI_COMMERCE["RESTOCK"], merged over ...
        settings_defaults = "shop.restock.conf.DEFAULTS"  # ... these defaults
        settings_check = "shop.restock.checks.check_settings"   # check(app_configs=None, conf=None) -> messages
        tunable = ("HORIZON_DAYS",)                        # what staff may tune in the admin
        trainer = "shop.restock.training.train"           # trainer(reporter) -> ModelVersion (see registry)
        forgetter = "shop.restock.privacy.forget_user"    # forget(user_id) -> rows removed
        sweeper = "shop.restock.sweep.catch_up"           # catch_up() -> items done that a lost message left undone
        schedules = {"shop: retrain restock nightly": "15 2 * * *"}
        key_metrics = ("mape", "naive_mape")               # the first is the one promotion compares
        dashboard_panel = "shop.restock.dashboard.panel"  # panel(request, site, active) -> dict, or None
        dashboard_template = "admin/restock/panel.html"   # renders ``p`` (the panel dict) on the dashboard
        urls = "shop.restock.urls"                        # included under the core's URLconf, or None
        stock_outlook = "shop.restock.outlook.provide"    # provide(product_ids) -> {pk: StockOutlook}, or None
        product_lookup = None        # find(words, k) -> [NamedProduct]; see ai_commerce.product_lookup
        review_insights = None       # provide(product_ids) -> {pk: ReviewInsight}; see ai_commerce.review_insights
        review_standing = None       # provide(product_ids) -> {pk: Standing}; see ai_commerce.review_insights
        arranger = None              # staff rules for ranked lists (see ai_commerce.arrangement)
        ranked_lists = None          # ranked(surface, ...) -> [Shown] or None, for previews
        arm_outcomes = None          # arm_outcomes(arm_ids) -> {arm id: ArmOutcome}

Dotted paths are imported only when they are used, so declaring a trainer never imports its training stack. The
core asks for what it needs (the registry for the trainer, privacy for the forgetter, the dashboard for the panel),
so this module imports nothing of ai_commerce. ``ready()`` registers the capability's settings check;
``connect()`` is the hook for what else a capability wires up there (signal receivers). A capability that serves
versions other than the active one (experiment arms) says which in ``versions_in_use()``, so that retention
(``ai_commerce.retention``) keeps them.
"""

from functools import cached_property

from django.apps import AppConfig, apps
from django.core import checks as django_checks
from django.utils.module_loading import import_string

CORE_APP = "ai_commerce"


class CapabilityConfig(AppConfig):
    """What one AI capability brings to the core (see the module docstring). Subclasses set the attributes."""

    default_auto_field = "django.db.models.BigAutoField"
    kind = None
    kind_label = None
    settings_key = None
    settings_defaults = None
    settings_check = None
    tunable = ()
    trainer = None
    forgetter = None
    sweeper = None
    schedules = {}
    key_metrics = ()
    dashboard_panel = None
    dashboard_template = None
    urls = None
    # Cross-signals, each read by the others through its core module (see those modules):
    stock_outlook = None    # ai_commerce.stock_outlook: how long each product's stock lasts
    product_lookup = None   # ai_commerce.product_lookup: which products a shopper's words name
    review_insights = None  # ai_commerce.review_insights: what published reviews say of a product
    review_standing = None  # ai_commerce.review_insights.standing: many products' review sentiment, one query
    arranger = None  # see ai_commerce.arrangement: the staff rules every ranked list applies
    ranked_lists = None  # see ai_commerce.arrangement.ranked: the lists a capability serves, for previews
    arm_outcomes = None  # see ai_commerce.arrangement.arm_outcomes: how experiment arms do

    def ready(self):
        django_checks.register(check_core_installed)
        if self.settings_check:
            django_checks.register(import_string(self.settings_check))
        self.connect()

    def connect(self):
        """Wire up what else the capability needs (signal receivers); called at the end of ``ready()``."""

    def versions_in_use(self):
        """Return the pks of the model versions that serve, or may soon serve, besides each kind's active one (the
        arms of an experiment); retention never prunes them. Empty by default."""
        return set()

    @property
    def label_text(self):
        return str(self.kind_label or self.kind)

    @cached_property
    def defaults(self):
        """The defaults of ``AI_COMMERCE[settings_key]``."""
        value = self.settings_defaults
        return dict(import_string(value) if isinstance(value, str) else value or {})

    def check_settings(self, app_configs=None, conf=None, **kwargs):
        """Run the capability's settings check on ``conf`` (the settings file's values when None)."""
        if not self.settings_check:
            return []
        return import_string(self.settings_check)(app_configs=app_configs, conf=conf)

    def panel(self, request, site, active):
        """Return the dashboard panel's context (``p`` in ``dashboard_template``), or None without one."""
        if not self.dashboard_panel:
            return None
        return import_string(self.dashboard_panel)(request, site, active)


def installed():
    """Return the installed capabilities, in ``INSTALLED_APPS`` order."""
    return [config for config in apps.get_app_configs() if isinstance(config, CapabilityConfig)]


def providers(slot):
    """Return the callables that the installed capabilities name in their ``slot`` (a cross-signal such as
    ``"stock_outlook"``), imported, in ``INSTALLED_APPS`` order."""
    return [import_string(path) for config in installed() if (path := getattr(config, slot, None))]


def merged(slot, *args):
    """Ask every provider of ``slot`` with ``args`` and merge their ``{key: value}`` answers: for a key two providers
    know, the first in ``INSTALLED_APPS`` wins; ``{}`` without a provider."""
    out = {}
    for provide in providers(slot):
        for key, value in provide(*args).items():
            out.setdefault(key, value)
    return out


def kinds():
    """Return the kinds of the installed capabilities, in ``INSTALLED_APPS`` order."""
    return [config.kind for config in installed()]


def get(kind):
    """Return the installed capability of ``kind``, or None."""
    return next((config for config in installed() if config.kind == kind), None)


def by_settings_key(key):
    """Return the installed capability whose settings live in ``AI_COMMERCE[key]``, or None."""
    return next((config for config in installed() if config.settings_key == key), None)


def check_core_installed(app_configs=None, **kwargs):
    """Every capability registers this: it needs the core app for settings, events and the registry."""
    if apps.is_installed(CORE_APP):
        return []
    return [django_checks.Error("An ai_commerce capability is installed without the core app.",
                                hint="Add 'ai_commerce' to INSTALLED_APPS before its capabilities.",
                                id="ai_commerce.E015")]
