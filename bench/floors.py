"""The floors the pipeline is measured against: the model alone, and COPY alone.

Both take their input from what the pipeline stored, so they see exactly the pipeline's texts and
rows: the segment texts it fed the model (the kinds `nyhetsflyt.nlp.enrich` enriches, in the same
order) and the rows of news.articles and its child tables.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg

from nyhetsflyt.db.migrate import migrate
from nyhetsflyt.nlp.enrich import ENRICHED_KINDS
from nyhetsflyt.nlp.model import load_nlp

# Columns a loader writes (identity ids, defaults and generated columns are the database's).
ARTICLE_COLUMNS = (
    "content_hash, source_uri, source_format, external_id, title, lede, body, raw_text, published, "
    "published_precision, authors, tags, language, language_confidence, word_count, keywords, "
    "model_name, model_version, ner_degraded, extractor_version, story_id"
)
CHILD_TABLES: dict[str, str] = {
    "segments": "article_id, position, kind, text, raw",
    "captions": "article_id, position, label, text, photographers, agencies, credit_raw",
    "sentences": "article_id, sentence_index, segment_position, char_start, char_end, text, tokens, lemmas, pos",
    "entities": "article_id, segment_position, segment_kind, text, label, canonical, char_start, char_end, "
                "sentence_index",
    "quotes": "article_id, position, quote_index, text, speaker, speaker_canonical",
}
TABLES = ("articles", *CHILD_TABLES)


def article_ids(database_url: str) -> list[int]:
    with psycopg.connect(database_url) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM news.articles ORDER BY id")]


def row_counts(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM news.{table}").fetchone()[0] for table in TABLES}


def content_digests(database_url: str) -> dict[str, str]:
    """Per table, a digest of what the pipeline stored, blind to the database's own ids and
    times: child rows are keyed by their article's content hash instead of its id."""
    queries = {"articles": "SELECT (to_jsonb(a) - 'id' - 'ingested_at' - 'story_id')::text FROM news.articles a"}
    for table in CHILD_TABLES:
        queries[table] = (f"SELECT a.content_hash || (to_jsonb(t) - 'article_id')::text FROM news.{table} t"
                          " JOIN news.articles a ON a.id = t.article_id")
    digest = "SELECT md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) FROM ({}) AS x(r)"
    with psycopg.connect(database_url) as conn:
        return {table: conn.execute(digest.format(query)).fetchone()[0] for table, query in queries.items()}


def same_content(url_a: str, url_b: str) -> dict[str, bool]:
    """For each table: did both runs store the same rows?"""
    a, b = content_digests(url_a), content_digests(url_b)
    return {table: a[table] == b[table] for table in a}


def segment_texts(database_url: str, ids: list[int] | None = None) -> list[str]:
    """The texts the NLP stage fed the model, article by article, in reading order."""
    query = ("SELECT text FROM news.segments WHERE kind = ANY(%s)"
             + (" AND article_id = ANY(%s)" if ids is not None else "")
             + " ORDER BY article_id, position")
    params: list[object] = [sorted(ENRICHED_KINDS)]
    if ids is not None:
        params.append(ids)
    with psycopg.connect(database_url) as conn:
        return [text for (text,) in conn.execute(query, params) if text.strip()]


def systematic_sample(ids: list[int], size: int) -> list[int]:
    """`size` ids spread evenly over the whole run (every k-th), or all of them."""
    if size >= len(ids):
        return list(ids)
    step = len(ids) / size
    return [ids[int(i * step)] for i in range(size)]


def words(texts: list[str]) -> int:
    return sum(len(text.split()) for text in texts)


@dataclass
class NlpFloor:
    texts: int
    words: int
    tokens: int
    seconds: float
    model_load_s: float

    @property
    def words_per_s(self) -> float:
        return self.words / self.seconds


def nlp_floor(model: str, texts: list[str], *, batch_size: int = 64, n_process: int = 1) -> NlpFloor:
    """`nlp.pipe` alone over `texts`: same loader, batch size and process count as the NLP stage."""
    started = time.perf_counter()
    nlp, _ = load_nlp(model)
    list(nlp.pipe(texts[:20]))  # the workers warm up the same way before their run
    model_load_s = time.perf_counter() - started
    started = time.perf_counter()
    tokens = 0
    for doc in nlp.pipe(texts, batch_size=batch_size, n_process=n_process):
        tokens += len(doc)
    seconds = time.perf_counter() - started
    return NlpFloor(len(texts), words(texts), tokens, seconds, model_load_s)


@dataclass
class CopyFloor:
    rows: int
    articles: int
    seconds: float  # inside the COPY transactions only

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds


def copy_floor(source_url: str, target_url: str, *, batch_size: int = 64) -> CopyFloor:
    """COPY the pipeline's rows, batch by batch, straight into the tables of a fresh database.

    Rows are read from the pipeline's database outside the clock, as Python values (what any
    loader has in hand), then written with one COPY per table and one transaction per batch of
    articles: no staging tables, no upsert. The target has the same schema, indexes and
    constraints (migrations applied), so the database's own work is the same.
    """
    migrate(target_url)
    ids = article_ids(source_url)
    rows = 0
    seconds = 0.0
    new_id = 0
    with psycopg.connect(source_url) as source, psycopg.connect(target_url) as target:
        for start in range(0, len(ids), batch_size):
            batch = ids[start:start + batch_size]
            # A fresh table numbers its identity 1, 2, …: the n-th article copied gets id n.
            mapping = {old: new_id + offset + 1 for offset, old in enumerate(batch)}
            new_id += len(batch)
            articles = source.execute(
                f"SELECT {ARTICLE_COLUMNS} FROM news.articles WHERE id = ANY(%s) ORDER BY id", [batch]
            ).fetchall()
            children = {
                table: [(mapping[row[0]], *row[1:]) for row in source.execute(
                    f"SELECT {columns} FROM news.{table} WHERE article_id = ANY(%s) ORDER BY article_id",
                    [batch])]
                for table, columns in CHILD_TABLES.items()
            }
            started = time.perf_counter()
            with target.transaction():
                cursor = target.cursor()
                with cursor.copy(f"COPY news.articles ({ARTICLE_COLUMNS}) FROM STDIN") as copy:
                    for row in articles:
                        copy.write_row(row)
                for table, columns in CHILD_TABLES.items():
                    with cursor.copy(f"COPY news.{table} ({columns}) FROM STDIN") as copy:
                        for row in children[table]:
                            copy.write_row(row)
            seconds += time.perf_counter() - started
            rows += len(articles) + sum(len(table_rows) for table_rows in children.values())
        copied = target.execute("SELECT count(*), coalesce(max(id), 0) FROM news.articles").fetchone()
    if tuple(copied) != (len(ids), len(ids)):
        raise RuntimeError(f"COPY floor numbered articles unexpectedly: {copied} for {len(ids)} articles")
    return CopyFloor(rows, len(ids), seconds)
