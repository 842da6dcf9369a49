"""Clean and split a SourceDocument into an Article: typed segments, photo captions, quotes.

The rules follow NTB-style wire text and VG crawl text:
    captions   `LABEL: text. Foto: Name / AGENCY` (credit trailing or leading, several per
               line, in parentheses or not), bare credit lines, CAPS-label lines
    quotes     dash quotes (`– …, sa Putin.`) and guillemet quotes (`«…», seier ho`, `X sier at «…»`)
               in Bokmål and Nynorsk (verbs and pronouns: nyhetsflyt/extract/speech.py); a quote
               that opens a paragraph without attribution takes the speaker named around it
    structure  title, lede, subheadings, cross-links and bylines

Everything here is pure: the same document always gives the same article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nyhetsflyt.documents import (
    Article,
    Block,
    Caption,
    Quote,
    Segment,
    SegmentKind,
    SourceDocument,
)
from nyhetsflyt.extract.credits import (
    CAPITALISED,
    CREDIT_MARK,
    CREDIT_PART,
    CREDIT_PREFIX,
    CREDIT_SEPARATOR,
    INITIAL,
    NAME_PARTICLES,
    SOURCE_CREDIT,
    Credit,
    is_known_agency,
    known_agency_prefix,
    looks_like_name,
    parse_credit,
)
from nyhetsflyt.extract.speech import PRONOUNS, finite_verbs, particle_only_verbs, particles, reporting_verbs
from nyhetsflyt.text import CleanText, clean, clean_text

EXTRACTOR_VERSION = "nyhetsflyt-split/1.0"

BODY_KINDS = frozenset({"lede", "paragraph", "subheading", "quote"})

# `MØTE:`; a caption label is short, in capitals, and ends with a colon.
_LABEL = re.compile(r"^(?P<label>[A-ZÆØÅÄÖÜÉ0-9][A-ZÆØÅÄÖÜÉ0-9 .,'’&/+-]{0,38}?)\s*:\s+(?P<rest>\S.*)$", re.S)
_FINAL_PUNCTUATION = re.compile(r"[.!?…]['\"»”’)]*$|[»”]$")
_SENTENCE_END = re.compile(r"[.!?…:;,]['\"»”’)]*$")
_TRAILING_MORE = re.compile(r"\s*\bMer\s*(?:\.\.\.|…)\s*$")
_DASH_OPEN = re.compile(r"^[–—-]\s+")
_INLINE_DASH = re.compile(r"(?:^|(?<=[.!?:»”]\s))[–—]\s+")

_LINK = re.compile(
    r"^(?:LES|Les|les|SE|Se|se)\s+(?:MER|mer|OGSÅ|også|Også|ALT|alt|VIDEO|video|BILDENE|bildene|FLERE|flere)\b"
    r"|^Følg\s.{1,60}\bpå\s+(?:Facebook|Twitter|Instagram|X)\b"
)
_BYLINE_PATTERNS = (
    re.compile(r"^Av:?\s+[A-ZÆØÅ][\w.'’-]*(?:\s+\S+){0,8}$"),  # Av Ola Nordmann
    re.compile(r"^[A-ZÆØÅ][A-ZÆØÅ.'’ -]+[A-ZÆØÅ],\s+[a-zæøå]"),  # OLA NORDMANN, lektor i samfunnsfag
    re.compile(r"^\((?:@)?[^()]{1,40}\)\.?$"),  # (NTB), (@NTB / 100% Sport)
    re.compile(r"^(?:[A-ZÆØÅ][\w.'’-]+\s+){1,4}[A-ZÆØÅ][\w.'’-]+,\s*(?:NTB|ANB|TT|NPK|VG|NRK)$"),  # Ola Nordmann, NTB
    re.compile(r"^(?:NTB|ANB|NPK)\s*[-–]\s*[A-ZÆØÅ]"),
    re.compile(r"^(?:NTB|ANB|NPK|TT)$"),
    re.compile(r"^(?:Oppdatert|Publisert)\b.{0,40}$"),  # Oppdatert i dag 10:02  # NTB - Ola Nordmann og Kari Nordmann
    re.compile(r"(?:^|\s)[\w.+-]+@[\w-]+(?:\.[\w-]+)+$"),  # ola@ntb.no
    re.compile(r"^[–—-]\s.{1,80}\(@\w+\)"),  # embedded tweet: — Name (@handle) date
    re.compile(r"\((?:tekst|foto)\)", re.I),  # Espen Rasmussen (tekst) og Harald Henden (foto).
)
_NUMBERED_ITEM = re.compile(r"^\d+[.)]\s")
_TRAILING_AGENCY = re.compile(r"\s*\((?:NTB|ANB|TT|NPK)\)\s*$")
_FUNCTION_WORDS = frozenset(
    {"og", "at", "som", "i", "på", "en", "et", "til", "med", "for", "av", "de", "den", "det", "er",
     "har", "om", "men", "fra", "eller", "å"}
)

_FINITE_VERBS = finite_verbs()
_VERB_PATTERN = "|".join(sorted(_FINITE_VERBS, key=len, reverse=True))
_ATTRIBUTION = re.compile(
    r"(?P<punct>[,?!…])\s+(?P<verb>" + _VERB_PATTERN + r")\s+(?P<rest>[^\s–—].*)$", re.S
)
# Words after the speaker that start the rest of the clause: "sa Putin på en pressekonferanse".
_SPEAKER_STOP = frozenset(
    {"til", "på", "under", "etter", "før", "da", "når", "ifølge", "overfor", "om", "at", "med", "for",
     "fra", "og", "men", "som", "mens", "ved", "hos", "videre", "også", "nå", "senere", "tidligere",
     "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag", "natt", "kveld",
     "morgen", "ettermiddag", "dag", "går", "blant", "lenge", "høyt", "stille", "rolig", "foran", "bak",
     "etterpå", "igjen", "derfor", "dessuten", "–", "—",
     # Nynorsk
     "frå", "medan", "no", "seinare", "tidlegare", "måndag", "tysdag", "laurdag",
     "sundag", "morgon", "dessutan", "òg", "vidare", "difor", "då", "kor",
     "høgt", "roleg", "framfor", "heilt"}
) | particles()


# -- credits and captions --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaptionPart:
    """One caption cut out of a line: offsets into the cleaned line, label, text, credit."""

    start: int
    end: int
    label: str | None
    text: str
    credit: Credit | None


def _credit_end(text: str, start: int, parenthesised: bool) -> int:
    """Where a credit whose body starts at `start` ends, in a line that may go on."""
    if parenthesised:
        close = text.find(")", start)
        return len(text) if close < 0 else close + 1
    position = start
    parts = 0
    while True:
        match = CREDIT_PART.match(text, position)
        if not match or not match.group(1).strip() or len(match.group(1).split()) > 6:
            break
        if re.search(r"[.!?]\s+[A-ZÆØÅ][a-zæøå]+\s+[a-zæøå]", match.group(1)):
            break  # a sentence runs on: the slash belongs to caption text
        parts += 1
        position = match.end()
    rest = text[position:]
    tokens = rest.split()
    if len(tokens) <= 5 and not re.search(r"[.!?]\s+\S", rest.rstrip(". )")):
        return len(text)  # the credit closes the line
    agency = known_agency_prefix(rest)
    if agency:
        end = position + len(agency)
        if text[end : end + 1] == ".":
            end += 1
        return end
    first = re.match(r"\S+", rest)
    if parts and first:
        return position + first.end()  # an unknown agency after a slash: one word
    return position + _leading_name_length(rest)


def _leading_name_length(text: str) -> int:
    """Length of a photographer's name opening `text`, followed by caption text."""
    words = 0
    end = 0
    for match in re.finditer(r"\S+", text):
        token = match.group(0)
        bare = token.rstrip(",")
        if INITIAL.match(bare) or bare.casefold() in NAME_PARTICLES:
            end = match.end()
            continue
        if words >= 2 or not CAPITALISED.match(bare):
            break
        words += 1
        end = match.end()
        if token.endswith(","):
            # "Vidar Ruud, NTB scanpix": an agency may follow the comma.
            agency = known_agency_prefix(text[end:].lstrip())
            if agency:
                return len(text) - len(text[end:].lstrip()) + len(agency)
            break
    return len(text[:end].rstrip(","))


