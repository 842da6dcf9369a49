"""The page itself: bytes or text made into one parsed tree, or refused with the reason.

Every later layer reads the tree parsed here; nothing parses the page a second time. A page is
refused before parsing when it cannot be a news page: too large, binary, cut off.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.html
from lxml import etree
from lxml.etree import ParserError

# A news page is well under a megabyte of HTML; the largest sample is 0.8 MB. The web
# fetcher stops at 10 MB, and so does the extractor, whoever hands it the page.
MAX_PAGE_BYTES = 10_000_000
# Real pages nest a few dozen elements deep; browsers stop nesting at 512. Deeper is hostile
# or broken, and would cost every layer time that grows with the depth.
MAX_HTML_DEPTH = 512
_PARSER = lxml.html.HTMLParser(huge_tree=True, remove_blank_text=False)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Declared charsets that are in practice Windows-1252 (what browsers do, per the WHATWG list).
_WINDOWS_1252_ALIASES = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii", "windows-1252",
                         "cp1252", "l1"}
_OPENING = re.compile(r"<(?:html|body)\b", re.IGNORECASE)
_CLOSING = re.compile(r"</(?:html|body)\s*>", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class NotAnArticle(Exception):
    """The page is not one article: a front page, a section or tag listing, an empty shell."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnreadablePage(Exception):
    """The page cannot be read as HTML at all: binary, cut off, too large, no usable encoding."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Page:
    """A parsed page: the tree every layer reads, and where the page came from."""

    url: str
    tree: lxml.html.HtmlElement  # the <html> element
    encoding: str  # how the bytes were decoded ("utf-8" when text was handed in)
    # When the page opens <html> or <body> and closes neither, the text it ends with (after
    # its last tag): a page cut off inside the article's text (see `ends_inside`).
    open_tail: str | None = None

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").casefold().removeprefix("www.")


def decode_page(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Page bytes as text: a BOM, else valid UTF-8, else the charset the page or HTTP declares.

    Valid UTF-8 wins over a declared single-byte charset: a page in Windows-1252 with
    Norwegian letters is almost never valid UTF-8, while pages declaring Latin-1 and being
    UTF-8 are common (a template changed, the header did not).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace").lstrip("\ufeff"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = [declared] if declared else []
    if match := _META_CHARSET.search(data[:8192]):
        candidates.append(match.group(1).decode("ascii", "replace"))
    for name in candidates:
        name = name.strip().casefold()
        if name in _WINDOWS_1252_ALIASES:
            name = "cp1252"
        try:
            codec = codecs.lookup(name)
        except LookupError:
            continue
        if codec.name in ("utf-8", "utf-8-sig"):
            break  # declared UTF-8 that is not: fall through to Windows-1252 below
        return data.decode(codec.name, errors="replace"), _label(codec.name)
    # Undeclared and not UTF-8: Windows-1252 decodes every byte and is what such pages use.
    return data.decode("cp1252", errors="replace"), "windows-1252"


def _label(codec_name: str) -> str:
    """The encoding's WHATWG label where Python's codec name differs (`cp1252` → `windows-1252`)."""
    return {"cp1252": "windows-1252", "latin_1": "iso-8859-1", "iso8859-15": "iso-8859-15"}.get(codec_name, codec_name)


def _refuse_binary(text: str) -> None:
    sample = text[:200_000]
    if not sample.strip():
        raise UnreadablePage("empty page")
    control = len(_CONTROL.findall(sample))
    replaced = sample.count("\ufffd")
    if control > max(8, len(sample) // 200) or replaced > max(32, len(sample) // 50):
        raise UnreadablePage(f"binary content, not an HTML page ({control} control characters, "
                             f"{replaced} undecodable bytes in the first {len(sample):,} characters)")
    if "<" not in sample:
        raise UnreadablePage("no markup at all: not an HTML page")


def _open_tail(text: str) -> str | None:
    """For a page that opens <html>/<body> and closes neither, the text after its last tag
    ("" when it ends on a tag). None for a closed page. Raises for a page cut inside a tag."""
    if not _OPENING.search(text[:20_000]) or _CLOSING.search(text[-20_000:]):
        return None
    end = text[-20_000:]
    last_open, last_close = end.rfind("<"), end.rfind(">")
    if last_open > last_close and not end.startswith("<!--", last_open):
        raise UnreadablePage("truncated HTML: the page ends inside a tag")
    return " ".join(end[last_close + 1:].split()) if "<" not in end[last_close + 1:] else ""


def ends_inside(page: Page, element: lxml.html.HtmlElement) -> bool:
    """Whether an unclosed page ends in the middle of `element`'s text: it was cut off there."""
    if not page.open_tail:
        return False
    last = None
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        if (node.text and node.text.strip()) or (node is not element and node.tail and node.tail.strip()):
            last = node
    if last is None:
        return False
    tail = last.tail if last is not element and last.tail and last.tail.strip() else None
    return " ".join((tail or last.text or "").split()).endswith(page.open_tail)


def _depth(tree: lxml.html.HtmlElement) -> int:
    depth = deepest = 0
    for event, _ in etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def parse_page(html: str | bytes, url: str, charset: str | None = None) -> Page:
    """The page parsed once, or UnreadablePage with the reason.

    `charset` is what HTTP declared (Content-Type), used only when the bytes are not UTF-8.
    """
    size = len(html) if isinstance(html, bytes) else len(html.encode("utf-8", "surrogatepass"))
    if size > MAX_PAGE_BYTES:
        raise UnreadablePage(f"page too large: {size / 1e6:.1f} MB (limit {MAX_PAGE_BYTES / 1e6:.0f} MB)")
    if isinstance(html, bytes):
        text, encoding = decode_page(html, charset)
    else:
        text, encoding = html, "utf-8"
    _refuse_binary(text)
    open_tail = _open_tail(text)
    # lxml refuses str input that declares an encoding in an XML prologue; drop the prologue.
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    text = _CONTROL.sub("", text)
    try:
        tree = lxml.html.document_fromstring(text, parser=_PARSER)
    except (ParserError, ValueError) as error:
        raise UnreadablePage(f"not parseable as HTML: {error}") from None
    depth = _depth(tree)
    if depth > MAX_HTML_DEPTH:
        raise UnreadablePage(f"HTML nested {depth:,} elements deep (limit {MAX_HTML_DEPTH}): not a news page")
    return Page(url=url, tree=tree, encoding=encoding, open_tail=open_tail)
