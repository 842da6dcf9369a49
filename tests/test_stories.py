"""Stories against the real database and real flows: copies share a story_id, distinct stories
never do, concurrent loads converge, re-runs and re-enrichment keep every story, and a database
from before stories gets them."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from bench.corpus import plain_text
from bench.syndicate import edit, originals_in
from flows.ingest_folder import ingest_folder
from flows.reenrich import reenrich
from nyhetsflyt.app.cli import app
from nyhetsflyt.db.connect import scalar
from nyhetsflyt.db.load import load_articles, load_key
from nyhetsflyt.db.migrate import discover_migrations, migrate
from nyhetsflyt.db.stories import fill_prints, fold_backlog, story_counts
from nyhetsflyt.documents import Article, EnrichedArticle, Enrichment, Entity, ResolvedQuote
from nyhetsflyt.extract.split import split_document
from nyhetsflyt.fingerprint import fingerprint, unpack_hashes
from nyhetsflyt.nlp.model import DEGRADED_NAME
from nyhetsflyt.paths import MIGRATIONS_DIR
from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.folder import read_file

STORIES = Path(__file__).parent / "fixtures" / "stories"
NAMES = sorted(p.name for p in STORIES.glob("*.txt"))


def enriched(article: Article, entities: list[Entity] | None = None,
             quotes: list[ResolvedQuote] | None = None) -> EnrichedArticle:
    return EnrichedArticle(article, Enrichment(
        sentences=[], entities=entities or [], quotes=quotes or [], keywords=[], language="nb",
        language_confidence=1.0, model_name="test", model_version="0"))


def fixture_article(name: str, uri: str | None = None, parts: bool = False, **changes) -> Article:
    (document,) = read_file(STORIES / name).documents
    article = split_document(document)
    article.source_uri = uri or article.source_uri
    if not parts:  # stories read title and body only; the loader stores what it is given
        article.segments, article.captions, article.quotes = [], [], []
    for key, value in changes.items():
        setattr(article, key, value)
    return article


def wire_copy(name: str, uri: str) -> Article:
    """What a regional site makes of the wire story: its own headline and intro, the end cut, a verb changed."""
    original = fixture_article(name)
    paragraphs = original.body.split("\n\n")
    body = "\n\n".join(["Også i Nordvik følger mange saken, forteller ordføreren til Nordvik Avis.",
                        *paragraphs[:max(2, len(paragraphs) * 3 // 4)]]).replace(" sier ", " forteller ")
    return fixture_article(name, uri, title="Dette vet vi nå", body=body, lede=None)


def stories_of(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return dict(conn.execute("SELECT source_uri, story_id FROM news.articles").fetchall())


def test_copies_share_the_first_articles_story_and_distinct_stories_never_do(empty_db):
    originals = [enriched(fixture_article(n, f"https://wire.example/{n}")) for n in NAMES]
    copies = [enriched(wire_copy(n, f"https://regional.example/{n}")) for n in NAMES]
    with psycopg.connect(empty_db) as conn:
        first = load_articles(conn, originals)
        second = load_articles(conn, copies)
    assert not first.copies and len(first.new) == len(NAMES)
    assert second.copies == set(second.new) and len(second.new) == len(NAMES)
    stories = stories_of(empty_db)
    for name in NAMES:
        original_id = first.new[load_key(originals[NAMES.index(name)].article)]
        assert stories[f"https://wire.example/{name}"] == original_id  # a new story is its first article's id
        assert stories[f"https://regional.example/{name}"] == original_id
    assert len(set(stories.values())) == len(NAMES)  # the two Bergen emergencies stay apart


def test_copies_within_one_batch_find_each_other(empty_db):
    batch = [enriched(fixture_article(n, f"https://wire.example/{n}")) for n in NAMES[:3]]
    batch += [enriched(wire_copy(n, f"https://regional.example/{n}")) for n in NAMES[:3]]
    with psycopg.connect(empty_db) as conn:
        result = load_articles(conn, batch)
    assert len(result.new) == 6 and len(result.copies) == 3
    stories = stories_of(empty_db)
    assert len(set(stories.values())) == 3
    for name in NAMES[:3]:
        assert stories[f"https://wire.example/{name}"] == stories[f"https://regional.example/{name}"]


def prints_of(conn: psycopg.Connection) -> dict[int, frozenset[int]]:
    return {article_id: unpack_hashes(shingles)
            for article_id, shingles in conn.execute("SELECT article_id, shingles FROM news.story_prints")}


def test_each_article_keeps_its_shingle_print_and_copies_without_one_are_read_from_their_body(empty_db):
    """The check reads a candidate's shingles from news.story_prints; an article stored before
    prints existed (none, and in the print backlog) is read from its body, and gets its print
    from the next run."""
    originals = [enriched(fixture_article(n, f"https://wire.example/{n}")) for n in NAMES]
    with psycopg.connect(empty_db) as conn:
        first = load_articles(conn, originals)
        ids = {load_key(item.article): first.new[load_key(item.article)] for item in originals}
        expected = {ids[load_key(item.article)]: fingerprint(item.article.body).hashes for item in originals}
        assert prints_of(conn) == expected
        # As after the migration on a database from before prints.
        conn.execute("DELETE FROM news.story_prints")
        conn.execute("INSERT INTO news.story_print_backlog SELECT id FROM news.articles")
        conn.commit()
        second = load_articles(conn, [enriched(wire_copy(n, f"https://regional.example/{n}")) for n in NAMES])
        assert second.copies == set(second.new) and len(second.new) == len(NAMES)
        assert set(prints_of(conn)) == set(second.new.values())  # the copies' own, written with them
        # One of them waits for its story too: it gets its print with the story, not before.
        waiting = min(expected)
        conn.execute("INSERT INTO news.story_backlog VALUES (%s)", (waiting,))
        conn.commit()
        assert fill_prints(conn, batch_size=4) == len(NAMES)
        assert fill_prints(conn) == 0
        assert waiting not in prints_of(conn) and len(prints_of(conn)) == 2 * len(NAMES) - 1
        assert fold_backlog(conn) == (1, 0)
        prints = prints_of(conn)
        assert {i: prints[i] for i in expected} == expected and len(prints) == 2 * len(NAMES)
    stories = stories_of(empty_db)
    for name in NAMES:
        assert stories[f"https://wire.example/{name}"] == stories[f"https://regional.example/{name}"]


def test_the_same_words_from_another_source_are_another_row_of_the_same_story(empty_db):
    wire = enriched(fixture_article(NAMES[0], "https://wire.example/a"))
    again_same_site = enriched(fixture_article(NAMES[0], "https://wire.example/a?utm_source=feed"))
    elsewhere = enriched(fixture_article(NAMES[0], "https://other.example/b"))
    with psycopg.connect(empty_db) as conn:
        first = load_articles(conn, [wire])
        second = load_articles(conn, [again_same_site, elsewhere])
        third = load_articles(conn, [wire, elsewhere])
    assert second.duplicates == [load_key(again_same_site.article)]  # one outlet ran it once
    assert list(second.new) == [load_key(elsewhere.article)] and second.copies == set(second.new)
    assert third.new == {} and len(third.duplicates) == 2
    stories = stories_of(empty_db)
    assert stories == {"https://wire.example/a": first.new[load_key(wire.article)],
                       "https://other.example/b": first.new[load_key(wire.article)]}


def test_a_second_loader_of_a_copy_waits_for_the_first_and_joins_its_story(empty_db):
    """Two workers load copies of one new story at the same moment: the second claims the same
    band keys, waits for the first to commit, then finds its article. One story, not two."""
    original = enriched(fixture_article(NAMES[3], "https://wire.example/streik"))
    copy = enriched(wire_copy(NAMES[3], "https://regional.example/streik"))
    second: dict[str, object] = {}
    with psycopg.connect(empty_db) as first_conn, psycopg.connect(empty_db) as other_conn:
        with first_conn.transaction():  # the first loader's batch, not committed yet
            first = load_articles(first_conn, [original])

            def load_copy() -> None:
                try:
                    second["result"] = load_articles(other_conn, [copy])
                except Exception as error:
                    second["error"] = error

            worker = threading.Thread(target=load_copy)
            worker.start()
            time.sleep(0.5)
            assert worker.is_alive()  # waiting on a band key the first loader holds
        worker.join(timeout=10)
    assert "error" not in second, second.get("error")
    assert second["result"].copies == {load_key(copy.article)}
    assert set(stories_of(empty_db).values()) == set(first.new.values())


def write_copies(folder: Path, outlet: str, rounds: int = 1) -> dict[str, Path]:
    """An edited copy of every fixture story under `folder`, as `outlet` headlines it, `rounds` times
    (each round under a headline of its own; the edits of the text are the same for every outlet)."""
    folder.mkdir(parents=True)
    paths = {}
    for round_ in range(rounds):
        for number, original in enumerate(originals_in(STORIES)):
            copy, _ = edit(original, random.Random(number), 0)
            copy.title = f"{outlet} {round_}: {copy.title}"
            name = f"{round_:02d}-{Path(original.source_uri).name}"
            path = folder / name
            path.write_text(plain_text(copy), "utf-8")
            paths[name] = path
    return paths


def _empty(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
                                             " WHERE schemaname = 'news' AND tablename <> 'schema_migrations'")]
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


@pytest.mark.usefixtures("prefect_server")
def test_two_flows_loading_copies_of_the_same_stories_at_once_split_no_story(empty_db, tmp_path):
    """Two real ingest-folder runs at the same time, in two processes (`nyhetsflyt ingest`) against
    the tests' Prefect API, each with its own copies of every story (the same edited text under
    other headlines, so that any split is the race's, not the matching's), in the same order, one
    article per batch: both load copies of one story at the same moment. Runs that happen not to
    overlap are tried again, up to three times; no attempt may split a story."""
    from prefect.settings import PREFECT_API_URL

    rounds = 4
    left = write_copies(tmp_path / "left", "Vestposten", rounds=rounds)
    right = write_copies(tmp_path / "right", "Østbladet", rounds=rounds)
    env = {**os.environ, "DATABASE_URL": empty_db, "PREFECT_API_URL": str(PREFECT_API_URL.value()),
           "NYHETSFLYT_SPACY_MODEL": DEGRADED_NAME}
    command = [str(Path(sys.executable).parent / "nyhetsflyt"), "ingest", "--batch-size", "1", "--json"]
    overlapped = 0
    for _attempt in range(3):
        _empty(empty_db)
        runs = [subprocess.Popen([*command, str(tmp_path / name)], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for name in ("left", "right")]
        summaries = []
        for process in runs:
            out, err = process.communicate(timeout=600)
            assert process.returncode == 0, err[-3000:]
            summaries.append(json.loads(out.strip().splitlines()[-1]))
        assert all(summary["articles_new"] == rounds * len(NAMES) for summary in summaries)
        stories = stories_of(empty_db)
        assert len(stories) == 2 * rounds * len(NAMES)
        for name in left:
            assert stories[str(left[name])] == stories[str(right[name])], name
        assert len(set(stories.values())) == len(NAMES)  # every copy of a story in one, whoever loaded it
        assert sum(summary["copies"] for summary in summaries) == (2 * rounds - 1) * len(NAMES)
        with psycopg.connect(empty_db) as conn:
            (a_start, a_end), (b_start, b_end) = conn.execute(
                "SELECT started_at, finished_at FROM news.ingest_runs ORDER BY id").fetchall()
        if b_start < a_end and a_start < b_end:
            overlapped += 1
            break
    assert overlapped, "the two runs never ran at the same time"


def snapshot(url: str) -> tuple[list[tuple], list[tuple]]:
    with psycopg.connect(url) as conn:
        return (conn.execute("SELECT id, source_uri, story_id FROM news.articles ORDER BY id").fetchall(),
                conn.execute("SELECT band_key, article_id FROM news.story_bands ORDER BY 1").fetchall())


@pytest.mark.usefixtures("prefect_server")
def test_a_rerun_and_reenrich_keep_every_story(empty_db, tmp_path):
    copies = write_copies(tmp_path / "kopier", "Nordvik Avis")
    first = ingest_folder(paths=[str(STORIES), str(tmp_path / "kopier")], model=DEGRADED_NAME)
    assert first.articles_new == 2 * len(NAMES) and first.copies == len(NAMES)
    before = snapshot(empty_db)
    assert len({story for _, _, story in before[0]}) == len(NAMES) and before[1]

    again = ingest_folder(paths=[str(STORIES), str(tmp_path / "kopier")], model=DEGRADED_NAME)
    assert again.articles_new == 0 and again.duplicates == 2 * len(NAMES)
    assert snapshot(empty_db) == before

    summary = reenrich(only_older=False, model=DEGRADED_NAME)
    assert summary.reenriched == 2 * len(NAMES)
    assert snapshot(empty_db) == before
    assert all(path.exists() for path in copies.values())


def test_stories_view_and_story_entities_count_a_story_once(empty_db):
    day = lambda d: datetime(2024, 3, d, 8, tzinfo=timezone.utc)  # noqa: E731
    holm = [Entity(0, "paragraph", "Kari Holm", "PER", "Kari Holm", 0, 9, 0),
            Entity(0, "paragraph", "Holm", "PER", "Kari Holm", 20, 24, 0)]
    quote = [ResolvedQuote(0, "Dette er et godt budsjett", "Holm", "Kari Holm")]
    full = fixture_article(NAMES[0], "https://wire.example/strom", True, published=day(2))
    short = fixture_article(NAMES[0], "https://short.example/strom", True, published=day(1),
                            body="\n\n".join(full.body.split("\n\n")[:4]), title="Kort om strømmen")
    later = fixture_article(NAMES[0], "https://later.example/strom", True, published=day(3), title="Strømmen igjen")
    other = fixture_article(NAMES[4], "https://wire.example/ulv", True, published=day(2))
    with psycopg.connect(empty_db) as conn:
        load_articles(conn, [enriched(full, holm, quote), enriched(short, holm[:1], quote),
                             enriched(later, holm, quote), enriched(other, holm[:1])])
        story = scalar(conn.execute("SELECT story_id FROM news.articles WHERE source_uri = %s", (full.source_uri,)))
        row = conn.execute("SELECT copies, first_published, r.source_uri, s.title, sources FROM news.stories s"
                           " JOIN news.articles r ON r.id = s.representative_id WHERE s.story_id = %s",
                           (story,)).fetchone()
        # The short copy ran first, but the earliest full copy stands for the story.
        assert row == (3, day(1), full.source_uri, full.title,
                       ["later.example", "short.example", "wire.example"])
        entities = conn.execute("SELECT story_id, mentions, quotes, copies FROM news.story_entities"
                                " WHERE canonical = 'Kari Holm' ORDER BY story_id").fetchall()
    assert entities == [(story, 2, 1, 3), (entities[1][0], 1, 0, 1)] and entities[1][0] != story
    with psycopg.connect(empty_db) as conn:
        assert story_counts(conn) == {"articles": 4, "stories": 2, "awaiting_story": 0}
    result = CliRunner().invoke(app, ["db", "stats", "--json", "--database-url", empty_db])
    assert result.exit_code == 0, result.output
    assert '"articles": 4, "stories": 2' in result.output


@pytest.fixture
def old_database(database_url: str) -> Iterator[str]:
    """An empty database beside the session's, for a schema from before stories; dropped afterwards."""
    name = f"nyhetsflyt_test_old_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield psycopg.conninfo.make_conninfo(database_url, dbname=name)
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


