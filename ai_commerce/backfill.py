"""Backfill the event log from the shop's existing order lines and reviews.

``backfill()`` reads through the shop adapter in chunks and upserts events keyed by ``order-line:<pk>`` and
``review:<pk>``, so a second run adds nothing and a line already recorded by a signal is not duplicated. The rows of
a forgotten user (``ai_commerce.privacy``) are skipped, counted under "user forgotten" in the report.
"""

from collections import Counter
from dataclasses import dataclass, field
from itertools import islice

from . import events
from .adapter import get_adapter


@dataclass
class BackfillReport:
    seen: int = 0
    valid: int = 0
    added: int = 0
    skipped: Counter = field(default_factory=Counter)

    def summary(self):
        skipped = ", ".join(f"{n} {reason}" for reason, n in self.skipped.most_common()) or "none"
        return (f"{self.seen} rows read, {self.added} events added, {self.valid - self.added} already there, "
                f"skipped: {skipped}")


def chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def backfill(*, orders=True, reviews=True, batch_size=2000, on_progress=None):
    """Import order lines and reviews as events; return a BackfillReport. ``on_progress(n)`` after each chunk."""
    adapter = get_adapter()
    report = BackfillReport()
    sources = []
    if orders:
        sources.append((adapter.order_lines(batch_size=batch_size), events.order_line_events))
    if reviews:
        sources.append((adapter.reviews(batch_size=batch_size), events.review_events))
    for rows, make_events in sources:
        for chunk in chunks(rows, batch_size):
            made = make_events(chunk, report.skipped)
            report.seen += len(chunk)
            report.valid += len(made)
            report.added += events.upsert(made, batch_size=batch_size)
            if on_progress:
                on_progress(len(chunk))
    return report


def total_rows(*, orders=True, reviews=True):
    adapter = get_adapter()
    return (adapter.count_order_lines() if orders else 0) + (adapter.count_reviews() if reviews else 0)
