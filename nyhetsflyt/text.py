"""Text normalisation that remembers where each cleaned character came from.

Cleaning: Unicode NFC, soft hyphens and zero-width characters removed, no-break and other
spaces made ordinary spaces, runs of whitespace (line breaks included) collapsed to one
space, ends trimmed. The character map lets a splitter cut the cleaned text and still hand
back the matching slice of the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Invisible characters that only steer line breaking or joining; they carry no text.
REMOVED_CHARS = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
# Anything clean() would change apart from NFC: removed characters, whitespace other than single
# inner spaces. Most news text has none, and then cleaning is the identity.
_NEEDS_CLEANING = re.compile("[" + "".join(sorted(REMOVED_CHARS)) + r"]|[^\S ]|  |^ | $")


@dataclass(frozen=True, slots=True)
class CleanText:
    """A cleaned string with, for each of its characters, the span it came from in `raw`."""

    raw: str
    text: str
    spans: tuple[tuple[int, int], ...] | None  # None: text is raw, character for character

    def raw_slice(self, start: int, end: int) -> str:
        """The original text behind cleaned characters [start, end)."""
        if start >= end:
            return ""
        if self.spans is None:
            return self.raw[start:end]
        return self.raw[self.spans[start][0] : self.spans[end - 1][1]]


def clean(raw: str) -> CleanText:
    if unicodedata.is_normalized("NFC", raw) and not _NEEDS_CLEANING.search(raw):
        return CleanText(raw=raw, text=raw, spans=None)
    return clean_char_by_char(raw)


def clean_char_by_char(raw: str) -> CleanText:
    """The general case of clean(), which maps every character back to its source."""
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    pending_space: tuple[int, int] | None = None
    index, length = 0, len(raw)
    while index < length:
        # A base character travels with its combining marks so NFC can compose them.
        stop = index + 1
        while stop < length and unicodedata.combining(raw[stop]):
            stop += 1
        group = raw[index:stop]
        first = group[0]
        if first in REMOVED_CHARS:
            pass
        elif first.isspace():
            if chars and pending_space is None:
                pending_space = (index, stop)
        else:
            if pending_space is not None:
                chars.append(" ")
                spans.append(pending_space)
                pending_space = None
            for char in unicodedata.normalize("NFC", group):
                chars.append(char)
                spans.append((index, stop))
        index = stop
    return CleanText(raw=raw, text="".join(chars), spans=tuple(spans))


def clean_text(raw: str) -> str:
    """`raw` normalised: NFC, no soft hyphens, ordinary single spaces, trimmed."""
    return clean(raw).text
