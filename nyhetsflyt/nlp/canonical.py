"""Canonical entity names within one article.

News text names the same thing many ways: ``Russlands`` (genitive), ``Putin`` after
``Vladimir Putin`` (surname), ``Vladimir Puting`` in a caption (a typo), ``PUTIN`` in a caption
label. Each mention gets the one name the article means. The functions are pure: they take
(text, label[, lemma]) mentions in reading order and return names aligned with them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from rapidfuzz.distance import Levenshtein

# Names news keeps repeating, with NorNE labels. The degraded pipeline tags them; here they
# tell a genitive (Norges -> Norge) from a name that ends in s by itself.
GAZETTEER: dict[str, str] = {
    **{
        place: "GPE_LOC"
        for place in ["Norge", "Sverige", "Danmark", "Finland", "Island", "Russland", "Tyskland", "Frankrike", "Storbritannia", "England", "Skottland", "Irland", "Spania", "Portugal", "Italia", "Hellas", "Polen", "Ukraina", "Hviterussland", "Belarus", "Estland", "Latvia", "Litauen", "Nederland", "Belgia", "Sveits", "Østerrike", "Tyrkia", "Israel", "Iran", "Irak", "Syria", "Libanon", "Egypt", "Kina", "Japan", "India", "Pakistan", "Afghanistan", "USA", "Canada", "Mexico", "Brasil", "Australia", "Europa", "Asia", "Afrika", "Amerika", "Øst-Europa", "Vest-Europa", "Midtøsten", "Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø", "Kristiansand", "Drammen", "Bodø", "Moskva", "Kyiv", "Kiev", "Berlin", "London", "Paris", "Washington", "Brussel", "Stockholm", "København", "Helsingfors", "Beijing", "Vestlandet", "Sørlandet", "Østlandet", "Nord-Norge"]
    },
    **{
        org: "ORG"
        for org in ["Nato", "EU", "FN", "PST", "NTB", "AP", "Reuters", "AFP", "NRK", "TV2", "Stortinget", "Kreml", "Pentagon", "WHO", "IMF", "OECD", "Equinor", "Telenor", "DNB", "Gazprom", "Høyre", "Arbeiderpartiet", "Frp", "KrF", "SV", "MDG", "Senterpartiet", "Rødt", "Venstre", "Politiet", "Kripos", "Økokrim"]
    },
    "Nord Stream": "PROD",
    "Nord Stream 2": "PROD",
    "TV 2": "ORG",
}

# Names whose final s is their own, never a genitive: Hans is not Han's.
NAMES_ENDING_IN_S: frozenset[str] = frozenset(
    ["Hans", "Nils", "Lars", "Jens", "Jonas", "Klaus", "Claus", "Markus", "Marcus", "Thomas", "Tobias", "Andreas", "Mathias", "Matthias", "Elias", "Magnus", "Julius", "Agnes", "Ines", "Iris", "Doris", "Gladys", "Frances", "Carlos", "Luis", "Louis", "Dennis", "Chris", "Boris", "Denis", "Jules", "James", "Charles", "Paris", "Hellas", "Texas", "Kansas", "Wales", "Mars", "Venus", "Tunis", "Cannes", "Athenas", "Vegas", "Angeles", "Marseilles", "Bruxelles", "Sirius", "Kiribas"]
)

# Mentions are linked only within a group: a place may be tagged GPE_LOC in one sentence and
# GPE_ORG in the next and is still one place.
_LABEL_GROUPS: dict[str, str] = {
    "PER": "PER",
    "ORG": "ORG_PLACE",
    "GPE_ORG": "ORG_PLACE",
    "GPE_LOC": "ORG_PLACE",
    "LOC": "ORG_PLACE",
}
_EDGE_PUNCTUATION = "\"'«»“”‘’.,:;!?()[]–—-"
_APOSTROPHES = ("'", "’")


class Mention(NamedTuple):
    text: str
    label: str
    lemma: str | None = None  # the model's lemma of the whole mention, when it has one


def canonical_names(mentions: Sequence[Mention | tuple[str, str]]) -> list[str]:
    """One canonical name per mention, aligned with the input (reading order matters for ties)."""
    items = [Mention(*mention) for mention in mentions]
    cleaned = [clean_name(item.text) for item in items]
    present = _present_names(cleaned, items)
    bases = [
        strip_genitive(text, present=present, lemma=item.lemma)
        for text, item in zip(cleaned, items, strict=True)
    ]
    groups = [label_group(item.label) for item in items]
    by_case = _unify_case(bases)
    forms = [by_case[base] for base in bases]
    near = _link_near_misses(forms, groups)
    forms = [near.get(form, form) for form in forms]
    surnames = _link_surnames(forms, groups)
    return [surnames.get(form, form) for form in forms]


def clean_name(text: str) -> str:
    collapsed = " ".join(text.split())
    stripped = collapsed.strip(_EDGE_PUNCTUATION.replace("'", "").replace("’", ""))
    return stripped.lstrip("'’") or collapsed


def label_group(label: str) -> str:
    return _LABEL_GROUPS.get(label, label)


def strip_genitive(text: str, *, present: Iterable[str] = (), lemma: str | None = None) -> str:
    """The name without a genitive ending, only where that is clearly what the ending is.

    ``USAs`` -> ``USA`` and ``Paris'`` -> ``Paris`` always; ``Russlands`` -> ``Russland`` when
    ``Russland`` is a known name, occurs in the article (``present``) or is the lemma; never for
    names that end in s by themselves (``Hans``, ``Paris``).
    """
    head, _, last = text.rpartition(" ")
    prefix = f"{head} " if head else ""
    if last.endswith(_APOSTROPHES) and last[:-1].endswith(("s", "x", "z")):
        return prefix + last[:-1]
    if len(last) > 3 and last[-2] in _APOSTROPHES and last[-1] == "s":
        return prefix + last[:-2]  # Nato's, written the English way
    if not last.endswith("s") or last in NAMES_ENDING_IN_S or len(last) < 3:
        return text
    base_last = last[:-1]
    base = prefix + base_last
    if base_last.isupper() and len(base_last) >= 2:
        return base  # USAs, NTBs, PSTs
    if last.isupper():
        return text  # shouting: PARIS, HANS
    present_names = present if isinstance(present, (set, frozenset)) else set(present)
    if base in present_names or base_last in present_names or base in GAZETTEER:
        return base
    if lemma is not None and clean_name(lemma) == base:
        return base
    return text


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Levenshtein distance; returns limit + 1 once it must exceed limit."""
    return Levenshtein.distance(a, b, score_cutoff=limit)