def _split_label(text: str) -> tuple[str | None, str]:
    match = _LABEL.match(text)
    if match and _is_label(match["label"]):
        return match["label"].strip(), match["rest"].strip()
    return None, text


def _is_label(label: str) -> bool:
    letters = [ch for ch in label if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters) and len(label.split()) <= 5


def _caption_text(text: str) -> str:
    return _TRAILING_MORE.sub("", text).strip(" \t,;").lstrip(".").strip()


def split_captions(line: str) -> list[CaptionPart]:
    """The captions in a cleaned line, each with its own credit, in reading order.

    A line that opens with a credit carries it before each caption (`FOTO: X / AP Tekst.`);
    otherwise credits trail their captions (`Tekst. Foto: X / AP Tekst. (Foto: Y)`). A line
    without credit is one caption. Empty `Foto:` markers and a trailing `Mer...` are dropped.
    """
    credits: list[tuple[int, int, Credit]] = []
    position = 0
    while True:
        mark = CREDIT_MARK.search(line, position)
        if not mark:
            break
        end = _credit_end(line, mark.end(), mark["paren"] is not None)
        credit_raw = line[mark.start() : end].strip()
        if CREDIT_PREFIX.sub("", credit_raw).strip(" .()"):
            credits.append((mark.start(), end, parse_credit(credit_raw)))
        position = max(end, mark.end())

    def part(start: int, end: int, text_start: int, text_end: int, credit: Credit | None) -> CaptionPart | None:
        label, text = _split_label(_caption_text(line[text_start:text_end]))
        if not text and credit is None:
            return None
        while start < end and line[start].isspace():
            start += 1
        return CaptionPart(start=start, end=end, label=label, text=text, credit=credit)

    if not credits:
        single = part(0, len(line), 0, len(line), None)
        return [single] if single else []

    parts: list[CaptionPart | None] = []
    if not line[: credits[0][0]].strip():
        # Leading credits: each credit opens the caption that follows it.
        for index, (start, end, credit) in enumerate(credits):
            stop = credits[index + 1][0] if index + 1 < len(credits) else len(line)
            parts.append(part(start, _trim_end(line, start, stop), end, stop, credit))
    else:
        previous = 0
        for start, end, credit in credits:
            parts.append(part(previous, end, previous, start, credit))
            previous = end
        leftover = _caption_text(line[previous:])
        if leftover.strip(" .()"):
            parts.append(part(previous, _trim_end(line, previous, len(line)), previous, len(line), None))
    return [p for p in parts if p is not None]


def _trim_end(line: str, start: int, stop: int) -> int:
    """`stop` moved back over whitespace, a trailing `Mer...` and an empty `Foto:` marker."""
    chunk = line[start:stop]
    chunk = _TRAILING_MORE.sub("", chunk)
    chunk = re.sub(r"\s*\b(?:FOTO|Foto)\s*:\s*$", "", chunk).rstrip()
    return start + len(chunk)


# -- quotes ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FoundQuote:
    """A quote in a segment's text: the quoted words, their offsets, and the speaker as written."""

    words: str
    speaker: str | None
    start: int  # offset of the quoted words in the segment text
    end: int
    form: str  # "dash" or "guillemet"
    # A guillemet opened and not closed: the quote goes on in the next paragraph.
    open_ended: bool = False


