"""NITF (IPTC's News Industry Text Format): one article per file, as NTB, AP, EFE and others send it.

What maps where (docs/nitf.md):
    headline    body.head/hedline/hl1, else head/title
    lede        p class="lead" or lede="true"; else body.head/abstract where the body lacks it
    body        body.content: p, hl2 → subheading, block, bq → quote, lists, table rows
    pictures    media: media-caption with media-producer (or NTB's `Foto: …` in the caption)
    byline      body.head/byline without byttl → authors and the agencies it credits
    published   docdata/date.issue, else pubdata@date.publication (no offset: Oslo time)
    language    nitf@baselang
    tags        tobject.subject names, key-list keywords
    id          NTB's NTBID meta, else doc-id@id-string; du-key@version is the version
    status      docdata@management-status; date.release is the embargo
    agency      doc.copyright@holder, rights.owner, doc-id@regsrc, distributor
Detected by the root element `nitf`, with no namespace or IPTC's NITF namespace.
"""

from __future__ import annotations

from nyhetsflyt.documents import SourceDocument, WireItem
from nyhetsflyt.sources.folder.base import DecodedFile, Format, Outcome
from nyhetsflyt.sources.folder.safe_xml import parse_xml
from nyhetsflyt.sources.folder.wire import (
    attribute,
    child,
    children,
    credited_agencies,
    descendants,
    headline_text,
    language_code,
    mark_bylines,
    picture,
    pub_status,
    split_byline,
    text_of,
    version_label,
    wire_date,
    wire_time,
    with_teaser,
)
from nyhetsflyt.sources.folder.wire_body import body_from_element

NITF_NAMESPACE_PREFIX = "http://iptc.org/std/NITF/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def is_nitf(file: DecodedFile) -> bool:
    root = file.xml_root()
    return (root is not None and root.name == "nitf"
            and (root.namespace == "" or root.namespace.startswith(NITF_NAMESPACE_PREFIX)))


def read_nitf(file: DecodedFile) -> list[Outcome]:
    root = parse_xml(file.text)
    head, body = child(root, "head"), child(root, "body")
    body_head = child(body, "body.head")
    docdata = child(head, "docdata")

    headline = headline_text(text_of(child(body_head, "hedline", "hl1")) or text_of(child(head, "title")))
    content = body_from_element(child(body, "body.content"), headline)
    bylines = [text_of(b, skip=("byttl",)) for b in children(body_head, "byline")] if body_head is not None else []
    byline = next((b for b in bylines if b), None) or next(iter(content.bylines), None)
    authors, byline_agencies = split_byline(byline)
    blocks = with_teaser(content.blocks, text_of(child(body_head, "abstract")))
    mark_bylines(blocks, [byline])

    language = language_code(root.get("baselang") or root.get(XML_LANG))
    provider = _provider(root)
    issued = attribute(child(docdata, "date.issue"), "norm")
    if issued is None:
        issued = next((attribute(p, "date.publication") for p in descendants(root, "pubdata")), None)
    published, precision = wire_date(issued)
    uri = file.uri
    wire = WireItem(
        provider=provider,
        agencies=credited_agencies(provider, byline_agencies),
        byline=byline,
        version=version_label(attribute(child(docdata, "du-key"), "version")),
        first_created=published,
        version_created=published,
        pub_status=pub_status(attribute(docdata, "management-status")),
        embargo=wire_time(attribute(child(docdata, "date.release"), "norm")),
    )
    wire.pictures = [
        picture(caption=figure.caption, by=[figure.credit], source_uri=uri, source_format="nitf",
                item_id=figure.uri if figure.uri and ":" in figure.uri else None, href=figure.uri,
                language=language, fallback_agency=None)
        for figure in content.figures
    ]
    return [SourceDocument(
        source_uri=uri,
        source_format="nitf",
        blocks=blocks,
        raw_text=file.text,
        title=headline,
        published=published,
        published_precision=precision,
        authors=authors,
        tags=_tags(root),
        external_id=_item_id(root),
        encoding=file.encoding,
        language=language,
        wire=wire,
    )]


def _item_id(root) -> str | None:
    for meta in descendants(root, "meta"):
        if (meta.get("name") or "").lower() == "ntbid" and attribute(meta, "content"):
            return attribute(meta, "content")
    return next((attribute(d, "id-string") for d in descendants(root, "doc-id") if attribute(d, "id-string")), None)


def _provider(root) -> str | None:
    copyright = next(descendants(root, "doc.copyright"), None)
    owner = next(descendants(root, "rights.owner"), None)
    doc_id = next(descendants(root, "doc-id"), None)
    distributor = next(descendants(root, "distributor"), None)
    for candidate in (attribute(copyright, "holder"), text_of(owner), attribute(doc_id, "regsrc"),
                      text_of(distributor)):
        if candidate:
            return candidate
    return None


def _tags(root) -> list[str]:
    tags: list[str] = []
    for subject in descendants(root, "tobject.subject"):
        name = next((subject.get(f"tobject.subject.{level}") for level in ("detail", "matter", "type")
                     if subject.get(f"tobject.subject.{level}")), None)
        if name:
            tags.append(name.strip())
    tags.extend(attribute(k, "key") or "" for k in descendants(root, "keyword"))
    seen: set[str] = set()
    unique = []
    for tag in tags:
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            unique.append(tag)
    return unique


NITF = Format(name="nitf", detect=is_nitf, read=read_nitf,
              description="NITF (IPTC): one article per file, with its pictures' captions and credits")
