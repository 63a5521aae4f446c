"""Sentiment of each review and per-product summaries, tied to the model version that scored them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ai_commerce.models import PRODUCT_MODEL, ModelVersion

from .verification import Tier


class Label(models.TextChoices):
    NEGATIVE = "negative", _("negative")
    NEUTRAL = "neutral", _("neutral")
    POSITIVE = "positive", _("positive")


class Flag(models.TextChoices):
    STRONGLY_NEGATIVE = "strongly_negative", _("strongly negative")
    MISMATCH = "rating_mismatch", _("rating and text disagree")
    ABUSIVE = "abusive", _("abusive words")
    SPAM = "spam", _("likely spam")
    # Fraud signals (ai_commerce.sentiment.fraud): reasons to look, never to hide.
    BURST = "review_burst", _("burst of reviews on the product")
    ONE_SIDED = "one_sided_reviewer", _("one-sided reviewer")
    NON_BUYER = "non_buyer", _("non-buyer on a product that sells")
    NEAR_DUPLICATE = "near_duplicate", _("near-duplicate text")
    ACCOUNT_BURST = "account_burst", _("burst of reviews by one account")


class ReviewSentimentQuerySet(models.QuerySet):
    def flagged(self):
        return self.exclude(flags=[])

    def needs_moderation(self):
        return self.flagged().filter(moderation=ReviewSentiment.Moderation.PENDING)


class ReviewSentiment(models.Model):
    """The sentiment of one host review: label, score, confidence, aspects and moderation flags."""

    class Moderation(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        HIDDEN = "hidden", _("hidden")

    review_key = models.CharField(
        _("review"), max_length=64, unique=True, help_text=_("Primary key of the shop's review.")
    )
    product = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("product"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("author")
    )
    rating = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    excerpt = models.CharField(_("excerpt"), max_length=1000, blank=True, help_text=_("Start of the cleaned text."))
    label = models.CharField(_("label"), max_length=16, choices=Label.choices)
    score = models.FloatField(_("score"), help_text=_("-1 (negative) to 1 (positive)."))
    confidence = models.FloatField(_("confidence"), help_text=_("Probability of the label, 0 to 1."))
    probabilities = models.JSONField(_("probabilities"), default=dict, blank=True)
    aspects = models.JSONField(
        _("aspects"), default=dict, blank=True, help_text=_("Aspect -> score, label, mentions and sentences.")
    )
    flags = models.JSONField(_("flags"), default=list, blank=True)
    flag_reasons = models.JSONField(_("flag reasons"), default=dict, blank=True,
                                    help_text=_("Flag -> why it was raised (the fraud signals say what they saw)."))
    moderation = models.CharField(
        _("moderation"), max_length=16, choices=Moderation.choices, default=Moderation.PENDING
    )
    mismatch_verdict = models.BooleanField(
        _("rating mismatch confirmed"), null=True, blank=True,
        help_text=_("Staff's verdict on whether the text contradicts the stars; the next training learns the "
                    "mismatch flag's cuts from these verdicts (ai_commerce.sentiment.mismatch)."),
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("moderated by"), help_text=_("The member of staff who last approved or hid the review."),
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    host_status = models.JSONField(
        _("shop's status"), null=True, blank=True,
        help_text=_("The shop's own moderation status of the review, as last read or written (empty when the shop "
                    "maps none). Summaries count only published reviews (ai_commerce.sentiment.published)."),
    )
    text_hash = models.CharField(_("text fingerprint"), max_length=64, db_index=True, blank=True,
                                 help_text=_("Finds duplicate texts (spam)."))
    model_version = models.ForeignKey(
        ModelVersion, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("model version"),
        help_text=_("Empty when the lexicon cold start scored it."),
    )
    verification = models.CharField(
        _("verification"), max_length=16, choices=Tier.choices, blank=True, default="",
        help_text=_("Verified buyer (an order of the product before the review), signed-in non-buyer or anonymous, "
                    "from the shop's orders when the review was last scored; empty until then."),
    )
    days_after_purchase = models.IntegerField(
        _("days after purchase"), null=True, blank=True,
        help_text=_("Whole days from the reviewer's latest order of the product to the review (verified buyers)."),
    )
    incentivized = models.BooleanField(
        _("incentivized"), default=False,
        help_text=_("The reviewer got something for the review (a free sample, a discount). Set by staff, or read "
                    "from the shop's review when REVIEW_FIELDS maps 'incentivized'."),
    )
    reviewed_at = models.DateTimeField(_("review written at"), null=True, blank=True, db_index=True)
    scored_at = models.DateTimeField(_("scored at"), auto_now=True)

    objects = ReviewSentimentQuerySet.as_manager()

    class Meta:
        verbose_name = _("review sentiment")
        verbose_name_plural = _("review sentiments")
        ordering = ("-reviewed_at", "-pk")
        indexes = [models.Index(fields=["product", "reviewed_at"], name="ai_sentiment_product_time")]

    def __str__(self):
        return f"review {self.review_key}: {self.label} ({self.score:+.2f})"


class ProductSentiment(models.Model):
    """The summary of a product's reviews: counts, average, trend, best and worst aspects, pros and cons."""

    product = models.OneToOneField(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("product"))
    review_count = models.PositiveIntegerField(_("reviews"), default=0)
    average_score = models.FloatField(_("average score"), default=0.0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("product sentiment")
        verbose_name_plural = _("product sentiments")

    def __str__(self):
        return f"product {self.product_id}: {self.average_score:+.2f} over {self.review_count} reviews"
