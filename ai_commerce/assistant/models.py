"""What the assistant knows that the shop does not (FAQ and policy entries staff write) and what it keeps
(conversations, their messages, handovers to staff). Conversations are personal data: ``privacy.forget_user``
removes a user's, and ``retention.prune`` those older than ``RETENTION_DAYS``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FaqEntry(models.Model):
    class Topic(models.TextChoices):
        SHIPPING = "shipping", _("Shipping and delivery")
        RETURNS = "returns", _("Returns and refunds")
        PAYMENT = "payment", _("Payment")
        SIZING = "sizing", _("Sizing")
        ORDERS = "orders", _("Orders")
        OTHER = "other", _("Other")

    title = models.CharField(_("question"), max_length=200, help_text=_("The question as a shopper would ask it."))
    answer = models.TextField(_("answer"), help_text=_("What the assistant answers, word for word."))
    examples = models.TextField(
        _("example questions"), blank=True,
        help_text=_("Other ways shoppers ask this, one a line; the assistant learns from them at its next training."))
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices, default=Topic.OTHER)
    sensitive = models.BooleanField(
        _("sensitive"), default=False,
        help_text=_("A question on this topic is always handed over to staff (e.g. a complaint, a legal matter); "
                    "the answer is not given by the assistant."))
    link = models.CharField(_("link"), max_length=300, blank=True,
                            help_text=_("The shop's page with the full policy, shown as the answer's source."))
    is_published = models.BooleanField(_("published"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        ordering = ["topic", "title"]

    def __str__(self):
        return self.title

    def example_list(self):
        return [line.strip() for line in self.examples.splitlines() if line.strip()]


class Conversation(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        HANDED_OVER = "handed_over", _("Waiting for staff")
        ANSWERED = "answered", _("Answered by staff")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True,
                             related_name="+", verbose_name=_("shopper"))
    session_key = models.CharField(_("session"), max_length=64, blank=True, db_index=True)
    email = models.EmailField(_("e-mail for replies"), blank=True,
                              help_text=_("Where staff replies are sent: the shopper's account e-mail, or the one a "
                                          "guest gave."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    handover_reason = models.CharField(_("why handed over"), max_length=200, blank=True)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last message at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-updated_at", "-pk"]

    def __str__(self):
        return f"conversation {self.pk}"


class Handover(Conversation):
    """The conversations handed over to staff, as the admin lists them."""

    class Meta:
        proxy = True
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")


class Message(models.Model):
    class Role(models.TextChoices):
        SHOPPER = "shopper", _("Shopper")
        ASSISTANT = "assistant", _("Assistant")
        STAFF = "staff", _("Staff")

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        UNKNOWN = "unknown", _("Did not know")
        HANDOVER = "handover", _("Handed over")
        SMALL_TALK = "small_talk", _("Small talk")

    conversation = models.ForeignKey(Conversation, models.CASCADE, related_name="messages",
                                     verbose_name=_("conversation"))
    role = models.CharField(_("from"), max_length=16, choices=Role.choices)
    text = models.TextField(_("text"))
    intent = models.CharField(_("intent"), max_length=32, blank=True)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True, db_index=True)
    sources = models.JSONField(_("sources"), default=list, blank=True,
                               help_text=_("What the answer was read from: [{kind, label, url}]."))
    helpful = models.BooleanField(_("answered the question"), null=True, blank=True,
                                  help_text=_("The shopper's \"did this answer your question?\"."))
    question = models.TextField(_("question"), blank=True,
                                help_text=_("On an answer: the shopper's question it answers (the FAQ-gaps report)."))
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_role_display()}: {self.text[:60]}"


class FaqGap(Message):
    """Answers that did not serve: "I don't know", handovers and answers marked unhelpful (the FAQ-gaps report)."""

    class Meta:
        proxy = True
        verbose_name = _("FAQ gap")
        verbose_name_plural = _("FAQ gaps")
