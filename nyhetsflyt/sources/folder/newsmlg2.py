"""NewsML-G2 (IPTC): a `newsMessage` of items, or one `newsItem` or `packageItem`, as TT, STT, AP,
dpa, Reuters, ANSA and NTB send them.

What maps where (docs/newsml-g2.md):
    text items      itemClass `…:text` (or composite) → a document
        headline    contentMeta/headline (a `subHeadline` is the lede where the body lacks it)
        body        contentSet/inlineXML (XHTML, HTML, NITF, TT's TTNITF) or inlineData (plain)
        byline      contentMeta/by → authors; else a byline in the body
        dates       itemMeta/firstCreated (else contentCreated) → published; versionCreated
        language    contentMeta/language@tag, else the item's xml:lang
        tags        subject names and keywords
        id, version the item's guid and version; pubStatus and embargoed
        not text    edNote (dpa's non-public desk contacts), and a `caption` description on a
                    text item, which TT and Reuters use for a summary or a slug
    picture items   itemClass `…:picture` / `…:graphic` → a Picture: description role caption,
                    by/creator (photographer), creditline (agency), the largest remoteContent
    packages        packageItem → a Package of the items its groupSet refers to
    other items     (video, audio, planning) are skipped with the reason
Detected by the root element `newsMessage`, `newsItem` or `packageItem` in the NewsML-G2
namespace, or in none (TT's feed has none).
"""

from __future__ import annotations

from lxml import etree

