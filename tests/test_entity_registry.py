"""The entity registry (news.entity_names): names across articles, short forms, majority type and
counts, kept right by loads, re-enrichment, concurrent loads and the migration of older databases."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import psycopg
import pytest
from lxml import etree

from nyhetsflyt.db.entities import refresh_all
from nyhetsflyt.db.load import load_articles
from nyhetsflyt.db.migrate import migrate
from nyhetsflyt.db.reenrich import replace_enrichments
from nyhetsflyt.documents import Article, EnrichedArticle, Enrichment, Entity, Segment
from nyhetsflyt.paths import MIGRATIONS_DIR


def story(uri: str, text: str, names: list[tuple[str, str, str]]) -> EnrichedArticle:
    """An article of one paragraph whose mentions are (as written, label, canonical in the article)."""
    article = Article(source_uri=uri, source_format="plain_text", title=None, lede=None, body=text,
                      segments=[Segment(0, "paragraph", text, text)], captions=[], quotes=[], raw_text=text,
                      extractor_version="test")
    entities = []
    for written, label, canonical in names:
        start = text.index(written, entities[-1].end if entities else 0)
        entities.append(Entity(0, "paragraph", written, label, canonical, start, start + len(written), 0))
    enrichment = Enrichment(sentences=[], entities=entities, quotes=[], keywords=[], language="nb",
                            language_confidence=0.9, model_name="test", model_version="0")
    return EnrichedArticle(article, enrichment)


FULL = story("test://a", "Vladimir Putin møtte Olaf Scholz i Moskva. Putin sa nei.",
             [("Vladimir Putin", "PER", "Vladimir Putin"), ("Olaf Scholz", "PER", "Olaf Scholz"),
              ("Moskva", "GPE_LOC", "Moskva"), ("Putin", "PER", "Vladimir Putin")])
SHORT = story("test://b", "Putins krav ble avvist i Moskva. Putin svarte ikke, og Scholz reiste hjem.",
              [("Putins", "PER", "Putin"), ("Moskva", "GPE_ORG", "Moskva"), ("Putin", "PER", "Putin"),
               ("Scholz", "PER", "Scholz")])
THIRD = story("test://c", "Moskva stengte. Kremls talsmann i MOSKVA sa det samme.",
              [("Moskva", "GPE_LOC", "Moskva"), ("MOSKVA", "ORG", "MOSKVA")])
NAMESAKE = story("test://d", "Anna Putin vant sølv i skiskyting.", [("Anna Putin", "PER", "Anna Putin")])


def registry(url: str) -> dict[str, tuple]:
    """name -> (canonical name, label, sorted variants, mentions, articles, stories) for every name."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT n.name, c.name, c.label, c.variants, c.mentions, c.articles, c.stories"
            " FROM news.entity_names n JOIN news.entity_names c ON c.id = coalesce(n.same_as, n.id)"
        ).fetchall()
    return {name: (canonical, label, sorted(variants), mentions, articles, stories)
            for name, canonical, label, variants, mentions, articles, stories in rows}


def mention_entities(url: str) -> set[tuple[str, str, str]]:
    with psycopg.connect(url) as conn:
        return set(conn.execute(
            "SELECT a.source_uri, e.text, n.name FROM news.entities e JOIN news.articles a ON a.id = e.article_id"
            " JOIN news.entity_names n ON n.id = e.entity_id").fetchall())


def test_names_across_articles_make_one_entity(empty_db) -> None:
    with psycopg.connect(empty_db) as conn:
        load_articles(conn, [SHORT])
        assert registry(empty_db)["Putin"] == ("Putin", "PER", ["Putin", "Putins"], 2, 1, 1)
        load_articles(conn, [FULL, THIRD])
    names = registry(empty_db)
    # The one-word name now belongs to the one full PER name ending in it; its own row counts nothing.
    assert names["Putin"] == names["Vladimir Putin"] == (
        "Vladimir Putin", "PER", ["Putin", "Putins", "Vladimir Putin"], 4, 2, 2)
    assert names["Scholz"][:2] == ("Olaf Scholz", "PER")
    # Type by majority over the mentions (two GPE_LOC, one GPE_ORG, one ORG); case does not count.
    assert names["Moskva"] == ("Moskva", "GPE_LOC", ["MOSKVA", "Moskva"], 4, 3, 3)
    assert "MOSKVA" not in names
    assert ("test://b", "Putins", "Vladimir Putin") in mention_entities(empty_db)
    with psycopg.connect(empty_db) as conn:
        # The mention keeps its own type; no mention is without its entity.
        assert conn.execute("SELECT label FROM news.entities WHERE text = 'MOSKVA'").fetchone() == ("ORG",)
        assert conn.execute("SELECT count(*) FROM news.entities WHERE entity_id IS NULL").fetchone() == (0,)
        assert conn.execute("SELECT name FROM news.entity_registry ORDER BY mentions DESC, name LIMIT 2"
                            ).fetchall() == [("Moskva",), ("Vladimir Putin",)]


def test_a_second_full_name_makes_the_short_form_its_own_entity_again(empty_db) -> None:
    with psycopg.connect(empty_db) as conn:
        load_articles(conn, [FULL, SHORT])
        assert registry(empty_db)["Putin"][0] == "Vladimir Putin"
        load_articles(conn, [NAMESAKE])
    names = registry(empty_db)
    assert names["Putin"] == ("Putin", "PER", ["Putin", "Putins"], 2, 1, 1)
    assert names["Vladimir Putin"] == ("Vladimir Putin", "PER", ["Putin", "Vladimir Putin"], 2, 1, 1)
    assert ("test://b", "Putins", "Putin") in mention_entities(empty_db)