OLD_INSERT = """
INSERT INTO news.articles (content_hash, source_uri, source_format, title, body, raw_text, language,
                           language_confidence, word_count, model_name, model_version, extractor_version)
VALUES (%s, %s, 'plain_text', %s, %s, %s, 'nb', 1, %s, 'test', '0', 'test') RETURNING id
"""


@pytest.mark.usefixtures("prefect_server")
def test_a_database_from_before_stories_gets_them_on_the_next_run(old_database, tmp_path):
    before = tmp_path / "before"
    before.mkdir()
    for migration in discover_migrations():
        if migration.version < 6:
            shutil.copy(migration.path, before / migration.path.name)
    migrate(old_database, before)
    articles = [fixture_article(n, f"https://wire.example/{n}") for n in NAMES]
    articles += [wire_copy(n, f"https://regional.example/{n}") for n in NAMES]
    with psycopg.connect(old_database) as conn:
        for a in articles:
            conn.execute(OLD_INSERT, (a.content_hash, a.source_uri, a.title, a.body, a.body, a.word_count))

    assert 6 in [m.version for m in migrate(old_database, MIGRATIONS_DIR)]  # with any later ones
    with psycopg.connect(old_database) as conn:
        # Right after the migration every article is a story of its own, waiting to be folded.
        assert story_counts(conn) == {"articles": 12, "stories": 12, "awaiting_story": 12}

    # The next run of any flow folds them, before its own work (here: an empty folder).
    (tmp_path / "tom").mkdir()
    ingest_folder(paths=[str(tmp_path / "tom")], settings=Settings().with_database(old_database))
    with psycopg.connect(old_database) as conn:
        assert story_counts(conn) == {"articles": 12, "stories": 6, "awaiting_story": 0}
        assert fold_backlog(conn) == (0, 0)
        assert conn.execute("SELECT count(*) FROM news.story_prints").fetchone() == (12,)
        assert conn.execute("SELECT count(*) FROM news.story_print_backlog").fetchone() == (0,)
    stories = stories_of(old_database)
    for name in NAMES:
        assert stories[f"https://wire.example/{name}"] == stories[f"https://regional.example/{name}"]
    result = CliRunner().invoke(app, ["db", "restory", "--all", "--database-url", old_database])
    assert result.exit_code == 0, result.output
    assert "12 articles given stories (6 joined another story); 12 articles, 6 stories" in result.output


def test_the_documented_story_queries_run(empty_db):
    """The example queries of docs/schema.md (stories) and the README run against the schema."""
    from nyhetsflyt.paths import REPO_ROOT

    schema = (REPO_ROOT / "docs" / "schema.md").read_text("utf-8")
    block = schema.split("## Stories", 1)[1].split("```sql", 1)[1].split("```", 1)[0]
    readme = (REPO_ROOT / "README.md").read_text("utf-8")
    statements = [s for s in block.split(";") if s.strip()]
    statements += [s for s in readme.split("```sql", 1)[1].split("```", 1)[0].split(";") if "news.story" in s]
    assert len(statements) >= 5
    with psycopg.connect(empty_db) as conn:
        load_articles(conn, [enriched(fixture_article(n, f"https://wire.example/{n}")) for n in NAMES])
        for statement in statements:
            conn.execute(statement)
