"""The splitter on the real sample data beside the repository (never copied into it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nyhetsflyt.documents import Article, Block, Segment, SourceDocument
from nyhetsflyt.paths import SEED_RELATIVE
from nyhetsflyt.settings import Settings

SHARED_DATA = Settings().shared_data
SEED_ARTICLE = SHARED_DATA / SEED_RELATIVE
from nyhetsflyt.extract.split import split_document

pytestmark = pytest.mark.shared

PLAIN_TEXT = SHARED_DATA / "samples" / "plain_text"
CRAWL_TEXT = SHARED_DATA / "samples" / "crawl_text"
_DATE_HEADER = re.compile(r"^ date \d{4}-\d{2}(?:-\d{2})? ?")
_CREDIT_MARK = re.compile(r"\b(?:FOTO|Foto):")
_CAPS_LABEL = re.compile(r"^[A-ZÆØÅ][A-ZÆØÅ .-]{2,30}: ")


def read_crawl_text(path: Path) -> SourceDocument:
    """Throwaway reader: strip the date header, blocks are separated by blank lines."""
    text = path.read_text(encoding="utf-8")
    body = _DATE_HEADER.sub("", text, count=1)
    blocks = [Block(block) for block in re.split(r"\r?\n\s*\r?\n", body) if block.strip()]
    return SourceDocument(source_uri=str(path), source_format="crawl_text", blocks=blocks, raw_text=text)


def read_plain_text(path: Path) -> SourceDocument:
    """Throwaway reader: one block per line, the first line is the title."""
    text = path.read_text(encoding="utf-8")
    blocks = [Block(line) for line in text.splitlines() if line.strip()]
    blocks[0].hint = "title"
    return SourceDocument(source_uri=str(path), source_format="plain_text", blocks=blocks, raw_text=text)


def segments_by_block(doc: SourceDocument, article: Article) -> list[list[Segment]]:
    """The segments each block became: they come in reading order, each a slice of its block."""
    owned: list[list[Segment]] = [[] for _ in doc.blocks]
    position = 0
    for index, block in enumerate(doc.blocks):
        cursor = 0
        while position < len(article.segments):
            found = block.text.find(article.segments[position].raw, cursor)
            if found < 0:
                break
            cursor = found + len(article.segments[position].raw)
            owned[index].append(article.segments[position])
            position += 1
    assert position == len(article.segments), doc.source_uri
    return owned


def sample_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.txt"))
    assert files, f"no samples in {folder}"
    return files


def test_seed_article() -> None:
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    assert _DATE_HEADER.match(text)
    article = split_document(read_crawl_text(SEED_ARTICLE))
    assert article.title is None
    assert article.lede is not None and article.lede.startswith("Russlands president Vladimir Putin slår fast")
    assert article.segments[0].kind == "lede"
    captions = {caption.label: caption for caption in article.captions}
    assert set(captions) == {"MØTE", "MØTTE PUTIN"}
    for caption in captions.values():
        assert caption.photographers == ["Mikhail Klimentyev"]
        assert caption.agencies == ["AP", "NTB"]
        assert caption.credit_raw == "Foto: Mikhail Klimentyev / AP / NTB"
    assert captions["MØTE"].text.startswith("Russlands president Vladimir Puting møtte tirsdag")
    subheadings = [segment.text for segment in article.segments if segment.kind == "subheading"]
    assert subheadings == ["Avviste Russland-krav", "Vil delta i samtaler"]
    assert sum(quote.speaker == "Putin" for quote in article.quotes) >= 2
    assert "Vi ønsker selvsagt ikke krig" in [quote.text for quote in article.quotes]
    assert "Foto:" not in article.body and "MØTE:" not in article.body
    assert article.raw_text == text


def test_plain_text_credit_lines_become_captions_or_credits() -> None:
    credit_lines = 0
    kept_out = 0
    missed: list[str] = []
    for path in sample_files(PLAIN_TEXT):
        doc = read_plain_text(path)
        article = split_document(doc)
        for block, segments in zip(doc.blocks, segments_by_block(doc, article)):
            if block.hint == "title" or not _CREDIT_MARK.search(block.text):
                continue
            credit_lines += 1
            kinds = {segment.kind for segment in segments}
            if kinds & {"caption", "credit"} and not kinds & {"paragraph", "lede", "subheading"}:
                kept_out += 1
            else:
                missed.append(f"{path.name}: {block.text[:100]}")
    share = kept_out / credit_lines
    print(f"\nplain_text: {kept_out}/{credit_lines} credit lines ({share:.1%}) became caption or credit segments")
    assert credit_lines > 100
    assert share >= 0.95, missed


def test_plain_text_dash_lines_are_never_captions() -> None:
    dash_lines = 0
    for path in sample_files(PLAIN_TEXT):
        doc = read_plain_text(path)
        article = split_document(doc)
        for block, segments in zip(doc.blocks, segments_by_block(doc, article)):
            if not re.match(r"[–—-] ", block.text):
                continue
            dash_lines += 1
            opening = segments[0]
            assert opening.kind != "caption", (path.name, block.text)
            assert block.text.startswith(opening.raw), (path.name, block.text)
            assert "Foto:" not in opening.text and "FOTO:" not in opening.text, (path.name, opening.text)
    print(f"\nplain_text: {dash_lines} lines open with a dash, none became a caption")
    assert dash_lines > 100


def test_plain_text_bodies_hold_no_credits() -> None:
    for path in sample_files(PLAIN_TEXT):
        article = split_document(read_plain_text(path))
        assert not _CREDIT_MARK.search(article.body), path.name


def test_crawl_text_captions_stay_out_of_the_body() -> None:
    labelled_blocks = 0
    captions = 0
    for path in sample_files(CRAWL_TEXT):
        doc = read_crawl_text(path)
        article = split_document(doc)
        captions += len(article.captions)
        for block, segments in zip(doc.blocks, segments_by_block(doc, article)):
            text = " ".join(block.text.split())
            if not _CAPS_LABEL.match(text) or segments[0].kind == "title":
                continue
            labelled_blocks += 1
            rest = text.split(": ", 1)[1]
            # A CAPS label line in the body is only allowed as a short `UD: – quote` subheading.
            if segments[0].kind in ("paragraph", "lede", "quote") or (
                segments[0].kind == "subheading" and not rest.startswith(("–", "-"))
            ):
                pytest.fail(f"{path.name}: caption in body: {text[:100]}")
        for paragraph in article.body.split("\n\n"):
            assert not re.match(r"^[A-ZÆØÅ][A-ZÆØÅ .-]{3,30}: .*[.!?»]$", paragraph), (path.name, paragraph)
    print(f"\ncrawl_text: {labelled_blocks} CAPS-label blocks, {captions} captions kept out of the body")
    assert labelled_blocks > 30


def test_crawl_text_titles_and_ledes() -> None:
    for path in sample_files(CRAWL_TEXT):
        article = split_document(read_crawl_text(path))
        assert article.title, path.name
        assert article.lede, path.name
        assert article.segments[0].kind == "title", path.name
