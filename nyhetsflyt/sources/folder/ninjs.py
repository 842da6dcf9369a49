"""ninjs (IPTC's News in JSON) 1.x, 2.x and 3.x, as NTB, TT, AP, dpa and Superdesk send it, alone
or in AP's API envelope (`{"api_version": …, "data": {"item": …}}`).

The versions differ in shape, not meaning: 1.x has flat keys (`body_html`, `description_text`,
`byline`, associations as an object), 2.x lists (`headlines`, `descriptions`, `bodies`, `by`,
associations as an array), 3.x the 2.x names in camelCase. Keys are read case-insensitively,
so one reader serves all three.

What maps where (docs/ninjs.md):
    headline    headlines (role main, else the first), else headline
    lede        descriptions (not caption or creditline), else description_text, where the
                body does not already open with it
    body        bodies (HTML roles before plain text), else body_html5, body_html, body_xhtml, body_text
    pictures    associations of type picture or graphic: their caption (descriptions,
                description_text), photographer (by, byline, authors) and creditline; a
                figure in the body showing one keeps its place, the others follow the body
    byline      by, byline, bylines, authors → authors and the agencies credited
    dates       firstcreated → published (else versioncreated); versioncreated
    language    language; tags from subjects/subject names and keywords
    id          uri (else guid), version, pubstatus, embargoed; agency: copyrightholder, source
    not text    ednote, people's contact details
A picture item (type picture or graphic) is a Picture; video, audio, events and planning are
skipped with the reason. Detected by an id (`uri` or `guid`) and at least two keys only ninjs has.
"""

from __future__ import annotations

import re

from nyhetsflyt.documents import Block, Picture, SourceDocument, WireItem
from nyhetsflyt.extract.credits import as_credit
from nyhetsflyt.sources.folder.base import DecodedFile, Format, Outcome, Skipped
from nyhetsflyt.sources.folder.wire import (
    caption_block,
    credited_agencies,
    headline_text,
    inline_text,
    language_code,
    mark_bylines,
    picture,
    pub_status,
    split_byline,
    version_label,
    wire_date,
    wire_time,
    with_teaser,
)
from nyhetsflyt.sources.folder.wire_body import Body, Figure, body_from_html, body_from_plain

_NINJS_KEYS = frozenset({
    "type", "versioncreated", "firstcreated", "headlines", "bodies", "body_html", "body_html5", "body_xhtml",
    "body_text", "description_text", "descriptions", "pubstatus", "associations", "renditions",
    "copyrightholder", "representationtype",
})
_TEXT_TYPES = ("text", "composite", "component")
_PICTURE_TYPES = ("picture", "graphic")
# Bodies in the order they are read: the richest markup first, plain text last.
_BODY_ROLES = ("richhtml5", "html5", "html", "xhtml")
_FLAT_BODIES = ("body_html5", "body_html", "body_xhtml")
_NOT_CAPTIONS = ("creditline", "credit", "copyright")


# ninjs nests a few levels (associations, their renditions); deeper values are read as they are,
# so a hostile document cannot exhaust the stack.
_MAX_KEY_DEPTH = 16


