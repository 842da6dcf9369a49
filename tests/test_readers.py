"""The folder source: format detection, decoding, and bad files reported with a reason."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from nyhetsflyt.sources.folder import BadInput, find_files, read_file
from nyhetsflyt.sources.folder.base import DecodedFile
from nyhetsflyt.sources.folder.decode import decode
from nyhetsflyt.sources.folder.formats import detect_format

CRAWL = (
    " date 2021-03 Statsministeren varslet torsdag nye tiltak mot smitten i hovedstaden.\n\n"
    "– Vi må stå sammen en stund til, sa statsministeren.\n\n"
    "TILTAK: Statsministeren på pressekonferansen. Foto: Kari Nordmann / NTB\n"
)
PLAIN = (
    "Ny bru åpnet i Bergen\n"
    "Brua over Puddefjorden ble åpnet lørdag.\n"
    "– Dette er en stor dag for byen, sier ordføreren.\n"
)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_crawl_text_with_month_header(tmp_path):
    read = read_file(write(tmp_path, "a.txt", CRAWL))
    assert not read.failures
    (doc,) = read.documents
    assert doc.source_format == "crawl_text"
    assert doc.published == datetime(2021, 3, 1, tzinfo=timezone.utc)
    assert doc.published_precision == "month"
    assert doc.blocks[0].text.startswith("Statsministeren varslet")  # text after the header
    assert [b.hint for b in doc.blocks] == [None, None, None]


def test_crawl_text_with_full_date(tmp_path):
    (doc,) = read_file(write(tmp_path, "a.txt", CRAWL.replace("2021-03", "2021-03-18"))).documents
    assert doc.published == datetime(2021, 3, 18, tzinfo=timezone.utc)
    assert doc.published_precision == "day"


def test_plain_text_title_on_first_line(tmp_path):
    (doc,) = read_file(write(tmp_path, "b.txt", PLAIN)).documents
    assert doc.source_format == "plain_text"
    assert doc.blocks[0].hint == "title" and doc.blocks[0].text == "Ny bru åpnet i Bergen"
    assert len(doc.blocks) == 3


@pytest.mark.parametrize(
    "encoded",
    [
        PLAIN.encode("utf-8"),
        b"\xef\xbb\xbf" + PLAIN.encode("utf-8"),
        PLAIN.replace("\n", "\r\n").encode("utf-8"),
        PLAIN.encode("cp1252"),
        PLAIN.replace("\n", "\r\n").replace("–", "-").encode("latin-1"),
    ],
    ids=["utf8", "utf8-bom", "crlf", "windows-1252", "latin-1-crlf"],
)
def test_encodings_decode_to_the_same_text(tmp_path, encoded):
    (doc,) = read_file(write(tmp_path, "c.txt", encoded)).documents
    assert doc.blocks[0].text == "Ny bru åpnet i Bergen"
    assert "ordføreren" in doc.blocks[2].text
    assert "\r" not in doc.raw_text


def test_windows_1252_is_named(tmp_path):
    (doc,) = read_file(write(tmp_path, "c.txt", PLAIN.encode("cp1252"))).documents
    assert doc.encoding == "windows-1252"


def test_jsonl_records_with_any_case_keys(tmp_path):
    lines = [
        {"PUBLISHED_DATE": "2023-10-11", "CONTENT_ID": "x1", "CONTENT_TAGS": '["Bergen", "Bru"]',
         "CONTENT_TITLE": "Ny bru åpnet", "TEXT": "Ny bru åpnet\n\nBrua ble åpnet lørdag."},
        {"title": "Uten dato", "text": "Bare tekst her.", "tags": ["a", "b"], "id": 7},
    ]
    path = write(tmp_path, "d.jsonl", "\n".join(json.dumps(x, ensure_ascii=False) for x in lines))
    read = read_file(path)
    assert not read.failures
    first, second = read.documents
    assert first.title == "Ny bru åpnet" and first.blocks[0].hint == "title"
    assert first.tags == ["Bergen", "Bru"] and first.external_id == "x1"
    assert first.published_precision == "day"
    assert second.published is None and second.external_id == "7"
    assert first.source_uri.endswith("d.jsonl#1") and second.source_uri.endswith("d.jsonl#2")


def test_jsonl_bad_record_fails_alone(tmp_path):
    good = json.dumps({"title": "T", "text": "Tekst."})
    path = write(tmp_path, "e.jsonl", f"{good}\nikke json\n{json.dumps({'title': 'uten tekst'})}\n")
    read = read_file(path)
    assert len(read.documents) == 1
    reasons = [f.reason for f in read.failures]
    assert len(reasons) == 2
    assert "not JSON" in reasons[0] and "no text" in reasons[1]


def test_one_json_document_is_read_whole_not_line_by_line(tmp_path):
    article = {"title": "Ferja er tilbake", "text": "Ferja er tilbake\n\nSambandet går igjen fra mandag.",
               "date": "2024-05-02"}
    pretty = write(tmp_path, "en.json", json.dumps(article, ensure_ascii=False, indent=2))
    (doc,) = read_file(pretty).documents
    assert doc.title == "Ferja er tilbake" and doc.published_precision == "day"

    array = write(tmp_path, "to.json", json.dumps([article, {**article, "title": "Ny ferje"}], indent=2))
    assert [d.title for d in read_file(array).documents] == ["Ferja er tilbake", "Ny ferje"]

    # Something else in JSON (here an expected-output file) is one failure, not one per line,
    # and says what it is.
    other = write(tmp_path, "forventet.json", json.dumps({"expected": {"title": "T", "body": {"p": [1]}}}, indent=2))
    read = read_file(other)
    assert not read.documents and len(read.failures) == 1
    assert read.failures[0].reason.startswith("unsupported JSON: an object with keys expected")


def test_absurd_json_date_is_dropped_not_trusted(tmp_path):
    path = write(tmp_path, "f.jsonl", json.dumps({"title": "T", "text": "Tekst.", "date": "9999-12-31"}))
    (doc,) = read_file(path).documents
    assert doc.published is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"   \n\n ", "empty file"),
        (bytes(range(256)) * 10, "binary"),
        ("Россия и Норвегия подписали соглашение о границе".encode("koi8-r") * 20, "unknown encoding"),
        ("ニュース記事のテキストです".encode("shift_jis") * 20, "unknown encoding"),
        (b" date 2021-13 Tekst.", "impossible date"),
    ],
    ids=["empty", "blank", "binary", "koi8-r", "shift-jis", "bad-date"],
)
def test_bad_files_fail_with_a_reason(tmp_path, data, reason):
    read = read_file(write(tmp_path, "bad.txt", data))
    assert not read.documents
    (failure,) = read.failures
    assert reason in failure.reason


def test_oversized_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB of size, no time spent writing
    (failure,) = read_file(path).failures
    assert "too large" in failure.reason


def test_detect_format():
    assert detect_format(DecodedFile("mem", "<!DOCTYPE html><html>")).name == "html"
    assert detect_format(DecodedFile("mem", "<!-- x --> <html lang=no>")).name == "html"
    assert detect_format(DecodedFile("mem", '{"title": "x"}\n')).name == "jsonl"
    assert detect_format(DecodedFile("mem", " date 2022-02 Tekst")).name == "crawl_text"
    assert detect_format(DecodedFile("mem", "Avsnitt en.\n\nAvsnitt to.")).name == "crawl_text"
    assert detect_format(DecodedFile("mem", "Tittel\nAvsnitt en.\nAvsnitt to.")).name == "plain_text"


def test_decode_rejects_utf16():
    with pytest.raises(BadInput, match="NUL"):
        decode("Hei på deg".encode("utf-16"))


def test_find_files_recurses_and_ignores_hidden_and_sidecars(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    for name in ("a/one.txt", "a/b/two.jsonl", ".git/config", "a/.swp", "a/x.txt.reason.json"):
        (tmp_path / name).write_text("x")
    assert sorted(p.name for p in find_files([tmp_path])) == ["one.txt", "two.jsonl"]
    with pytest.raises(FileNotFoundError):
        find_files([tmp_path / "missing"])
