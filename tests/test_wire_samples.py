"""Every real agency file in ../shared/data/samples/wire reads as the file says.

One expected file per sample in tests/fixtures/wire_expected/, written by reading the sample:
each article's headline, lede and first and last paragraph (their first few words), how many
paragraphs and subheadings, byline, authors, agencies, date, language, id, provider, status,
and its captions' photographers and agencies; each picture item's caption, headline and
credit; each package's members; and words that must not reach the text (non-public notes,
summaries in a caption role, markers). An expected file names only what it checks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nyhetsflyt.documents import SourceDocument
from nyhetsflyt.extract.split import split_document
from nyhetsflyt.sources.folder import read_file

pytestmark = pytest.mark.shared

EXPECTED = Path(__file__).parent / "fixtures" / "wire_expected"
BODY_KINDS = ("lede", "paragraph", "quote")


def _start(text: str | None) -> str | None:
    """Text compared from its first word: a quote's opening dash is the splitter's mark."""
    return re.sub(r"^[–—-]\s*", "", text) if text is not None else None


def _time(value) -> str | None:
    return value.isoformat() if value else None


def article_view(document: SourceDocument) -> dict:
    article = split_document(document)
    body = [s for s in article.segments if s.kind in BODY_KINDS]
    wire = document.wire
    assert wire is not None
    # All the words an article holds, a caption's without its credit.
    text = "\n".join([article.title or "", article.lede or "", article.body,
                      *(s.text for s in article.segments if s.kind not in ("caption", "credit")),
                      *(c.text for c in article.captions)])
    return {
        "headline": article.title,
        "lede": article.lede,
        "first_paragraph": body[0].text if body else None,
        "last_paragraph": body[-1].text if body else None,
        "paragraphs": len(body),
        "subheadings": sum(1 for s in article.segments if s.kind == "subheading"),
        "byline": wire.byline,
        "authors": article.authors,
        "agencies": wire.agencies,
        "published": _time(article.published),
        "language": article.language,
        "external_id": article.external_id,
        "provider": wire.provider,
        "version": wire.version,
        "pub_status": wire.pub_status,
        "embargo": _time(wire.embargo),
        "captions": [{"text": c.text, "photographers": c.photographers, "agencies": c.agencies}
                     for c in article.captions],
        "tags": article.tags,
        "text": text,
    }


PREFIXES = ("headline", "lede", "first_paragraph", "last_paragraph")


def check_article(actual: dict, expected: dict) -> None:
    for key, value in expected.items():
        if key in PREFIXES:
            assert (_start(actual[key]) or "").startswith(value), (key, actual[key], value)
        elif key == "captions":
            assert len(actual["captions"]) == len(value), actual["captions"]
            for caption, wanted in zip(actual["captions"], value, strict=True):
                assert caption["text"].startswith(wanted["text"]), (caption, wanted)
                assert (caption["photographers"], caption["agencies"]) == (wanted["photographers"], wanted["agencies"])
        elif key == "tags_include":
            assert set(value) <= set(actual["tags"]), actual["tags"]
        elif key == "not_in_text":
            for words in value:
                assert words not in actual["text"], words
        else:
            assert actual[key] == value, (key, actual[key], value)


def check_picture(picture, expected: dict) -> None:
    for key, value in expected.items():
        actual = {"key": picture.key, "caption": picture.caption, "headline": picture.headline,
                  "photographers": picture.photographers, "agencies": picture.agencies,
                  "language": picture.language, "version": picture.wire.version}[key]
        if key in ("caption", "headline"):
            assert (actual or "").startswith(value), (key, actual, value)
        else:
            assert actual == value, (key, actual, value)


def sample_names() -> list[str]:
    return sorted(p.stem for p in EXPECTED.glob("*.json"))


@pytest.mark.parametrize("name", sample_names())
def test_sample_reads_as_the_file_says(name: str, shared_data: Path) -> None:
    (path,) = [p for p in (shared_data / "samples" / "wire").iterdir() if p.stem == name]
    expected = json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
    read = read_file(path)
    assert [f.reason for f in read.failures] == [] and [s.reason for s in read.skipped] == []

    assert len(read.documents) == len(expected.get("articles", []))
    for document, wanted in zip(read.documents, expected.get("articles", []), strict=True):
        check_article(article_view(document), wanted)

    assert len(read.pictures) == len(expected.get("pictures", []))
    for picture, wanted in zip(read.pictures, expected.get("pictures", []), strict=True):
        check_picture(picture, wanted)

    assert len(read.packages) == len(expected.get("packages", []))
    for package, wanted in zip(read.packages, expected.get("packages", []), strict=True):
        assert package.item_id == wanted["item_id"] and len(package.members) == wanted["members"]
        if "headline" in wanted:
            assert (package.headline or "").startswith(wanted["headline"])
        if "version" in wanted:
            assert package.wire.version == wanted["version"]


def test_every_sample_has_its_expected_file(shared_data: Path) -> None:
    samples = {p.stem for p in (shared_data / "samples" / "wire").iterdir() if p.suffix in (".xml", ".json")}
    assert samples == set(sample_names())


def test_ntb_files_credit_ntb_and_name_their_photographers(shared_data: Path) -> None:
    """NTB's own files: NTB as the agency of the item and of its pictures, the photographer named."""
    folder = shared_data / "samples" / "wire"
    for name in ("nitf__NTB_nitf_sample.xml", "ninjs__2.1_ntb_text.json", "ninjs__3.0_ntb_text.json"):
        (document,) = read_file(folder / name).documents
        assert document.wire is not None and "NTB" in document.wire.agencies, name
    (document,) = read_file(folder / "nitf__NTB_nitf_sample.xml").documents
    (caption,) = split_document(document).captions
    assert caption.photographers == ["Amit Sharma"] and "NTB" in caption.agencies
