"""Files that are data of a kind no reader here knows: refused with the reason, never read as text.

Tried after every reader and before the text formats, so markup or JSON can never end up stored
as an "article" made of its tags:

- XML that no format claims (a Maven POM, an SVG, any XML export), or that cannot be parsed at all;
- JSON that is neither an article record (it has no text) nor a news agency's item;
- RSS and Atom feeds and sitemaps, which are web sources to poll, not news files: the reason
  says how to add one.
"""

from __future__ import annotations

from collections.abc import Iterable

from nyhetsflyt.documents import Failure, SourceDocument
from nyhetsflyt.sources.folder.base import BadInput, DecodedFile, Format
from nyhetsflyt.sources.folder.jsonl import TEXT_FIELDS
from nyhetsflyt.sources.folder.safe_xml import has_xml_declaration, parse_xml

# Roots of documents that belong to the web source: (namespace or None for any, name) → kind.
_WEB_SOURCES: dict[tuple[str | None, str], tuple[str, str]] = {
    (None, "rss"): ("an RSS feed", "feed"),
    ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "RDF"): ("an RSS 1.0 feed", "feed"),
    ("http://www.w3.org/2005/Atom", "feed"): ("an Atom feed", "feed"),
    (None, "urlset"): ("a sitemap", "sitemap"),
    (None, "sitemapindex"): ("a sitemap index", "sitemap"),
}


def is_unsupported_data(file: DecodedFile) -> bool:
    """XML (a root element, or an XML declaration before anything readable), or one JSON document."""
    if file.xml_root() is not None or has_xml_declaration(file.text):
        return True
    return isinstance(file.json_document(), (dict, list))


def refusal_reason(file: DecodedFile) -> str:
    root = file.xml_root()
    if root is not None or has_xml_declaration(file.text):
        # The gravest reason first: entities, a broken or truncated document, too large.
        parse_xml(file.text)
        root = root or file.xml_root()
    if root is not None:
        web = _WEB_SOURCES.get((root.namespace, root.name)) or _WEB_SOURCES.get((None, root.name))
        if web:
            what, kind = web
            return (f"{what}, not a news file: add it as a web source "
                    f"(nyhetsflyt sources add <its URL> --kind {kind})")
        return f"unsupported XML: root {root.describe()}; no reader here knows this kind of document"
    return f"unsupported JSON: {_describe_json(file.json_document())}"


def _describe_json(value: object) -> str:
    needs = (f"neither an article record (with a {', '.join(TEXT_FIELDS)} field) nor a news agency's "
             "item (ninjs: uri, type, headlines, bodies)")
    if isinstance(value, dict):
        keys = ", ".join(str(key) for key in list(value)[:8]) + (", …" if len(value) > 8 else "")
        return f"an object with keys {keys or '(none)'}: {needs}"
    if isinstance(value, list):
        kinds = sorted({type(item).__name__ for item in value}) or ["nothing"]
        return f"an array of {len(value)} ({', '.join(kinds)}): {needs}"
    return needs


def read_unsupported(file: DecodedFile) -> Iterable[SourceDocument | Failure]:
    raise BadInput(refusal_reason(file))


UNSUPPORTED = Format(
    name="unsupported",
    detect=is_unsupported_data,
    read=read_unsupported,
    description="XML or JSON that no reader knows (and feeds and sitemaps): refused with the reason",
)
