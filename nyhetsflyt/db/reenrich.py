"""Re-enrichment in the database: read stored articles back, replace what the NLP stage made.

An article's words (segments, captions, the quotes as split) never change; what a model adds
does: sentences, entities, resolved quote speakers, keywords, language and the model columns.
A batch of replacements is one transaction, so every article has either all of its old
enrichment or all of its new one, never a mix.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import psycopg

from nyhetsflyt.db.connect import scalar
from nyhetsflyt.documents import Article, Caption, Enrichment, Quote, Segment


@dataclass(slots=True)
class StoredArticle:
    id: int
    article: Article
    model_name: str
    model_version: str


def stale_article_ids(
    conn: psycopg.Connection,
    model_name: str,
    model_version: str,
    *,
    only_older: bool = True,
    after_id: int = 0,
    limit: int = 100,
) -> list[int]:
    """Ids of the next articles to re-enrich, in id order: those made by another model (or all)."""
    if only_older:
        rows = conn.execute(
            "SELECT id FROM news.articles WHERE id > %s"
            " AND (model_name, model_version) IS DISTINCT FROM (%s, %s) ORDER BY id LIMIT %s",
            (after_id, model_name, model_version, limit),
        ).fetchall()
    else:
        rows = conn.execute(
            "SELECT id FROM news.articles WHERE id > %s ORDER BY id LIMIT %s", (after_id, limit)
        ).fetchall()
    return [row[0] for row in rows]


def count_stale(conn: psycopg.Connection, model_name: str, model_version: str, only_older: bool = True) -> int:
    if not only_older:
        return scalar(conn.execute("SELECT count(*) FROM news.articles"))
    return scalar(conn.execute(
        "SELECT count(*) FROM news.articles WHERE (model_name, model_version) IS DISTINCT FROM (%s, %s)",
        (model_name, model_version),
    ))


def read_articles(conn: psycopg.Connection, ids: list[int]) -> list[StoredArticle]:
    """The stored articles with these ids, rebuilt as the splitter made them (id order)."""
    if not ids:
        return []
    segments: dict[int, list[Segment]] = defaultdict(list)
    for article_id, position, kind, text, raw in conn.execute(
        "SELECT article_id, position, kind, text, raw FROM news.segments"
        " WHERE article_id = ANY(%s) ORDER BY article_id, position",
        (ids,),
    ):
        segments[article_id].append(Segment(position, kind, text, raw))
    captions: dict[int, list[Caption]] = defaultdict(list)
    for article_id, *fields in conn.execute(
        "SELECT article_id, position, label, text, photographers, agencies, credit_raw"
        " FROM news.captions WHERE article_id = ANY(%s) ORDER BY article_id, position",
        (ids,),
    ):
        captions[article_id].append(Caption(*fields))
    quotes: dict[int, list[Quote]] = defaultdict(list)
    for article_id, position, text, speaker in conn.execute(
        "SELECT article_id, position, text, speaker FROM news.quotes"
        " WHERE article_id = ANY(%s) ORDER BY article_id, quote_index",
        (ids,),
    ):
        quotes[article_id].append(Quote(position, text, speaker))

    stored = []
    for row in conn.execute(
        "SELECT id, source_uri, source_format, title, lede, body, raw_text, published,"
        " published_precision, authors, tags, external_id, extractor_version, model_name, model_version"
        " FROM news.articles WHERE id = ANY(%s) ORDER BY id",
        (ids,),
    ):
        (article_id, source_uri, source_format, title, lede, body, raw_text, published,
         precision, authors, tags, external_id, extractor_version, model_name, model_version) = row
        article = Article(
            source_uri=source_uri, source_format=source_format, title=title, lede=lede, body=body,
            segments=segments[article_id], captions=captions[article_id], quotes=quotes[article_id],
            raw_text=raw_text, published=published, published_precision=precision,
            authors=list(authors), tags=list(tags), external_id=external_id,
            extractor_version=extractor_version,
        )
        stored.append(StoredArticle(article_id, article, model_name, model_version))
    return stored


_STAGING_DDL = """
CREATE TEMP TABLE stage_enrichment (
    article_id bigint, language text, language_confidence real, keywords text[],
    model_name text, model_version text, ner_degraded boolean, ner_run boolean
) ON COMMIT DROP;
CREATE TEMP TABLE stage_sentences (
    article_id bigint, sentence_index integer, segment_position integer, char_start integer,
    char_end integer, text text, tokens text[], lemmas text[], pos text[]
) ON COMMIT DROP;
CREATE TEMP TABLE stage_entities (
    article_id bigint, segment_position integer, segment_kind text, text text, label text,
    canonical text, char_start integer, char_end integer, sentence_index integer
) ON COMMIT DROP;
CREATE TEMP TABLE stage_quotes (
    article_id bigint, position integer, quote_index integer, text text, speaker text,
    speaker_canonical text
) ON COMMIT DROP;
"""

# Articles deleted meanwhile are left out (the join), and rows are locked so that two
# replacements of one article cannot interleave.
_REPLACE = """
SELECT pg_advisory_xact_lock(7234958104);  -- the entity registry's, before any mention goes

