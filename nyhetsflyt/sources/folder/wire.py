"""What the news agencies' formats (NITF, NewsML-G2, ninjs) share: dates with their zone,
language tags, publication status, bylines, picture credits, headlines and teasers, and the
way through XML by local name.

Credits and bylines are split into people and agencies by the project's one credit parser
(`nyhetsflyt.extract.credits`); what is added here is only what the agencies' fields say
about themselves (a `creditline` names the agency, a `by` the photographer).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from lxml import etree

from nyhetsflyt.documents import Block, DatePrecision, Picture, PubStatus, WireItem
from nyhetsflyt.extract.credits import (
    CREDIT_LINE,
    CREDIT_SEPARATOR,
    CREDIT_TAIL,
    as_credit,
    is_known_agency,
    known_agency_prefix,
    parse_credit,
)
from nyhetsflyt.sources.folder.dates import plausible

# An agency's time without an offset is taken as Norwegian time, as the HTML extractor takes a
# page's: NTB writes `2021-05-16T09:00:04` and means Oslo.
NEWSROOM_TZ = ZoneInfo("Europe/Oslo")

# ISO 639-2/3 codes agencies write (TT: `swe`) and the ISO 639-1 code the project stores.
_LANGUAGE_CODES = {
    "nob": "nb", "nno": "nn", "nor": "no", "swe": "sv", "dan": "da", "fin": "fi", "isl": "is",
    "ice": "is", "eng": "en", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr", "spa": "es",
    "ita": "it", "nld": "nl", "dut": "nl", "por": "pt", "rus": "ru", "ukr": "uk", "pol": "pl",
    "est": "et", "lav": "lv", "lit": "lt", "sme": "se", "ara": "ar", "zho": "zh", "chi": "zh",
}
_PUB_STATUSES: dict[str, PubStatus] = {
    "usable": "usable", "withheld": "withheld", "canceled": "canceled", "cancelled": "canceled",
}
# `*** TRANSLATED ***` in a headline, `*** DISCLAIMER: … ***` lines in a body: machine translation.
TRANSLATION_MARK = re.compile(r"\*{3}[^*]{1,120}\*{3}")
# Entities escaped twice by the sender (`&amp;#39;` arrives as the text `&#39;`).
_ESCAPED_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# `By`, `Av`, `Von`, `Af`, … before the names of a byline.
_BYLINE_PREFIX = re.compile(r"^(?:by|av|von|af|door|par|por)\s*:?\s+", re.I)
_NAME_JOINERS = re.compile(r"\s+(?:and|og|och|und|ja|et|e|y|&)\s+|\s*;\s*", re.I)
# Lower-case initials such as EFE's `gr/bp` sign an item; they name no one.
_INITIALS = re.compile(r"^[a-zæøåäö]{1,4}$")


# -- XML by local name -------------------------------------------------------------------------


def local(element: etree._Element) -> str:
    """An element's name without namespace ('' for comments and the like)."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def children(element: etree._Element, *names: str) -> Iterator[etree._Element]:
    for child in element:
        if local(child) in names:
            yield child


