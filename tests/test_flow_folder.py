"""The folder flow end to end: real files, real Prefect flow runs, a real PostgreSQL."""

from __future__ import annotations

import json
import shutil

import psycopg
import pytest

from flows.ingest_folder import ingest_folder
from nyhetsflyt.db.stats import table_counts
from nyhetsflyt.paths import EXAMPLE_INBOX, SHIPPED_MODEL

# The release in model/nb_nyhetsflyt, whichever it is: every article records the version that enriched it.
SHIPPED_VERSION = json.loads((SHIPPED_MODEL / "meta.json").read_text(encoding="utf-8"))["version"]

pytestmark = pytest.mark.usefixtures("prefect_server")


def query(url: str, sql: str, *params):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def test_example_inbox_ingests_and_reingests_as_nothing_new(empty_db):
    first = ingest_folder(paths=[str(EXAMPLE_INBOX)])
    assert first.failed == 0, first.failures
    assert first.files_seen == 4 and first.articles_new == 5
    counts = table_counts(empty_db)
    second = ingest_folder(paths=[str(EXAMPLE_INBOX)])
    assert second.articles_new == 0 and second.duplicates == 5
    assert table_counts(empty_db) == counts
    runs = query(empty_db, "SELECT state, files_seen, articles_new, duplicates FROM news.ingest_runs ORDER BY id")
    assert runs == [("completed", 4, 5, 0), ("completed", 4, 0, 5)]


@pytest.mark.shared
def test_seed_article(empty_db, seed_path):
    summary = ingest_folder(paths=[str(seed_path)])
    assert summary.articles_new == 1 and summary.failed == 0
    ((article_id, title, lede, body, published, precision),) = query(
        empty_db,
        "SELECT id, title, lede, body, to_char(published, 'YYYY-MM'), published_precision FROM news.articles",
    )
    assert title is None
    assert lede.startswith("Russlands president Vladimir Putin slår fast at landet ikke ønsker krig")
    assert (published, precision) == ("2022-02", "month")
    assert "Foto:" not in body and "Klimentyev" not in body
    captions = query(
        empty_db,
        "SELECT label, photographers, agencies FROM news.captions WHERE article_id = %s ORDER BY position",
        article_id,
    )
    assert captions == [
        ("MØTE", ["Mikhail Klimentyev"], ["AP", "NTB"]),
        ("MØTTE PUTIN", ["Mikhail Klimentyev"], ["AP", "NTB"]),
    ]
    subheadings = [r[0] for r in query(
        empty_db, "SELECT text FROM news.segments WHERE kind = 'subheading' ORDER BY position")]
    assert subheadings == ["Avviste Russland-krav", "Vil delta i samtaler"]
    speakers = [r[0] for r in query(empty_db, "SELECT speaker FROM news.quotes")]
    assert speakers.count("Putin") >= 2


@pytest.mark.shared
def test_seed_article_enriched_by_the_shipped_model(empty_db, seed_path):
    ingest_folder(paths=[str(seed_path)])
    assert query(empty_db, "SELECT model_name, model_version, language FROM news.articles") == [
        ("nb_nyhetsflyt", SHIPPED_VERSION, "nb")
    ]
    entities = set(query(empty_db, "SELECT canonical, label FROM news.entities"))
    assert {("Vladimir Putin", "PER"), ("Olaf Scholz", "PER"), ("Nato", "ORG")} <= entities
    for country in ("Russland", "Tyskland", "Ukraina"):
        assert {label for name, label in entities if name == country} & {"GPE_LOC", "GPE_ORG"}, country
    in_captions = query(
        empty_db,
        "SELECT canonical FROM news.entities WHERE segment_kind = 'caption' AND text = 'Vladimir Puting'",
    )
    assert in_captions and {c for (c,) in in_captions} == {"Vladimir Putin"}
    # MØTE: and MØTTE PUTIN: are labels; nothing stored as a name comes from them.
    from_labels = query(
        empty_db,
        "SELECT e.text FROM news.entities e JOIN news.captions c"
        " ON (c.article_id, c.position) = (e.article_id, e.segment_position)"
        " WHERE c.label IS NOT NULL AND e.char_start <= length(c.label)",
    )
    assert from_labels == []
    assert not {"MØTE", "PUTIN", "MØTTE PUTIN"} & {text for (text,) in query(empty_db, "SELECT text FROM news.entities")}
    speakers = {s for (s,) in query(empty_db, "SELECT speaker_canonical FROM news.quotes")}
    assert speakers == {"Vladimir Putin"}


