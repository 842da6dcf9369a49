"""News agencies' files through the folder flow end to end: real Prefect flow runs, the shipped
NLP model, a real PostgreSQL. Agency files load (pictures as photos, packages linked), a new
version updates its article, data no reader knows lands in the quarantine and in
news.ingest_failures with its reason, and running the folder again changes nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest

from flows.ingest_folder import ingest_folder
from tests.test_wire_safety import BILLION_LAUGHS, REFUSALS, XXE

pytestmark = pytest.mark.usefixtures("prefect_server")

FIXTURES = Path(__file__).parent / "fixtures"
AGENCY_FILES = [
    FIXTURES / "formats" / "nitf" / "ferje-innoy.xml",
    FIXTURES / "formats" / "newsmlg2" / "ras-i-dalen.xml",
    FIXTURES / "formats" / "ninjs" / "skred-varsel.json",
    FIXTURES / "wire" / "brann-v1.xml",
    FIXTURES / "wire" / "brann-v2.xml",
]
REFUSED = {"pom.xml", "logo.svg", "feed.xml", "package.json", "latter.xml", "xxe.xml"}


def query(url: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def stored(url: str) -> list[list[tuple]]:
    """Everything the load writes, with the times it was written."""
    return [
        query(url, "SELECT id, content_hash, title, ingested_at FROM news.articles ORDER BY id"),
        query(url, "SELECT count(*) FROM news.segments"),
        query(url, "SELECT * FROM news.wire_items ORDER BY item_id"),
        query(url, "SELECT * FROM news.wire_versions ORDER BY item_id, seen_index"),
        query(url, "SELECT * FROM news.photos ORDER BY id"),
        query(url, "SELECT * FROM news.packages ORDER BY item_id"),
        query(url, "SELECT * FROM news.item_links ORDER BY parent_id, position"),
    ]


def test_agency_files_load_and_what_no_reader_knows_is_quarantined(empty_db, tmp_path):
    inbox, archive, quarantine = (tmp_path / d for d in ("inbox", "archive", "quarantine"))
    inbox.mkdir()
    for path in AGENCY_FILES:
        shutil.copy(path, inbox / path.name)
    for name in ("pom.xml", "logo.svg", "feed.xml", "package.json"):
        (inbox / name).write_text(REFUSALS[name][0], encoding="utf-8")
    (inbox / "latter.xml").write_text(BILLION_LAUGHS, encoding="utf-8")
    (inbox / "xxe.xml").write_text(XXE, encoding="utf-8")

    summary = ingest_folder(inbox=str(inbox), archive=str(archive), quarantine=str(quarantine))
    assert summary.failed == len(REFUSED) and summary.quarantined == len(REFUSED)
    assert summary.archived == len(AGENCY_FILES)
    assert summary.photos == 1 and summary.packages == 1  # the picture item and the package of ras-i-dalen

    reasons = {p.name.removesuffix(".reason.json"): json.loads(p.read_text())["reasons"]
               for p in quarantine.glob("*.reason.json")}
    assert set(reasons) == REFUSED
    assert reasons["pom.xml"][0].startswith("unsupported XML: root <project>")
    assert reasons["logo.svg"][0].startswith("unsupported XML: root <svg>")
    assert "add it as a web source" in reasons["feed.xml"][0]
    assert reasons["package.json"][0].startswith("unsupported JSON")
    assert "declares entities" in reasons["latter.xml"][0] and "declares entities" in reasons["xxe.xml"][0]
    failures = query(empty_db, "SELECT source, reason FROM news.ingest_failures WHERE outcome = 'failed'")
    assert {Path(source).name for source, _ in failures} == REFUSED

    # Four articles: the fire's two versions are one row.
    titles = {row[0] for row in query(empty_db, "SELECT title FROM news.articles")}
    assert titles == {"Ferja til Innøy går igjen etter tre veker", "Ras stengte veien gjennom dalen",
                      "Høy skredfare i hele Troms", "Lagerhall på Hamar totalskadd i brann"}
    assert query(empty_db, "SELECT version, version_count FROM news.wire_items WHERE item_id = %s",
                 "NTBtest-brann-0001") == [("2", 2)]
    assert query(empty_db, "SELECT count(*) FROM news.articles WHERE title LIKE '<%%' OR body LIKE '%%<?xml%%'") == [(0,)]
    languages = dict(query(empty_db, "SELECT a.title, w.language FROM news.articles a"
                                     " JOIN news.wire_items w ON w.article_id = a.id"))
    assert languages["Ferja til Innøy går igjen etter tre veker"] == "nn"
    photographers = {p for (names,) in query(empty_db, "SELECT photographers FROM news.photos") for p in names}
    assert {"Kari Nordmann", "Mona Dahl", "Tor Vik", "Ida Ruud", "Geir Olsen"} <= photographers
    assert query(empty_db, "SELECT count(DISTINCT via) FROM news.article_photos") == [(2,)]
    # The avalanche warning is under embargo until 07:00 on the day it was sent, long past.
    assert query(empty_db, "SELECT count(*) FROM news.live_articles") == [(4,)]

    # The same files again, read where they now lie: nothing changes.
    before = stored(empty_db)
    again = ingest_folder(paths=[str(archive)])
    assert again.articles_new == 0 and again.failed == 0 and again.photos == 0 and again.packages == 0
    assert stored(empty_db) == before


@pytest.mark.shared
def test_every_wire_sample_loads_and_twice_changes_nothing(empty_db, shared_data):
    # The agency files, not the folder's README and SOURCES.tsv beside them.
    files = sorted(str(p) for p in (shared_data / "samples" / "wire").iterdir() if p.suffix in (".xml", ".json"))
    expected = FIXTURES / "wire_expected"
    articles = sum(len(json.loads(p.read_text(encoding="utf-8")).get("articles", [])) for p in expected.glob("*.json"))
    pictures = sum(len(json.loads(p.read_text(encoding="utf-8")).get("pictures", [])) for p in expected.glob("*.json"))

    first = ingest_folder(paths=files)
    assert first.failed == 0 and first.skipped == 0, first.failures[:5]
    assert first.articles_seen == articles
    # NTB's ninjs 2.1 and 3.0 files are the same item in the same words: stored once.
    assert first.articles_new == articles - 1 and first.duplicates == 1
    assert first.photos == pictures and first.packages == 2
    assert query(empty_db, "SELECT count(*) FROM news.photos WHERE photo_key NOT LIKE 'sha256:%%'")[0][0] >= pictures
    agencies = {a for (names,) in query(empty_db, "SELECT agencies FROM news.wire_items") for a in names}
    assert {"NTB", "TT", "dpa", "Reuters", "STT", "ANSA"} <= agencies
    # The Reuters package ties its text to the two pictures that came with it.
    linked = query(empty_db, "SELECT count(*) FROM news.article_photos WHERE via = 'package'")
    assert linked[0][0] >= 2

    before = stored(empty_db)
    second = ingest_folder(paths=files)
    assert second.articles_new == 0 and second.failed == 0 and second.photos == 0 and second.packages == 0
    assert stored(empty_db) == before
