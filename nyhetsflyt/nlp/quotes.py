"""Who said it: each quote's speaker, as written, resolved to a person named in the article.

The splitter keeps the attribution as written: ``Putin``, ``han``, ``seniorrådgiver Martin
Bernsen i PST``, ``ifølge nyhetsbyrået AP``, ``treneren``. A name resolves to the article's
canonical name for it (a surname to the full name the article gives); ``han``/``hun``/``ho`` and a
role (``treneren``, ``statsråden``) to the most recent person who spoke or was the subject of a
sentence before the quote, and a quote paragraph with no attribution the same way. Quoted words
and captions are not part of that reading order: people named inside a quote are rarely the one
speaking, and captions sit beside the text (they count only when nothing else does).

The subject comes from the dependency parse when there is one, and from word order when there
is not (``subject_by_position``), so a pipeline with sentences and tags but no parser resolves
speakers as well.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from spacy.lang.nb.stop_words import STOP_WORDS
from spacy.tokens import Doc, Span, Token

from nyhetsflyt.documents import Quote, ResolvedQuote
from nyhetsflyt.nlp.canonical import (
    Mention,
    canonical_names,
    clean_name,
    strip_genitive,
)

# Third person singular in Bokmål and Nynorsk. "de"/"dei" point at a group and stay unresolved.
SINGULAR_PRONOUNS = frozenset({"han", "hun", "ho"})
# Capitalised words that open a sentence and name nobody, beside spaCy's Bokmål stop words.
_NYNORSK_FUNCTION_WORDS = frozenset(
    {"ho", "dei", "eg", "me", "ein", "eit", "ei", "dykk", "kva", "kven", "korleis", "kvifor", "ikkje", "berre",
     "også", "òg", "no", "difor", "då", "frå", "etter", "medan", "sjølv", "sidan"}
)
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
        if capitalised and not run and (word.casefold() in STOP_WORDS or word.casefold() in _NYNORSK_FUNCTION_WORDS):
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
    """A name from an attribution as the article names it elsewhere, else as written.

    A surname the article gives in full once (`Nasrallah`, `Hassan Nasrallah`) is the full name.
    """
    fuller = _full_name(name, mentions)
    if fuller != name:
        return fuller
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
    quotes: Sequence[Quote],
    mentions: Sequence[NamedMention],
    texts: Mapping[int, str] | None = None,
    full_names: Mapping[str, str] | None = None,
) -> list[ResolvedQuote]:
    """Each quote with its speaker's canonical name (None when nothing names them).

    `texts` (segment position -> text) places quotes that come without offsets, so that names
    inside any quote are kept out of the reading order that pronouns look back along.
    `full_names` (surname -> full name, see names_in_full) completes a speaker known by surname only.
    """
    spans = [_span(quote, texts) for quote in quotes]
    in_order = sorted(mentions, key=lambda mention: (mention.position, mention.start))
    subjects = [
        mention
        for mention in in_order
        if mention.label == "PER"
        and mention.segment_kind not in _OUTSIDE_READING_ORDER
        and mention.is_subject is not False
        and not any(
            position == mention.position and start <= mention.start < end for position, start, end in spans
        )
    ]
    people = [
        mention
        for mention in in_order
        if mention.label == "PER"
        and mention.segment_kind not in _OUTSIDE_READING_ORDER - {"caption"}
        and not any(
            position == mention.position and start <= mention.start < end for position, start, end in spans
        )
    ]
    speakers: list[tuple[tuple[int, int], str]] = []  # (where the attribution is, canonical)
    resolved: list[ResolvedQuote | None] = [None] * len(quotes)
    for index in sorted(range(len(quotes)), key=lambda index: spans[index]):
        quote = quotes[index]
        position, start, end = spans[index]
        canonical = _resolve_speaker(quote, (position, start), in_order, subjects, speakers, people)
        if canonical is not None and full_names and " " not in canonical:
            canonical = full_names.get(canonical, canonical)
        if canonical is not None:
            # The attribution follows the quoted words: it counts as coming after them.
            speakers.append(((position, end), canonical))
        resolved[index] = ResolvedQuote(quote.position, quote.text, quote.speaker, canonical)
    return [quote for quote in resolved if quote is not None]


def _span(quote: Quote, texts: Mapping[int, str] | None) -> tuple[int, int, int]:
    """(segment position, start, end) of the quoted words; the whole segment when unknown."""
    if quote.start is not None and quote.end is not None:
        return quote.position, quote.start, quote.end
    if texts is not None and quote.position in texts:
        found = texts[quote.position].find(quote.text)
        if found >= 0:
            return quote.position, found, found + len(quote.text)
    return quote.position, 0, 1 << 30


def _resolve_speaker(
    quote: Quote,
    where: tuple[int, int],
    mentions: Sequence[NamedMention],
    subjects: Sequence[NamedMention],
    speakers: Sequence[tuple[tuple[int, int], str]],
    people: Sequence[NamedMention] = (),
) -> str | None:
    speaker = " ".join((quote.speaker or "").split())
    if not speaker:
        if quote.text.rstrip().endswith("?"):
            return None  # an unattributed question: the interviewer's
        # A quote paragraph nobody is named for goes on from the person the article was about.
        person = _most_recent_person(where, subjects, speakers, people)
        return _full_name(person, mentions) if person else None
    if speaker.casefold() in SINGULAR_PRONOUNS or is_role(speaker):
        # "sier hun", "sier treneren", "seier statsråden": a person the article has named already.
        person = _most_recent_person(where, subjects, speakers, people)
        return _full_name(person, mentions) if person else None
    if is_collective(speaker):
        return _most_recent(where, mentions, lambda mention: mention.label == "ORG")
    named = _person_named_in(speaker, mentions)
    if named is not None:
        return _full_name(named, mentions)
    for part in (speaker, *speaker.split(",")[1:]):
        name = speaker_name(part)
        if name is None:
            continue
        words = name.split()
        for drop in range(len(words)):
            # A title or an owner before the name reads as part of it: "Statsminister Jonas Gahr Støre".
            shorter = " ".join(words[drop:])
            if _named(shorter, mentions):
                return resolve_name(shorter, mentions)
    name = speaker_name(speaker)
    if name is None:
        return None
    body = _body_named_in(speaker, name, mentions)
    return body if body is not None else resolve_name(name, mentions)


def _full_name(name: str, mentions: Sequence[NamedMention]) -> str:
    """The one longer name of a person that ends with `name` (`Solskjær` -> `Ole Gunnar Solskjær`)."""
    folded = name.casefold()
    fuller = {
        mention.canonical
        for mention in mentions
        if mention.label == "PER" and mention.canonical.casefold().endswith(" " + folded)
    }
    if not fuller:
        return name
    shortest = min(fuller, key=len)
    # "Cenk Sahin" and "St. Paulis Cenk Sahin" name one person: the shorter is the name.
    return shortest if all(other.casefold().endswith(shortest.casefold()) for other in fuller) else name


def _body_named_in(speaker: str, name: str, mentions: Sequence[NamedMention]) -> str | None:
    """An organisation or place the attribution names in full: `Vest politidistrikt`, `Norsk filminstitutt`."""
    folded = speaker.casefold()
    found = [
        mention
        for mention in mentions
        if mention.label != "PER" and mention.text.startswith(name) and len(mention.text) > len(name)
        and re.search(r"(?<!\w)" + re.escape(mention.text.casefold()) + r"(?!\w)", folded)
    ]
    return max(found, key=lambda mention: len(mention.text)).canonical if found else None


def _most_recent(
    where: tuple[int, int], mentions: Sequence[NamedMention], wanted: Callable[[NamedMention], bool]
) -> str | None:
    before = [
        mention
        for mention in mentions
        if wanted(mention) and mention.segment_kind not in _OUTSIDE_READING_ORDER
        and (mention.position, mention.start) < where
    ]
    return before[-1].canonical if before else None


def _named(name: str, mentions: Sequence[NamedMention]) -> bool:
    folded = name.casefold()
    return any(folded in (mention.text.casefold(), mention.canonical.casefold()) for mention in mentions)


def _person_named_in(speaker: str, mentions: Sequence[NamedMention]) -> str | None:
    """The canonical name of the longest person the article names inside the attribution."""
    folded = speaker.casefold()
    found = [
        mention
        for mention in mentions
        if mention.label == "PER" and len(mention.text) > 2
        and re.search(r"(?<!\w)" + re.escape(mention.text.casefold()) + r"(?!\w)", folded)
    ]
    if not found:
        return None
    return max(found, key=lambda mention: len(mention.text)).canonical


# Nouns for a body rather than a person: "sier politiet" names no one to look back for.
_COLLECTIVES = frozenset(
    {"politiet", "selskapet", "avisen", "avisa", "nettstedet", "departementet", "direktoratet", "kommunen",
     "partiet", "klubben", "forbundet", "regjeringen", "regjeringa", "byrået", "nyhetsbyrået", "kanalen",
     "domstolen", "retten", "rapporten", "meldingen", "meldinga", "organisasjonen", "sykehuset", "sjukehuset",
     "universitetet", "skolen", "skulen", "firmaet", "banken", "tilsynet", "foreningen", "foreininga", "styret",
     "ledelsen", "leiinga", "utvalget", "utvalet", "etaten", "ministeriet", "kontoret", "laget", "ambassaden"}
)
_DETERMINERS = frozenset({"den", "det", "denne", "dette", "dei", "de"})


def is_collective(speaker: str) -> bool:
    """Whether an attribution names a body by what it is: `avisen`, `Hongkong-avisen`, `nettstedet`."""
    words = speaker.split()
    return len(words) == 1 and words[0].rsplit("-", 1)[-1].casefold() in _COLLECTIVES


def is_role(speaker: str) -> bool:
    """Whether an attribution is a definite role instead of a name: `treneren`, `24-åringen`,
    `Høyre-representanten`, `den nye statsråden`."""
    words = [word.strip(",.") for word in speaker.split()]
    if words and words[0].casefold() in _DETERMINERS:
        words = words[1:]
    if not words or len(words) > 3:
        return False
    head = words[-1]
    tail = head.rsplit("-", 1)[-1]
    if not tail[:1].islower() or any(word[:1].isupper() for word in words[:-1]):
        return False
    if tail.casefold() in _COLLECTIVES or head.casefold() in SINGULAR_PRONOUNS:
        return False
    return tail.endswith(("en", "et", "a", "ne", "n"))


def _most_recent_person(
    where: tuple[int, int],
    subjects: Sequence[NamedMention],
    speakers: Sequence[tuple[tuple[int, int], str]],
    people: Sequence[NamedMention] = (),
) -> str | None:
    """The person last named as a subject, or last quoted, before `where` in reading order; when
    there is none, the person last named at all."""
    candidates = [((mention.position, mention.start), mention.canonical) for mention in subjects]
    candidates += list(speakers)
    before = [candidate for candidate in candidates if candidate[0] < where]
    if not before:
        before = [((mention.position, mention.start), mention.canonical) for mention in people
                  if (mention.position, mention.start) < where]
    if not before:
        return None
    return max(before, key=lambda candidate: candidate[0])[1]


_FINITE_POS = frozenset({"VERB", "AUX"})


def subject_by_position(span: Span) -> bool | None:
    """Whether a name is its sentence's subject, read from word order alone (no parse needed).

    Norwegian puts the finite verb second: the subject is what comes before it (`Putin sa`),
    or, after an opening adverbial, the word right after it (`Etter møtet sa Putin`). Without
    part-of-speech tags nothing can be told (None); without sentences the segment is one.
    """
    doc = span.doc
    if not (doc.has_annotation("POS") or doc.has_annotation("TAG")):
        return None
    try:
        sentence = span.sent
    except ValueError:  # no sentence boundaries: the segment is one sentence
        sentence = doc[:]
    words = [token for token in sentence if not (token.is_punct or token.is_space)]
    if not words:
        return None
    if span.start <= words[0].i:
        return True
    verb = next((token for token in words if _is_finite(token)), None)
    if verb is None:
        return False
    if span.end <= verb.i:
        # Before the verb, and not inside a prepositional phrase (`I Oslo sa …`, `Ifølge Hansen er …`).
        previous = doc[span.start - 1] if span.start > sentence.start else None
        return previous is None or previous.pos_ not in ("ADP",)
    following = [token for token in words if token.i > verb.i]
    return bool(following) and span.start == following[0].i


def _is_finite(token: Token) -> bool:
    if token.pos_ not in _FINITE_POS:
        return False
    if token.i > 0 and token.doc[token.i - 1].lower_ == "å":
        return False  # an infinitive: "for å ignorere"
    forms = token.morph.get("VerbForm", [])
    # Without morphology any verb counts; with it, only finite forms (not `å si`, not `sagt`).
    return not forms or "Fin" in forms


def names_in_full(docs: Iterable[Doc], surnames: Iterable[str]) -> dict[str, str]:
    """Each surname the text writes once after given names (`Erna Solberg`, `Mason Rudolph`), in full.

    The tagger marks the given names as proper nouns even where the named-entity model kept only the
    surname. An owner before them is left out (`Pittsburghs Mason Rudolph`), and so is a surname
    written in full in more than one way.
    """
    wanted = {name for name in surnames if name and " " not in name}
    found: dict[str, set[str]] = {}
    for doc in docs:
        for token in doc:
            text = token.text
            surname = text if text in wanted else text[:-1] if text.endswith("s") and text[:-1] in wanted else None
            if surname is None:
                continue
            first = token.i
            while first > 0 and doc[first - 1].pos_ == "PROPN" and doc[first - 1].text[:1].isupper() \
                    and doc[first - 1].text.isalpha() and token.i - first < 3:
                first -= 1
            if first < token.i and doc[first].text.endswith("s") and token.i - first > 1 \
                    and doc[first].ent_type_ not in ("", "PER"):
                first += 1  # an owner: "Pittsburghs"
            if first < token.i:
                found.setdefault(surname, set()).add(" ".join([*(t.text for t in doc[first : token.i]), surname]))
    return {surname: names.pop() for surname, names in found.items() if len(names) == 1}