CREATE TEMP TABLE target ON COMMIT DROP AS
SELECT a.id FROM news.articles a JOIN stage_enrichment s ON s.article_id = a.id
ORDER BY a.id FOR UPDATE OF a;

CREATE TEMP TABLE dropped_names ON COMMIT DROP AS
SELECT DISTINCT news.entity_key(canonical) AS name_key FROM news.entities
WHERE article_id IN (SELECT id FROM target);

DELETE FROM news.sentences WHERE article_id IN (SELECT id FROM target);
DELETE FROM news.entities WHERE article_id IN (SELECT id FROM target);
DELETE FROM news.quotes WHERE article_id IN (SELECT id FROM target);

INSERT INTO news.sentences (article_id, sentence_index, segment_position, char_start, char_end,
                            text, tokens, lemmas, pos)
SELECT s.* FROM stage_sentences s WHERE s.article_id IN (SELECT id FROM target);

INSERT INTO news.entities (article_id, segment_position, segment_kind, text, label, canonical,
                           char_start, char_end, sentence_index)
SELECT e.* FROM stage_entities e WHERE e.article_id IN (SELECT id FROM target);

INSERT INTO news.quotes (article_id, position, quote_index, text, speaker, speaker_canonical)
SELECT q.* FROM stage_quotes q WHERE q.article_id IN (SELECT id FROM target);

UPDATE news.articles a
SET language = s.language, language_confidence = s.language_confidence, keywords = s.keywords,
    model_name = s.model_name, model_version = s.model_version, ner_degraded = s.ner_degraded,
    ner_run = s.ner_run
FROM stage_enrichment s
WHERE a.id = s.article_id AND a.id IN (SELECT id FROM target);

SELECT news.refresh_entity_names(ARRAY(SELECT id FROM target), ARRAY(SELECT name_key FROM dropped_names));
"""


def replace_enrichments(conn: psycopg.Connection, items: list[tuple[int, Enrichment]]) -> int:
    """Replace the enrichment of each (article id, enrichment) in one transaction.

    Returns how many articles were replaced (articles deleted meanwhile are not). Any error
    rolls the whole batch back, leaving every article as it was.
    """
    if not items:
        return 0
    with conn.transaction():
        conn.execute(_STAGING_DDL)
        cur = conn.cursor()
        with cur.copy("COPY stage_enrichment FROM STDIN") as copy:
            for article_id, e in items:
                copy.write_row((article_id, e.language, e.language_confidence, e.keywords,
                                e.model_name, e.model_version, e.ner_degraded, e.ner_run))
        with cur.copy("COPY stage_sentences FROM STDIN") as copy:
            for article_id, e in items:
                for s in e.sentences:
                    copy.write_row((article_id, s.index, s.segment_position, s.start, s.end, s.text,
                                    s.tokens, s.lemmas, s.pos))
        with cur.copy("COPY stage_entities FROM STDIN") as copy:
            for article_id, e in items:
                for n in e.entities:
                    copy.write_row((article_id, n.segment_position, n.segment_kind, n.text, n.label,
                                    n.canonical, n.start, n.end, n.sentence_index))
        with cur.copy("COPY stage_quotes FROM STDIN") as copy:
            for article_id, e in items:
                for index, q in enumerate(e.quotes):
                    copy.write_row((article_id, q.position, index, q.text, q.speaker, q.speaker_canonical))
        conn.execute(_REPLACE)
        return scalar(conn.execute("SELECT count(*) FROM target"))
