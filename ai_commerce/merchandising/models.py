"""Merchandising rules (pin, boost, bury, exclude, hide, cap, diversify) and the audit log of every change to them.

A rule says what to do (its action), where (its scope: surfaces, a search query, a category, an experiment arm),
when (start and end), to which products (one product, or every product that meets its conditions), and how much it
weighs against the others (its priority). ``ai_commerce.merchandising.rules`` applies them.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ai_commerce.models import PRODUCT_MODEL

#: Where a rule may apply: the recommendation placements, search results and re-ranked listings.
SURFACES = ("recommended", "similar", "bought_together", "trending", "buy_again", "search", "listing")
MONEY = {"max_digits": 12, "decimal_places": 2}


class RuleQuerySet(models.QuerySet):
    def enabled(self):
        return self.filter(enabled=True)


class Rule(models.Model):
    """One staff rule for ranked lists (see the module docstring)."""

    class Action(models.TextChoices):
        PIN = "pin", _("pin the product at a position")
        BOOST = "boost", _("boost by a factor")
        BURY = "bury", _("bury by a factor")
        EXCLUDE = "exclude", _("exclude")
        HIDE = "hide", _("hide when the stock is below a level")
        CAP = "cap", _("at most N products per value of a field")
        DIVERSIFY = "diversify", _("diversify (MMR trade-off)")

    class QueryMatch(models.TextChoices):
        EXACT = "exact", _("the query is exactly")
        CONTAINS = "contains", _("the query contains")

    class Field(models.TextChoices):
        CATEGORY = "category", _("category")
        PRICE_BAND = "price_band", _("price band")

    name = models.CharField(_("name"), max_length=100)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    priority = models.IntegerField(
        _("priority"), default=0,
        help_text=_("Higher first: of two pins at one position the higher takes it, the other the next one."))
    starts_at = models.DateTimeField(_("start"), null=True, blank=True, help_text=_("Empty: from now."))
    ends_at = models.DateTimeField(_("end"), null=True, blank=True, help_text=_("Empty: until disabled."))
    # -- scope --------------------------------------------------------------------------------------------------
    surfaces = models.JSONField(
        _("surfaces"), default=list, blank=True,
        help_text=_("Where it applies: recommended, similar, bought_together, trending, buy_again, search, "
                    "listing. Empty: everywhere."))
    query = models.CharField(_("search query"), max_length=200, blank=True,
                             help_text=_("Set: only searches for this query (then only search results)."))
    query_match = models.CharField(_("query match"), max_length=8, choices=QueryMatch.choices,
                                   default=QueryMatch.EXACT)
    category = models.CharField(
        _("in category"), max_length=200, blank=True,
        help_text=_("Set: only lists limited to this category (a category page, trending in it, a search in it)."))
    arm = models.PositiveIntegerField(
        _("experiment arm"), null=True, blank=True,
        help_text=_("Set: only for visitors in this recommendations experiment arm (its id), so that the rule runs "
                    "against “no rule” in the other arms and the experiment measures it."))
    # -- what it does -------------------------------------------------------------------------------------------
    product = models.ForeignKey(
        PRODUCT_MODEL, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("product"),
        help_text=_("The product to pin; for the other actions, set it to act on this product only."))
    position = models.PositiveSmallIntegerField(_("position"), default=1, validators=[MinValueValidator(1)],
                                                help_text=_("Pin: 1 is the first place."))
    factor = models.FloatField(
        _("factor"), default=2.0, validators=[MinValueValidator(0.01), MaxValueValidator(100)],
        help_text=_("Boost: above 1 (2 doubles the product's weight); bury: below 1 (0.5 halves it)."))
    stock_level = models.IntegerField(_("stock level"), default=1,
                                      help_text=_("Hide: products with less stock than this (1: out of stock)."))
    field = models.CharField(_("field"), max_length=12, choices=Field.choices, default=Field.CATEGORY,
                             help_text=_("Cap and diversify: the field whose values should vary."))
    cap = models.PositiveSmallIntegerField(_("cap per list"), default=2, validators=[MinValueValidator(1)],
                                           help_text=_("Cap: at most this many products per value of the field."))
    trade_off = models.FloatField(
        _("relevance vs diversity"), default=0.7, validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Diversify: 1 keeps the model's order, 0 varies the field as much as it can (MMR's lambda)."))
    # -- conditions on the product (all that are set must hold) ---------------------------------------------------
    if_category = models.CharField(_("if category is"), max_length=200, blank=True)
    if_price_min = models.DecimalField(_("if price at least"), **MONEY, null=True, blank=True)
    if_price_max = models.DecimalField(_("if price at most"), **MONEY, null=True, blank=True)
    if_stock_below = models.IntegerField(_("if stock below"), null=True, blank=True)
    if_new_days = models.PositiveIntegerField(
        _("if new within days"), null=True, blank=True,
        help_text=_("Products added within this many days (needs PRODUCT_FIELDS['created'])."))
    if_score_below = models.FloatField(
        _("if review sentiment below"), null=True, blank=True,
        validators=[MinValueValidator(-1), MaxValueValidator(1)],
        help_text=_("Average review sentiment, -1 to 1 (needs ai_commerce.sentiment; unreviewed products never "
                    "match)."))
    if_flagged = models.BooleanField(_("if it has flagged reviews"), default=False,
                                     help_text=_("Needs ai_commerce.sentiment."))
    if_cover_below = models.FloatField(
        _("if days of cover below"), null=True, blank=True, validators=[MinValueValidator(0)],
        help_text=_("Days the stock lasts at the forecast's rate (needs ai_commerce.forecast)."))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("updated by"))

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("merchandising rule")
        verbose_name_plural = _("merchandising rules")
        ordering = ("-priority", "pk")

    def __str__(self):
        return self.name

    def clean(self):
        errors = problems(self)
        if errors:
            raise ValidationError(errors)


def problems(rule):
    """Return {field: message} of what makes ``rule`` unusable (the admin and the API say it per field)."""
    errors = {}
    unknown = [s for s in rule.surfaces or [] if s not in SURFACES]
    if not isinstance(rule.surfaces, list) or unknown:
        errors["surfaces"] = f"must be a list of {', '.join(SURFACES)} (empty: everywhere)"
    if rule.action == Rule.Action.PIN and not rule.product_id:
        errors["product"] = "a pin needs the product it pins"
    if rule.action == Rule.Action.BOOST and not rule.factor > 1:
        errors["factor"] = "a boost needs a factor above 1 (e.g. 2)"
    if rule.action == Rule.Action.BURY and not 0 < rule.factor < 1:
        errors["factor"] = "a bury needs a factor above 0 and below 1 (e.g. 0.5)"
    if rule.starts_at and rule.ends_at and rule.ends_at <= rule.starts_at:
        errors["ends_at"] = "must be after the start"
    if rule.if_price_min is not None and rule.if_price_max is not None and rule.if_price_max < rule.if_price_min:
        errors["if_price_max"] = "must be at least the lowest price"
    return errors


class RuleChange(models.Model):
    """The audit log: who created, changed or deleted a rule, when, and what changed (old and new values)."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        CHANGED = "changed", _("changed")
        DELETED = "deleted", _("deleted")

    rule = models.ForeignKey(Rule, models.SET_NULL, null=True, blank=True, related_name="changes",
                             verbose_name=_("rule"))
    rule_name = models.CharField(_("rule name"), max_length=100)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True, help_text=_("Field -> [old, new]."))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("changed by"))
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("rule change")
        verbose_name_plural = _("rule changes (audit log)")
        ordering = ("-created_at", "-pk")

    def __str__(self):
        return f"{self.rule_name}: {self.action}"