def test_loading_twice_and_refreshing_change_nothing(empty_db) -> None:
    with psycopg.connect(empty_db) as conn:
        load_articles(conn, [FULL, SHORT, THIRD])
        before = registry(empty_db), mention_entities(empty_db)
        load_articles(conn, [FULL, SHORT, THIRD])
        assert (registry(empty_db), mention_entities(empty_db)) == before
        with conn.transaction():
            refresh_all(conn)
    assert (registry(empty_db), mention_entities(empty_db)) == before


def test_reenrichment_moves_the_counts(empty_db) -> None:
    with psycopg.connect(empty_db) as conn:
        loaded = load_articles(conn, [FULL, SHORT])
        short_id = next(article_id for (_, uri), article_id in loaded.new.items() if uri == "test://b")
        # The new model finds only the place in the second article.
        again = story("test://b", SHORT.article.body, [("Moskva", "GPE_LOC", "Moskva")]).enrichment
        assert replace_enrichments(conn, [(short_id, again)]) == 1
    names = registry(empty_db)
    assert names["Vladimir Putin"] == ("Vladimir Putin", "PER", ["Putin", "Vladimir Putin"], 2, 1, 1)
    assert names["Putin"][3:] == (0, 0, 0)  # no mention is written so any more
    assert names["Moskva"][3:] == (2, 2, 2)
    assert names["Scholz"][3:] == (0, 0, 0)
    assert names["Olaf Scholz"][2:] == (["Olaf Scholz"], 1, 1, 1)


def test_two_loads_at_once_leave_what_one_after_the_other_would(empty_db) -> None:
    batches = [[story(f"test://p{i}", f"Vladimir Putin og Putin nummer {i} i Moskva.",
                      [("Vladimir Putin", "PER", "Vladimir Putin"), ("Putin", "PER", "Vladimir Putin"),
                       ("Moskva", "GPE_LOC", "Moskva")]) for i in range(start, start + 20)]
               + [story(f"test://s{i}", f"Putin nummer {i} kom til Moskva.",
                        [("Putin", "PER", "Putin"), ("Moskva", "GPE_LOC", "Moskva")])
                  for i in range(start, start + 20)]
               for start in (0, 100)]
    errors: list[BaseException] = []

    def load(batch: list[EnrichedArticle]) -> None:
        try:
            with psycopg.connect(empty_db) as conn:
                load_articles(conn, batch)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=load, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    together = registry(empty_db), mention_entities(empty_db)
    with psycopg.connect(empty_db) as conn, conn.transaction():
        refresh_all(conn)
    assert (registry(empty_db), mention_entities(empty_db)) == together
    assert together[0]["Putin"] == ("Vladimir Putin", "PER", ["Putin", "Vladimir Putin"], 120, 80, 80)
    assert together[0]["Moskva"][3:] == (80, 80, 80)


def test_the_migration_folds_mentions_already_stored(database_url, tmp_path) -> None:
    older = tmp_path / "migrations"
    older.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if path.name < "0010":
            shutil.copy(path, older / path.name)
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    name = f"{info['dbname']}_fold"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(**{**info, "dbname": name})
    try:
        migrate(url, older)
        # Articles and mentions as a loader without the registry wrote them: no entity_id column yet.
        from nyhetsflyt.db.load import _copy_articles, _copy_parts
        with psycopg.connect(url) as conn, conn.transaction():
            for article_id, item in enumerate((FULL, SHORT, THIRD), start=1):
                _copy_articles(conn, {article_id: ("h-" + item.article.source_uri, item, article_id)})
                _copy_parts(conn, {article_id: item})
        migrate(url)
        assert registry(url)["Putin"] == ("Vladimir Putin", "PER", ["Putin", "Putins", "Vladimir Putin"], 4, 2, 2)
        assert registry(url)["Moskva"][1:] == ("GPE_LOC", ["MOSKVA", "Moskva"], 4, 3, 3)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM news.entities WHERE entity_id IS NULL").fetchone() == (0,)
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _putin_items(shared_data: Path, folder: Path) -> list[Path]:
    """The shared feed items that name Putin, each as a plain-text file (title, then description)."""
    written = []
    for feed in sorted((shared_data / "samples" / "rss").glob("*.xml")):
        for n, item in enumerate(etree.parse(str(feed)).iter("item")):
            title, description = item.findtext("title") or "", item.findtext("description") or ""
            if "Putin" in title + description:
                path = folder / f"{feed.stem}_{n}.txt"
                path.write_text(f"{title}\n\n" + "\n\n".join(description.splitlines()) + "\n", encoding="utf-8")
                written.append(path)
    return written


@pytest.mark.shared
@pytest.mark.usefixtures("prefect_server")
def test_putin_is_one_person_across_the_shared_articles(empty_db, shared_data, seed_path, tmp_path) -> None:
    from flows.ingest_folder import ingest_folder

    items = _putin_items(shared_data, tmp_path)
    assert len(items) >= 5
    shutil.copy(seed_path, tmp_path / seed_path.name)
    summary = ingest_folder(paths=[str(tmp_path)])
    assert summary.failed == 0 and summary.articles_new >= 6
    with psycopg.connect(empty_db) as conn:
        found = conn.execute(
            "SELECT DISTINCT e.entity_id FROM news.entities e"
            " WHERE e.text IN ('Putin', 'Vladimir Putin', 'Putins', 'Vladimir Putins')").fetchall()
        assert len(found) == 1
        name, label, variants, articles = conn.execute(
            "SELECT name, label, variants, articles FROM news.entity_registry WHERE entity_id = %s", found[0]).fetchone()
    assert (name, label) == ("Vladimir Putin", "PER")
    assert {"Putin", "Vladimir Putin", "Putins"} <= set(variants)
    assert articles >= 6
