"""Load enriched articles into the `news` schema: new articles and their parts by COPY.

A batch is one transaction. Articles are keyed by their content hash, so loading the same
words twice inserts nothing the second time; children are only ever inserted together with
a newly inserted article, so an article is either there with all its parts or not at all.
Each new article gets its story in the same transaction (`nyhetsflyt/db/stories.py`), and its
mentions their entities in the registry (`nyhetsflyt/db/entities.py`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import psycopg

from nyhetsflyt.db.connect import scalar
from nyhetsflyt.db.entities import refresh_entity_names
from nyhetsflyt.db.stories import assign_stories
from nyhetsflyt.db.wire import plan_versions, record_versions
from nyhetsflyt.documents import Article, EnrichedArticle, Failure

log = logging.getLogger(__name__)


# A copy as the loader knows it: its words (content hash) and where it came from (source URI).
LoadKey = tuple[str, str]


def load_key(article: Article) -> LoadKey:
    return (article.content_hash, article.source_uri)


@dataclass(slots=True)
class LoadResult:
    new: dict[LoadKey, int] = field(default_factory=dict)  # -> new article id
    updated: dict[LoadKey, int] = field(default_factory=dict)  # of those, new versions of an agency's item
    duplicates: list[LoadKey] = field(default_factory=list)  # the same words from the same source, already stored
    failures: dict[LoadKey, Failure] = field(default_factory=dict)  # -> why refused
    copies: set[LoadKey] = field(default_factory=set)  # new articles that joined a story already there
    story_seconds: float = 0.0  # time spent finding the new articles' stories


_ARTICLE_COLUMNS = (
    "content_hash, source_uri, source_format, external_id, title, lede, body, raw_text, "
    "published, published_precision, authors, tags, language, language_confidence, word_count, "
    "keywords, model_name, model_version, ner_degraded, extractor_version, "
    "canonical_url, paywalled, section, declared_language, extraction_layer, story_id, ner_run"
)

# Each content hash is locked for the transaction, so two workers loading the same words wait for
# each other instead of both inserting; the second then sees the first's row and skips it.
_LOCK_HASHES = """
SELECT pg_advisory_xact_lock(hashtextextended(h, 0)) FROM unnest(%s::text[]) AS h ORDER BY h
"""
# An article is its words as one source ran them (news.article_source: a web host, or a file):
# the same words again from that source are the same row; from another source, another row of
# the same story.
_SOURCES = "SELECT news.article_source(u) FROM unnest(%s::text[]) WITH ORDINALITY AS t(u, n) ORDER BY n"
_STORED = "SELECT content_hash, source, story_id FROM news.articles WHERE content_hash = ANY(%s)"
# Ids are drawn from the table's own sequence, so new articles and all their parts are copied
# straight into their tables: the bulk of a batch is written once, with no staging table.
_NEW_IDS = "SELECT nextval(pg_get_serial_sequence('news.articles', 'id')) FROM generate_series(1, %s)"


def load_articles(conn: psycopg.Connection, articles: list[EnrichedArticle],
                  run_id: int | None = None) -> LoadResult:
    """Load a batch in one transaction, new articles marked with the run that loaded them.
    Raises on database errors (the caller retries)."""
    result = LoadResult()
    unique: dict[LoadKey, EnrichedArticle] = {}
    for item in articles:
        key = load_key(item.article)
        if key in unique:
            result.duplicates.append(key)  # the same words from the same place twice in one batch
        else:
            unique[key] = item
    if not unique:
        return result
    keys = list(unique)
    with conn.transaction():
        conn.execute(_LOCK_HASHES, (sorted({h for h, _ in keys}),))
        sources = [row[0] for row in conn.execute(_SOURCES, ([uri for _, uri in keys],))]
        stored = {(h, source): story for h, source, story in conn.execute(_STORED, ([h for h, _ in keys],))}
        stored_words = {h for h, _ in stored}
        fresh: list[LoadKey] = []
        taken = set(stored)
        for key, source in zip(keys, sources, strict=True):
            # An agency's item is one row whichever file or feed brought it (db/wire.py keeps its versions).
            if (key[0], source) in taken or (unique[key].article.wire is not None and key[0] in stored_words):
                continue
            taken.add((key[0], source))
            fresh.append(key)
        # A news agency's new version replaces its item's article under the same id (db/wire.py).
        versions = plan_versions(conn, {key: unique[key] for key in fresh})
        fresh = [key for key in fresh if key not in versions.superseded]
        drawn = [key for key in fresh if key not in versions.replaces]
        ids = [row[0] for row in conn.execute(_NEW_IDS, (len(drawn),))] if drawn else []
        new = {**dict(zip(drawn, ids, strict=True)), **versions.replaces}
        started = time.perf_counter()
        stories = _stories(conn, [(new[key], key[0], unique[key].article.body) for key in fresh],
                           {h: story for (h, _), story in stored.items()})
        result.story_seconds = time.perf_counter() - started
        _copy_articles(conn, {new[key]: (key[0], unique[key], stories[new[key]]) for key in fresh}, run_id)
        _copy_parts(conn, {new[key]: unique[key] for key in fresh})
        if fresh or versions.dropped_names:
            refresh_entity_names(conn, [new[key] for key in fresh], versions.dropped_names)
        record_versions(conn, {new[key]: unique[key] for key in fresh}, [unique[key] for key in versions.superseded])
    result.new = new
    result.updated = dict(versions.replaces)
    result.copies = {key for key in fresh if stories[new[key]] != new[key]}
    result.duplicates.extend(key for key in unique if key not in new)
    return result


def _stories(conn: psycopg.Connection, fresh: list[tuple[int, str, str]], stored: dict[str, int]) -> dict[int, int]:
    """Story ids for new articles (id, content hash, body): the same words as a stored or an earlier
    new article are that article's story outright; the rest are fingerprinted."""
    first_with: dict[str, int] = {}
    to_match: dict[int, str] = {}
    for article_id, content_hash, body in fresh:
        if content_hash not in stored and content_hash not in first_with:
            first_with[content_hash] = article_id
            to_match[article_id] = body
    stories = assign_stories(conn, to_match)
    for article_id, content_hash, _ in fresh:
        if article_id not in stories:
            stories[article_id] = (stored[content_hash] if content_hash in stored
                                   else stories[first_with[content_hash]])
    return stories


