"""Bokmål, Nynorsk or something else, from how often each one's tell-tale words occur.

Only words that set a language apart count: ``ikke`` against ``ikkje``, ``hva`` against ``kva``.
Words the Scandinavian languages share (og, det, på) say nothing and are left out. Danish shares
many Bokmål words, so its markers are the ones Bokmål spells differently (af, blev, meget).
"""

from __future__ import annotations

import re
from collections import Counter

NB_MARKERS = frozenset(
    ["ikke", "jeg", "hva", "hvor", "hvem", "hvordan", "hvorfor", "hvilke", "hvilken", "hvis", "fra", "hun", "ble", "mye", "noe", "noen", "bare", "uten", "en", "et", "være", "vært", "nå", "selv", "sier", "disse", "mer", "siden", "sammen", "hver", "enda", "ennå", "hjem", "hjemme", "kommer", "gir", "tar", "hennes", "deres", "dem", "også", "mellom", "etter"]
)
NN_MARKERS = frozenset(
    ["ikkje", "eg", "kva", "kvar", "kven", "korleis", "kvifor", "kvifor", "kva", "slags", "viss", "frå", "ho", "vart", "blei", "mykje", "noko", "nokon", "berre", "utan", "ein", "eit", "vere", "vore", "no", "sjølv", "seier", "desse", "meir", "sidan", "saman", "enno", "heim", "heime", "kjem", "gjev", "tek", "hennar", "deira", "dei", "òg", "mellom", "etter"]
)
# Words both forms use would make every text look like both; they are dropped from both lists.
_SHARED_NORWEGIAN = NB_MARKERS & NN_MARKERS
NB_ONLY = NB_MARKERS - _SHARED_NORWEGIAN
NN_ONLY = NN_MARKERS - _SHARED_NORWEGIAN

# English "for", "to", "is" and "be" are Norwegian words too and are not English markers.
FOREIGN_MARKERS: dict[str, frozenset[str]] = {
    "en": frozenset(
        ["the", "and", "of", "are", "was", "were", "that", "with", "this", "have", "has", "from", "it", "not", "he", "she", "they", "will", "would", "which", "their", "there", "been", "what", "who", "about"]
    ),
    "sv": frozenset(
        ["och", "inte", "är", "jag", "hon", "att", "för", "till", "från", "också", "mycket", "något", "några", "hade", "vad", "över", "sig", "mig", "dig", "efter", "när", "då", "nu", "blev", "skulle", "säger", "sade"]
    ),
    "da": frozenset(
        ["af", "blev", "meget", "noget", "nogen", "nogle", "hvad", "havde", "bliver", "kun", "ud", "mig", "dig", "sig", "vores", "jeres", "efter", "nu", "hende", "sådan", "lidt", "siger", "sagde"]
    ),
}
# Below this many marker words a verdict is a guess and its confidence says so.
_CONFIDENT_EVIDENCE = 8
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)


def marker_counts(text: str) -> Counter[str]:
    """Marker-word hits per language: nb, nn, en, sv, da."""
    counts: Counter[str] = Counter()
    for word in _WORDS.findall(text.casefold()):
        if word in NB_ONLY:
            counts["nb"] += 1
        if word in NN_ONLY:
            counts["nn"] += 1
        for language, markers in FOREIGN_MARKERS.items():
            if word in markers:
                counts[language] += 1
    return counts


def detect_language(text: str) -> tuple[str, float]:
    """("nb" | "nn" | "other", confidence in [0, 1])."""
    counts = marker_counts(text)
    total = sum(counts.values())
    if total == 0:
        return "other", 0.0
    norwegian = counts["nb"] + counts["nn"]
    foreign = max((counts[language] for language in FOREIGN_MARKERS), default=0)
    evidence = min(1.0, total / _CONFIDENT_EVIDENCE)
    if foreign > norwegian:
        return "other", round(evidence * foreign / (foreign + norwegian), 3)
    language = "nn" if counts["nn"] > counts["nb"] else "nb"
    share = counts[language] / (norwegian + foreign)
    return language, round(evidence * share, 3)
