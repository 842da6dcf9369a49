"""Bad and hostile input: random bytes, invalid UTF-8, NUL bytes, a 100 MB file, deeply nested
HTML and JSON, lone surrogates, SQL metacharacters, absurd dates. Each ends quarantined with a
reason or stored verbatim; nothing raises out of the readers and the run goes on.

The pure functions (readers, splitter) are fuzzed with hypothesis; the database and the flow
are exercised with a handful of end-to-end cases.
"""

from __future__ import annotations

import json
import string
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faults.conftest import FAULT_MODEL
from faults.tally import TALLY
from flows.ingest_folder import ingest_folder
from nyhetsflyt.db.load import load_articles, load_articles_isolating_bad, load_key
from nyhetsflyt.extract.split import split_document
from nyhetsflyt.nlp.enrich import enrich_all
from nyhetsflyt.sources.folder import FileRead, read_file
from nyhetsflyt.sources.folder.html import MAX_HTML_DEPTH
from nyhetsflyt.sources.folder.jsonl import parse_json_record

FAULT = "hostile input"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NORWEGIAN = "Kommunen vedtok budsjettet torsdag etter lang debatt i kommunestyret. "
SQL_METACHARACTERS = ["'); DROP TABLE news.articles; --", "' OR '1'='1", '"; DELETE FROM news.segments; --',
                      "\\", "$$", "%s", "%(x)s", "{0}", "E'\\x41'", "/* */", "\\.\n", "\t", "`"]


def read_bytes(data: bytes, suffix: str) -> FileRead:
    with tempfile.TemporaryDirectory(prefix="nyhetsflyt-fuzz-") as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        return read_file(path)


def assert_storable(read: FileRead) -> None:
    """What a reader yields is either a reasoned failure or documents PostgreSQL can hold."""
    for failure in [*read.failures, *read.skipped]:
        assert failure.reason.strip()
    for document in read.documents:
        texts = [document.raw_text, document.title or "", *(b.text for b in document.blocks),
                 *document.authors, *document.tags, document.external_id or "", document.source_uri]
        for text in texts:
            assert "\x00" not in text
            text.encode("utf-8")  # no lone surrogates
        if document.published is not None:
            assert document.published.tzinfo is not None
            assert 1800 <= document.published.year <= datetime.now(timezone.utc).year + 1
        split_document(document)  # the splitter takes whatever a reader yields


# --- fuzzed readers ------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".txt", ".jsonl", ".html", ""]))
def test_random_bytes_are_read_or_refused_with_a_reason(data, suffix):
    assert_storable(read_bytes(data, suffix))


invalid_utf8 = st.sampled_from([b"\xff", b"\xfe\xff", b"\xc3", b"\xe2\x82", b"\x80", b"\xed\xa0\x80",
                                b"\xf4\x90\x80\x80", b"\xc0\xaf"])


@FUZZ
@given(parts=st.lists(st.one_of(st.text(alphabet="abcæøå ÆØÅ.\n", max_size=80).map(str.encode),
                                invalid_utf8), min_size=1, max_size=30),
       suffix=st.sampled_from([".txt", ".jsonl", ".html"]))
def test_invalid_utf8_is_read_as_windows_1252_or_refused(parts, suffix):
    read = read_bytes(b" date 2024-05-01 " + b"".join(parts), suffix)
    assert_storable(read)
    for document in read.documents:
        assert document.encoding in ("utf-8", "windows-1252")


