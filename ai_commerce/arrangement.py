"""Arrangement: the one place where staff rules (merchandising) meet every ranked list the shop serves.

Every ranked surface (the recommendation placements, search results, a re-ranked listing) asks this module, after the
model's ranking and before its own backfill, how staff want the list arranged. Capabilities never import each other:
the capability that holds the rules (``ai_commerce.merchandising``) names its provider in
``CapabilityConfig.arranger``; without one, the arrangement is the identity and costs nothing::

    from ai_commerce import arrangement

    rules = arrangement.for_scope(arrangement.Scope("similar", category="Mugs", arm=arm))
    rules.pinned                      # product pks that rules pin: fetch them with the candidates (filters still apply)
    rules.needs_values                # whether ``arrange`` reads the products' mapped values
    rules.fields                      # which of them (the attributes its conditions, caps and diversity read)
    rules.arrange_listing(ids)        # a listing, whose values the surface has not read: arrange(complete=True)
                                      # with the values the provider keeps until the catalogue changes (no SQL warm)
    arranged = rules.arrange(ids, values)   # ids: eligible product pks, best first; values: {pk: {"category": ...}}
                                      # complete=True (search, listings): a cap moves products last, never drops
    arranged.ids, arranged.featured   # the new order (excluded products gone), the pks a rule placed ("Featured")
    arrangement.stamp()               # a token for cached lists: it changes when a rule changes, starts or ends

A scope's ``surface`` is a recommendation placement (``recommended``, ``similar``, ...), ``search`` or ``listing``;
``query`` is the search's words and ``category`` the category the list is limited to; ``arm`` is the visitor's
experiment arm (a rule may run in one arm only, against "no rule" in the others).

A provider is an object (or a dotted path to one) with ``for_scope(scope, now) -> Rules`` and ``stamp(now) -> str``.
It reads its rules once and keeps them cached, so that a ranked list costs at most one SQL statement for the rules,
whatever their number; ``values`` carry the mapped fields the surface read already (category, price, stock, created).
``now`` is the moment the list is served, given by tests as a fixed datetime.
"""

from dataclasses import dataclass

from django.utils import timezone

from . import capabilities

#: The reason code (and text) of an item a rule placed.
FEATURED = "featured"


@dataclass(frozen=True)
class Scope:
    """Where a list is served: its surface, the search query, the category it is limited to, the experiment arm."""

    surface: str
    query: str = ""
    category: str = ""
    arm: int = 0


@dataclass(frozen=True)
class Arranged:
    ids: list
    featured: frozenset = frozenset()


class NoRules:
    """The arrangement without rules: the list as the model ranked it."""

    pinned = ()
    needs_values = False
    fields = frozenset()

    def __bool__(self):
        return False

    def arrange_listing(self, ids):
        return Arranged(list(ids))

    def arrange(self, ids, values=None, complete=False):
        return Arranged(list(ids))


NO_RULES = NoRules()


def provider():
    """Return the installed arranger (the first capability that declares one), or None."""
    return next(iter(capabilities.providers("arranger")), None)


def for_scope(scope, now=None):
    """Return the rules in effect for ``scope`` at ``now`` (the current time when None); ``NO_RULES`` without a
    provider or without a rule that applies (falsy then)."""
    found = provider()
    if found is None:
        return NO_RULES
    return found.for_scope(scope, now or timezone.now()) or NO_RULES


def stamp(now=None):
    """A token of the rules in effect now, for the keys of cached lists ("" without a provider)."""
    found = provider()
    return "" if found is None else found.stamp(now or timezone.now())


# -- what the surfaces serve, for a preview -------------------------------------------------------------------------
@dataclass(frozen=True)
class Shown:
    """One item of a list as a surface serves it: the product's pk, its title and the reason shown."""

    product_id: object
    title: str
    reason: str


def ranked(surface, *, user=None, query="", category="", product=None, k=10):
    """Return the list ``surface`` serves now (``[Shown]``, uncached), asking the capabilities that declare
    ``CapabilityConfig.ranked_lists`` (``ranked(surface, user=, query=, category=, product=, k=) -> [Shown] or None``
    when the surface is not theirs); None when no installed capability serves ``surface``."""
    for serve in capabilities.providers("ranked_lists"):
        found = serve(surface, user=user, query=query, category=category, product=product, k=k)
        if found is not None:
            return found
    return None


# -- experiment arms --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArmOutcome:
    """How an experiment arm does against its control, with the experiment's own statistics."""

    experiment: str
    metric: str
    status: str            # too_early, winner, no_difference, control_better, invalid (the experiment's verdict)
    verdict: str           # the verdict's text ("Too early: ...")
    rate: float | None     # the arm's rate of the primary metric
    control_rate: float | None
    lift_pct: float | None  # relative to the control; None while it cannot be told
    low: float | None      # the difference's confidence interval
    high: float | None
    p: float | None
    significant: bool


def arm_outcomes(arm_ids):
    """Return {arm id: ArmOutcome} of experiment arms, from the capability that runs experiments
    (``CapabilityConfig.arm_outcomes``); {} without one."""
    ids = [pk for pk in arm_ids if pk]
    for outcomes in capabilities.providers("arm_outcomes"):
        return outcomes(ids) if ids else {}
    return {}


def rules_of_arms(arm_ids):
    """Return {arm id: [rule names]}: the arms in which a rule runs (an experiment may then give two arms one model
    version); {} without a provider."""
    found = provider()
    return {} if found is None else found.rules_of_arms(list(arm_ids))