_INITIAL = re.compile(r"^[A-ZÆØÅ]\.$")
_ARTICLES = frozenset({"en", "ei", "et", "ein", "eit"})
# A name in apposition after a role: `studiedirektør ved HSF, Terje Bjelle,`.
_APPOSITION = re.compile(
    r"^[^,.!?«»]{0,70}?,\s+(?P<name>[A-ZÆØÅ][\w'’-]+(?:\s+(?:[A-ZÆØÅ][\w'’.-]*|von|van|der|de|af))+)(?=[\s,.!?]|$)"
)


# A name after a run of role words: `advokat og politiker Kevin Yam`, `Orkla-eier, investor og
# tidligere troféjeger Stein Erik Hagen`.
_ROLE_THEN_NAME = re.compile(
    r"^\S+(?:[\s,]+(?:[a-zæøåéü0-9][\w-]*))*[\s,]+"
    r"(?P<name>[A-ZÆØÅ][\w'’-]+(?:\s+(?:[A-ZÆØÅ][\w'’.-]*|von|van|der|de|af))+)(?=[\s,.!?]|$)"
)


def _speaker(rest: str) -> str | None:
    words = rest.split()
    if len(words) > 1 and words[0].casefold() in _ARTICLES:
        # "sa en rolig Moreno", "sa ein nøgd Hansen": the article and adjectives come before the name.
        for skip in range(1, min(4, len(words))):
            if words[skip][:1].isupper():
                rest = " ".join(words[skip:])
                break
    tokens: list[str] = []
    for token in rest.split():
        bare = token.strip("«»\"”“’'()")
        initial = bool(_INITIAL.match(bare))
        stop_here = token.endswith((",", ".", "!", "?", ":", ";")) and not initial
        bare = bare if initial else bare.rstrip(",.!?:;")
        lowered = bare.casefold()
        if not bare or (lowered in _SPEAKER_STOP and tokens):
            break
        if lowered == "i" and tokens:
            # "i PST" belongs to the speaker, "i forbindelse med" does not.
            continue_with = rest.split()[len(tokens) + 1 : len(tokens) + 2]
            if not continue_with or not continue_with[0][:1].isupper():
                break
        tokens.append(bare)
        if stop_here or len(tokens) >= 8 or (len(tokens) == 1 and lowered in PRONOUNS):
            break
    speaker = " ".join(tokens) or None
    pronoun = len(tokens) == 1 and tokens[0].casefold() in PRONOUNS
    if speaker is not None and (not pronoun or tokens[0].casefold() == "den") and _names_a_role(tokens):
        apposition = _APPOSITION.match(rest) or _ROLE_THEN_NAME.match(rest)
        if apposition:
            return f"{rest[: apposition.start('name')].rstrip(', ')}, {apposition['name'].rstrip('.')}"
    return speaker


_ROLE_PREPOSITIONS = frozenset({"i", "ved", "på", "for", "fra", "frå", "hos", "til", "av", "under"})


def _names_a_role(tokens: list[str]) -> bool:
    """Whether a speaker names a role or an owner and no person: `studiedirektør ved HSF`,
    `Israels ambassadør`, `24-åringen`, `Orkla-eier` (but not `leder Siri Dahl`)."""
    first = tokens[0]
    role = first[:1].islower() or first.isdigit() or first.rsplit("-", 1)[-1][:1].islower()
    if not role and not (len(tokens) > 1 and first.endswith("s") and tokens[1][:1].islower()):
        return False
    for token in tokens[1:]:
        if token.casefold() in _ROLE_PREPOSITIONS:
            return True  # what follows is where the role is held
        if token[:1].isupper():
            return False  # the person is named right after the role
    return True


def _speaker_after_verb(rest: str) -> str | None:
    """The speaker that follows a speech verb, unless the clause goes on without one."""
    first = rest.split()[0].strip("«»\"”“’'(),.!?:;") if rest.split() else ""
    if not first or (first.casefold() in _SPEAKER_STOP and not first[:1].isupper()):
        return None
    return _speaker(rest)


def find_quote(text: str) -> tuple[str, str | None] | None:
    """The quoted words and the speaker of a text that opens with a quote dash.

    `– Vi ønsker selvsagt ikke krig, sa Putin.` -> ("Vi ønsker selvsagt ikke krig", "Putin").
    Without an attribution the speaker is None; the quote is then the whole text.
    """
    opener = _DASH_OPEN.match(text)
    if not opener:
        return None
    body = text[opener.end() :]
    for match in _ATTRIBUTION.finditer(body):
        speaker = _speaker(match["rest"])
        if speaker:
            words = body[: match.start()].strip()
            if match["punct"] in "?!…":
                words += match["punct"]
            return words, speaker
    return body.strip(), None


def _dash_quotes(text: str, opens_with_quote: bool) -> list[FoundQuote]:
    """Dash quotes: at the start, or after a full stop."""
    starts = [match.start() for match in _INLINE_DASH.finditer(text)]
    if opens_with_quote and (not starts or starts[0] != 0):
        starts.insert(0, 0)
    quotes: list[FoundQuote] = []
    for index, start in enumerate(starts):
        stop = starts[index + 1] if index + 1 < len(starts) else len(text)
        found = find_quote(_DASH_OPEN.sub("– ", text[start:stop], count=1))
        if not found or not found[0]:
            continue
        words, speaker = found
        if speaker is None and not (opens_with_quote and start == 0):
            continue
        at = text.find(words, start)
        at = at if at >= 0 else start
        quotes.append(FoundQuote(words, speaker, at, at + len(words), "dash"))
    return quotes


