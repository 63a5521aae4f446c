"""Defaults of ``AI_COMMERCE["ASSISTANT"]`` (the shopping assistant); a shop sets only what differs."""

#: The longest message accepted, in characters.
MAX_MESSAGE_LENGTH = 1000

DEFAULTS = {
    # The intent classifier's confidence below which the assistant says it does not know and offers a human. The
    # trainer calibrates its own threshold on held-out questions; the higher of the two is used.
    "CONFIDENCE_THRESHOLD": 0.5,
    # The least share of a question's words (weighted by rarity) that an FAQ entry must hold to answer it; twice
    # 1.75 times as much when the classifier is unsure what was asked.
    "RETRIEVAL_MIN_COVERAGE": 0.34,
    # Words that mark an angry message; one of them hands the conversation over to staff.
    "ANGER_WORDS": ["angry", "furious", "ridiculous", "disgusting", "scam", "useless", "worst", "terrible",
                    "unacceptable", "outrageous", "fed up", "sick of", "rubbish", "awful", "pathetic", "wtf",
                    "lawyer", "sue", "complaint", "complain", "disgrace"],
    # The host review statuses shoppers see (compared as text); empty: every review of a shop that maps none.
    "PUBLISHED_REVIEW_STATUSES": ["published"],
    # Messages and conversations are deleted this many days after their last message (personal data).
    "RETENTION_DAYS": 90,
    # Messages a client (user, session and address) may send, in DRF's rate syntax.
    "THROTTLE_RATE": "20/min",
    # The address handover e-mails come from (None: DEFAULT_FROM_EMAIL).
    "FROM_EMAIL": None,
    # A dotted path to a callable (answer_text, rows) -> text that may rephrase an answer from the rows it was
    # built from, and nothing else (a shop's own language model). None: the built-in answers, as they are.
    "REPHRASE": None,
}
