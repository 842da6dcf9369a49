"""What the web side remembers in PostgreSQL: sources to poll, per-URL fetch state, a fetch log.

Tables come from infra/migrations/0002_web.sql. Every writer runs inside `conn.transaction()`:
atomic, committed at once when the caller has no transaction open, a savepoint inside the
caller's transaction otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

import psycopg
from psycopg.rows import class_row

from nyhetsflyt.sources.web.discover import SourceKind
from nyhetsflyt.sources.web.records import CONTENT_OUTCOMES, FetchResult, UrlState

SOURCE_KINDS: tuple[str, ...] = ("feed", "sitemap", "urls")


@dataclass(frozen=True, slots=True)
class Source:
    id: int
    url: str
    kind: SourceKind
    name: str | None
    active: bool
    added_at: datetime
    last_polled_at: datetime | None


# --- URL state and fetch log ---------------------------------------------------------------


_URL_STATE_COLUMNS = (
    "url, etag, last_modified, content_hash, last_status, last_outcome, last_fetched_at, article_id"
)


def load_url_state(conn: psycopg.Connection, url: str) -> UrlState | None:
    with conn.cursor(row_factory=class_row(UrlState)) as cur:
        cur.execute(f"SELECT {_URL_STATE_COLUMNS} FROM news.url_state WHERE url = %s", (url,))
        return cur.fetchone()


def load_url_states(conn: psycopg.Connection, urls: list[str]) -> dict[str, UrlState]:
    """The stored state of each of `urls` that has one, in one query."""
    with conn.cursor(row_factory=class_row(UrlState)) as cur:
        cur.execute(f"SELECT {_URL_STATE_COLUMNS} FROM news.url_state WHERE url = ANY(%s)", (urls,))
        return {state.url: state for state in cur.fetchall()}


# Validators and hash are replaced after a fetch that saw the content (a server may drop its
# ETag), merged after a 304, and left alone after a failure, which says nothing about them.
_UPSERT_URL_STATE = """
INSERT INTO news.url_state AS s
    (url, etag, last_modified, content_hash, last_status, last_outcome, last_fetched_at)
VALUES (%(url)s, %(etag)s, %(last_modified)s, %(content_hash)s, %(status)s, %(outcome)s, %(at)s)
ON CONFLICT (url) DO UPDATE SET
    etag = CASE WHEN %(replace)s THEN EXCLUDED.etag ELSE coalesce(EXCLUDED.etag, s.etag) END,
    last_modified = CASE WHEN %(replace)s THEN EXCLUDED.last_modified
                         ELSE coalesce(EXCLUDED.last_modified, s.last_modified) END,
    content_hash = CASE WHEN %(replace)s THEN EXCLUDED.content_hash
                        ELSE coalesce(EXCLUDED.content_hash, s.content_hash) END,
    last_status = EXCLUDED.last_status,
    last_outcome = EXCLUDED.last_outcome,
    last_fetched_at = EXCLUDED.last_fetched_at
"""

_INSERT_FETCH_LOG = """
INSERT INTO news.fetch_log
    (url, final_url, status, outcome, bytes, elapsed_ms, attempts, error, at)
VALUES (%(url)s, %(final_url)s, %(status)s, %(outcome)s, %(bytes)s, %(elapsed_ms)s,
        %(attempts)s, %(error)s, %(at)s)
"""
# With the columns of 0003_web_links.sql: what kind of document it was, and the run that asked.
_INSERT_FETCH_LOG_OF_RUN = """
INSERT INTO news.fetch_log
    (url, final_url, status, outcome, bytes, elapsed_ms, attempts, error, at, kind, run_id)
VALUES (%(url)s, %(final_url)s, %(status)s, %(outcome)s, %(bytes)s, %(elapsed_ms)s,
        %(attempts)s, %(error)s, %(at)s, %(kind)s, %(run_id)s)