@FUZZ
@given(prefix=st.integers(0, 20_000), text=st.text(alphabet=string.ascii_letters + " æøå\n", max_size=200))
def test_a_nul_byte_anywhere_refuses_the_file(prefix, text):
    body = (NORWEGIAN * (prefix // len(NORWEGIAN) + 1))[:prefix] + "\x00" + text
    read = read_bytes(body.encode(), ".txt")
    assert read.documents == []
    assert "NUL" in read.failures[0].reason


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                         st.text(st.characters(codec=None, exclude_categories=()), max_size=30))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


@FUZZ
@given(record=st.fixed_dictionaries(
    {"text": st.one_of(st.text(st.characters(codec=None, exclude_categories=()), max_size=300), json_values)},
    optional={"title": json_values, "date": json_values, "tags": json_values, "id": json_values,
              "authors": json_values, "url": json_values}))
def test_json_records_with_any_values_are_stored_sanely_or_refused(record):
    # Lone surrogates and NUL arrive as JSON escapes, which is how a UTF-8 file can carry them.
    line = json.dumps(record, ensure_ascii=True) + "\n"
    assert_storable(read_bytes(line.encode(), ".jsonl"))


@settings(max_examples=40, deadline=None)
@given(year=st.integers(0, 9999), month=st.integers(0, 99), day=st.one_of(st.none(), st.integers(0, 99)))
def test_absurd_header_dates_are_refused_or_dropped(year, month, day):
    header = f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day is not None else "")
    read = read_bytes(f" date {header} {NORWEGIAN}\n\n{NORWEGIAN}\n".encode(), ".txt")
    assert_storable(read)
    if read.failures:
        assert read.failures[0].reason.startswith("impossible date in header")
    elif not 1800 <= year <= datetime.now(timezone.utc).year + 1:
        assert read.documents[0].published is None


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1000-01-01T00:00:00Z", -1e18, 1e20,
                                   float("inf"), True, "+275760-09-13", "2024-02-30", "NaN", [2024, 1, 1]])
def test_absurd_json_dates_are_dropped(value):
    document = parse_json_record({"text": NORWEGIAN, "date": value}, "mem#1")
    assert document.published is None


@settings(max_examples=25, deadline=None)
@given(depth=st.one_of(st.integers(1, 200), st.integers(MAX_HTML_DEPTH + 1, 50_000)),
       # elements that nest when left open (an open <p> or <li> is closed by the next one)
       tags=st.lists(st.sampled_from(["div", "span", "section", "b", "article", "em", "font"]),
                     min_size=1, max_size=4),
       closed=st.booleans())
def test_deeply_nested_html_is_refused_or_read(depth, tags, closed):
    opening = "".join(f"<{tags[i % len(tags)]}>" for i in range(depth))
    closing = "".join(f"</{tags[i % len(tags)]}>" for i in reversed(range(depth))) if closed else ""
    page = f"<html><body>{opening}<p>{NORWEGIAN * 4}</p>{closing}</body></html>"
    read = read_bytes(page.encode(), ".html")
    assert_storable(read)
    if depth > MAX_HTML_DEPTH:
        assert read.failures and "nested" in read.failures[0].reason


def test_deep_json_is_refused_per_record():
    lines = ['{"text": ' + "[" * 100_000 + "]" * 100_000 + "}", json.dumps({"text": NORWEGIAN})]
    read = read_bytes("\n".join(lines).encode(), ".jsonl")
    assert len(read.documents) == 1 and "too deep" in read.failures[0].reason


def test_a_100_mb_file_is_refused_without_being_read(tmp_path):
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.write(f" date 2024-01-01 {NORWEGIAN}\n".encode())
        handle.truncate(100 * 1024 * 1024)  # sparse: 100 MB on paper, nothing on disk
    read = read_file(huge)
    assert read.documents == [] and "too large" in read.failures[0].reason


# --- what reaches the database ------------------------------------------------------------


def _enriched(text: str, title: str | None = None):
    document = parse_json_record({"title": title, "text": text, "tags": ["test"]}, "mem#1")
    (item,) = enrich_all([split_document(document)], FAULT_MODEL)
    return item


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.one_of(st.sampled_from(SQL_METACHARACTERS),
                                 st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)),
                       min_size=1, max_size=8))
def test_sql_metacharacters_are_stored_verbatim(database_url, pieces):
    text = f"{NORWEGIAN}{uuid.uuid4()} " + " ".join(pieces)  # a new article each example
    item = _enriched(text, title="'); DROP TABLE news.articles; --")
    with psycopg.connect(database_url) as conn:
        load_articles(conn, [item])
        stored = conn.execute(
            "SELECT title, body, raw_text FROM news.articles WHERE content_hash = %s",
            (item.article.content_hash,)).fetchone()
    assert stored == (item.article.title, item.article.body, item.article.raw_text)