# The clause before an opening guillemet that introduces it: `X sier at «`, `X sier til NTB: «`.
_INTRODUCED = re.compile(r"(?:\bat|:)\s*$")
# A sentence boundary: where the clause of a speaker before a quote begins. Not after an initial or
# a short abbreviation (`St. Pauli`, `Tor B. Jørgensen`).
_SENTENCE_START = re.compile(r"(?:^|(?<![\s.][A-ZÆØÅa-zæøå])(?<!\b[A-ZÆØÅ][a-z])[.!?»”]\s+)(?=[«\"“]?[A-ZÆØÅ0-9])")
# Opening words that are no subject: the subject then follows the verb (`I en melding skriver X`).
_ADVERBIAL_OPENERS = frozenset(
    {"i", "på", "til", "etter", "før", "under", "nå", "no", "da", "då", "derfor", "difor", "også", "videre",
     "vidare", "dessuten", "dessutan", "senere", "seinare", "samtidig", "men", "og", "så", "her", "der",
     "overfor", "om", "med", "ved", "fra", "frå", "hos", "torsdag", "fredag", "mandag", "tirsdag", "onsdag",
     "lørdag", "søndag", "måndag", "tysdag", "laurdag", "sundag", "tidligere", "tidlegare", "likevel",
     "allerede", "alt", "dermed", "slik", "sånn", "det", "dette", "selv", "sjølv", "deretter", "etterpå"}
)
_WORD = re.compile(r"[^\s]+")
_RESTATED = re.compile(
    r"(?:Det|Dette|Slik|Så|Sånn|Dét)\s+(?P<verb>" + _VERB_PATTERN + r")\s+(?P<rest>[^\s–—].*)$", re.S
)
_REPORTING_VERBS = reporting_verbs()
_PARTICLE_ONLY = particle_only_verbs()
# A quote reported inside a clause (`X sa at planen er «…»`) must be more than a phrase: two or three
# words in guillemets there are a term or a scare quote (`et godt tegn`), not someone's words.
_MIN_REPORTED_WORDS = 4
_BETWEEN_SUBJECT_AND_VERB = frozenset({"selv", "sjølv", "også", "òg", "ikke", "ikkje", "da", "då", "nå", "no"})
_SUBORDINATORS = frozenset(
    {"at", "som", "der", "då", "da", "når", "fordi", "etter", "og", "men", "om", "mens", "medan"}
)


def _bare(word: str) -> str:
    return word.strip(",;:.!?«»\"“”()").casefold()


def _speech_verb_at(words: list[re.Match[str]], index: int, verbs: frozenset[str]) -> bool:
    bare = _bare(words[index].group(0))
    if bare not in verbs:
        return False
    particles_needed = _PARTICLE_ONLY.get(bare)
    if particles_needed is None:
        return True
    return any(_bare(word.group(0)) in particles_needed for word in words[index + 1 : index + 5])


def _subject_speaker(clause: str, verbs: frozenset[str] = _FINITE_VERBS) -> str | None:
    """The speaker of a clause that holds a speech verb: `Statsminister Ola Dal sier til NTB`.

    The subject is the name or pronoun right before the verb (`då Grossman sa`), else what opens
    the clause; a clause opening with an adverbial (`I en melding skriver politiet`) has its subject
    right after the verb instead.
    """
    words = list(_WORD.finditer(clause))
    for index, word in enumerate(words):
        if not _speech_verb_at(words, index, verbs):
            continue
        before = clause[: word.start()].strip(" ,")
        after = clause[word.end() :]
        if not before:
            return _speaker_after_verb(after)
        before_words = before.split()
        first = before_words[0].strip("«»\"“”(),").casefold()
        if first in ("ifølge", "iflg.", "ifølgje"):
            return "ifølge " + " ".join(before_words[1:]) if len(before_words) > 1 else None
        if before.endswith(",") or clause[: word.start()].rstrip().endswith(","):
            inverted = _speaker_after_verb(after)  # "…, hevder BBC, og «…»"
            if inverted and (inverted[:1].isupper() or inverted.casefold() in PRONOUNS):
                return inverted
        if before_words[-1].casefold() == "som" and len(before_words) > 1:
            # "Språkrådet (…), som fortel at «…»": the speaker is what the relative clause is about,
            # its name if it has one.
            head = [word.strip(",") for word in before_words[-7:-1] if not word.startswith("(")]
            named = [word for word in head if word[:1].isupper()]
            return named[-1] if named else " ".join(head[-3:])
        while len(before_words) > 1 and before_words[-1].casefold() in _BETWEEN_SUBJECT_AND_VERB:
            before_words = before_words[:-1]  # "som han selv sa"
        last = before_words[-1].strip(",")
        if last.casefold() in PRONOUNS:
            return last
        if first in PRONOUNS:
            return before_words[0]  # "Hun grunngir sitt syn ved å uttale:"
        if last[:1].isupper() and len(before_words) > 1 and before_words[-2].casefold() in _SUBORDINATORS:
            return last  # "då Grossman sa", "fordi Hansen mener"
        if first in _ADVERBIAL_OPENERS:
            return _speaker_after_verb(after)
        if len(before_words) > 10 or before_words[-1].casefold() in _SUBORDINATORS:
            # The verb sits deep in the sentence ("X slo tilbake … og hevdet at"): its subject opens it.
            return " ".join(before_words[:6])
        return before
    return None


def _guillemet_pairs(text: str) -> list[tuple[int, int | None]]:
    """Each top-level «…»: the offset of « and of its », or None when the text ends first."""
    pairs: list[tuple[int, int | None]] = []
    depth = 0
    opened = 0
    for index, char in enumerate(text):
        if char == "«":
            if depth == 0:
                opened = index
            depth += 1
        elif char == "»" and depth:
            depth -= 1
            if depth == 0:
                pairs.append((opened, index))
    if depth:
        pairs.append((opened, None))
    return pairs


