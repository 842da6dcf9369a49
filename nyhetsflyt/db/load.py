"""Load enriched articles into the `news` schema: new articles and their parts by COPY.

A batch is one transaction. Articles are keyed by their content hash, so loading the same
words twice inserts nothing the second time; children are only ever inserted together with
a newly inserted article, so an article is either there with all its parts or not at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import psycopg

from nyhetsflyt.db.connect import scalar
from nyhetsflyt.db.wire import plan_versions, record_versions
from nyhetsflyt.documents import EnrichedArticle, Failure

log = logging.getLogger(__name__)


@dataclass(slots=True)
class LoadResult:
    new: dict[str, int] = field(default_factory=dict)  # content_hash -> new article id
    updated: dict[str, int] = field(default_factory=dict)  # of those, new versions of an agency's item
    duplicates: list[str] = field(default_factory=list)  # content hashes already stored
    failures: dict[str, Failure] = field(default_factory=dict)  # content_hash -> why refused


_ARTICLE_COLUMNS = (
    "content_hash, source_uri, source_format, external_id, title, lede, body, raw_text, "
    "published, published_precision, authors, tags, language, language_confidence, word_count, "
    "keywords, model_name, model_version, ner_degraded, extractor_version, "
    "canonical_url, paywalled, section, declared_language, extraction_layer"
)

# Each content hash is locked for the transaction, so two workers loading the same words wait for
# each other instead of both inserting; the second then sees the first's row and skips it.
_LOCK_HASHES = """
SELECT pg_advisory_xact_lock(hashtextextended(h, 0)) FROM unnest(%s::text[]) AS h ORDER BY h
"""
_STORED_HASHES = "SELECT content_hash FROM news.articles WHERE content_hash = ANY(%s)"
# Ids are drawn from the table's own sequence, so new articles and all their parts are copied
# straight into their tables: the bulk of a batch is written once, with no staging table.
_NEW_IDS = "SELECT nextval(pg_get_serial_sequence('news.articles', 'id')) FROM generate_series(1, %s)"


def load_articles(conn: psycopg.Connection, articles: list[EnrichedArticle]) -> LoadResult:
    """Load a batch in one transaction. Raises on database errors (the caller retries)."""
    result = LoadResult()
    unique: dict[str, EnrichedArticle] = {}
    for item in articles:
        key = item.article.content_hash
        if key in unique:
            result.duplicates.append(key)  # the same words twice in one batch
        else:
            unique[key] = item
    if not unique:
        return result
    hashes = list(unique)
    with conn.transaction():
        conn.execute(_LOCK_HASHES, (hashes,))
        stored = {row[0] for row in conn.execute(_STORED_HASHES, (hashes,))}
        fresh = [key for key in hashes if key not in stored]
        # A news agency's new version replaces its item's article under the same id (db/wire.py).
        versions = plan_versions(conn, {key: unique[key] for key in fresh})
        fresh = [key for key in fresh if key not in versions.superseded]
        drawn = [key for key in fresh if key not in versions.replaces]
        ids = [row[0] for row in conn.execute(_NEW_IDS, (len(drawn),))] if drawn else []
        new = {**dict(zip(drawn, ids, strict=True)), **versions.replaces}
        _copy_articles(conn, {new[key]: (key, unique[key]) for key in fresh})
        _copy_parts(conn, {new[key]: unique[key] for key in fresh})
        record_versions(conn, {new[key]: unique[key] for key in fresh}, [unique[key] for key in versions.superseded])
    result.new = new
    result.updated = dict(versions.replaces)
    result.duplicates.extend(key for key in unique if key not in new)
    return result


_REFUSED_CONTENT = (psycopg.DataError, psycopg.IntegrityError, psycopg.ProgrammingError, UnicodeEncodeError)


def load_articles_isolating_bad(conn: psycopg.Connection, articles: list[EnrichedArticle]) -> LoadResult:
    """Load a batch; if the database refuses its content, load one by one to isolate the culprits.

    Text that cannot even be encoded for the database (a lone surrogate) counts as refused.
    Connection problems are not content problems: they propagate so the task is retried.
    """
    try:
        return load_articles(conn, articles)
    except _REFUSED_CONTENT as error:
        log.warning("Batch of %d refused (%s); loading one by one", len(articles), error)
    combined = LoadResult()
    for item in articles:
        try:
            single = load_articles(conn, [item])
        except _REFUSED_CONTENT as error:
            reason = f"database refused the article: {type(error).__name__}: {error}".strip()
            combined.failures[item.article.content_hash] = Failure(
                item.article.source_uri, "load", reason[:2000]
            )
            continue
        combined.new.update(single.new)
        combined.updated.update(single.updated)
        combined.duplicates.extend(single.duplicates)
    return combined


def _copy_articles(conn: psycopg.Connection, new: dict[int, tuple[str, EnrichedArticle]]) -> None:
    """COPY new articles with the ids drawn for them (COPY writes identity columns as given)."""
    if not new:
        return
    with conn.cursor().copy(f"COPY news.articles (id, {_ARTICLE_COLUMNS}) FROM STDIN") as copy:
        for article_id, (key, item) in new.items():
            a, e, page = item.article, item.enrichment, item.article.page
            copy.write_row((
                article_id, key, a.source_uri, a.source_format, a.external_id, a.title, a.lede, a.body,
                a.raw_text, a.published, a.published_precision, a.authors, a.tags, e.language,
                e.language_confidence, a.word_count, e.keywords, e.model_name, e.model_version,
                e.ner_degraded, a.extractor_version,
                *((page.canonical_url, page.paywalled, page.section, page.language, page.layer)
                  if page else (None, None, None, None, None)),
            ))


def _copy_parts(conn: psycopg.Connection, new: dict[int, EnrichedArticle]) -> None:
    """COPY the segments, captions, sentences, entities and quotes of newly inserted articles."""
    if not new:
        return
    cur = conn.cursor()
    with cur.copy("COPY news.segments (article_id, position, kind, text, raw) FROM STDIN") as copy:
        for article_id, item in new.items():
            for s in item.article.segments:
                copy.write_row((article_id, s.position, s.kind, s.text, s.raw))
    with cur.copy("COPY news.captions (article_id, position, label, text, photographers, agencies, "
                  "credit_raw) FROM STDIN") as copy:
        for article_id, item in new.items():
            for c in item.article.captions:
                copy.write_row((article_id, c.position, c.label, c.text, c.photographers, c.agencies,
                                c.credit_raw))
    with cur.copy("COPY news.sentences (article_id, sentence_index, segment_position, char_start, "
                  "char_end, text, tokens, lemmas, pos) FROM STDIN") as copy:
        for article_id, item in new.items():
            for sentence in item.enrichment.sentences:
                copy.write_row((article_id, sentence.index, sentence.segment_position, sentence.start,
                                sentence.end, sentence.text, sentence.tokens, sentence.lemmas, sentence.pos))
    with cur.copy("COPY news.entities (article_id, segment_position, segment_kind, text, label, "
                  "canonical, char_start, char_end, sentence_index) FROM STDIN") as copy:
        for article_id, item in new.items():
            for n in item.enrichment.entities:
                copy.write_row((article_id, n.segment_position, n.segment_kind, n.text, n.label,
                                n.canonical, n.start, n.end, n.sentence_index))
    with cur.copy("COPY news.quotes (article_id, position, quote_index, text, speaker, "
                  "speaker_canonical) FROM STDIN") as copy:
        for article_id, item in new.items():
            for index, q in enumerate(item.enrichment.quotes):
                copy.write_row((article_id, q.position, index, q.text, q.speaker, q.speaker_canonical))


# -- run bookkeeping ------------------------------------------------------------------------


def start_run(conn: psycopg.Connection, flow_name: str, flow_run_id: str | None) -> int:
    with conn.transaction():
        return int(scalar(conn.execute(
            "INSERT INTO news.ingest_runs (flow_name, flow_run_id) VALUES (%s, %s) RETURNING id",
            (flow_name, flow_run_id),
        )))


def finish_run(conn: psycopg.Connection, run_id: int, state: str, counts: dict[str, int]) -> None:
    with conn.transaction():
        conn.execute(
            "UPDATE news.ingest_runs SET finished_at = now(), state = %s, files_seen = %s,"
            " articles_seen = %s, articles_new = %s, duplicates = %s, skipped = %s, failed = %s WHERE id = %s",
            (state, counts.get("files_seen", 0), counts.get("articles_seen", 0),
             counts.get("articles_new", 0), counts.get("duplicates", 0), counts.get("skipped", 0),
             counts.get("failed", 0),
             run_id),
        )


def record_failures(conn: psycopg.Connection, run_id: int | None, failures: list[Failure],
                    outcome: str = "failed") -> None:
    if not failures:
        return
    with conn.transaction():
        with conn.cursor().copy(
            "COPY news.ingest_failures (run_id, source, stage, reason, outcome) FROM STDIN"
        ) as copy:
            for failure in failures:
                copy.write_row((run_id, failure.source_uri, failure.stage, failure.reason, outcome))
