"""Product lookup: which of the shop's products a shopper's words name, for the capabilities that must find one.

Capabilities never import each other. A capability that indexes the catalogue (search) names its finder in
``CapabilityConfig.product_lookup``; the others ask this module, and fall back to their own matching when it answers
None (no such capability installed)::

    from ai_commerce import product_lookup

    named = product_lookup.named_in("is the blu cotton dres in stock?")   # [NamedProduct], best first; None: no finder
    named[0].product_id, named[0].matched, named[0].title_words, named[0].words   # words: ("blu", "dres")

A finder is ``find(words, k) -> [NamedProduct]``: the products on sale (those the shop's search finds) whose titles
the words name, with how many of the title's distinct words the message holds (after the finder's own typo
tolerance, stemming and synonyms), best first. It reads what the web process already holds (no query per call); a
caller that must also know the products no longer on sale matches those itself.
"""

from dataclasses import dataclass

from . import capabilities


@dataclass(frozen=True)
class NamedProduct:
    """A product a message names: ``matched`` of its title's ``title_words`` distinct words are in the message, as
    the message's ``words`` (lower case, as written there)."""

    product_id: object
    matched: int
    title_words: int
    score: float = 0.0
    words: tuple = ()

    @property
    def share(self):
        return self.matched / (self.title_words or 1)


def available():
    """Whether a finder is installed."""
    return bool(capabilities.providers("product_lookup"))


def named_in(words, k=25):
    """Return the products ``words`` name, best first, from the first installed finder; None when none is installed
    (the caller matches on its own)."""
    for find in capabilities.providers("product_lookup"):
        return list(find(words, k))
    return None