_AFTER_QUOTE = re.compile(r"\s*[,]?\s*(?P<verb>" + _VERB_PATTERN + r")\s+(?P<rest>[^\s–—].*)$", re.S)
# The attribution that ends the sentence a quote sits in: `«…» på Gazastripen, sier X.`
_SENTENCE_ATTRIBUTION = re.compile(r",\s+(?P<verb>" + _VERB_PATTERN + r")\s+(?P<rest>[^,.!?]*[^\s,.!?][.!?]?)\s*$")
# The speaker in a clause after the quote: `«…», som Kari Moe sa i fjor`.
_AS_SAID = re.compile(r"\s*,?\s*som\s+(?P<who>[A-ZÆØÅ][^,.!?«»]{0,60}?)\s+(?P<verb>" + _VERB_PATTERN + r")\b")


def _sentence_end(text: str, start: int) -> tuple[int, int]:
    """Where the sentence holding `start` ends, and where the next one begins."""
    for match in _SENTENCE_START.finditer(text, start + 1):
        if match.start() > start:
            return match.start(), match.end()
    return len(text), len(text)


def _speaker_after(text: str, closed: int) -> str | None:
    """A speaker named after the closing guillemet: right after it (`», sier X`, `», som X sa`), at
    the end of its sentence, or in the next sentence (`«…». Det sa X til NRK.`)."""
    after = _AFTER_QUOTE.match(text, closed + 1)
    if after:
        return _speaker_after_verb(after["rest"])
    as_said = _AS_SAID.match(text, closed + 1)
    if as_said:
        return _speaker(as_said["who"])
    end, following_start = _sentence_end(text, closed)
    tail = text[closed + 1 : end]
    attribution = _SENTENCE_ATTRIBUTION.search(tail)
    if attribution:
        speaker = _speaker_after_verb(attribution["rest"])
        if speaker:
            return speaker
    restated = _RESTATED.match(text, following_start) if following_start < len(text) else None
    if restated and not tail.strip(" .!?"):
        return _speaker_after_verb(restated["rest"])
    return None


def _speaker_before(
    text: str, opened: int, words: str, sentence_starts: list[int], closes_sentence: bool
) -> str | None:
    """A speaker named in the clause before the opening guillemet: `X sier at «`, `Ifølge X er «`.

    A short quote counts only when it ends the sentence (`Hun sa: «Nei.»`); inside a clause two or
    three words in guillemets are a term (`er «et godt tegn» for`).
    """
    sentence = max((at for at in sentence_starts if at <= opened), default=0)
    clause = text[sentence:opened]
    ifolge = re.match(r"\s*(?:Ifølge|I følge|Ifølgje)\s+(?P<who>.+?)\s+\S+\s*$", clause)
    if ifolge and "," not in ifolge["who"]:
        return "ifølge " + ifolge["who"]
    long_enough = len(words.split()) >= _MIN_REPORTED_WORDS
    if _INTRODUCED.search(clause) and (long_enough or closes_sentence):
        speaker = _subject_speaker(clause)
        if speaker:
            return speaker
    if long_enough:
        return _subject_speaker(clause, _REPORTING_VERBS)
    return None


def _guillemet_quotes(text: str) -> list[FoundQuote]:
    """Quotes in guillemets with their speaker: `«…», sier X`, `X sier at «…»`, `Ifølge X er «…»`.

    A guillemet with no speech verb beside it (a title, a term, scare quotes) is no quote, unless
    it fills the whole paragraph: then it is a quote whose speaker comes from the paragraphs around.
    """
    quotes: list[FoundQuote] = []
    if "«" not in text:
        return quotes
    sentence_starts = [match.end() for match in _SENTENCE_START.finditer(text)]
    pairs = _guillemet_pairs(text)
    found: list[tuple[FoundQuote, bool]] = []  # (quote, fills the paragraph)
    for opened, closed in pairs:
        words_end = len(text) if closed is None else closed
        words = text[opened + 1 : words_end].strip()
        if not words:
            continue
        start = text.index(words, opened + 1)
        speaker = _speaker_after(text, closed) if closed is not None else None
        if speaker is None:
            closes_sentence = closed is None or not text[closed + 1 : _sentence_end(text, closed)[0]].strip(" .!?…")
            speaker = _speaker_before(text, opened, words, sentence_starts, closes_sentence)
        whole = opened == 0 and (closed is None or not text[closed + 1 :].strip(" .,!?…"))
        found.append((FoundQuote(words, speaker, start, start + len(words), "guillemet", closed is None), whole))
    # Quotes one after the other (`«…». «…», sier X.`) share the attribution that follows them.
    for index in range(len(found) - 2, -1, -1):
        quote, whole = found[index]
        following = found[index + 1][0]
        between = text[quote.end : following.start]
        if quote.speaker is None and following.speaker and not between.strip(" .,!?…«»"):
            found[index] = (FoundQuote(quote.words, following.speaker, quote.start, quote.end, quote.form,
                                       quote.open_ended), whole)
    return [quote for quote, whole in found if quote.speaker is not None or whole]


def find_quotes_in(text: str, opens_with_quote: bool) -> list[FoundQuote]:
    """Every quote in a paragraph or quote segment, in reading order.

    Dash quotes open the text or follow a full stop; inside a paragraph only those with an
    attribution count, and a quote segment's opening quote counts even without one (the
    speaker is then often named in a paragraph next to it). Guillemets inside a dash quote
    are quoted speech within the quote and are not quotes of their own.
    """
    dashes = _dash_quotes(text, opens_with_quote)
    covered = [(quote.start, quote.end) for quote in dashes]
    found = list(dashes)
    for quote in _guillemet_quotes(text):
        if not any(start <= quote.start < stop for start, stop in covered):
            found.append(quote)
    return sorted(found, key=lambda quote: quote.start)


def find_quotes(text: str, opens_with_quote: bool) -> list[tuple[str, str | None]]:
    """(words, speaker) of every quote in a paragraph or quote segment; see find_quotes_in."""
    return [(quote.words, quote.speaker) for quote in find_quotes_in(text, opens_with_quote)]


