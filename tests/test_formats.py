"""Every registered file format reads its fixtures as expected: one test over the registry.

Each format of `nyhetsflyt/sources/folder/formats.py` has at least one fixture under
`tests/fixtures/formats/<name>/`, with its expected reading beside it (`<file>.expected.json`):
the format detected, the documents (source format, title, dates, authors, tags, id, and each
block's hint, text and credit), and the failures and skips with their reasons.

NYHETSFLYT_UPDATE_GOLDEN=1 writes the expected files; read the diff before keeping it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nyhetsflyt.documents import SourceDocument
from nyhetsflyt.sources.folder import read_file
from nyhetsflyt.sources.folder.base import DecodedFile
from nyhetsflyt.sources.folder.decode import decode
from nyhetsflyt.sources.folder.formats import FORMATS, detect_format

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*/*") if p.is_file() and not p.name.endswith(".expected.json"))


def document_view(document: SourceDocument) -> dict:
    return {
        "source_format": document.source_format,
        "title": document.title,
        "published": document.published.isoformat() if document.published else None,
        "published_precision": document.published_precision,
        "modified": document.modified.isoformat() if document.modified else None,
        "authors": document.authors,
        "tags": document.tags,
        "external_id": document.external_id,
        "blocks": [[block.hint, block.text, block.credit] for block in document.blocks],
    }


def reading(path: Path) -> dict:
    text, encoding = decode(path.read_bytes())
    detected = detect_format(DecodedFile(str(path), text, encoding, path.suffix.lower()))
    read = read_file(path)
    return {
        "format": detected.name,
        "documents": [document_view(d) for d in read.documents],
        "failures": [f.reason for f in read.failures],
        "skipped": [s.reason for s in read.skipped],
    }


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
