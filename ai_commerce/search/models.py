"""Search sessions (a query, what it showed and where), the clicks through its results, and staff synonyms.

A search made by a signed-in shopper names them, so ``privacy.forget_user`` removes their searches and clicks.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ai_commerce.models import PRODUCT_MODEL


class SearchQuery(models.Model):
    class Rescue(models.TextChoices):
        NONE = "", _("none")
        RELAXED = "relaxed", _("relaxed: not every word matched")
        CATEGORY = "category", _("the best-matching category")

    token = models.CharField(_("token"), max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+",
                             verbose_name=_("user"))
    session_key = models.CharField(_("session key"), max_length=64, blank=True, db_index=True)
    query = models.CharField(_("query"), max_length=200)
    normalised = models.CharField(_("normalised query"), max_length=200, db_index=True)
    category = models.CharField(_("category filter"), max_length=200, blank=True)
    total = models.PositiveIntegerField(_("results"), default=0)
    offset = models.PositiveIntegerField(_("offset of the first shown"), default=0)
    shown = models.JSONField(_("products shown, in order"), default=list, blank=True)
    did_you_mean = models.CharField(_("did you mean"), max_length=200, blank=True)
    rescue = models.CharField(_("rescue"), max_length=16, choices=Rescue.choices, blank=True, default="")
    ranker = models.CharField(_("ranker"), max_length=32, blank=True)
    version = models.PositiveIntegerField(_("model version"), default=0)
    swap = models.PositiveSmallIntegerField(
        _("explored swap"), default=0,
        help_text=_("The position the first result was shown at, swapped to measure position bias (0: none)."))
    occurred_at = models.DateTimeField(_("searched at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("search")
        verbose_name_plural = _("searches")
        ordering = ("-occurred_at",)

    def __str__(self):
        return f"{self.query!r} ({self.total} results)"


class SearchClick(models.Model):
    search = models.ForeignKey(SearchQuery, models.CASCADE, related_name="clicks", verbose_name=_("search"))
    product = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("product"))
    position = models.PositiveIntegerField(_("position"), help_text=_("1 is the first result."))
    occurred_at = models.DateTimeField(_("clicked at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("search click")
        verbose_name_plural = _("search clicks")
        constraints = [models.UniqueConstraint(fields=["search", "product"], name="ai_search_one_click_a_result")]

    def __str__(self):
        return f"{self.search.query!r}: product {self.product_id} at {self.position}"


class Synonym(models.Model):
    """Words a shopper may use for the same thing: "tee" for "t-shirt". Two-way: each word finds the others."""

    word = models.CharField(_("word"), max_length=100, unique=True)
    synonyms = models.CharField(_("synonyms"), max_length=500,
                                help_text=_("Comma-separated words or phrases searched as well as the word."))
    two_way = models.BooleanField(_("two-way"), default=True,
                                  help_text=_("Each synonym also finds the word and the other synonyms."))

    class Meta:
        verbose_name = _("synonym")
        verbose_name_plural = _("synonyms")
        ordering = ("word",)

    def __str__(self):
        return f"{self.word} = {self.synonyms}"

    def terms(self):
        return [s.strip() for s in self.synonyms.split(",") if s.strip()]
