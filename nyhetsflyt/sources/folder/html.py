"""An article page saved as HTML, extracted with the same extractor as the web source."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from nyhetsflyt.documents import Failure, SourceDocument
from nyhetsflyt.extract.html import NotAnArticle, UnreadablePage, extract_article
from nyhetsflyt.extract.html.page import MAX_HTML_DEPTH
from nyhetsflyt.sources.folder.base import BadInput, DecodedFile, Format, Skipped
from nyhetsflyt.sources.folder.safe_xml import without_declaration

_HTML_START = re.compile(r"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
_XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"


class _DepthCounter:
    """lxml parser target that only measures how deep elements nest, as a tree builder sees it."""

    def __init__(self) -> None:
        self.depth = self.deepest = 0

    def start(self, tag, attrib) -> None:
        self.depth += 1
        self.deepest = max(self.deepest, self.depth)

    def end(self, tag) -> None:
        self.depth -= 1

    def data(self, data) -> None:
        pass

    def close(self) -> int:
        return self.deepest


def html_nesting_depth(text: str) -> int:
    """How deep the elements of an HTML page nest, in one linear pass without building a tree."""
    from lxml import etree

    parser = etree.HTMLParser(target=_DepthCounter(), recover=True)  # type: ignore[arg-type]
    parser.feed(text)
    depth: int = parser.close()  # type: ignore[assignment]  # a parser target's close() is the result
    return depth


# Roots of XML that is never a page, whatever the file is called: feeds and sitemaps.
_NOT_PAGES = frozenset({"rss", "feed", "rdf", "urlset", "sitemapindex"})


def is_html(file: DecodedFile) -> bool:
    """An HTML page, or an XHTML one (`<?xml …?>` before an `<html>` root in XHTML's namespace).

    XML of another kind (a namespace other than XHTML's, a feed, a sitemap) is not a page even
    when its name ends in `.html`: the content decides, and `unsupported` refuses it.
    """
    root = file.xml_root()
    if root is not None and (root.namespace not in ("", _XHTML_NAMESPACE) or root.name.lower() in _NOT_PAGES):
        return False
    if file.suffix in {".html", ".htm", ".xhtml"} or _HTML_START.match(file.head):
        return True
    return root is not None and root.name.lower() == "html"


def read_html(file: DecodedFile) -> Iterable[SourceDocument | Failure]:
    depth = html_nesting_depth(file.text)
    if depth > MAX_HTML_DEPTH:
        raise BadInput(f"HTML nested {depth:,} elements deep (limit {MAX_HTML_DEPTH}): not a news page")
    try:
        # An XHTML page's XML declaration means nothing to an HTML parser.
        document = extract_article(without_declaration(file.text), url=Path(file.uri).as_uri())
    except NotAnArticle as reason:
        return [Skipped(file.uri, "read", f"not an article: {reason}")]
    except UnreadablePage as error:
        raise BadInput(f"unreadable HTML page: {error.reason}") from None
    document.source_uri = file.uri
    document.source_format = "html"
    document.encoding = file.encoding
    return [document]


HTML = Format(name="html", detect=is_html, read=read_html,
              description="an article page, extracted as the web source extracts pages")