@pytest.mark.shared
def test_every_sample_file_ingests_and_twice_changes_nothing(empty_db, shared_data):
    samples = shared_data / "samples"
    roots = [str(samples / name) for name in ("plain_text", "crawl_text", "jsonl", "html")]
    first = ingest_folder(paths=roots, batch_size=128)
    assert first.failed == 0, first.failures[:5]
    assert first.skipped == 1  # the VG front page is recognised as not an article
    # 303 plain-text, 40 crawl-text, 40 JSON Lines records (the same VG articles) and 5 pages
    assert first.articles_seen == 388
    assert first.articles_new >= 348
    counts = table_counts(empty_db)
    second = ingest_folder(paths=roots, batch_size=128)
    assert second.articles_new == 0 and second.failed == 0
    assert second.duplicates == first.articles_new + first.duplicates
    assert table_counts(empty_db) == counts


def test_inbox_moves_files_only_after_commit_and_quarantines_bad_ones(empty_db, tmp_path):
    inbox, archive, quarantine = (tmp_path / d for d in ("inbox", "archive", "quarantine"))
    shutil.copytree(EXAMPLE_INBOX, inbox)
    (inbox / "nested").mkdir()
    (inbox / "nested" / "empty.txt").write_bytes(b"")
    (inbox / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (inbox / "koi8.txt").write_bytes("Новости дня: правительство приняло бюджет".encode("koi8-r") * 30)
    with (inbox / "huge.txt").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)

    summary = ingest_folder(inbox=str(inbox), archive=str(archive), quarantine=str(quarantine))
    assert summary.articles_new == 5 and summary.failed == 4
    assert summary.archived == 4 and summary.quarantined == 4
    assert [p for p in inbox.rglob("*") if p.is_file()] == []
    assert sorted(p.name for p in archive.rglob("*") if p.is_file()) == sorted(
        p.name for p in EXAMPLE_INBOX.iterdir())
    reasons = {
        p.name.removesuffix(".reason.json"): json.loads(p.read_text())["reasons"]
        for p in quarantine.rglob("*.reason.json")
    }
    assert set(reasons) == {"empty.txt", "binary.txt", "koi8.txt", "huge.txt"}
    assert "empty file" in reasons["empty.txt"][0]
    assert "binary" in reasons["binary.txt"][0]
    assert "unknown encoding" in reasons["koi8.txt"][0]
    assert "too large" in reasons["huge.txt"][0]
    assert (quarantine / "nested" / "empty.txt").exists()  # the inbox layout is kept
    failures = query(empty_db, "SELECT stage, reason FROM news.ingest_failures WHERE outcome = 'failed'")
    assert len(failures) == 4 and all(stage == "read" for stage, _ in failures)


@pytest.mark.shared
def test_a_swedish_agency_item_is_stored_without_going_through_the_model(empty_db, shared_data):
    swedish = shared_data / "samples" / "wire" / "ninjs__ntbttninjs.json"
    summary = ingest_folder(paths=[str(swedish), str(shared_data / "seed")])
    assert summary.failed == 0 and summary.articles_new == 2
    rows = query(empty_db, "SELECT a.language, a.ner_run,"
                           " (SELECT count(*) FROM news.entities e WHERE e.article_id = a.id),"
                           " (SELECT count(*) FROM news.sentences s WHERE s.article_id = a.id),"
                           " (SELECT count(*) FROM news.quotes q WHERE q.article_id = a.id"
                           "   AND q.speaker_canonical IS NOT NULL)"
                           " FROM news.articles a ORDER BY a.language")
    (nb, nb_ner, nb_entities, nb_sentences, nb_speakers), (sv, sv_ner, sv_entities, sv_sentences, sv_speakers) = rows
    assert (nb, nb_ner) == ("nb", True) and nb_entities > 0 and nb_sentences > 0 and nb_speakers > 0
    assert (sv, sv_ner, sv_entities, sv_sentences, sv_speakers) == ("sv", False, 0, 0, 0)