def allowed_distance(length: int) -> int:
    """How many typos a name of this length may carry and still be recognised."""
    if length < 5:
        return 0
    if length < 10:
        return 1
    return 2


def _present_names(cleaned: Sequence[str], items: Sequence[Mention]) -> set[str]:
    """Names written in full in the article, and the surnames of full person names."""
    present = set(cleaned)
    for text, item in zip(cleaned, items, strict=True):
        words = text.split()
        if label_group(item.label) == "PER" and len(words) > 1:
            present.add(words[-1])
    return present


def _unify_case(bases: Sequence[str]) -> dict[str, str]:
    """PUTIN -> Putin: the most frequent spelling that is not all capitals, first one on ties."""
    spellings: dict[str, Counter[str]] = {}
    for base in bases:
        spellings.setdefault(base.casefold(), Counter())[base] += 1
    chosen: dict[str, str] = {}
    for counts in spellings.values():
        best = max(counts, key=lambda form: (not _shouts(form), counts[form]))
        for form in counts:
            chosen[form] = best
    return chosen


def _shouts(form: str) -> bool:
    return form.isupper() and len(form) > 3


def _support(forms: Sequence[str], groups: Sequence[str]) -> Counter[tuple[str, str]]:
    """How often a name is meant: its own mentions plus mentions of its surname alone."""
    support: Counter[tuple[str, str]] = Counter(zip(forms, groups, strict=True))
    for (form, group), count in list(support.items()):
        words = form.split()
        if group == "PER" and len(words) == 1:
            for other, other_group in list(support):
                if other_group == "PER" and other != form and other.split()[-1] == form:
                    support[(other, other_group)] += count
    return support


def _link_near_misses(forms: Sequence[str], groups: Sequence[str]) -> dict[str, str]:
    """Vladimir Puting -> Vladimir Putin: a misspelling links to its one better-supported
    neighbour within the allowed distance; with two neighbours it stays as written."""
    support = _support(forms, groups)
    distinct = list(dict.fromkeys(zip(forms, groups, strict=True)))
    # A misspelt surname alone (Solbaken) finds the surname of a full name (Ingrid Solbakken).
    surnames: dict[tuple[str, str], None] = {}
    for form, group in distinct:
        if group == "PER" and " " in form:
            surname = (form.split()[-1], group)
            support[surname] = max(support[surname], support[(form, group)])
            surnames[surname] = None
    candidates = list(dict.fromkeys([*distinct, *surnames]))
    links: dict[str, str] = {}
    for form, group in distinct:
        neighbours = []
        for other, other_group in candidates:
            if other == form or other_group != group:
                continue
            limit = allowed_distance(min(len(form), len(other)))
            if limit and edit_distance(form.casefold(), other.casefold(), limit) <= limit:
                neighbours.append(other)
        if len(neighbours) == 1:
            target = neighbours[0]
            # A full name outweighs a lone surname seen as often: it says more.
            margin = 0 if (target, group) in surnames else 1
            if support[(target, group)] >= support[(form, group)] + margin:
                links[form] = target
    return links


def _link_surnames(forms: Sequence[str], groups: Sequence[str]) -> dict[str, str]:
    """Putin -> Vladimir Putin, Gahr Støre -> Jonas Gahr Støre, when one full name fits."""
    full_names = {
        form for form, group in zip(forms, groups, strict=True) if group == "PER" and " " in form
    }
    links: dict[str, str] = {}
    for form, group in zip(forms, groups, strict=True):
        if group != "PER" or form in links:
            continue
        words = form.split()
        fits = [
            name
            for name in full_names
            if name != form and name.split()[-len(words) :] == words and len(name.split()) > len(words)
        ]
        if len(fits) == 1:
            links[form] = fits[0]
    return links

