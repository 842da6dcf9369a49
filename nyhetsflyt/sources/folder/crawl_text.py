"""Crawl text: a ` date YYYY-MM` header (or a full date), then one paragraph per line or
blank-line separated paragraphs; a title may or may not come first. Also the line reader that
plain text shares."""

from __future__ import annotations

import re

from nyhetsflyt.documents import Block, SourceDocument
from nyhetsflyt.sources.folder.base import BadInput, DecodedFile, Format
from nyhetsflyt.sources.folder.dates import DATE_HEADER, date_from_parts, plausible

_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def parse_text(text: str, uri: str, kind: str, encoding: str = "utf-8") -> SourceDocument:
    published, precision = None, None
    body = text
    match = DATE_HEADER.match(text)
    if match:
        published, precision = date_from_parts(*match.groups())
        if not plausible(published):
            published, precision = None, None  # a possible but absurd date is dropped, not trusted
        body = text[match.end():]
    lines = [line for line in body.split("\n") if line.strip()]
    if not lines:
        raise BadInput("no text after the header")
    blocks = [Block(line) for line in lines]
    if kind == "plain_text":
        blocks[0].hint = "title"
    return SourceDocument(
        source_uri=uri,
        source_format=kind,
        blocks=blocks,
        raw_text=text,
        published=published,
        published_precision=precision,
        encoding=encoding,
    )


def is_crawl_text(file: DecodedFile) -> bool:
    """A date header, or paragraphs separated by blank lines."""
    return bool(DATE_HEADER.match(file.text) or _BLANK_LINE.search(file.text.strip()))


CRAWL_TEXT = Format(
    name="crawl_text",
    detect=is_crawl_text,
    read=lambda file: [parse_text(file.text, file.uri, "crawl_text", file.encoding)],
    description="` date YYYY-MM` header (optional), paragraphs one per line or blank-line separated",
)
