"""Which PostgreSQL to talk to: an explicit URL, `DATABASE_URL`, or the embedded default.

The embedded default is a private PostgreSQL started from the `pgserver` package under
`var/pgdata`, so a fresh laptop needs nothing installed by hand. It keeps running between
commands (one start, many runs) and is reached over a Unix socket only.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import psycopg

from nyhetsflyt.settings import Settings

log = logging.getLogger(__name__)


def resolve_database_url(settings: Settings) -> str:
    """The URL to use: the settings' `DATABASE_URL`, else the embedded server's."""
    return settings.database() or embedded_database_url(embedded_data_dir(settings))


def embedded_data_dir(settings: Settings) -> Path:
    return settings.var_dir / "pgdata"


@cache
def embedded_database_url(data_dir: Path) -> str:
    import pgserver  # imported late: only the embedded default needs it

    data_dir.mkdir(parents=True, exist_ok=True)
    log.info("No DATABASE_URL set: using the embedded PostgreSQL in %s", data_dir)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    return server.get_uri()


def redact(url: str) -> str:
    """The URL with any password replaced, fit for logs and artifacts."""
    # An empty password (the embedded server's URI) stays empty, so the URL can still be pasted into psql.
    return re.sub(r"(://[^:/@]+):[^@]+@", r"\1:***@", url).replace(":@", "@", 1)


def connect(url: str, **kwargs: Any) -> psycopg.Connection:
    return psycopg.connect(url, **kwargs)


def scalar(cursor: psycopg.Cursor) -> Any:
    """The first column of the one row a query returns (a count, an id)."""
    row = cursor.fetchone()
    if row is None:
        raise LookupError("the query returned no row")
    return row[0]


_idle: dict[str, psycopg.Connection] = {}
_idle_lock = threading.Lock()


@contextmanager
def reused_connection(url: str) -> Iterator[psycopg.Connection]:
    """A connection kept open between batches of one worker process (a connect costs ~15 ms).

    It is checked with a round trip before use, so one that died with a restarted server is
    replaced, and it is closed, not kept, after any error or when left inside a transaction.
    """
    with _idle_lock:
        conn = _idle.pop(url, None)
    if conn is not None and not _alive(conn):
        conn.close()
        conn = None
    if conn is None:
        conn = connect(url)
    try:
        yield conn
    except BaseException:
        conn.close()
        raise
    if conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.close()
        return
    with _idle_lock:
        spare = _idle.setdefault(url, conn)
    if spare is not conn:  # another thread already keeps one for this URL
        conn.close()


def _alive(conn: psycopg.Connection) -> bool:
    if conn.closed or conn.broken:
        return False
    try:
        conn.execute("SELECT 1")
        conn.rollback()  # the check opened a transaction; the batch opens its own
    except psycopg.Error:
        return False
    return True
