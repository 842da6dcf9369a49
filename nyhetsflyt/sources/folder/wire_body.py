"""An agency's body text to blocks: XHTML and HTML (NewsML-G2 `inlineXML`, ninjs `bodies`),
NITF's `body.content`, TT's TTNITF, and plain text.

One walk serves all of them: what an element becomes is looked up by its local name (and, for
HTML, a few class names), as data below. Paragraphs, subheadings, quotes and ledes become
blocks with their hint; figures (`<figure>`, NITF `<media>`, TTNITF `<BILD>`) become caption
blocks with their credit, and are also kept as figures so the reader can tie them to the
pictures the item describes; bylines in the body become byline blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from nyhetsflyt.documents import Block, BlockHint
from nyhetsflyt.extract.credits import is_known_agency
from nyhetsflyt.sources.folder.base import BadInput
from nyhetsflyt.sources.folder.safe_xml import MAX_XML_CHARS
from nyhetsflyt.sources.folder.wire import caption_block, inline_text, local, text_of

# Element names, lower-cased, of every markup agencies use (XHTML, NITF, TTNITF).
_PARAGRAPHS = frozenset({"p", "li", "dd", "dt", "pre", "address"})
_SUBHEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6", "hl2", "mellis"})
_TITLES = frozenset({"h1", "hl1", "rubrik"})
_QUOTES = frozenset({"blockquote", "bq", "citat"})
_LEDES = frozenset({"ingress"})
_BYLINES = frozenset({"byline"})
_FIGURES = frozenset({"figure", "media", "bild"})
_TABLE_ROWS = frozenset({"tr"})
# Containers: walked for what they hold.
_CONTAINERS = frozenset({
    "html", "body", "article", "section", "div", "main", "span", "body.content", "block", "brodtext",
    "text", "ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "center", "font",
})
# Never text: metadata, navigation, scripts, and the parts agencies mark as not for publication.
_SKIPPED = frozenset({
    "head", "header", "footer", "nav", "aside", "script", "style", "noscript", "template", "form",
    "button", "iframe", "object", "embed", "video", "audio", "img", "picture", "svg", "hr", "br",
    "dat", "note", "fn", "body.end", "body.head", "ed-msg", "caption", "colgroup", "col", "meta",
    "link", "title",
})
# Class names of HTML elements (TT's richhtml5, dpa's XHTML) that say what a block is.
_SKIPPED_CLASSES = frozenset({"dat", "dateline", "slugline", "notepad", "np-nonpublic", "np-constraint",
                              "closingline"})
_LEDE_CLASSES = frozenset({"lead", "lede", "ingress", "intro", "leadin"})
_BYLINE_CLASSES = frozenset({"byline"})
_CREDIT_CLASSES = frozenset({"byline", "credit", "photographer", "photocredit", "copyright"})
_BLOCK_NAMES = (_PARAGRAPHS | _SUBHEADINGS | _TITLES | _QUOTES | _LEDES | _BYLINES | _FIGURES | _TABLE_ROWS
                | _CONTAINERS | _SKIPPED) - {"span", "font", "br", "img"}

# Deeper than this the rest of a branch is read as one run of text: hostile markup cannot
# exhaust the stack.
_MAX_DEPTH = 100
# `___`, `-----`, `* * *`: separators, not text.
_SEPARATOR = re.compile(r"^[\s_\-–—=*·•#~]+$")
_FINAL_PUNCTUATION = re.compile(r"[.!?:;,…»”\"')]$")
_QUOTE_DASH = re.compile(r"^[–—-]\s")


@dataclass(slots=True)
class Figure:
    """A picture the body shows: its caption block and what identifies the picture."""

    caption: str
    credit: str | None  # the body's credit for it: `Naina Helén Jåma/TT`, NITF `media-producer`
    ref: str | None  # the association it shows (ninjs `data-assoc-ref`)
    uri: str | None  # the picture's id or address (`data-uri`, TTNITF `BILDFIL`, NITF media source)
    block: Block


@dataclass(slots=True)
class Body:
    blocks: list[Block] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)  # bylines the body itself carries


def _classes(element: etree._Element) -> set[str]:
    return {c.lower() for c in (element.get("class") or "").split()}


def _is_block(element: etree._Element) -> bool:
    """A block element, or one this table does not know that holds blocks (NITF's root inside a
    NewsML-G2 item, TT's `BODY`): walked, not read as one run of text."""
    if not isinstance(element.tag, str):
        return False
    if local(element).lower() in _BLOCK_NAMES:
        return True
    return any(isinstance(node.tag, str) and local(node).lower() in _BLOCK_NAMES for node in element.iterdescendants())


def _has_block_children(element: etree._Element) -> bool:
    return any(_is_block(sub) for sub in element)


class _Walk:
    def __init__(self, headline: str | None) -> None:
        self.body = Body()
        self.headline_key = _key(headline) if headline else None

    def add(self, text: str, hint: BlockHint | None) -> None:
        text = inline_text(text)
        if not text or _SEPARATOR.match(text):
            return
        if hint == "subheading" and _key(text) == self.headline_key:
            return  # the headline again, as the body's first heading
        if hint in ("paragraph", None):
            hint = _paragraph_hint(text)
        self.body.blocks.append(Block(text, hint))

    def walk(self, element: etree._Element, depth: int = 0, in_lede: bool = False) -> None:
        if not isinstance(element.tag, str):
            return  # comments, processing instructions (an HTML tree keeps them)
        name = local(element).lower()
        classes = _classes(element)
        if name in _SKIPPED or classes & _SKIPPED_CLASSES:
            return
        if depth > _MAX_DEPTH:
            self.add(text_of(element), "paragraph")
            return
        if name in _FIGURES:
            self.figure(element)
        elif classes & _BYLINE_CLASSES or name in _BYLINES:
            byline = text_of(element, skip=("byttl",))
            if byline:
                self.body.bylines.append(byline)
                self.body.blocks.append(Block(byline, "byline"))
        elif name in _TITLES:
            self.add(text_of(element), "subheading")
        elif name in _LEDES:
            self.children(element, depth, in_lede=True)
        elif name in _SUBHEADINGS and not _has_block_children(element):
            self.add(text_of(element), "subheading")
        elif name in _QUOTES:
            self.quote(element)
        elif name in _TABLE_ROWS:
            cells = [text_of(cell) for cell in element if isinstance(cell.tag, str)]
            self.add(" | ".join(cell for cell in cells if cell), "paragraph")
        elif name in _PARAGRAPHS and not _has_block_children(element):
            lede = in_lede or bool(classes & _LEDE_CLASSES) or element.get("lede") == "true"
            self.add(text_of(element), "lede" if lede else "paragraph")
        else:
            # A container, a heading or paragraph holding blocks (TT's `<h4><p>…</p></h4>`),
            # or an element this table does not know: its blocks, and its loose text as paragraphs.
            self.children(element, depth, in_lede=in_lede or bool(classes & _LEDE_CLASSES))

    def children(self, element: etree._Element, depth: int, in_lede: bool) -> None:
        loose: list[str] = [element.text or ""]
        for sub in element:
            if _is_block(sub):
                self.add("".join(loose), "lede" if in_lede else "paragraph")
                loose = []
                self.walk(sub, depth + 1, in_lede)
            elif isinstance(sub.tag, str):
                loose.append(" " if local(sub).lower() == "br" else text_of(sub))
            loose.append(sub.tail or "")
        self.add("".join(loose), "lede" if in_lede else "paragraph")

    def quote(self, element: etree._Element) -> None:
        """A quote as Norwegian text writes it: opened by a dash, which the splitter reads."""
        texts = [text_of(sub) for sub in element if local(sub).lower() in _PARAGRAPHS] or [text_of(element)]
        for text in texts:
            if text and not _QUOTE_DASH.match(text):
                text = f"– {text}"
            self.add(text, "paragraph")

    def figure(self, element: etree._Element) -> None:
        caption_parts: list[str] = []
        credits: list[str] = []
        alt = None
        uri = element.get("data-uri")
        ref = element.get("data-assoc-ref")
        for node in element.iter():
            if node is element or not isinstance(node.tag, str):
                continue
            sub = local(node).lower()
            if sub in ("figcaption", "media-caption", "bildtext"):
                caption_parts.append(text_of(node))
            elif sub in ("media-producer", "bildskapare") or _classes(node) & _CREDIT_CLASSES:
                credits.append(text_of(node))
            elif sub == "img":
                uri = uri or node.get("data-uri")
                ref = ref or node.get("data-assoc-ref")
                alt = alt or inline_text(node.get("alt")) or None
            elif sub in ("media-reference", "bildfil"):
                uri = uri or node.get("source") or inline_text(node.text) or None
        # The image's alt text stands in for a caption only where there is none.
        caption = " ".join(part for part in caption_parts if part) or alt or ""
        credit = " / ".join(c for c in credits if c) or None
        block = caption_block(caption, credit)
        if block is None:
            return
        self.body.blocks.append(block)
        self.body.figures.append(Figure(caption, credit, ref, uri, block))


def _key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _paragraph_hint(text: str) -> BlockHint:
    """What a paragraph of agency copy is, beyond its markup: a sign-off such as `(©NTB)` or
    `/ritzau/` is a byline; a short all-capitals line (`STILL STANDING`) is a subheading."""
    words = text.split()
    if len(words) <= 3:
        inner = re.sub(r"[()\[\]/©]", " ", text).strip()
        if inner and text.strip()[0] in "(/[©" and is_known_agency(inner):
            return "byline"
    letters = [ch for ch in text if ch.isalpha()]
    if (len(words) <= 8 and len(letters) >= 4 and all(ch.isupper() for ch in letters)
            and not _FINAL_PUNCTUATION.search(text) and not _QUOTE_DASH.match(text)):
        return "subheading"
    return "paragraph"


def body_from_element(element: etree._Element | None, headline: str | None = None) -> Body:
    """The blocks of a parsed body (XHTML, NITF, TTNITF)."""
    walk = _Walk(headline)
    if element is not None:
        walk.walk(element)
    return walk.body


def body_from_html(markup: str, headline: str | None = None) -> Body:
    """The blocks of an HTML body as ninjs carries it: a fragment or a whole document."""
    if len(markup) > MAX_XML_CHARS:
        raise BadInput(f"body too large: {len(markup):,} characters (limit {MAX_XML_CHARS:,})")
    if not markup.strip():
        return Body()
    try:
        document = lxml.html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return body_from_plain(markup)
    body = document.find("body")
    return body_from_element(body if body is not None else document, headline)


_INDENTED_LINE = re.compile(r"\n[ \t]{2,}(?=\S)")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def body_from_plain(text: str) -> Body:
    """Plain agency text: paragraphs between blank lines, or (as wire copy is written) each
    paragraph opened by an indented line and hard-wrapped after it; else one per line."""
    text = text.replace("\r\n", "\n").strip("\n")
    if _BLANK_LINE.search(text):
        paragraphs = _BLANK_LINE.split(text)
    elif _INDENTED_LINE.search("\n" + text):
        paragraphs = _INDENTED_LINE.split("\n" + text)
    else:
        paragraphs = text.split("\n")
    walk = _Walk(None)
    for paragraph in paragraphs:
        walk.add(paragraph, "paragraph")
    return walk.body


def body_from_inline_markup(text: str, headline: str | None = None) -> Body:
    """Text that says it is plain but holds HTML (`<p>` inside a CDATA section): its paragraphs
    read as plain text, since such senders keep the line layout of their plain copy."""
    if not re.search(r"<(?:p|br|div)\b", text, re.I):
        return body_from_plain(text)
    fragments = re.split(r"</?(?:p|div)\b[^>]*>|<br\s*/?>", text, flags=re.I)
    walk = _Walk(headline)
    for fragment in fragments:
        for paragraph in body_from_plain(re.sub(r"<[^>]+>", " ", fragment)).blocks:
            walk.body.blocks.append(paragraph)
    return walk.body