def test_text_the_database_cannot_encode_fails_alone(empty_db):
    good = _enriched(NORWEGIAN)
    bad = _enriched(NORWEGIAN + " og litt til.")
    bad.article.tags = ["lone \udc80 surrogate"]  # as a source other than the readers might deliver
    with psycopg.connect(empty_db) as conn:
        result = load_articles_isolating_bad(conn, [good, bad])
        assert conn.execute("SELECT count(*) FROM news.articles").fetchone()[0] == 1
    assert set(result.new) == {load_key(good.article)}
    assert "UnicodeEncodeError" in result.failures[load_key(bad.article)].reason


# --- end to end ---------------------------------------------------------------------------

HOSTILE_FILES = {
    "random.bin.txt": bytes(range(256)) * 16,
    "koi8.txt": "Новости дня: правительство приняло бюджет".encode("koi8-r") * 30,
    "late-nul.txt": f" date 2024-01-02 {NORWEGIAN * 200}\x00 slutt\n".encode(),
    "deep.html": ("<html><body>" + "<div>" * 50_000 + f"<p>{NORWEGIAN * 5}</p></body></html>").encode(),
    "records.jsonl": "\n".join([
        json.dumps({"id": "ok-1", "title": "Budsjett", "date": "9999-12-31", "text": NORWEGIAN * 2}),
        json.dumps({"id": "surrogate", "text": NORWEGIAN + "\ud800"}, ensure_ascii=True),
        json.dumps({"id": "nul", "text": NORWEGIAN + "\x00"}, ensure_ascii=True),
        '{"id": "deep", "text": ' + "[" * 50_000 + "]" * 50_000 + "}",
        "{not json",
    ]).encode(),
    "sql.txt": f" date 2024-03-04 {NORWEGIAN}\n\n'); DROP TABLE news.articles; -- og \\ $$ %s {{0}} E'\\x41'\n".encode(),
    "absurd-date.txt": f" date 9999-12 {NORWEGIAN}\n\nSiste avsnitt om saken.\n".encode(),
}


def test_hostile_inbox_ends_quarantined_or_stored_and_the_run_goes_on(empty_db, prefect_server, tmp_path):
    inbox, archive, quarantine = (tmp_path / name for name in ("inbox", "archive", "quarantine"))
    inbox.mkdir()
    for name, data in HOSTILE_FILES.items():
        (inbox / name).write_bytes(data)
    with (inbox / "huge.txt").open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    TALLY.injected(FAULT, count=len(HOSTILE_FILES) + 1)

    summary = ingest_folder(inbox=str(inbox), archive=str(archive), quarantine=str(quarantine),
                            model=FAULT_MODEL)

    archived = sorted(p.name for p in archive.iterdir())
    reasons = {p.name.removesuffix(".reason.json"): json.loads(p.read_text())["reasons"]
               for p in quarantine.glob("*.reason.json")}
    assert list(inbox.iterdir()) == []
    assert archived == ["absurd-date.txt", "sql.txt"]
    assert set(reasons) == {"random.bin.txt", "koi8.txt", "late-nul.txt", "deep.html", "records.jsonl",
                            "huge.txt"}
    assert "NUL" in reasons["late-nul.txt"][0] and "nested" in reasons["deep.html"][0]
    assert "too large" in reasons["huge.txt"][0]
    assert len(reasons["records.jsonl"]) == 4  # the good record of that file was stored all the same
    with psycopg.connect(empty_db) as conn:
        rows = dict(conn.execute("SELECT source_uri, body FROM news.articles").fetchall())
        published = dict(conn.execute("SELECT source_uri, published FROM news.articles").fetchall())
        failures = conn.execute("SELECT count(*) FROM news.ingest_failures").fetchone()[0]
    assert len(rows) == 3 and summary.articles_new == 3
    sql_body = rows[str(inbox / "sql.txt")]
    assert "'); DROP TABLE news.articles; -- og \\ $$ %s {0} E'\\x41'" in sql_body
    assert published[str(inbox / "absurd-date.txt")] is None
    assert published[str(inbox / "records.jsonl") + "#1"] is None
    assert failures == summary.failed == 9  # five whole files and four JSON records
    TALLY.survived(FAULT, count=len(HOSTILE_FILES) + 1)
