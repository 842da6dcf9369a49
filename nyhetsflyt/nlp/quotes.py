"""Who said it: each quote's speaker, as written, resolved to a person named in the article.

The splitter keeps the attribution as written: ``Putin``, ``han``, ``seniorrådgiver Martin
Bernsen i PST``, ``ifølge nyhetsbyrået AP``. A name resolves to the article's canonical name for
it; ``han``/``hun`` to the most recent person who spoke or was the subject of a sentence before
the quote. Quoted words and captions are not part of that reading order: people named inside a
quote are rarely the one speaking, and captions sit beside the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from spacy.lang.nb.stop_words import STOP_WORDS

from nyhetsflyt.documents import Quote, ResolvedQuote
from nyhetsflyt.nlp.canonical import (
    Mention,
    canonical_names,
    clean_name,
    strip_genitive,
)

# Third person singular in Bokmål and Nynorsk. "de"/"dei" point at a group and stay unresolved.
SINGULAR_PRONOUNS = frozenset({"han", "hun", "ho"})
_SOURCE_PREFIXES = ("ifølge ", "i følge ", "etter ", "melder ", "skriver ")
_NAME_PARTICLES = frozenset({"von", "van", "der", "den", "de", "di", "da", "du", "af", "bin"})
# What follows these is where the speaker works, not who they are.
_PREPOSITIONS = frozenset({"i", "ved", "fra", "hos", "på", "for", "til", "om", "frå"})
# Segments whose entities do not name the next speaker (see module docstring).
_OUTSIDE_READING_ORDER = frozenset({"quote", "caption", "credit", "byline", "link"})


class NamedMention(NamedTuple):
    position: int  # segment position
    start: int  # character offset within the segment
    text: str
    label: str
    canonical: str
    segment_kind: str = "paragraph"
    is_subject: bool | None = None  # None when no parser can tell


def speaker_name(speaker: str) -> str | None:
    """The name in an attribution, or None when it holds none (a pronoun, a bare title).

    The person comes before any preposition (``Martin Bernsen i PST``) and after any owner
    (``Israels forsvarsminister Yoav Gallant``): the last capitalised run before a preposition.
    """
    text = " ".join(speaker.split())
    lowered = text.casefold()
    for prefix in _SOURCE_PREFIXES:
        if lowered.startswith(prefix):
            text = text[len(prefix) :]
            break
    words = [clean_name(word) for word in text.split()]
    runs: list[list[str]] = []
    run: list[str] = []
    for index, word in enumerate(words):
        capitalised = word[:1].isupper()
        if capitalised and not run and word.casefold() in STOP_WORDS:
            continue  # "Den tyske statsministeren", "Han"
        if capitalised:
            run.append(word)
            continue
        if run and word in _NAME_PARTICLES and index + 1 < len(words) and words[index + 1][:1].isupper():
            run.append(word)
            continue
        if run:
            runs.append(run)
            run = []
        if runs and word in _PREPOSITIONS:
            break
    if run:
        runs.append(run)
    return " ".join(runs[-1]) if runs else None


def resolve_name(name: str, mentions: Sequence[NamedMention]) -> str:
    """A name from an attribution as the article names it elsewhere, else as written."""
    for mention in mentions:
        if name in (mention.text, mention.canonical):
            return mention.canonical
    base = strip_genitive(name, present={mention.canonical for mention in mentions})
    folded = base.casefold()
    for mention in mentions:
        if folded in (mention.text.casefold(), mention.canonical.casefold()):
            return mention.canonical
    people = [Mention(mention.canonical, mention.label) for mention in mentions]
    # Surname and misspelling links, as for the article's own mentions.
    return canonical_names([*people, Mention(base, "PER")])[-1]


def resolve_quotes(
    quotes: Sequence[Quote], mentions: Sequence[NamedMention]
) -> list[ResolvedQuote]:
    """Each quote with its speaker's canonical name (None when nothing names them)."""
    in_order = sorted(mentions, key=lambda mention: (mention.position, mention.start))
    subjects = [
        mention
        for mention in in_order
        if mention.label == "PER"
        and mention.segment_kind not in _OUTSIDE_READING_ORDER
        and mention.is_subject is not False
    ]
    speakers: list[tuple[int, str]] = []  # (quote position, canonical) in reading order
    resolved: list[ResolvedQuote] = []
    for quote in sorted(quotes, key=lambda quote: quote.position):
        canonical = _resolve_speaker(quote, in_order, subjects, speakers)
        if canonical is not None:
            speakers.append((quote.position, canonical))
        resolved.append(ResolvedQuote(quote.position, quote.text, quote.speaker, canonical))
    return resolved


def _resolve_speaker(
    quote: Quote,
    mentions: Sequence[NamedMention],
    subjects: Sequence[NamedMention],
    speakers: Sequence[tuple[int, str]],
) -> str | None:
    if not quote.speaker or not quote.speaker.strip():
        return None
    if quote.speaker.strip().casefold() in SINGULAR_PRONOUNS:
        return _most_recent_person(quote.position, subjects, speakers)
    name = speaker_name(quote.speaker)
    if name is None:
        return None
    return resolve_name(name, mentions)


def _most_recent_person(
    position: int, subjects: Sequence[NamedMention], speakers: Sequence[tuple[int, str]]
) -> str | None:
    # A speaker of an earlier quote counts as coming after every mention in that segment.
    candidates = [((mention.position, mention.start), mention.canonical) for mention in subjects]
    candidates += [((where, 1 << 30), canonical) for where, canonical in speakers]
    before = [candidate for candidate in candidates if candidate[0][0] < position]
    if not before:
        return None
    return max(before, key=lambda candidate: candidate[0])[1]
