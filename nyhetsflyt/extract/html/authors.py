"""Author names as pages declare them, cleaned to names.

Pages write bylines every way: `Av Kari Nordmann og Ola Hansen`, `Kari Nordmann / Journalist`,
`ola@avis.no`, `By JANE DOE, Staff writer`, one string for three people. What is kept is the
names, in name case when they were shouted, without the "Av", the role and the address. A
declared organisation (`NTB`, `dpa`, `Redaksjonen`) is kept: it is who the page says wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_LEAD = re.compile(r"^\s*(?:av|by|von|par|por|tekst|text|skrevet av|written by|reporting by)\s*:?\s+", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://\S+|www\.\S+")
# A role after a separator: "Kari Nordmann / Journalist", "Ola Hansen, politisk redaktør".
_ROLE_WORDS = re.compile(
    r"\b(?:journalist|reporter|redaktør|redaktor|editor|fotograf|photographer|korrespondent|correspondent|"
    r"kommentator|commentator|columnist|kommentar|skribent|writer|staff|medarbeider|volontør|"
    r"nyhetsleder|nyhetsredaktør|vaktsjef|desk|politisk|sports|kultur|utenriks|featurejournalist|"
    r"kontakt|contributor|analytiker|analyst|kritiker|anmelder|forfatter|author|presenter|programleder)\w*",
    re.I)
_SPLIT = re.compile(r"\s*(?:;|\||\s&\s|\bog\b|\band\b|\bund\b|\bet\b|\by\b|\bi samarbeid med\b)\s*", re.I)
_NAME_CHAR = re.compile(r"[^\W\d_]")


def _name_case(name: str) -> str:
    """`KARI NORDMANN` → `Kari Nordmann`; names already in mixed case are left as written."""
    letters = [ch for ch in name if ch.isalpha()]
    if len(letters) < 4 or not all(ch.isupper() for ch in letters) or len(name.split()) < 2:
        return name
    return " ".join(_cap_word(word) for word in name.split())


def _cap_word(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def _drop_role(part: str) -> str | None:
    """The name in "Name / Role", "Name, Role"; None when the part is only a role."""
    pieces = [p.strip() for p in re.split(r"\s*(?:/|,|–|—|\s-\s|\(|\))\s*", part) if p.strip()]
    names = [p for p in pieces if not _ROLE_WORDS.search(p)]
    if not names:
        return None
    return names[0]


def clean_author(raw: str) -> list[str]:
    """The names in one declared author string (several when it joins them)."""
    text = _URL.sub(" ", _EMAIL.sub(" ", raw))
    text = re.sub(r"\s+", " ", text).strip(" ,;|·•-–—")
    text = _LEAD.sub("", text)
    if not text:
        return []
    names: list[str] = []
    # "Kari Nordmann, Ola Hansen" is two names; "Nordmann, Kari" stays one only as a two-word pair,
    # which news bylines do not use, so a comma between names splits.
    for chunk in _SPLIT.split(text):
        for part in re.split(r"\s*,\s*(?=[^\W\d_][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*)+\s*(?:,|$))", chunk):
            name = _drop_role(part.strip())
            if name is None:
                continue
            name = _LEAD.sub("", name).strip(" .,;:|·•-–—")
            if len(name) < 2 or len(name) > 80 or not _NAME_CHAR.search(name):
                continue
            names.append(_name_case(name))
    return names


def clean_authors(raw: Iterable[str]) -> list[str]:
    """Cleaned, de-duplicated names of declared authors, in their order."""
    seen: set[str] = set()
    out: list[str] = []
    for value in raw:
        for name in clean_author(value):
            key = name.casefold()
            if key not in seen:
                seen.add(key)
                out.append(name)
    return out
