"""The sentiment labels, worst first, shared by the lexicon, the classifier and the summaries (no dependencies)."""

LABELS = ("negative", "neutral", "positive")
