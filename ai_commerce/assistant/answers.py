"""The one shape of what the assistant says: an ``Answer`` with its outcome, its sources and the rows it was read
from (all a rephrase hook may see)."""

from dataclasses import dataclass, field

ANSWERED, UNKNOWN, HANDOVER, SMALL_TALK = "answered", "unknown", "handover", "small_talk"

DONT_KNOW = ("I'm sorry, I don't know the answer to that from what the shop has told me. Would you like me to pass "
             "your question to a member of staff?")
HANDED_OVER = ("I've passed this conversation to a member of our staff; they will reply here (and by e-mail when "
               "we have your address).")


@dataclass
class Source:
    kind: str  # "order", "product", "faq", "reviews"
    label: str
    url: str = ""

    def as_dict(self):
        return {"kind": self.kind, "label": self.label, "url": self.url}


@dataclass
class Answer:
    text: str
    outcome: str
    intent: str = ""
    confidence: float | None = None
    sources: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    handover_reason: str = ""

    @property
    def answered(self):
        return self.outcome == ANSWERED


def dont_know(intent="", confidence=None, reason="", sources=()):
    return Answer(DONT_KNOW, UNKNOWN, intent, confidence, list(sources), handover_reason=reason)


def handover(reason, intent="", confidence=None):
    return Answer(HANDED_OVER, HANDOVER, intent, confidence, handover_reason=reason)
