"""Re-enrichment against the real database: rows replaced, counts consistent, reruns idempotent."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import spacy

from flows.ingest_folder import ingest_folder
from flows.reenrich import reenrich
from nyhetsflyt.db.reenrich import read_articles, replace_enrichments
from nyhetsflyt.db.stats import table_counts
from nyhetsflyt.nlp.enrich import enrich_articles
from nyhetsflyt.nlp.model import DEGRADED_NAME, load_nlp
from nyhetsflyt.paths import EXAMPLE_INBOX

pytestmark = pytest.mark.usefixtures("prefect_server")

# A second pipeline, different from the rule-based one: a sentencizer and a phrase list of names
# from the example inbox, as component "ner" (so it counts as a real NER).
NAMES = {
    "PER": ["Ingrid Solheim", "Solheim", "Jon-Ivar Nygård", "Nygård", "Henrik Dahl", "Dahl"],
    "GPE_LOC": ["Bodø", "Lofoten", "Trysil"],
    "ORG": ["NTB", "NRK"],
}


@pytest.fixture(scope="module")
def other_pipeline(tmp_path_factory) -> Path:
    nlp = spacy.blank("nb")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler", name="ner")
    ruler.add_patterns([{"label": label, "pattern": name} for label, names in NAMES.items() for name in names])
    nlp.meta.update({"name": "reenrich_test", "version": "2.0.0"})
    path = tmp_path_factory.mktemp("pipeline") / "nb_reenrich_test"
    nlp.to_disk(path)
    return path


def rows(url: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row the NLP stage and the splitter wrote, in a stable order."""
    return {
        "articles": rows(url, "SELECT id, content_hash, body, language, language_confidence, keywords,"
                              " model_name, model_version, ner_degraded FROM news.articles ORDER BY id"),
        "segments": rows(url, "SELECT * FROM news.segments ORDER BY 1, 2"),
        "captions": rows(url, "SELECT * FROM news.captions ORDER BY 1, 2"),
        "sentences": rows(url, "SELECT * FROM news.sentences ORDER BY 1, 2"),
        "entities": rows(url, "SELECT * FROM news.entities ORDER BY 1, 2, 7"),  # the primary key
        "quotes": rows(url, "SELECT * FROM news.quotes ORDER BY 1, 3"),
    }


@pytest.fixture
def degraded_db(empty_db: str, monkeypatch) -> str:
    """The example inbox loaded with the rule-based pipeline (the model setting points nowhere)."""
    monkeypatch.setenv("NYHETSFLYT_SPACY_MODEL", DEGRADED_NAME)
    summary = ingest_folder(paths=[str(EXAMPLE_INBOX)])
    assert summary.articles_new == 5 and summary.failed == 0
    monkeypatch.delenv("NYHETSFLYT_SPACY_MODEL")
    return empty_db


def test_stored_articles_read_back_as_split(degraded_db):
    with psycopg.connect(degraded_db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM news.articles ORDER BY id")]
        stored = read_articles(conn, ids)
    hashes = dict(rows(degraded_db, "SELECT id, content_hash FROM news.articles"))
    assert [s.id for s in stored] == ids
    assert all(s.article.content_hash == hashes[s.id] for s in stored)
    # The same model over the rebuilt articles gives back exactly the stored entities.
    nlp, info = load_nlp(DEGRADED_NAME)
    again = enrich_articles([s.article for s in stored], nlp, info)
    stored_entities = rows(degraded_db, "SELECT article_id, text, label, canonical FROM news.entities ORDER BY 1, segment_position, char_start")
    rebuilt = [(s.id, n.text, n.label, n.canonical) for s, e in zip(stored, again) for n in e.entities]
    assert rebuilt == stored_entities and rebuilt


def test_reenrich_replaces_rows_and_a_second_run_changes_nothing(degraded_db, other_pipeline):
    before = snapshot(degraded_db)
    assert {a[6] for a in before["articles"]} == {DEGRADED_NAME}

    summary = reenrich(model=str(other_pipeline), batch_size=2)
    assert (summary.candidates, summary.reenriched, summary.failed) == (5, 5, 0)
    assert (summary.model_name, summary.model_version) == ("nb_reenrich_test", "2.0.0")

    after = snapshot(degraded_db)
    # The words are untouched; only what the model makes was replaced.
    for table in ("segments", "captions"):
        assert after[table] == before[table]
    assert [a[:3] for a in after["articles"]] == [a[:3] for a in before["articles"]]
    assert {(a[6], a[7], a[8]) for a in after["articles"]} == {("nb_reenrich_test", "2.0.0", False)}
    assert after["entities"] != before["entities"]
    found = {(e[3], e[4]) for e in after["entities"]}
    allowed = {(name, label) for label, names in NAMES.items() for name in names}
    assert found and found <= allowed  # no leftover from the rule-based pipeline
    assert summary.entities == len(after["entities"])
    # Counts agree with running the new model directly over the stored articles.
    nlp, info = load_nlp(str(other_pipeline))
    with psycopg.connect(degraded_db) as conn:
        stored = read_articles(conn, [a[0] for a in after["articles"]])
    expected = enrich_articles([s.article for s in stored], nlp, info)
    assert len(after["sentences"]) == sum(len(e.sentences) for e in expected)
    assert len(after["entities"]) == sum(len(e.entities) for e in expected)
    assert len(after["quotes"]) == len(before["quotes"]) == sum(len(e.quotes) for e in expected)
    # Every entity points at a sentence of its own article.
    assert rows(degraded_db, "SELECT count(*) FROM news.entities e LEFT JOIN news.sentences s"
                             " ON s.article_id = e.article_id AND s.sentence_index = e.sentence_index"
                             " WHERE s.article_id IS NULL") == [(0,)]
    speakers = [q[5] for q in after["quotes"]]
    assert speakers == [q.speaker_canonical for e in expected for q in e.quotes]
    assert "Jon-Ivar Nygård" in speakers  # "sier Nygård": resolved through the new entities

    second = reenrich(model=str(other_pipeline))
    assert (second.candidates, second.reenriched) == (0, 0)
    assert snapshot(degraded_db) == after
    runs = rows(degraded_db, "SELECT flow_name, state, articles_seen FROM news.ingest_runs ORDER BY id")
    assert runs[-2:] == [("reenrich", "completed", 5), ("reenrich", "completed", 0)]


def test_reenrich_everything_with_the_same_model_is_a_no_op_on_content(degraded_db):
    before = snapshot(degraded_db)
    assert reenrich(model=DEGRADED_NAME).candidates == 0
    summary = reenrich(model=DEGRADED_NAME, only_older=False, limit=3, batch_size=2)
    assert (summary.candidates, summary.reenriched) == (3, 3)
    assert snapshot(degraded_db) == before


def test_a_batch_that_fails_leaves_every_article_as_it_was(degraded_db, other_pipeline):
    before = snapshot(degraded_db)
    counts = table_counts(degraded_db)
    nlp, info = load_nlp(str(other_pipeline))
    with psycopg.connect(degraded_db) as conn:
        stored = read_articles(conn, [a[0] for a in before["articles"][:2]])
        good, bad = enrich_articles([s.article for s in stored], nlp, info)
        assert bad.sentences
        bad.sentences[0].segment_position = 9999  # no such segment: the database refuses it
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            replace_enrichments(conn, [(stored[0].id, good), (stored[1].id, bad)])
    assert snapshot(degraded_db) == before and table_counts(degraded_db) == counts
