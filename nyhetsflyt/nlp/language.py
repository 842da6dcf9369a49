"""Which language an article is written in: nb, nn, da, sv, en, or other, with a confidence.

Lingua (`lingua-language-detector`) does the reading, in two steps:

1. Its low-accuracy mode over every language it knows says whether the text is one of the
   five that matter here at all; anything else (German, Icelandic, Arabic, …) is `other`.
   Without this step a German text would have to be called one of the five.
2. Its high-accuracy mode over just the five picks among them, with a confidence for each.

Bokmål and Nynorsk are close, and lingua's n-grams alone confuse them on short paragraphs full of
names. Where lingua says nb or nn, the choice between the two adds the evidence of the words the
two written standards spell differently (``ikke``/``ikkje``, ``hva``/``kva``): each such word
shifts the log-odds by `MARKER_WEIGHT`, a figure set on NorNE's training files (bench/language_id.py
--tune), never on the paragraphs the figures are measured on.

It runs once per article, so it reads the article's beginning, not all of it: the first step
`FAMILY_CHARS` characters, the second `TARGET_CHARS` (lingua's time grows with the length).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

TARGETS: dict[Language, str] = {
    Language.BOKMAL: "nb",
    Language.NYNORSK: "nn",
    Language.DANISH: "da",
    Language.SWEDISH: "sv",
    Language.ENGLISH: "en",
}
LANGUAGES = ("nb", "nn", "da", "sv", "en", "other")
# What the Norwegian model reads; every other language is stored without entities or sentences.
NORWEGIAN = frozenset({"nb", "nn"})

# Words only one of the two written standards uses (in their current official spelling).
NB_MARKERS = frozenset(
    ["ikke", "jeg", "hva", "hvor", "hvem", "hvordan", "hvorfor", "hvilke", "hvilken", "hvis", "fra",
     "hun", "ble", "mye", "noe", "noen", "uten", "en", "et", "være", "vært", "selv", "sier", "disse",
     "mer", "siden", "sammen", "hjem", "hjemme", "kommer", "hennes", "deres", "dem", "mens",
     "fremdeles", "hele", "derfor", "hos", "gjøre", "gjør", "fikk"]
)
NN_MARKERS = frozenset(
    ["ikkje", "eg", "kva", "kvar", "kven", "korleis", "kvifor", "viss", "frå", "ho", "vart", "mykje",
     "noko", "nokon", "nokre", "berre", "utan", "ein", "eit", "vere", "vore", "sjølv", "seier", "desse",
     "meir", "sidan", "saman", "heim", "heime", "kjem", "hennar", "deira", "dei", "òg", "medan",
     "framleis", "heile", "difor", "hjå", "gjere", "gjer", "fekk"]
)
_SHARED = NB_MARKERS & NN_MARKERS
NB_ONLY = NB_MARKERS - _SHARED
NN_ONLY = NN_MARKERS - _SHARED
# Log-odds one marker word adds towards its standard (bench/language_id.py --tune, NorNE train).
MARKER_WEIGHT = 3.0
# How much of a text each step reads (cut at a space): enough words to tell, at a small cost.
FAMILY_CHARS = 300
TARGET_CHARS = 600
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)

Accuracy = Literal["high", "low"]


@dataclass(frozen=True, slots=True)
class Detection:
    language: str  # nb nn da sv en other
    confidence: float  # in [0, 1]


def marker_counts(text: str) -> tuple[int, int]:
    """(Bokmål-only, Nynorsk-only) marker words in the text."""
    nb = nn = 0
    for word in _WORDS.findall(text.casefold()):
        if word in NB_ONLY:
            nb += 1
        elif word in NN_ONLY:
            nn += 1
    return nb, nn


class LanguageIdentifier:
    """Lingua in two steps (see the module docstring); build once, then call `detect` per text."""

    def __init__(self, accuracy: Accuracy = "high", marker_weight: float = MARKER_WEIGHT) -> None:
        self.accuracy = accuracy
        self.marker_weight = marker_weight
        self._family = _family_detector()
        builder = LanguageDetectorBuilder.from_languages(*TARGETS)
        if accuracy == "low":
            builder = builder.with_low_accuracy_mode()
        self._targets: LanguageDetector = builder.build()

    def detect(self, text: str) -> Detection:
        if not _WORDS.search(text):
            return Detection("other", 0.0)
        opening = _beginning(text, FAMILY_CHARS)
        family = self._family.detect_language_of(opening)
        if family not in TARGETS:
            share = self._family.compute_language_confidence(opening, family) if family is not None else 0.0
            return Detection("other", round(share, 3))
        text = _beginning(text, TARGET_CHARS)
        confidences = {TARGETS[value.language]: value.value
                       for value in self._targets.compute_language_confidence_values(text)}
        best = max(confidences, key=lambda language: confidences[language])
        if best in NORWEGIAN:
            return self._norwegian(text, confidences)
        return Detection(best, round(confidences[best], 3))

    def _norwegian(self, text: str, confidences: dict[str, float]) -> Detection:
        """nb or nn: lingua's odds between the two, moved by the marker words."""
        nb, nn = confidences.get("nb", 0.0), confidences.get("nn", 0.0)
        floor = 1e-6
        markers_nb, markers_nn = marker_counts(text)
        log_odds = math.log(max(nn, floor) / max(nb, floor)) + self.marker_weight * (markers_nn - markers_nb)
        share_nn = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, log_odds))))
        language = "nn" if log_odds > 0 else "nb"
        share = share_nn if language == "nn" else 1.0 - share_nn
        return Detection(language, round((nb + nn) * share, 3))


def _beginning(text: str, limit: int) -> str:
    """The text's first `limit` characters, cut back to the last space before the limit."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit]


@cache
def _family_detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


@cache
def identifier(accuracy: Accuracy = "high") -> LanguageIdentifier:
    """One identifier per process and mode: lingua's models load once, on first use."""
    return LanguageIdentifier(accuracy)


def detect_language(text: str) -> tuple[str, float]:
    """(nb | nn | da | sv | en | other, confidence in [0, 1])."""
    found = identifier().detect(text)
    return found.language, found.confidence
