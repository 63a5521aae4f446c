"""Which reviews shoppers see: the one rule behind every public output of review sentiment.

The product summaries (``summaries``), and so the API and the template tag that show them, count, average and quote
a review only when it is *published*::

    from ai_commerce.sentiment.published import is_published

    is_published(row.host_status, row.moderation, row.flags)   # True or False, under the current settings

A review is published when all of these hold:

1. **The host shows it.** When the shop maps ``REVIEW_FIELDS["moderation_status"]`` and names the values that mean
   published in ``SENTIMENT["HOST_STATUS"]["published"]`` (one value or a list; the ``"approved"`` value counts too),
   the review's host status must be one of them. Statuses compare as text, so ``0`` and ``"0"`` are one status, and
   ``0`` is a status like any other. A review whose host status is unknown (``None``: the shop maps none, names no
   published value, or the review was scored before statuses were recorded) is judged by 2 and 3 alone.
2. **Our staff have not hidden it** (``moderation == "hidden"``), whatever the host says.
3. **It is not waiting for staff.** A review with a flag that holds it (``HOLDING_FLAGS``: abusive words, likely spam)
   is not published until staff approve it. When the shop holds flagged reviews itself (``HOST_STATUS["flagged"]``
   is mapped, and published values are named), the host status already says this, and a review the shop's staff
   released there is published. Flags about tone (strongly negative, stars and text disagree) ask for staff's
   attention but never hold a review back: leaving reviews out for being negative would bias the average and the
   cons that shoppers read.

Staff-facing outputs (the admin, the dashboard) see every review. A decision reaches the summaries at once: the
admin's actions (``moderation.moderate``) and a save of the shop's review with a new status
(``receivers.review_saved``) refresh the product's summary and drop the cached ones.
"""

from ai_commerce.conf import app_settings

from .models import Flag, ReviewSentiment

#: Flags that keep a review out of the public summaries until staff approve it.
HOLDING_FLAGS = frozenset({Flag.ABUSIVE.value, Flag.SPAM.value})


def published_statuses():
    """Return the host's status values that mean published, as text (empty when the shop names none)."""
    host_status = app_settings.SENTIMENT["HOST_STATUS"]
    named = host_status.get("published")
    values = list(named) if isinstance(named, list | tuple | set | frozenset) else [] if named is None else [named]
    if host_status.get("approved") is not None:
        values.append(host_status["approved"])
    return {str(value) for value in values}


def awaits_staff(flags, moderation):
    """Return whether a review is held until staff approve it: a holding flag, and no decision yet."""
    return moderation == ReviewSentiment.Moderation.PENDING and not HOLDING_FLAGS.isdisjoint(flags or ())


#: Why a review is not published (``why_held``).
HIDDEN_BY_STAFF, HELD_BY_SHOP, HELD_BY_FLAG = "hidden by staff", "shop's status", "waits for staff"


def why_held(host_status, moderation, flags):
    """Return why shoppers may not see a scored review, by the rule of the module docstring, or None when they may:
    ``(HIDDEN_BY_STAFF, None)``, ``(HELD_BY_SHOP, the status)`` or ``(HELD_BY_FLAG, [holding flags])``."""
    if moderation == ReviewSentiment.Moderation.HIDDEN:
        return HIDDEN_BY_STAFF, None
    statuses = published_statuses()
    if statuses and host_status is not None:
        if str(host_status) not in statuses:
            return HELD_BY_SHOP, str(host_status)
        if app_settings.SENTIMENT["HOST_STATUS"].get("flagged") is not None:
            return None  # the shop holds flagged reviews itself, so its published status is a release
    if awaits_staff(flags, moderation):
        return HELD_BY_FLAG, sorted(HOLDING_FLAGS.intersection(flags or ()))
    return None


def is_published(host_status, moderation, flags):
    """Return whether shoppers may see a scored review, by the rule of the module docstring."""
    return why_held(host_status, moderation, flags) is None
