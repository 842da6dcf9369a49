"""XML from files, parsed so that no document reaches outside itself or blows up.

lxml (libxml2) resolves no entities, loads no DTD and touches no network, and keeps its default
limits on nesting and node size (`huge_tree=False`). On top of that:

- a document longer than MAX_XML_CHARS is refused before it is parsed;
- a document whose DOCTYPE declares entities is refused before it is parsed (billion laughs,
  external entities pointing at `/etc/passwd` or a URL): news never needs them, and refusing
  is simpler to trust than any expansion limit;
- a DOCTYPE that only names a DTD (`<!DOCTYPE nitf SYSTEM "nitf-3-2.dtd">`) is fine: the DTD
  is neither loaded nor fetched, and the entity references it would have declared (`&nbsp;`,
  `&aring;` in NITF written against its DTD) become their HTML characters, or nothing.

`sniff_root` tells what a text is (its root element and namespace) from its first tag only,
which is what format detection needs.
"""

from __future__ import annotations

import html.entities
import re
from dataclasses import dataclass
from xml.parsers import expat

from lxml import etree

from nyhetsflyt.sources.folder.base import BadInput

MAX_XML_CHARS = 10 * 1024 * 1024
# How far into a text the root element may start (after comments and a DOCTYPE).
_SNIFF_CHARS = 256 * 1024
_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml\b[^>]*\?>", re.I)


@dataclass(frozen=True, slots=True)
class XmlRoot:
    """A document's root element: its namespace ('' for none) and local name."""

    namespace: str
    name: str

    def describe(self) -> str:
        return f"<{self.name}>" + (f" in namespace {self.namespace}" if self.namespace else "")


def without_declaration(text: str) -> str:
    """The text without its XML declaration: lxml takes no str that still names an encoding
    (the bytes were decoded already, by that very declaration)."""
    return _DECLARATION.sub("", text, count=1)


def has_xml_declaration(text: str) -> bool:
    """Whether the text opens as XML does (`<?xml`, or a DOCTYPE), even if cut off inside it."""
    return bool(re.match(r"^\ufeff?\s*<(?:\?xml\b|!DOCTYPE\b)", text, re.I))


def sniff_root(text: str) -> XmlRoot | None:
    """The root element of a text that starts as XML, from its first tag; None for anything else.

    Only the start is read, so a truncated document still shows what it is (and is refused as
    truncated by the reader that claims it).
    """
    body = without_declaration(text).lstrip("\ufeff \t\r\n")
    if not body.startswith("<"):
        return None
    if _declares_entities(body[:_SNIFF_CHARS]):
        return _first_tag(body)  # not parsed here: the reader claiming it refuses it with the reason
    parser = etree.XMLPullParser(
        events=("start",), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        for start in range(0, min(len(body), _SNIFF_CHARS), 8192):
            parser.feed(body[start : start + 8192])
            for _event, element in parser.read_events():
                qname = etree.QName(element)  # type: ignore[arg-type]  # "start" events carry elements
                return XmlRoot(qname.namespace or "", qname.localname)
    except (etree.XMLSyntaxError, ValueError):
        # Broken soon after its first tag (too deep, cut off): still XML, and refused as such
        # by whichever reader claims it.
        return _first_tag(body)
    return None


_PROLOG = re.compile(r"^(?:\s+|<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)*", re.S | re.I)
_FIRST_TAG = re.compile(r"<(?:(?P<prefix>[A-Za-z_][\w.-]*):)?(?P<name>[A-Za-z_][\w.-]*)(?P<attributes>[^<>]*)>")


def _first_tag(body: str) -> XmlRoot | None:
    head = body[:_SNIFF_CHARS]
    match = _FIRST_TAG.match(head, _PROLOG.match(head).end())  # type: ignore[union-attr]  # * always matches
    if not match:
        return None
    prefix = match["prefix"]
    declaration = rf"""\bxmlns{":" + re.escape(prefix) if prefix else ""}\s*=\s*["']([^"']*)["']"""
    namespace = re.search(declaration, match["attributes"])
    return XmlRoot(namespace.group(1) if namespace else "", match["name"])


class _PrologDone(Exception):
    pass


def _declares_entities(text: str) -> bool:
    """Whether the DOCTYPE declares entities; expat stops at the root element, so only the
    prolog is read, and a declaration stops it before anything is expanded."""
    if "<!ENTITY" not in text:
        return False
    found = False

    def declared(*_args) -> None:
        nonlocal found
        found = True
        raise _PrologDone

    def root_started(*_args) -> None:
        raise _PrologDone

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = declared
    parser.UnparsedEntityDeclHandler = declared
    parser.StartElementHandler = root_started
    parser.ExternalEntityRefHandler = lambda *_args: 1  # never fetched
    try:
        parser.Parse(text, True)
    except _PrologDone:
        pass
    except expat.ExpatError:
        # Broken before the root: lxml refuses it with a line number. A declaration seen by
        # then is still a declaration.
        return found or bool(re.search(r"<!ENTITY\s", text.split("]>", 1)[0]))
    return found


def parse_xml(text: str) -> etree._Element:
    """The root element of an XML document, parsed safely; BadInput says why a document is refused."""
    if len(text) > MAX_XML_CHARS:
        raise BadInput(f"XML document too large: {len(text):,} characters (limit {MAX_XML_CHARS:,})")
    body = without_declaration(text)
    if _declares_entities(body[:_SNIFF_CHARS]):
        raise BadInput("XML declares entities in its DOCTYPE (entity expansion and external entities "
                       "are refused)")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_comments=True, remove_pis=True,
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as error:
        raise BadInput(f"XML is not well-formed (truncated or broken): {error.msg}") from None
    except ValueError as error:  # lxml refuses some text outright (e.g. characters XML forbids)
        raise BadInput(f"XML cannot be parsed: {error}") from None
    if root is None:
        raise BadInput("XML has no root element")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.entities()):  # type: ignore[union-attr]  # missing from the stubs
        raise BadInput("XML declares entities in its DOCTYPE (entity expansion and external entities "
                       "are refused)")
    _replace_entity_references(root)
    return root


def _replace_entity_references(root: etree._Element) -> None:
    """Entity references a DTD that was not loaded would have declared: HTML's characters, or nothing."""
    references = [node for node in root.iter() if isinstance(node, etree._Entity)]
    for node in references:
        character = html.entities.html5.get(f"{node.name};", "")
        parent = node.getparent()
        if parent is None:
            continue
        text = character + (node.tail or "")
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(node)