"""


def _fetch_params(result: FetchResult, at: datetime | None) -> dict:
    replace = result.outcome in CONTENT_OUTCOMES
    keeps_validators = replace or result.outcome == "not_modified"
    return {
        "url": result.url,
        "final_url": result.final_url,
        "etag": result.etag if keeps_validators else None,
        "last_modified": result.last_modified if keeps_validators else None,
        "content_hash": result.content_hash if keeps_validators else None,
        "status": result.status,
        "outcome": result.outcome,
        "replace": replace,
        "at": at or datetime.now(timezone.utc),
        "bytes": result.bytes,
        "elapsed_ms": round(result.elapsed_s * 1000),
        "attempts": result.attempts,
        "error": result.error,
    }


def log_fetch(conn: psycopg.Connection, result: FetchResult, at: datetime | None = None, *,
              kind: str | None = None, run_id: int | None = None) -> None:
    """One fetch_log row for the fetch; `kind` and `run_id` need migration 0003."""
    params = _fetch_params(result, at) | {"kind": kind, "run_id": run_id}
    statement = _INSERT_FETCH_LOG if kind is None and run_id is None else _INSERT_FETCH_LOG_OF_RUN
    with conn.transaction():
        conn.execute(statement, params)


def save_url_state(conn: psycopg.Connection, result: FetchResult, at: datetime | None = None) -> None:
    """Bring the URL's state up to date with the fetch (validators, hash, last outcome)."""
    with conn.transaction():
        conn.execute(_UPSERT_URL_STATE, _fetch_params(result, at))


def save_fetch(conn: psycopg.Connection, result: FetchResult, at: datetime | None = None) -> None:
    """Record a fetch: one fetch_log row, and the URL's state brought up to date."""
    params = _fetch_params(result, at)
    with conn.transaction():
        conn.execute(_UPSERT_URL_STATE, params)
        conn.execute(_INSERT_FETCH_LOG, params)


def link_article(conn: psycopg.Connection, url: str, article_id: int) -> None:
    """Remember which article a fetched page became."""
    with conn.transaction():
        conn.execute("UPDATE news.url_state SET article_id = %s WHERE url = %s", (article_id, url))


def stored_article_id(conn: psycopg.Connection, source_uri: str) -> int | None:
    """The newest article stored from `source_uri`, if any (for a page whose text was known)."""
    row = conn.execute(
        "SELECT id FROM news.articles WHERE source_uri = %s ORDER BY id DESC LIMIT 1", (source_uri,)
    ).fetchone()
    return row[0] if row else None


# --- sources -------------------------------------------------------------------------------

_SOURCE_COLUMNS = "id, url, kind, name, active, added_at, last_polled_at"


def add_source(conn: psycopg.Connection, url: str, kind: SourceKind, name: str | None = None,
               *, active: bool = True) -> Source:
    """Add a source, or update the kind, name and active flag of the one with this URL."""
    if kind not in SOURCE_KINDS:
        raise ValueError(f"source kind must be one of {SOURCE_KINDS}, not {kind!r}")
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"a source URL must be http or https: {url!r}")
    with conn.transaction(), conn.cursor(row_factory=class_row(Source)) as cur:
        cur.execute(
            "INSERT INTO news.sources AS s (url, kind, name, active) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (url) DO UPDATE SET kind = EXCLUDED.kind,"
            " name = coalesce(EXCLUDED.name, s.name), active = EXCLUDED.active"
            f" RETURNING {_SOURCE_COLUMNS}",
            (url, kind, name, active),
        )
        row = cur.fetchone()
    assert row is not None  # INSERT … RETURNING always yields the row
    return row


def list_sources(conn: psycopg.Connection, *, active_only: bool = True,
                 kind: SourceKind | None = None) -> list[Source]:
    with conn.cursor(row_factory=class_row(Source)) as cur:
        cur.execute(
            f"SELECT {_SOURCE_COLUMNS} FROM news.sources"
            " WHERE (active OR NOT %(active_only)s)"
            " AND (%(kind)s::text IS NULL OR kind = %(kind)s::text) ORDER BY id",
            {"active_only": active_only, "kind": kind},
        )
        return cur.fetchall()


def mark_source_polled(conn: psycopg.Connection, source_id: int, at: datetime | None = None) -> None:
    with conn.transaction():
        conn.execute(
            "UPDATE news.sources SET last_polled_at = %s WHERE id = %s",
            (at or datetime.now(timezone.utc), source_id),
        )


def remove_source(conn: psycopg.Connection, url_or_id: str) -> Source | None:
    """Delete the source with this URL (or numeric id); the removed row, or None if none."""
    by_id = url_or_id.isdigit()
    with conn.transaction(), conn.cursor(row_factory=class_row(Source)) as cur:
        cur.execute(
            f"DELETE FROM news.sources WHERE {'id = %s::bigint' if by_id else 'url = %s'}"
            f" RETURNING {_SOURCE_COLUMNS}",
            (url_or_id,),
        )
        return cur.fetchone()