def child(element: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element down a path of local names, or None."""
    current = element
    for name in path:
        if current is None:
            return None
        current = next(children(current, name), None)
    return current


def descendants(element: etree._Element, *names: str) -> Iterator[etree._Element]:
    for node in element.iter():
        if local(node) in names:
            yield node


def text_of(element: etree._Element | None, skip: Iterable[str] = ()) -> str:
    """An element's text with single spaces, leaving out the subtrees named in `skip`.

    Walked with a stack, not recursion: hostile markup may nest deeper than Python's stack.
    """
    if element is None:
        return ""
    skipped = set(skip)
    parts: list[str] = []
    stack: list[tuple[etree._Element, bool]] = [(element, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            if node is not element and node.tail:
                parts.append(node.tail)
            continue
        if node is not element and (not isinstance(node.tag, str) or local(node) in skipped):
            if node.tail:  # a comment's or a skipped element's tail is still text
                parts.append(node.tail)
            continue
        if local(node) == "br":
            parts.append(" ")
        if node.text:
            parts.append(node.text)
        stack.append((node, True))
        stack.extend((sub, False) for sub in reversed(node))
    return inline_text("".join(parts))


def inline_text(text: str | None) -> str:
    """Whitespace collapsed, entities a sender escaped twice unescaped."""
    if not text:
        return ""
    if "&" in text and _ESCAPED_ENTITY.search(text):
        text = html.unescape(text)
    return " ".join(text.split())


def attribute(element: etree._Element | None, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(name)
    return value.strip() if value and value.strip() else None


def code_of(qcode: str | None) -> str | None:
    """`stat:usable` → `usable`, `nprov:TT` → `TT`."""
    if not qcode:
        return None
    return qcode.rsplit(":", 1)[-1].strip() or None


# -- dates, language, status -------------------------------------------------------------------


def wire_date(value: object) -> tuple[datetime | None, DatePrecision | None]:
    """An agency's timestamp: ISO 8601 in its extended or basic form (`20151210T191044Z`), with
    or without an offset (without one: Oslo time), or a date alone."""
    if not isinstance(value, str) or not value.strip():
        return None, None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None, None
    precision: DatePrecision = "second" if re.search(r"\d[T ]\d", text) else "day"
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=NEWSROOM_TZ)
    return (parsed, precision) if plausible(parsed) else (None, None)


def wire_time(value: object) -> datetime | None:
    return wire_date(value)[0]


def language_code(tag: object) -> str | None:
    """`nb-NO` → `nb`, `nn-NO` → `nn`, `swe` → `sv`, `en-US` → `en`; None when unsaid or unknown."""
    if not isinstance(tag, str):
        return None
    primary = re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0]
    if len(primary) == 2 and primary.isalpha():
        return primary
    return _LANGUAGE_CODES.get(primary)


def pub_status(value: object) -> PubStatus:
    """`stat:usable`, `usable`, `canceled` …; anything else an agency may send counts as usable."""
    code = code_of(value) if isinstance(value, str) else None
    return _PUB_STATUSES.get((code or "").lower(), "usable")


def version_label(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


# -- headlines and teasers ----------------------------------------------------------------------


def headline_text(value: str | None) -> str | None:
    """A headline without machine-translation marks and the `*` NTB puts before a cut headline."""
    if not value:
        return None
    text = inline_text(TRANSLATION_MARK.sub(" ", value)).lstrip("* ").strip()
    return text or None


def is_translated(*texts: str | None) -> bool:
    return any(text and TRANSLATION_MARK.search(text) for text in texts)


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def body_covers(teaser: str, blocks: list[Block]) -> bool:
    """Whether the body already opens with (or holds) the teaser, which agencies often cut short."""
    key = _letters(teaser)[:80]
    if not key:
        return True
    return key in _letters(" ".join(block.text for block in blocks if block.hint != "caption"))


def with_teaser(blocks: list[Block], teaser: str | None) -> list[Block]:
    """The body with the teaser (a description, an abstract) as its lede where the body lacks it."""
    text = inline_text(teaser)
    if not text or body_covers(text, blocks):
        return blocks
    return [Block(text, "lede"), *blocks]


def first_version(blocks: list[Block]) -> list[Block]:
    """A machine-translated body holds one language version after another, each opened by a
    `*** … ***` line: the first, which the headline belongs to, is kept."""
    marks = [index for index, block in enumerate(blocks) if TRANSLATION_MARK.fullmatch(block.text.strip())]
    if not marks:
        return blocks
    end = marks[1] if len(marks) > 1 else len(blocks)
    return [block for index, block in enumerate(blocks[:end]) if index not in marks]


def mark_bylines(blocks: list[Block], bylines: Iterable[str | None]) -> None:
    """A body paragraph that repeats the item's byline (`By Marwan Makdisi`) is that byline."""
    keys = {_letters(b) for b in bylines if b}
    keys.discard("")
    for block in blocks:
        if block.hint in (None, "paragraph") and _letters(block.text) in keys:
            block.hint = "byline"


# -- bylines and credits ------------------------------------------------------------------------


def _dedupe(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for name in names:
        key = name.casefold()
        if name and key not in seen:
            seen.add(key)
            kept.append(name)
    return kept


def split_byline(byline: str | None) -> tuple[list[str], list[str]]:
    """The people and the agencies a byline names.

    `Von Christian Hollmann, dpa` → (["Christian Hollmann"], ["dpa"]); `NTB-AFP-DPA` → ([],
    ["NTB", "AFP", "DPA"]); `Paulo Santalucia and Frances d'Emilio` → two people; initials that
    sign an item (`gr/bp`) name no one.
    """
    text = inline_text(byline)
    if not text:
        return [], []
    text = _BYLINE_PREFIX.sub("", text)
    pieces = [p.strip(" .") for p in re.split(r"\s*[-/,]\s*", text) if p.strip(" .")]
    if pieces and all(is_known_agency(p) for p in pieces):
        return [], _dedupe(pieces)
    if pieces and all(_INITIALS.match(p) for p in pieces):
        return [], []
    credit = parse_credit(text)
    people: list[str] = []
    for name in credit.photographers:
        people.extend(p.strip(" .") for p in _NAME_JOINERS.split(_BYLINE_PREFIX.sub("", name)))
    people = [p for p in people if p and not _INITIALS.match(p)]
    return _dedupe(people), _dedupe(credit.agencies)


def caption_and_credit(text: str) -> tuple[str, str | None]:
    """A caption that carries its credit (`… New Delhi. Foto: Amit Sharma / AP / NTB`), split."""
    caption = inline_text(text)
    match = CREDIT_TAIL.search(caption)
    if not match or match.start() == 0:
        return caption, None
    return caption[: match.start()].strip(), match.group(1).strip()


def picture_credit(
    by: Iterable[str | None], creditline: str | None = None, fallback_agency: str | None = None
) -> tuple[str | None, list[str], list[str]]:
    """The credit of a picture from an agency's fields: (credit as stated, photographers, agencies).

    `by`/`creator` names the photographer, perhaps with an agency (`Karl Melander/TT`); a
    `creditline` that is one name names the agency (`REUTERS`, `ASSOCIATED PRESS`); a longer one
    is a credit of its own. `fallback_agency` (the copyright holder) counts when nothing else
    names an agency.
    """
    parts = _dedupe(inline_text(b) for b in by if b and inline_text(b))
    line = inline_text(creditline).strip(" –—-") or None
    photographers: list[str] = []
    agencies: list[str] = []
    for part in parts:
        if known_agency_prefix(part) and not CREDIT_SEPARATOR.search(part):
            agencies.append(part)  # `REUTERS TV`, `NTB scanpix`: an agency, not a person
            continue
        credit = parse_credit(part)
        photographers.extend(credit.photographers)
        agencies.extend(credit.agencies)
    known = {name.casefold() for name in [*photographers, *agencies, *parts]}
    if line:
        if CREDIT_SEPARATOR.search(line) or CREDIT_LINE.match(line):
            credit = parse_credit(line)
            line_photographers, line_agencies = credit.photographers, credit.agencies
        else:
            line_photographers, line_agencies = [], [line]
        if {name.casefold() for name in [*line_photographers, *line_agencies]} <= known:
            line = None  # the credit line says nothing `by` did not
        else:
            photographers.extend(line_photographers)
            agencies.extend(line_agencies)
    stated = [*parts, *([line] if line else [])]
    fallback = inline_text(fallback_agency)
    if not agencies and fallback:
        agencies.append(fallback)
        stated.append(fallback)
    return " / ".join(stated) or None, _dedupe(photographers), _dedupe(agencies)


def caption_block(caption: str, credit: str | None) -> Block | None:
    """A caption as a block for the splitter, its credit marked as one (`Foto: …`)."""
    text = inline_text(caption)
    if not text and not credit:
        return None
    return Block(text, "caption", as_credit(credit) if credit else None)


def picture(
    *,
    caption: str,
    by: Iterable[str | None] = (),
    creditline: str | None = None,
    fallback_agency: str | None = None,
    source_uri: str,
    source_format: str,
    item_id: str | None = None,
    headline: str | None = None,
    href: str | None = None,
    language: str | None = None,
    wire: WireItem | None = None,
) -> Picture:
    """A Picture from an agency's fields; a credit inside the caption (NTB's `Foto: …`) counts
    when the fields name no one."""
    text, inline_credit = caption_and_credit(caption)
    fields = [b for b in by if b and inline_text(b)]
    raw: str | None
    if inline_credit and not fields and not creditline:
        credit = parse_credit(inline_credit)
        raw, photographers, agencies = inline_credit, _dedupe(credit.photographers), _dedupe(credit.agencies)
        if not agencies and inline_text(fallback_agency):
            agencies = [inline_text(fallback_agency)]
    else:
        raw, photographers, agencies = picture_credit(fields, creditline, fallback_agency)
    return Picture(
        caption=text,
        credit=raw,
        photographers=photographers,
        agencies=agencies,
        source_uri=source_uri,
        source_format=source_format,
        item_id=item_id,
        headline=headline_text(headline),
        href=href,
        language=language,
        wire=wire or WireItem(),
    )


def credited_agencies(provider: str | None, byline_agencies: Iterable[str]) -> list[str]:
    return _dedupe([*([provider] if provider else []), *byline_agencies])
