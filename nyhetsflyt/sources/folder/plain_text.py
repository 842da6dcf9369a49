"""Plain text: the title on the first line, then one paragraph per line."""

from __future__ import annotations

from nyhetsflyt.sources.folder.base import Format
from nyhetsflyt.sources.folder.crawl_text import parse_text

# The last format tried: any text that nothing else claims.
PLAIN_TEXT = Format(
    name="plain_text",
    detect=lambda file: True,
    read=lambda file: [parse_text(file.text, file.uri, "plain_text", file.encoding)],
    description="title on the first line, then one paragraph per line",
)
