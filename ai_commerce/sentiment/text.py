"""Normalise review text before it is scored, and split it into sentences.

``clean(text)`` accepts anything a database column may hold (``None``, numbers, HTML from a rich-text editor, very
long pastes) and returns plain, single-spaced text of at most ``MAX_CHARS`` characters. ``sentences(text)`` cleans
the text and splits it into sentences for aspect-level scoring and extractive summaries::

    from ai_commerce.sentiment.text import clean, sentences

    clean("<p>Love it &amp; the colour!</p>")   # "Love it & the colour!"
    sentences("Runs small. Great fabric!")       # ["Runs small.", "Great fabric!"]
"""

import html
import re

MAX_CHARS = 5000

_TAG = re.compile(r"<[^>]{0,1000}>")
# Block-level tags and <br> end a line; a line break also ends a sentence in ``sentences``.
_BREAK_TAG = re.compile(r"<\s*(?:br|/?p|/?div|/?li|/?h[1-6]|/?tr)\b[^>]{0,1000}>", re.IGNORECASE)
_SCRIPT = re.compile(r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")
# A sentence ends after . ! ? (and runs of them, with closing quotes or brackets) followed by a space, or at a newline.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"')\]])\s+|\n+")


def clean(text, max_chars=MAX_CHARS) -> str:
    """Return ``text`` as plain text: tags stripped, entities unescaped, whitespace collapsed, at most ``max_chars``.

    ``None`` and other non-strings become ``""`` (bytes are decoded as UTF-8). Line breaks are kept (one per break,
    since they separate sentences), and a text cut at ``max_chars`` ends at a word boundary.
    """
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        return ""
    # Bound the work on huge inputs before the regexes run: markup rarely takes more than 4x the visible text.
    text = text[: max_chars * 4]
    if "<" in text:
        text = _SCRIPT.sub(" ", text)
        text = _BREAK_TAG.sub("\n", text)
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _NEWLINES.sub("\n", _SPACES.sub(" ", text)).strip()
    if len(text) > max_chars:
        cut = text[: max_chars + 1]
        boundary = max(cut.rfind(" "), cut.rfind("\n"))
        text = (cut[:boundary] if boundary > max_chars // 2 else cut[:max_chars]).rstrip()
    return text


def sentences(text) -> list[str]:
    """Return the non-empty sentences of ``text`` (cleaned first), split after . ! ? and at line breaks."""
    return [part.strip() for part in _SENTENCE_END.split(clean(text)) if part and part.strip()]