def _lower_keys(value: object, depth: int = 0) -> object:
    if depth > _MAX_KEY_DEPTH:
        return value
    if isinstance(value, dict):
        return {str(key).lower(): _lower_keys(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower_keys(item, depth + 1) for item in value]
    return value


def _looks_like_ninjs(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    keys = {str(key).lower() for key in value}
    return bool(keys & {"uri", "guid"}) and len(keys & _NINJS_KEYS) >= 2


def ninjs_items(document: object) -> list[dict] | None:
    """The ninjs items of a JSON document (one item, AP's envelope, or an array of items), or None."""
    if isinstance(document, dict) and {"api_version", "data"} <= set(document):
        data = document.get("data")
        document = data.get("item") if isinstance(data, dict) else None
    items = document if isinstance(document, list) else [document]
    if not items or not all(_looks_like_ninjs(item) for item in items):
        return None
    return [_lower_keys(item) for item in items]  # type: ignore[misc]


def is_ninjs(file: DecodedFile) -> bool:
    return ninjs_items(file.json_document()) is not None


def read_ninjs(file: DecodedFile) -> list[Outcome]:
    items = ninjs_items(file.json_document()) or []
    outcomes: list[Outcome] = []
    for number, item in enumerate(items, start=1):
        uri = file.uri if len(items) == 1 else f"{file.uri}#{number}"
        kind = str(item.get("type") or "text").lower()
        if kind in _PICTURE_TYPES:
            outcomes.append(_picture(item, uri))
        elif kind in _TEXT_TYPES:
            outcomes.append(_document(item, uri, file))
        else:
            outcomes.append(Skipped(uri, "read", f"a ninjs {kind} item: only text and pictures are read"))
    return outcomes


def _list(value: object) -> list:
    """A field that should be a list; anything else a sender puts there counts as empty."""
    return value if isinstance(value, list) else []


def _string(value: object) -> str | None:
    return inline_text(value) or None if isinstance(value, str) else None


def _headline(item: dict) -> str | None:
    headlines = [h for h in _list(item.get("headlines")) if isinstance(h, dict) and _string(h.get("value"))]
    main = next((h for h in headlines if (h.get("role") or "main") == "main"), headlines[0] if headlines else None)
    return _string(main.get("value")) if main else _string(item.get("headline"))


def _descriptions(item: dict, captions: bool) -> list[str]:
    """Description values: captions (role caption, or none) or the others (summaries, teasers)."""
    values = []
    for description in _list(item.get("descriptions")):
        if not isinstance(description, dict) or not _string(description.get("value")):
            continue
        role = str(description.get("role") or "").lower()
        if role in _NOT_CAPTIONS:
            continue
        if (role in ("caption", "")) == captions:
            values.append(str(description["value"]))
    return values


def _creditline(item: dict) -> str | None:
    for description in _list(item.get("descriptions")):
        if isinstance(description, dict) and str(description.get("role") or "").lower() in _NOT_CAPTIONS:
            return _string(description.get("value"))
    return None


def _teaser(item: dict) -> str | None:
    for value in _descriptions(item, captions=False):
        return value
    if _string(item.get("description_text")):
        return item["description_text"]
    html = _string(item.get("description_html"))
    return re.sub(r"<[^>]+>", " ", html) if html else None


def _body(item: dict, headline: str | None) -> Body:
    bodies = [b for b in _list(item.get("bodies")) if isinstance(b, dict) and isinstance(b.get("value"), str)]
    for role in _BODY_ROLES:
        for body in bodies:
            if str(body.get("role") or "").lower() == role:
                return body_from_html(body["value"], headline)
    for body in bodies:
        if "html" in str(body.get("contenttype") or "").lower():
            return body_from_html(body["value"], headline)
    for key in _FLAT_BODIES:
        if isinstance(item.get(key), str) and item[key].strip():
            return body_from_html(item[key], headline)
    plain = next((b["value"] for b in bodies if "plain" in str(b.get("contenttype") or "text/plain")), None)
    if plain is None and isinstance(item.get("body_text"), str):
        plain = item["body_text"]
    return body_from_plain(plain) if plain else Body()


def _byline(item: dict) -> str | None:
    for key in ("by", "byline"):
        if _string(item.get(key)):
            return _string(item.get(key))
    for entry in _list(item.get("bylines")):
        if isinstance(entry, dict) and _string(entry.get("byline")) and "foto" not in str(entry.get("role")).lower():
            return _string(entry.get("byline"))
    for author in _list(item.get("authors")):
        if isinstance(author, dict) and _string(author.get("name")) and "photo" not in str(author.get("role")).lower():
            return _string(author.get("name"))
    return None


def _photographers(item: dict) -> list[str | None]:
    names: list[str | None] = [_string(item.get("by")), _string(item.get("byline"))]
    for author in _list(item.get("authors")):
        if isinstance(author, dict) and "photo" in str(author.get("role")).lower():
            names.append(_string(author.get("name")))
    return list(dict.fromkeys(name for name in names if name))


def _tags(item: dict) -> list[str]:
    names: list[str] = []
    for key in ("subjects", "subject"):
        for subject in _list(item.get(key)):
            if isinstance(subject, dict) and _string(subject.get("name")):
                names.append(str(_string(subject.get("name"))).lstrip("#"))
    names += [str(k).strip() for k in _list(item.get("keywords")) if isinstance(k, str)]
    seen: set[str] = set()
    tags = []
    for name in names:
        if len(name) > 1 and name.casefold() not in seen:
            seen.add(name.casefold())
            tags.append(name)
    return tags


def _provider(item: dict) -> str | None:
    for key in ("copyrightholder", "source"):
        if _string(item.get(key)):
            return _string(item.get(key))
    return None


def _wire(item: dict, byline: str | None, byline_agencies: list[str]) -> WireItem:
    provider = _provider(item)
    return WireItem(
        provider=provider,
        agencies=credited_agencies(provider, byline_agencies),
        byline=byline,
        version=version_label(item.get("version")),
        first_created=wire_time(item.get("firstcreated")),
        version_created=wire_time(item.get("versioncreated")),
        pub_status=pub_status(item.get("pubstatus")),
        embargo=wire_time(item.get("embargoed")),
    )


def _largest_rendition(item: dict) -> str | None:
    renditions = item.get("renditions")
    renditions = list(renditions.values()) if isinstance(renditions, dict) else _list(renditions)
    best: tuple[float, str] | None = None
    for rendition in renditions:
        if not isinstance(rendition, dict) or not _string(rendition.get("href")):
            continue
        if "image" not in str(rendition.get("contenttype") or rendition.get("mimetype") or "image"):
            continue
        width = float(rendition["width"]) if isinstance(rendition.get("width"), (int, float)) else 0.0
        if best is None or width > best[0]:
            best = (width, str(rendition["href"]))
    return best[1] if best else None


def _picture(item: dict, uri: str) -> Picture:
    caption = next(iter(_descriptions(item, captions=True)), None) or _string(item.get("description_text")) or ""
    return picture(
        caption=caption,
        by=_photographers(item),
        creditline=_creditline(item),
        fallback_agency=_provider(item),
        source_uri=uri,
        source_format="ninjs",
        item_id=_string(item.get("uri")) or _string(item.get("guid")),
        headline=_headline(item),
        href=_largest_rendition(item),
        language=language_code(item.get("language")),
        wire=_wire(item, None, []),
    )


def _associations(item: dict) -> list[tuple[str, dict]]:
    associations = item.get("associations")
    if isinstance(associations, dict):
        pairs = [(str(name), value) for name, value in associations.items()]
    else:
        pairs = [(str(a.get("name") or ""), a) for a in _list(associations) if isinstance(a, dict)]
    return [(name, value) for name, value in pairs
            if isinstance(value, dict) and str(value.get("type") or "picture").lower() in _PICTURE_TYPES]


def _shown_in(figures: list[Figure], name: str, picture: Picture) -> Figure | None:
    """The body's figure that shows an association: by reference, id, or the same caption."""
    for figure in figures:
        if figure.ref and figure.ref == name:
            return figure
        if figure.uri and figure.uri == picture.item_id:
            return figure
        if picture.caption and inline_text(figure.caption) == picture.caption:
            return figure
    return None


def _pictures(item: dict, body: Body, uri: str, language: str | None) -> tuple[list[Picture], list[Block]]:
    """The item's pictures, and caption blocks for those its body does not show."""
    pictures: list[Picture] = []
    shown: set[int] = set()
    extra: list[Block] = []
    for name, association in _associations(item):
        associated = _picture(association, uri)
        figure = _shown_in(body.figures, name, associated)
        if figure is None:
            pictures.append(associated)
            block = caption_block(associated.caption, associated.credit)
            if block is not None:
                extra.append(block)
            continue
        shown.add(id(figure))
        # The body is what readers see: its caption and credit stand, the association fills gaps.
        if figure.block.credit is None and associated.credit:
            figure.block.credit = as_credit(associated.credit)
        pictures.append(picture(
            caption=figure.caption, by=[figure.credit or associated.credit], source_uri=uri,
            source_format="ninjs", item_id=figure.uri or associated.item_id, href=associated.href,
            language=language, fallback_agency=associated.agencies[0] if associated.agencies else None,
        ))
    for figure in body.figures:
        if id(figure) not in shown:
            pictures.append(picture(caption=figure.caption, by=[figure.credit], source_uri=uri,
                                    source_format="ninjs", item_id=figure.uri, language=language))
    return pictures, extra


def _document(item: dict, uri: str, file: DecodedFile) -> SourceDocument:
    headline = headline_text(_headline(item))
    body = _body(item, headline)
    byline = _byline(item) or next(iter(body.bylines), None)
    authors, byline_agencies = split_byline(byline)
    language = language_code(item.get("language"))
    pictures, extra = _pictures(item, body, uri, language)
    blocks = with_teaser([*body.blocks, *extra], _teaser(item))
    mark_bylines(blocks, [byline])
    wire = _wire(item, byline, byline_agencies)
    wire.pictures = pictures
    published, precision = wire_date(item.get("firstcreated") or item.get("versioncreated"))
    return SourceDocument(
        source_uri=uri,
        source_format="ninjs",
        blocks=blocks,
        raw_text=file.text,
        title=headline,
        published=published,
        published_precision=precision,
        modified=wire.version_created,
        authors=authors,
        tags=_tags(item),
        external_id=_string(item.get("uri")) or _string(item.get("guid")),
        encoding=file.encoding,
        language=language,
        wire=wire,
    )


NINJS = Format(name="ninjs", detect=is_ninjs, read=read_ninjs,
               description="ninjs 1.x, 2.x and 3.x (IPTC News in JSON), alone or in AP's API envelope")