def intro_speaker(text: str) -> str | None:
    """The speaker a paragraph hands the next one to: `Statsministeren sier til NTB:`.

    The paragraph ends with a colon; the speaker is the subject of its last sentence with a speech
    verb (`X sier at … Det er én faktor som gjør det spesielt:`).
    """
    stripped = text.rstrip()
    if not stripped.endswith(":"):
        return None
    body = stripped[:-1]
    starts = sorted({0, *(match.end() for match in _SENTENCE_START.finditer(body))})
    ends = [*starts[1:], len(body)]
    for start, end in reversed(list(zip(starts, ends, strict=True))):
        speaker = _subject_speaker(body[start:end])
        if speaker:
            return speaker
    return None


def restated_speaker(text: str) -> str | None:
    """The speaker of the quote just before a paragraph that opens `Det sier X …`."""
    match = _RESTATED.match(text)
    return _speaker_after_verb(match["rest"]) if match else None


# -- classification of plain blocks --------------------------------------------------------------


def is_link(text: str) -> bool:
    return bool(_LINK.match(text))


def is_byline(text: str) -> bool:
    if len(text.split()) > 14:
        return False
    if re.match(r"Av:?\s", text) and (_FINAL_PUNCTUATION.search(text) or not text.split()[1][:1].isupper()):
        return False
    return any(pattern.search(text) for pattern in _BYLINE_PATTERNS)


def is_bare_credit(text: str) -> bool:
    """`Ness, Jan Kåre / NTB scanpix`, `JOEL MARKLUND / BILDBYRÅN`: a credit with no caption."""
    body = text.strip().rstrip(".").strip()
    if len(body.split()) > 10:
        return False
    parts = [part.strip() for part in CREDIT_SEPARATOR.split(body)]
    if len(parts) < 2 or not all(parts):
        return False
    if not all(is_known_agency(part) or looks_like_name(part) for part in parts):
        return False
    return any(is_known_agency(part) for part in parts) or body.upper() == body


def _trailing_bare_credit(text: str) -> int | None:
    """Where a credit without `Foto:` starts at the end of a caption line, if one does.

    `Kronprinsen i Åre lørdag. Poppe, Cornelius / NTB scanpix`, `… onsdag. Mette Bugge`.
    """
    for match in re.finditer(r"[.!?»”]\s+(?=\S)", text):
        tail = text[match.end() :]
        if len(tail.split()) > 8 or len(text[: match.start()].split()) < 4:
            continue
        if is_bare_credit(tail):
            return match.end()
        names = tail.split()
        if 2 <= len(names) <= 3 and all(CAPITALISED.match(name) for name in names) and tail[-1].isalpha():
            return match.end()
    return None


def _caption_with_bare_credit(cleaned: CleanText, credit_start: int, may_have_label: bool) -> list[_Piece]:
    text = cleaned.text
    credit = parse_credit(text[credit_start:])
    label, caption_text = _split_label(text[:credit_start].strip())
    if label is not None and not may_have_label:
        label, caption_text = None, text[:credit_start].strip()
    return [_Piece("caption", text, cleaned.raw, label=label, caption_text=caption_text, credit=credit,
                   is_caption_row=True)]


def _has_final_punctuation(text: str) -> bool:
    if re.search(r"\b(?:[A-ZÆØÅ]\.){2,}$", text):
        return False  # "Washington D.C." ends with an abbreviation, not a full stop
    return bool(_FINAL_PUNCTUATION.search(text))


def is_label_caption(text: str) -> bool:
    """`TOK FARVEL: «Hjertet vårt blør …» Moren …`: a CAPS label caption without credit.

    `UD: – I tråd med instruksen` is a subheading: a short quote after the label, no full stop.
    """
    label, rest = _split_label(text)
    if label is None or len(rest.split()) < 2:
        return False
    if _FINAL_PUNCTUATION.search(rest):
        return True
    # Without a full stop only a descriptive label (KRISELEDER, MÅ VENTE) makes a caption;
    # `PST: Ingen grunn til bekymring` is a subheading.
    return not _DASH_OPEN.match(rest) and sum(ch.isalpha() for ch in label) >= 4


def is_source_credit(text: str) -> bool:
    """`Kilde: SNL`, `Tegning: Roar Hagen/VG`: the source of a graphic or drawing."""
    return bool(SOURCE_CREDIT.match(text)) and len(text.split()) <= 7


def looks_like_title(text: str) -> bool:
    """A short first block without a full stop: `Sammen i sorgen`, `Norge må på banen!`."""
    if len(text.split()) > 20 or len(text) > 160:
        return False
    if text.endswith((":", ",", ";")):
        return False
    if _has_final_punctuation(text):
        # A one-sentence exclamation or question still reads as a headline.
        return text.endswith(("!", "?")) and not re.search(r"[.!?]\s", text)
    return True


def looks_like_subheading(text: str) -> bool:
    """`Avviste Russland-krav`: short, capitalised, without final punctuation."""
    words = text.split()
    if not words or len(words) > 12 or len(text) > 90:
        return False
    if _SENTENCE_END.search(text) and not re.search(r"\b(?:[A-ZÆØÅ]\.){2,}$", text):
        return False
    if _NUMBERED_ITEM.match(text):
        return False
    first = text.lstrip("«\"“")[:1]
    if not (first.isupper() or first.isdigit()):
        return False
    # A line cut off mid-sentence ends on a word that cannot end one.
    return words[-1].casefold() not in _FUNCTION_WORDS


# -- assembling the article ----------------------------------------------------------------------


@dataclass(slots=True)
class _Piece:
    kind: SegmentKind
    text: str
    raw: str
    label: str | None = None
    caption_text: str | None = None
    credit: Credit | None = None
    quotes: list[FoundQuote] = field(default_factory=list)
    is_caption_row: bool = False