_REFUSED_CONTENT = (psycopg.DataError, psycopg.IntegrityError, psycopg.ProgrammingError, UnicodeEncodeError)


def load_articles_isolating_bad(conn: psycopg.Connection, articles: list[EnrichedArticle],
                                run_id: int | None = None) -> LoadResult:
    """Load a batch; if the database refuses its content, load one by one to isolate the culprits.

    Text that cannot even be encoded for the database (a lone surrogate) counts as refused.
    Connection problems are not content problems: they propagate so the task is retried.
    """
    try:
        return load_articles(conn, articles, run_id)
    except _REFUSED_CONTENT as error:
        log.warning("Batch of %d refused (%s); loading one by one", len(articles), error)
    combined = LoadResult()
    for item in articles:
        try:
            single = load_articles(conn, [item], run_id)
        except _REFUSED_CONTENT as error:
            reason = f"database refused the article: {type(error).__name__}: {error}".strip()
            combined.failures[load_key(item.article)] = Failure(
                item.article.source_uri, "load", reason[:2000]
            )
            continue
        combined.new.update(single.new)
        combined.updated.update(single.updated)
        combined.duplicates.extend(single.duplicates)
        combined.copies |= single.copies
        combined.story_seconds += single.story_seconds
    return combined


def _copy_articles(conn: psycopg.Connection, new: dict[int, tuple[str, EnrichedArticle, int]],
                   run_id: int | None = None) -> None:
    """COPY new articles with the ids drawn for them (COPY writes identity columns as given)."""
    if not new:
        return
    with conn.cursor().copy(f"COPY news.articles (id, {_ARTICLE_COLUMNS}, run_id) FROM STDIN") as copy:
        for article_id, (key, item, story_id) in new.items():
            a, e, page = item.article, item.enrichment, item.article.page
            copy.write_row((
                article_id, key, a.source_uri, a.source_format, a.external_id, a.title, a.lede, a.body,
                a.raw_text, a.published, a.published_precision, a.authors, a.tags, e.language,
                e.language_confidence, a.word_count, e.keywords, e.model_name, e.model_version,
                e.ner_degraded, a.extractor_version,
                *((page.canonical_url, page.paywalled, page.section, page.language, page.layer)
                  if page else (None, None, None, None, None)),
                story_id,
                e.ner_run,
                run_id,
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
