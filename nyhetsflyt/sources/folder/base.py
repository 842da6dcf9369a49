"""What every file format of the folder source shares: the decoded file a format looks at, the
outcome of reading it, and the shape of a registered format."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nyhetsflyt.documents import Failure, Package, Picture, SourceDocument

if TYPE_CHECKING:
    from nyhetsflyt.sources.folder.safe_xml import XmlRoot

# How much of a file's start a format's detection needs to see.
HEAD_CHARS = 2048


class BadInput(Exception):
    """A file (or record) that cannot become an article; the message is the reason."""


class Skipped(Failure):
    """Read on purpose and set aside, not a failure: a page that is not an article."""


# What a format's reader yields for a file: documents to split, enrich and load; a news
# agency's pictures and packages, stored as they are; failures and deliberate skips.
Outcome = SourceDocument | Picture | Package | Failure


@dataclass(slots=True)
class FileRead:
    """What one file yielded: documents, pictures and packages (from news agencies), per-record
    failures, and pages skipped on purpose."""

    path: Path
    documents: list[SourceDocument] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)
    packages: list[Package] = field(default_factory=list)

    def add(self, outcomes: Iterable[Outcome]) -> None:
        for outcome in outcomes:
            if isinstance(outcome, SourceDocument):
                self.documents.append(outcome)
            elif isinstance(outcome, Picture):
                self.pictures.append(outcome)
            elif isinstance(outcome, Package):
                self.packages.append(outcome)
            elif isinstance(outcome, Skipped):
                self.skipped.append(outcome)
            else:
                self.failures.append(outcome)


@dataclass(slots=True)
class DecodedFile:
    """A file's text as decoded, with the views that format detection looks at, made once."""

    uri: str
    text: str
    encoding: str = "utf-8"
    suffix: str = ""  # lower-case, with the dot; breaks ties only

    # slots=True and cached_property do not mix, so the cache is a plain dict.
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def head(self) -> str:
        """The start of the text, leading whitespace (and a BOM) removed."""
        return self.text.lstrip("\ufeff \t\r\n")[:HEAD_CHARS]

    def xml_root(self) -> XmlRoot | None:
        """The root element of a text that starts as XML (from its first tag), or None."""
        if "xml" not in self._cache:
            # Imported here: the safe parser raises this module's BadInput.
            from nyhetsflyt.sources.folder.safe_xml import sniff_root

            self._cache["xml"] = sniff_root(self.text)
        return self._cache["xml"]  # type: ignore[return-value]

    def json_document(self) -> object | None:
        """The whole text as one JSON value, or None where it is not one (JSON Lines, or broken)."""
        if "json" not in self._cache:
            try:
                self._cache["json"] = json.loads(self.text) if self.head[:1] in "{[" else None
            except (ValueError, RecursionError):
                self._cache["json"] = None
        return self._cache["json"]


# A format's reader turns a decoded file into documents (pictures, packages), per-record
# failures and skips; it raises BadInput for a file that cannot be read at all.
Reader = Callable[[DecodedFile], Iterable[Outcome]]
Detector = Callable[[DecodedFile], bool]


@dataclass(frozen=True, slots=True)
class Format:
    """One file format: its name (`SourceDocument.source_format`), how to recognise it from the
    content (the suffix breaks ties), and its reader."""

    name: str
    detect: Detector
    read: Reader
    description: str = ""