def _caption_pieces(cleaned: CleanText, first_is_quote: bool) -> list[_Piece]:
    pieces: list[_Piece] = []
    for index, part in enumerate(split_captions(cleaned.text)):
        raw = cleaned.raw_slice(part.start, part.end)
        text = cleaned.text[part.start : part.end].strip()
        if index == 0 and first_is_quote:
            credit_at = text.find(part.credit.raw) if part.credit else -1
            quote_text = text[:credit_at].rstrip() if credit_at > 0 else text
            quote_end = part.start + len(quote_text)
            pieces.append(
                _Piece("quote", quote_text, cleaned.raw_slice(part.start, quote_end).strip(),
                       quotes=find_quotes_in(quote_text, opens_with_quote=True))
            )
            if part.credit is not None:
                credit_start = part.start + cleaned.text[part.start :].find(part.credit.raw)
                pieces.append(
                    _Piece("credit", part.credit.raw, cleaned.raw_slice(credit_start, part.end).strip(),
                           caption_text="", credit=part.credit, is_caption_row=True)
                )
            continue
        kind: SegmentKind = "caption" if part.text else "credit"
        pieces.append(
            _Piece(kind, text, raw.strip(), label=part.label, caption_text=part.text,
                   credit=part.credit, is_caption_row=True)
        )
    return pieces


def _paragraph_pieces(cleaned: CleanText) -> list[_Piece]:
    """A paragraph, with a closing `(NTB)` split off as its byline."""
    text = cleaned.text
    match = _TRAILING_AGENCY.search(text)
    if match and match.start() > 0:
        return [
            _Piece("paragraph", text[: match.start()], cleaned.raw_slice(0, match.start()).strip(),
                   quotes=find_quotes_in(text[: match.start()], opens_with_quote=False)),
            _Piece("byline", text[match.start() :].strip(), cleaned.raw_slice(match.start(), len(text)).strip()),
        ]
    return [_Piece("paragraph", text, cleaned.raw, quotes=find_quotes_in(text, opens_with_quote=False))]


def _classify(cleaned: CleanText, *, has_title: bool, has_content: bool, is_last: bool) -> list[_Piece]:
    """The pieces of one unhinted block."""
    text = cleaned.text
    raw = cleaned.raw
    if is_link(text):
        return [_Piece("link", text, raw)]
    if is_byline(text):
        return [_Piece("byline", text, raw)]
    opens_with_dash = bool(_DASH_OPEN.match(text))
    if not has_title and not has_content and not CREDIT_MARK.search(text) and looks_like_title(text):
        return [_Piece("title", text, raw)]
    if opens_with_dash:
        if CREDIT_MARK.search(text):
            return _caption_pieces(cleaned, first_is_quote=True)
        return [_Piece("quote", text, raw, quotes=find_quotes_in(text, opens_with_quote=True))]
    if CREDIT_MARK.search(text):
        return _caption_pieces(cleaned, first_is_quote=False)
    trailing = _trailing_bare_credit(text)
    if trailing is not None:
        return _caption_with_bare_credit(cleaned, trailing, has_content or has_title)
    if is_bare_credit(text):
        credit = parse_credit(text)
        return [_Piece("credit", text, raw, caption_text="", credit=credit, is_caption_row=True)]
    if (has_content or has_title) and is_label_caption(text):
        return _caption_pieces(cleaned, first_is_quote=False)
    if is_source_credit(text):
        return [_Piece("credit", text, raw, caption_text="", credit=parse_credit(text), is_caption_row=True)]
    if has_content and not is_last and looks_like_subheading(text):
        return [_Piece("subheading", text, raw)]
    return _paragraph_pieces(cleaned)


def _hinted(block: Block, cleaned: CleanText) -> list[_Piece]:
    text, raw = cleaned.text, cleaned.raw
    hint = block.hint
    if hint in ("caption", "credit"):
        credit = parse_credit(block.credit) if block.credit and clean_text(block.credit) else None
        if credit is None and CREDIT_MARK.search(text):
            pieces = _caption_pieces(cleaned, first_is_quote=False)
            if pieces:
                return pieces
        label, caption_text = _split_label(_caption_text(text))
        if hint == "credit" or not caption_text:
            credit = credit or (parse_credit(text) if text else None)
            if credit is None:
                return []
            return [_Piece("credit", text or credit.raw, raw or (block.credit or ""), caption_text="",
                           credit=credit, is_caption_row=True)]
        return [_Piece("caption", text, raw, label=label, caption_text=caption_text, credit=credit,
                       is_caption_row=True)]
    if hint == "paragraph" and _DASH_OPEN.match(text):
        return [_Piece("quote", text, raw, quotes=find_quotes_in(text, opens_with_quote=True))]
    if hint in ("paragraph", "lede"):
        return [_Piece(hint, text, raw, quotes=find_quotes_in(text, opens_with_quote=False))]
    if hint is None:
        return _paragraph_pieces(cleaned)
    return [_Piece(hint, text, raw)]


def _demote_subheading_runs(pieces: list[_Piece]) -> None:
    """Consecutive short lines are a list (countries, results), not a row of subheadings."""
    kinds = [piece.kind for piece in pieces]
    for index, piece in enumerate(pieces):
        if piece.kind != "subheading":
            continue
        before = kinds[index - 1] if index > 0 else None
        after = kinds[index + 1] if index + 1 < len(kinds) else None
        if "subheading" in (before, after):
            piece.kind = "paragraph"


# Pieces that sit beside the text and do not break a run of paragraphs.
_ASIDE_KINDS = frozenset({"caption", "credit", "link", "byline"})


