"""The suppression audit: every review shoppers do not see, why, and whether negative reviews are held more often.

::

    from ai_commerce.sentiment.audit import suppression_audit

    audit = suppression_audit(limit=200)
    audit["held"]          # [{"review_key", "product_id", "rating", "label", "reason", "detail", "by", "at"}, ...]
    audit["negative_share_all"], audit["negative_share_held"], audit["negatives_held_more"]

A review is *held* when ``published.why_held`` says so: hidden by staff (with who and when, ``moderated_by``), held
by the shop's own status, or waiting for staff because of a holding flag (which rule). A review is *negative* when
its label is negative or it has one or two stars. The audit compares the share of negative reviews among the held
ones with the share among all reviews: when negatives are held more often (``negatives_held_more``), the admin page
shows a red line, since suppressing negative reviews is what the FTC rule 16 CFR 465 bans and what biases the
average shoppers read. Two queries (the rows, and the staff who decided).
"""

from django.contrib.auth import get_user_model

from .models import Label, ReviewSentiment
from .published import why_held


def is_negative(row):
    return row["label"] == Label.NEGATIVE or (row["rating"] is not None and row["rating"] <= 2)


def suppression_audit(limit=200):
    """Return the audit of the module docstring; ``held`` lists the newest ``limit`` held reviews."""
    total = negatives = 0
    held = []
    for row in ReviewSentiment.objects.order_by("-reviewed_at", "-pk").values(
            "review_key", "product_id", "rating", "label", "host_status", "moderation", "flags", "moderated_by_id",
            "moderated_at", "reviewed_at"):
        negative = is_negative(row)
        total += 1
        negatives += negative
        reason = why_held(row["host_status"], row["moderation"], row["flags"])
        if reason is not None:
            detail = ", ".join(reason[1]) if isinstance(reason[1], list) else reason[1] or ""
            held.append({**row, "reason": reason[0], "detail": detail, "negative": negative})
    held_negatives = sum(row["negative"] for row in held)
    staff = dict(get_user_model()._default_manager.filter(
        pk__in={row["moderated_by_id"] for row in held[:limit] if row["moderated_by_id"]}).values_list(
        "pk", get_user_model().USERNAME_FIELD))
    for row in held[:limit]:
        row["by"] = staff.get(row["moderated_by_id"])
    share_all = negatives / total if total else 0.0
    share_held = held_negatives / len(held) if held else 0.0
    return {
        "total": total, "negatives": negatives, "held_count": len(held), "held_negatives": held_negatives,
        "negative_share_all": share_all, "negative_share_held": share_held,
        "negatives_held_more": bool(held) and share_held > share_all,
        "held": held[:limit],
    }
