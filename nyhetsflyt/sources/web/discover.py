"""Find article URLs in what a source serves: RSS/Atom feeds, (news) sitemaps and sitemap
indexes, or plain lists of URLs one per line.

Every parser takes bytes already fetched by the Fetcher; nothing here touches the network.
XML that declares entities is refused outright: news feeds and sitemaps never need them, and
refusing is simpler to trust than any expansion limit.
"""

from __future__ import annotations

import calendar
import io
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal
from urllib.parse import urljoin, urlsplit
from xml.parsers import expat

import feedparser
from lxml import etree

SourceKind = Literal["feed", "sitemap", "urls"]

# A gzipped sitemap may hold at most this much XML (the sitemap protocol caps files at 50 MB).
MAX_DECOMPRESSED_BYTES = 50 * 1024 * 1024

# Enough of a document to tell a feed from a sitemap by its root element.
_PROLOG_SCAN_BYTES = 64 * 1024


class UnsafeXmlError(ValueError):
    """The document declares XML entities (billion laughs, external entities)."""


@dataclass(frozen=True, slots=True)
class DiscoveredUrl:
    url: str
    published: datetime | None = None  # timezone-aware (UTC when the source gave no offset)
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Discovery:
    """Article URLs found in one document, and for a sitemap index the sitemaps to fetch next."""

    kind: SourceKind
    urls: list[DiscoveredUrl] = field(default_factory=list)
    child_sitemaps: list[str] = field(default_factory=list)


def refuse_entity_declarations(body: bytes) -> None:
    """Raise UnsafeXmlError when the document declares any entity.

    Expat reads the document the way the feed and sitemap parsers will (any encoding, comments,
    padding), and the handler stops it at the first declaration, before anything is expanded.
    A document expat cannot parse is left to the lenient parsers, which never expand DTD entities.
    """

    def refuse(*_args) -> None:
        raise UnsafeXmlError("the document declares XML entities; refused")

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = lambda *_args: 1  # never fetched
    try:
        parser.Parse(body, True)
    except expat.ExpatError:
        pass


def _http_url(candidate: str | None, base_url: str | None) -> str | None:
    """The absolute http(s) URL for `candidate`, or None for anything else."""
    if not candidate:
        return None
    candidate = candidate.strip()
    absolute = urljoin(base_url, candidate) if base_url else candidate
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return absolute


def _dedupe(found: list[DiscoveredUrl]) -> list[DiscoveredUrl]:
    seen: set[str] = set()
    unique = []
    for item in found:
        if item.url not in seen:
            seen.add(item.url)
            unique.append(item)
    return unique


# --- feeds -------------------------------------------------------------------------------


def _struct_to_datetime(value) -> datetime | None:
    # feedparser normalises every date it understands to a UTC struct_time.
    if not value:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)


def parse_feed(body: bytes, base_url: str | None = None) -> list[DiscoveredUrl]:
    """Item links of an RSS 0.9x/1.0/2.0 or Atom feed, in feed order, without duplicates."""
    refuse_entity_declarations(body)
    headers = {"content-location": base_url} if base_url else None
    # A stream, never bytes or str: feedparser treats a str that looks like a URL as
    # something to download and tries bytes as a local file name before parsing them.
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    found = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            guid = entry.get("id")
            if guid and entry.get("guidislink", True):
                link = guid
        url = _http_url(link, base_url)
        if url is None:
            continue
        published = _struct_to_datetime(entry.get("published_parsed") or entry.get("updated_parsed"))
        title = (entry.get("title") or "").strip() or None
        found.append(DiscoveredUrl(url, published, title))
    return _dedupe(found)


# --- sitemaps ----------------------------------------------------------------------------


def _safe_xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def maybe_gunzip(body: bytes, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """`body` decompressed if it is gzip (sitemap.xml.gz), refusing more than `limit` bytes."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = decompressor.decompress(body, limit + 1)
    if len(out) > limit:
        raise ValueError(f"gzipped document expands past {limit} bytes")
    return out


def parse_w3c_datetime(text: str | None) -> datetime | None:
    """A sitemap date (W3C datetime: 2024-08-04, 2024-08-04T10:00:00+02:00, …Z) or None."""
    if not text:
        return None
    text = text.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _local(tag) -> str:
    # Namespaces are matched loosely: real sitemaps get the namespace URI wrong often enough.
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child_text(element, *path: str) -> str | None:
    current = [element]
    for name in path:
        current = [c for parent in current for c in parent if _local(c.tag) == name]
        if not current:
            return None
    text = current[0].text
    return text.strip() if text and text.strip() else None


def parse_sitemap(body: bytes, base_url: str | None = None) -> Discovery:
    """A `<urlset>` (plain or Google News sitemap) or a `<sitemapindex>`, gzipped or not."""
    body = maybe_gunzip(body)
    refuse_entity_declarations(body)
    root = etree.fromstring(body, parser=_safe_xml_parser())
    kind = _local(root.tag)
    if kind == "sitemapindex":
        children = []
        for sitemap in root:
            if _local(sitemap.tag) == "sitemap":
                url = _http_url(_child_text(sitemap, "loc"), base_url)
                if url and url not in children:
                    children.append(url)
        return Discovery("sitemap", child_sitemaps=children)
    if kind != "urlset":
        raise ValueError(f"not a sitemap: root element <{kind}>")
    found = []
    for entry in root:
        if _local(entry.tag) != "url":
            continue
        url = _http_url(_child_text(entry, "loc"), base_url)
        if url is None:
            continue
        published = parse_w3c_datetime(_child_text(entry, "news", "publication_date"))
        published = published or parse_w3c_datetime(_child_text(entry, "lastmod"))
        title = _child_text(entry, "news", "title")
        found.append(DiscoveredUrl(url, published, title))
    return Discovery("sitemap", urls=_dedupe(found))


# --- plain lists -------------------------------------------------------------------------


def parse_url_list(body: bytes | str, base_url: str | None = None) -> list[DiscoveredUrl]:
    """One URL a line; blank lines and `#` comments skipped, non-http(s) lines dropped."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    found = []
    for line in text.splitlines():
        line = line.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        url = _http_url(line, base_url)
        if url:
            found.append(DiscoveredUrl(url))
    return _dedupe(found)


# --- dispatch ----------------------------------------------------------------------------


def sniff_kind(body: bytes, content_type: str | None = None) -> SourceKind:
    """Guess what a fetched source document is when its configured kind is not known."""
    head = maybe_gunzip(body)[:_PROLOG_SCAN_BYTES]
    if re.search(rb"<(?:\w+:)?(?:urlset|sitemapindex)\b", head):
        return "sitemap"
    if re.search(rb"<(?:\w+:)?(?:rss|feed|RDF)\b", head):
        return "feed"
    if content_type and ("xml" in content_type or "rss" in content_type or "atom" in content_type):
        return "feed"
    return "urls"


def discover(body: bytes, base_url: str | None = None, kind: SourceKind | None = None) -> Discovery:
    """Parse a source document of the given (or sniffed) kind."""
    kind = kind or sniff_kind(body)
    if kind == "feed":
        return Discovery("feed", urls=parse_feed(body, base_url))
    if kind == "sitemap":
        return parse_sitemap(body, base_url)
    if kind == "urls":
        return Discovery("urls", urls=parse_url_list(body, base_url))
    raise ValueError(f"unknown source kind {kind!r}")