def _attribute_across_paragraphs(pieces: list[_Piece]) -> None:
    """Speakers for quotes that open a paragraph without one, from the paragraphs around.

    In order: a paragraph before that introduces the quote (`Hun sier til NTB:`); a guillemet
    quote that went on from the paragraph before; a paragraph after that names who said it
    (`Det sier X til NTB.`); the quote just before in an unbroken run of quotes; the person last
    quoted, when the quote answers an unattributed question; the first attributed quote after in
    the run (a multi-paragraph quote whose speaker comes last). An unattributed question in a run
    is the interviewer's and keeps no speaker.
    """
    text_pieces = [piece for piece in pieces if piece.kind not in _ASIDE_KINDS]
    for index, piece in enumerate(text_pieces):
        speaker = _paragraph_speaker(text_pieces, index)
        if speaker is not None:
            first = piece.quotes[0]
            piece.quotes[0] = FoundQuote(first.words, speaker, first.start, first.end, first.form, first.open_ended)


def _opening_quote(piece: _Piece) -> FoundQuote | None:
    """The quote a piece opens with, if it opens with one (`– `, `«`)."""
    if not piece.quotes or piece.quotes[0].start > 2:
        return None
    return piece.quotes[0]


def _paragraph_speaker(pieces: list[_Piece], index: int) -> str | None:
    opening = _opening_quote(pieces[index])
    if opening is None or opening.speaker is not None:
        return None
    previous = pieces[index - 1] if index > 0 else None
    if previous is not None:
        introduced = intro_speaker(previous.text)
        if introduced:
            return introduced
        if previous.quotes and previous.quotes[-1].open_ended and previous.quotes[-1].speaker:
            return previous.quotes[-1].speaker
    # Forward: past the unattributed quotes of this run to the paragraph that names the speaker.
    position = index
    while position + 1 < len(pieces):
        following = pieces[position + 1]
        restated = restated_speaker(following.text)
        if restated:
            return restated
        next_opening = _opening_quote(following)
        if next_opening is None or next_opening.speaker is not None:
            break
        position += 1
    if opening.words.rstrip().endswith("?"):
        return None  # an unattributed question in a run of quotes is the interviewer's
    run_ends_attributed = position + 1 < len(pieces) and _opening_quote(pieces[position + 1]) is not None
    if previous is not None and previous.quotes and _opening_quote(previous) is not None:
        last = previous.quotes[-1]
        if last.speaker and (last.form == opening.form or previous.kind == "quote"):
            return last.speaker
        if last.speaker is None and last.words.rstrip().endswith("?"):
            # The answer to an interviewer's question: the person the interview has quoted.
            return _last_speaker(pieces[: index - 1])
    if run_ends_attributed:
        following_opening = _opening_quote(pieces[position + 1])
        if following_opening is not None:
            return following_opening.speaker
    return None


def _last_speaker(pieces: list[_Piece], reach: int = 8) -> str | None:
    """The speaker of the last attributed quote among the last `reach` pieces."""
    for piece in reversed(pieces[-reach:]):
        for quote in reversed(piece.quotes):
            if quote.speaker:
                return quote.speaker
    return None


def split_document(doc: SourceDocument) -> Article:
    """Clean `doc` and split it into typed segments, captions and quotes."""
    cleaned_blocks = [(block, clean(block.text)) for block in doc.blocks]
    cleaned_blocks = [(b, c) for b, c in cleaned_blocks if c.text or (b.hint in ("caption", "credit") and b.credit)]
    doc_title = clean_text(doc.title) if doc.title else None
    hinted_title = any(block.hint == "title" for block, _ in cleaned_blocks)

    pieces: list[_Piece] = []
    if doc_title and not hinted_title:
        first_unhinted = next((c.text for b, c in cleaned_blocks if b.hint is None), None)
        if first_unhinted != doc_title:
            pieces.append(_Piece("title", doc_title, doc.title or ""))
    has_title = bool(doc_title) or hinted_title
    has_content = False
    last_index = len(cleaned_blocks) - 1
    for index, (block, cleaned) in enumerate(cleaned_blocks):
        if block.hint is not None:
            new = _hinted(block, cleaned)
        elif doc_title and not has_content and cleaned.text == doc_title:
            new = [_Piece("title", cleaned.text, cleaned.raw)]
        else:
            new = _classify(cleaned, has_title=has_title, has_content=has_content, is_last=index == last_index)
        for piece in new:
            if piece.kind == "title":
                has_title = True
            if piece.kind in BODY_KINDS:
                has_content = True
        pieces.extend(new)

    _demote_subheading_runs(pieces)
    _attribute_across_paragraphs(pieces)
    if not any(piece.kind == "lede" for piece in pieces):
        for piece in pieces:
            if piece.kind == "paragraph":
                piece.kind = "lede"
                break

    segments: list[Segment] = []
    captions: list[Caption] = []
    quotes: list[Quote] = []
    for position, piece in enumerate(pieces):
        segments.append(Segment(position=position, kind=piece.kind, text=piece.text, raw=piece.raw))
        if piece.is_caption_row:
            credit = piece.credit
            captions.append(
                Caption(
                    position=position,
                    label=piece.label,
                    text=piece.caption_text or "",
                    photographers=list(credit.photographers) if credit else [],
                    agencies=list(credit.agencies) if credit else [],
                    credit_raw=credit.raw if credit else None,
                )
            )
        for found in piece.quotes:
            quotes.append(Quote(position=position, text=found.words, speaker=found.speaker,
                                start=found.start, end=found.end))

    title = doc_title or next((p.text for p in pieces if p.kind == "title"), None)
    lede = next((p.text for p in pieces if p.kind == "lede"), None)
    body = "\n\n".join(p.text for p in pieces if p.kind in BODY_KINDS and p.text)
    return Article(
        source_uri=doc.source_uri,
        source_format=doc.source_format,
        title=title,
        lede=lede,
        body=body,
        segments=segments,
        captions=captions,
        quotes=quotes,
        raw_text=doc.raw_text,
        published=doc.published,
        published_precision=doc.published_precision,
        authors=list(doc.authors),
        tags=list(doc.tags),
        external_id=doc.external_id,
        extractor_version=EXTRACTOR_VERSION,
        language=doc.language,
        wire=doc.wire,
        page=doc.page,
    )
