"""Loading into PostgreSQL: whole articles or nothing, idempotent, bad rows isolated."""

from __future__ import annotations

import psycopg
import pytest

from nyhetsflyt.db.load import load_articles, load_articles_isolating_bad, load_key
from nyhetsflyt.db.migrate import migrate
from nyhetsflyt.db.stats import table_counts
from nyhetsflyt.documents import (
    Article,
    Caption,
    EnrichedArticle,
    Enrichment,
    Entity,
    Quote,
    ResolvedQuote,
    Segment,
    Sentence,
)


def make_article(n: int, body_extra: str = "") -> EnrichedArticle:
    lede = f"Kommunen vedtok budsjett nummer {n} torsdag.{body_extra}"
    caption = "Ordfører Kari Holm i kommunestyret."
    quote = "Dette er et godt budsjett"
    segments = [
        Segment(0, "lede", lede, lede),
        Segment(1, "caption", caption, f"MØTE: {caption} Foto: Ola Dahl / NTB"),
        Segment(2, "quote", f"– {quote}, sa Holm.", f"– {quote}, sa Holm."),
    ]
    article = Article(
        source_uri=f"/tmp/a{n}.txt", source_format="crawl_text", title=None, lede=lede,
        body=f"{lede}\n\n– {quote}, sa Holm.", segments=segments,
        captions=[Caption(1, "MØTE", caption, ["Ola Dahl"], ["NTB"], "Foto: Ola Dahl / NTB")],
        quotes=[Quote(2, quote, "Holm")], raw_text=lede, extractor_version="test",
    )
    enrichment = Enrichment(
        sentences=[Sentence(0, 0, 0, len(lede), lede, lede.split(), lede.split(), ["X"] * len(lede.split()))],
        entities=[Entity(1, "caption", "Kari Holm", "PER", "Kari Holm", 9, 18, 1)],
        quotes=[ResolvedQuote(2, quote, "Holm", "Kari Holm")],
        keywords=["budsjett"], language="nb", language_confidence=0.9,
        model_name="test", model_version="0",
    )
    return EnrichedArticle(article, enrichment)


def test_migrations_are_idempotent(database_url):
    assert migrate(database_url) == []


def test_load_creates_whole_articles_once(empty_db):
    batch = [make_article(1), make_article(2)]
    with psycopg.connect(empty_db) as conn:
        first = load_articles(conn, batch)
        second = load_articles(conn, batch)
    assert len(first.new) == 2 and first.duplicates == []
    assert second.new == {} and sorted(second.duplicates) == sorted(first.new)
    counts = table_counts(empty_db)
    assert counts == {"articles": 2, "segments": 6, "captions": 2, "sentences": 2, "entities": 2, "quotes": 2}
    with psycopg.connect(empty_db) as conn:
        row = conn.execute(
            "SELECT c.label, c.photographers, c.agencies, q.speaker_canonical"
            " FROM news.captions c JOIN news.quotes q USING (article_id) LIMIT 1"
        ).fetchone()
        assert row == ("MØTE", ["Ola Dahl"], ["NTB"], "Kari Holm")
        # The Norwegian full-text configuration stems: "budsjettet" finds "budsjett".
        hits = conn.execute(
            "SELECT count(*) FROM news.articles WHERE search @@ plainto_tsquery('norwegian', 'budsjettet')"
        ).fetchone()[0]
        assert hits == 2


def test_same_words_twice_in_one_batch_count_once(empty_db):
    with psycopg.connect(empty_db) as conn:
        result = load_articles(conn, [make_article(3), make_article(3)])
    assert len(result.new) == 1 and len(result.duplicates) == 1
    assert table_counts(empty_db)["articles"] == 1


def test_two_loaders_of_the_same_words_store_them_once(empty_db):
    """A second worker loading the same article while the first has not committed waits for it,
    then counts a duplicate: no unique-key error, no second copy."""
    import threading
    import time

    article = make_article(6)
    second: dict[str, object] = {}
    with psycopg.connect(empty_db) as first_conn, psycopg.connect(empty_db) as other_conn:
        with first_conn.transaction():  # the first loader's batch, still open
            assert len(load_articles(first_conn, [article]).new) == 1

            def load_again() -> None:
                try:
                    second["result"] = load_articles(other_conn, [article])
                except Exception as error:  # recorded, so the assertion below shows it
                    second["error"] = error

            worker = threading.Thread(target=load_again)
            worker.start()
            time.sleep(0.5)
            assert worker.is_alive()  # waiting for the first loader's lock, not racing past it
        worker.join(timeout=10)
    assert "error" not in second, second.get("error")
    result = second["result"]
    assert result.new == {} and result.duplicates == [load_key(article.article)]
    assert table_counts(empty_db)["articles"] == 1


def test_article_the_database_refuses_fails_alone(empty_db):
    bad = make_article(5, body_extra=" \x00 NUL-tegn")  # PostgreSQL text cannot hold NUL
    with psycopg.connect(empty_db) as conn:
        with pytest.raises(psycopg.DataError):
            load_articles(conn, [make_article(4), bad])
        assert table_counts(empty_db)["articles"] == 0  # the failed batch left nothing behind
        result = load_articles_isolating_bad(conn, [make_article(4), bad])
    assert len(result.new) == 1
    (failure,) = result.failures.values()
    assert failure.stage == "load" and "refused" in failure.reason
    counts = table_counts(empty_db)
    assert counts["articles"] == 1 and counts["segments"] == 3


def test_sql_metacharacters_are_stored_verbatim(empty_db):
    hostile = make_article(6, body_extra=" '); DROP TABLE news.articles; -- \\ $$ %s {x}")
    with psycopg.connect(empty_db) as conn:
        load_articles(conn, [hostile])
        lede = conn.execute("SELECT lede FROM news.articles").fetchone()[0]
    assert lede == hostile.article.lede


def test_page_facts_are_stored_beside_the_article(empty_db):
    from nyhetsflyt.documents import PageInfo

    web = make_article(10)
    web.article.page = PageInfo(canonical_url="https://www.fjordavisa.example/a/10", paywalled=True,
                                section="Nyheter", language="nb-NO", layer="site:fjordavisa")
    folder = make_article(11)
    with psycopg.connect(empty_db) as conn:
        load_articles(conn, [web, folder])
        rows = conn.execute("SELECT canonical_url, paywalled, section, declared_language, extraction_layer"
                            " FROM news.articles ORDER BY source_uri").fetchall()
    assert rows == [("https://www.fjordavisa.example/a/10", True, "Nyheter", "nb-NO", "site:fjordavisa"),
                    (None, None, None, None, None)]
