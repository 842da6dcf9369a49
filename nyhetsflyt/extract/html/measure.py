"""Measuring an extraction against expected text: the yardstick of tests and benchmarks."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from nyhetsflyt.documents import SourceDocument


def body_text(document: SourceDocument) -> str:
    """The article's running text: lede, subheadings and paragraphs, without captions or bylines."""
    return "\n\n".join(b.text for b in document.blocks if b.hint in ("lede", "subheading", "paragraph"))


def word_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).replace("\xad", "").casefold()
    return re.findall(r"\w+", text)


def token_f1(predicted: str, expected: str) -> float:
    """Bag-of-words F1 between two texts (1.0 when both are empty)."""
    got, want = Counter(word_tokens(predicted)), Counter(word_tokens(expected))
    if not got and not want:
        return 1.0
    overlap = sum((got & want).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)