from nyhetsflyt.documents import Failure, Package, PackageMember, Picture, SourceDocument, WireItem
from nyhetsflyt.sources.folder.base import BadInput, DecodedFile, Format, Outcome, Skipped
from nyhetsflyt.sources.folder.safe_xml import parse_xml
from nyhetsflyt.sources.folder.wire import (
    attribute,
    child,
    children,
    code_of,
    credited_agencies,
    descendants,
    first_version,
    headline_text,
    is_translated,
    language_code,
    local,
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
from nyhetsflyt.sources.folder.wire_body import Body, body_from_element, body_from_html, body_from_inline_markup

NEWSML_NAMESPACE = "http://iptc.org/std/nar/2006-10-01/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ROOTS = ("newsMessage", "newsItem", "packageItem")
_TEXT_CLASSES = ("text", "composite")
_PICTURE_CLASSES = ("picture", "graphic")
# Which inline body to read when an item carries more than one: the richest markup first.
_BODY_PREFERENCE = ("xhtml", "html", "nitf", "ttnitf", "xml")


def is_newsml_g2(file: DecodedFile) -> bool:
    root = file.xml_root()
    return root is not None and root.name in _ROOTS and root.namespace in ("", NEWSML_NAMESPACE)


def read_newsml_g2(file: DecodedFile) -> list[Outcome]:
    root = parse_xml(file.text)
    if local(root) == "newsMessage":
        item_set = child(root, "itemSet")
        items = list(children(item_set, "newsItem", "packageItem")) if item_set is not None else []
    else:
        items = [root]
    if not items:
        raise BadInput("NewsML-G2 message holds no newsItem or packageItem")
    outcomes: list[Outcome] = []
    for number, item in enumerate(items, start=1):
        uri = file.uri if len(items) == 1 else f"{file.uri}#{number}"
        try:
            outcomes.append(_read_item(item, uri, file))
        except BadInput as reason:
            outcomes.append(Failure(uri, "read", str(reason)))
    _credit_pictures_from_figures(outcomes)
    return outcomes


def _read_item(item: etree._Element, uri: str, file: DecodedFile) -> Outcome:
    meta, content = child(item, "itemMeta"), child(item, "contentMeta")
    guid = attribute(item, "guid")
    if local(item) == "packageItem":
        return _package(item, uri, guid)
    item_class = (code_of(attribute(child(meta, "itemClass"), "qcode")) or "text").lower()
    if item_class in _PICTURE_CLASSES:
        return _picture(item, uri)
    if item_class not in _TEXT_CLASSES:
        return Skipped(uri, "read", f"a NewsML-G2 {item_class} item: only text and pictures are read")

    raw_headline = _headline(content)
    headline = headline_text(raw_headline)
    body = _body(child(item, "contentSet"), headline)
    blocks = body.blocks
    translated = is_translated(raw_headline, *(block.text for block in blocks))
    if translated:
        blocks = first_version(blocks)
    by = text_of(child(content, "by")) or None
    byline = by or next(iter(body.bylines), None)
    authors, byline_agencies = split_byline(byline)
    blocks = with_teaser(blocks, _description(content, "summary", "abstract", "teaser")
                         or text_of(_headline_element(content, subheadline=True)))
    mark_bylines(blocks, [byline])

    # A machine translation's declared language is its original's, not the text's.
    language = None if translated else _language(item, content)
    wire = _wire(item, byline, byline_agencies)
    published, precision = wire_date(_text(meta, "firstCreated") or _text(content, "contentCreated")
                                     or _text(meta, "versionCreated"))
    wire.pictures = [
        picture(caption=figure.caption, by=[figure.credit], source_uri=uri, source_format="newsmlg2",
                item_id=figure.uri if figure.uri and ":" in figure.uri else None, language=language)
        for figure in body.figures
    ]
    return SourceDocument(
        source_uri=uri,
        source_format="newsmlg2",
        blocks=blocks,
        raw_text=file.text,
        title=headline,
        published=published,
        published_precision=precision,
        modified=wire.version_created,
        authors=authors,
        tags=_tags(content),
        external_id=guid,
        encoding=file.encoding,
        language=language,
        wire=wire,
    )


def _text(parent: etree._Element | None, name: str) -> str | None:
    return text_of(child(parent, name)) or None


def _headline_element(content: etree._Element | None, subheadline: bool = False) -> etree._Element | None:
    for element in children(content, "headline") if content is not None else []:
        role = (element.get("role") or "").lower()
        if ("sub" in role) == subheadline:
            return element
    return None


def _headline(content: etree._Element | None) -> str | None:
    return text_of(_headline_element(content)) or None


def _description(content: etree._Element | None, *roles: str) -> str | None:
    for element in children(content, "description") if content is not None else []:
        role = (code_of(element.get("role")) or "").lower()
        if role in roles and text_of(element):
            return text_of(element)
    return None


def _language(item: etree._Element, content: etree._Element | None) -> str | None:
    return language_code(attribute(child(content, "language"), "tag") or item.get(XML_LANG))


def _name(element: etree._Element | None) -> str | None:
    """A concept's name: its `name` child, else its literal, else its qcode's code."""
    if element is None:
        return None
    return (text_of(child(element, "name")) or attribute(element, "literal")
            or code_of(attribute(element, "qcode")))


def _provider(item: etree._Element) -> str | None:
    meta, content = child(item, "itemMeta"), child(item, "contentMeta")
    creditline = text_of(child(content, "creditline")).strip(" –—-")
    provider = _name(child(meta, "provider"))
    if provider and "." in provider and " " not in provider:
        provider = None  # `reuters.com`, `ansa.it`: a domain; the copyright holder names the agency
    holder = _name(child(item, "rightsInfo", "copyrightHolder"))
    return creditline or provider or holder


def _wire(item: etree._Element, byline: str | None, byline_agencies: list[str]) -> WireItem:
    meta, content = child(item, "itemMeta"), child(item, "contentMeta")
    provider = _provider(item)
    first = wire_time(_text(meta, "firstCreated") or _text(content, "contentCreated"))
    return WireItem(
        provider=provider,
        agencies=credited_agencies(provider, byline_agencies),
        byline=byline,
        version=version_label(item.get("version")),
        first_created=first,
        version_created=wire_time(_text(meta, "versionCreated")),
        pub_status=pub_status(attribute(child(meta, "pubStatus"), "qcode")),
        embargo=wire_time(_text(meta, "embargoed")),
    )


def _tags(content: etree._Element | None) -> list[str]:
    """Subject names and keywords; a mnemonic or a one-letter category code is no tag."""
    if content is None:
        return []
    names = [text_of(name) for subject in children(content, "subject")
             for name in [next((n for n in children(subject, "name")
                                if "mnemonic" not in (n.get("role") or "")), None)] if name is not None]
    names += [text_of(keyword) for keyword in children(content, "keyword")]
    seen: set[str] = set()
    tags = []
    for name in names:
        if len(name) > 1 and name.casefold() not in seen:
            seen.add(name.casefold())
            tags.append(name)
    return tags


def _body(content_set: etree._Element | None, headline: str | None) -> Body:
    if content_set is None:
        return Body()
    inline = list(children(content_set, "inlineXML"))
    if inline:
        def rank(element: etree._Element) -> int:
            kind = (element.get("contenttype") or "").lower()
            return next((i for i, name in enumerate(_BODY_PREFERENCE) if name in kind), len(_BODY_PREFERENCE))

        return body_from_element(min(inline, key=rank), headline)
    data = next(children(content_set, "inlineData"), None)
    if data is None:
        return Body()
    text = data.text or ""
    if "html" in (data.get("contenttype") or "").lower():
        return body_from_html(text, headline)
    return body_from_inline_markup(text, headline)


def _picture(item: etree._Element, uri: str) -> Picture:
    content = child(item, "contentMeta")
    caption = next((text_of(d) for d in children(content, "description")
                    if (code_of(d.get("role")) or "").lower() == "caption"), None) if content is not None else None
    if caption is None and content is not None:
        caption = text_of(child(content, "description"))
    creators = [text_of(child(c, "name")) for c in children(content, "creator")] if content is not None else []
    holder = _name(child(item, "rightsInfo", "copyrightHolder"))
    wire = _wire(item, None, [])
    return picture(
        caption=caption or "",
        by=[text_of(child(content, "by")), *creators],
        creditline=text_of(child(content, "creditline")) or None,
        fallback_agency=holder,
        source_uri=uri,
        source_format="newsmlg2",
        item_id=attribute(item, "guid"),
        headline=_headline(content),
        href=_largest_rendition(child(item, "contentSet")),
        language=_language(item, content),
        wire=wire,
    )


def _largest_rendition(content_set: etree._Element | None) -> str | None:
    if content_set is None:
        return None
    best: tuple[int, str] | None = None
    for remote in children(content_set, "remoteContent"):
        href = attribute(remote, "href")
        if not href:
            continue
        try:
            width = int(remote.get("width") or 0)
        except ValueError:
            width = 0
        if best is None or width > best[0]:
            best = (width, href)
    return best[1] if best else None


def _package(item: etree._Element, uri: str, guid: str | None) -> Package:
    if not guid:
        raise BadInput("NewsML-G2 packageItem without a guid")
    members = []
    for reference in descendants(item, "itemRef"):
        residref = attribute(reference, "residref")
        if not residref:
            continue
        group = reference.getparent()
        members.append(PackageMember(
            item_id=residref,
            item_class=code_of(attribute(child(reference, "itemClass"), "qcode")),
            group=(attribute(group, "id") if group is not None else None),
        ))
    content = child(item, "contentMeta")
    return Package(
        item_id=guid,
        source_uri=uri,
        source_format="newsmlg2",
        headline=headline_text(_headline(content) or _text(child(item, "itemMeta"), "title")),
        members=members,
        wire=_wire(item, None, []),
    )


def _credit_pictures_from_figures(outcomes: list[Outcome]) -> None:
    """A picture item sent beside its text (TT's newsMessage) may lack the credit the text's
    figure gives it: the figure's credit is the picture's."""
    figures = {p.item_id: p for o in outcomes if isinstance(o, SourceDocument) and o.wire
               for p in o.wire.pictures if p.item_id}
    for outcome in outcomes:
        if isinstance(outcome, Picture) and not outcome.credit and outcome.item_id in figures:
            shown = figures[outcome.item_id]
            outcome.credit, outcome.photographers, outcome.agencies = (
                shown.credit, list(shown.photographers), list(shown.agencies))


NEWSML_G2 = Format(name="newsmlg2", detect=is_newsml_g2, read=read_newsml_g2,
                   description="NewsML-G2 (IPTC): news items, pictures and packages, alone or in a newsMessage")
