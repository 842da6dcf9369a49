"""Every registered file format reads its fixtures as expected: one test over the registry.

Each format of `nyhetsflyt/sources/folder/formats.py` has at least one fixture under
`tests/fixtures/formats/<name>/`, with its expected reading beside it (`<file>.expected.json`):
the format detected, the documents (source format, title, dates, authors, tags, id, and each
block's hint, text and credit; a declared language and a news agency's item data where the
format gives them), a news agency's pictures and packages, and the failures and skips with
their reasons.

NYHETSFLYT_UPDATE_GOLDEN=1 writes the expected files; read the diff before keeping it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nyhetsflyt.documents import Package, Picture, SourceDocument, WireItem
from nyhetsflyt.sources.folder import read_file
from nyhetsflyt.sources.folder.base import DecodedFile
from nyhetsflyt.sources.folder.decode import decode
from nyhetsflyt.sources.folder.formats import FORMATS, detect_format

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*/*") if p.is_file() and not p.name.endswith(".expected.json"))


def _time(value) -> str | None:
    return value.isoformat() if value else None


def wire_view(wire: WireItem) -> dict:
    return {
        "provider": wire.provider, "agencies": wire.agencies, "byline": wire.byline, "version": wire.version,
        "first_created": _time(wire.first_created), "version_created": _time(wire.version_created),
        "pub_status": wire.pub_status, "embargo": _time(wire.embargo),
        "pictures": [picture_view(p) for p in wire.pictures],
    }


def picture_view(picture: Picture) -> dict:
    view = {"key": picture.key, "caption": picture.caption, "credit": picture.credit,
            "photographers": picture.photographers, "agencies": picture.agencies, "headline": picture.headline,
            "href": picture.href, "language": picture.language}
    if picture.wire.version or picture.wire.version_created:
        view["wire"] = {"version": picture.wire.version, "version_created": _time(picture.wire.version_created),
                        "pub_status": picture.wire.pub_status}
    return view


def package_view(package: Package) -> dict:
    return {"item_id": package.item_id, "headline": package.headline, "version": package.wire.version,
            "members": [[m.item_id, m.item_class, m.group] for m in package.members]}


def document_view(document: SourceDocument) -> dict:
    view = {
        "source_format": document.source_format,
        "title": document.title,
        "published": _time(document.published),
        "published_precision": document.published_precision,
        "modified": _time(document.modified),
        "authors": document.authors,
        "tags": document.tags,
        "external_id": document.external_id,
        "blocks": [[block.hint, block.text, block.credit] for block in document.blocks],
    }
    # What only some formats know is shown where they know it.
    if document.language:
        view["language"] = document.language
    if document.wire:
        view["wire"] = wire_view(document.wire)
    return view


def reading(path: Path) -> dict:
    text, encoding = decode(path.read_bytes())
    detected = detect_format(DecodedFile(str(path), text, encoding, path.suffix.lower()))
    read = read_file(path)
    view = {
        "format": detected.name,
        "documents": [document_view(d) for d in read.documents],
        "failures": [f.reason for f in read.failures],
        "skipped": [s.reason for s in read.skipped],
    }
    if read.pictures:
        view["pictures"] = [picture_view(p) for p in read.pictures]
    if read.packages:
        view["packages"] = [package_view(k) for k in read.packages]
    return view


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_reads_as_expected(path: Path) -> None:
    expected_path = path.with_name(path.name + ".expected.json")
    actual = reading(path)
    if os.environ.get("NYHETSFLYT_UPDATE_GOLDEN") == "1":
        expected_path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert actual["format"] == path.parent.name, "the fixture's folder names the format it is"
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", [f.name for f in FORMATS])
def test_every_registered_format_has_a_fixture_with_its_expected_reading(name: str) -> None:
    files = [p for p in fixture_files() if p.parent.name == name]
    assert files, f"format {name} has no fixture under {FIXTURES / name}"
    for path in files:
        assert path.with_name(path.name + ".expected.json").exists(), path


def test_fixture_folders_are_registered_formats() -> None:
    assert {p.parent.name for p in fixture_files()} <= {f.name for f in FORMATS}


def test_plain_text_takes_whatever_no_other_format_claims() -> None:
    assert FORMATS[-1].name == "plain_text"
    assert detect_format(DecodedFile("mem", "Bare én linje uten noe mer")).name == "plain_text"
