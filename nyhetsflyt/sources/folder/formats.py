"""The file formats the folder source reads, in the order detection tries them.

Each format is one module with its detection and its reader (`base.Format`). To add one,
write its module, add it here above the formats it must win over (the text formats last,
plain text as the fallback), and add a fixture with its expected reading under
`tests/fixtures/formats/<name>/`: the parametrized test over this registry picks it up.

`unsupported` stands between the readers and the text formats: XML or JSON that no reader
above it claims is refused with the reason, never read as text.
"""

from __future__ import annotations

from nyhetsflyt.sources.folder.base import DecodedFile, Format
from nyhetsflyt.sources.folder.crawl_text import CRAWL_TEXT
from nyhetsflyt.sources.folder.html import HTML
from nyhetsflyt.sources.folder.jsonl import JSONL
from nyhetsflyt.sources.folder.newsmlg2 import NEWSML_G2
from nyhetsflyt.sources.folder.ninjs import NINJS
from nyhetsflyt.sources.folder.nitf import NITF
from nyhetsflyt.sources.folder.plain_text import PLAIN_TEXT
from nyhetsflyt.sources.folder.unsupported import UNSUPPORTED

FORMATS: tuple[Format, ...] = (
    NITF,
    NEWSML_G2,
    NINJS,
    HTML,
    JSONL,
    UNSUPPORTED,
    CRAWL_TEXT,
    PLAIN_TEXT,
)


def detect_format(file: DecodedFile) -> Format:
    """The first registered format that recognises the file (plain text takes any text)."""
    for candidate in FORMATS:
        if candidate.detect(file):
            return candidate
    raise LookupError(f"no format reads {file.uri}")  # unreachable while plain text is last


def format_named(name: str) -> Format:
    for candidate in FORMATS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)
