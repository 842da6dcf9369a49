"""Row counts of the news tables, for summaries and idempotency checks."""

from __future__ import annotations

import psycopg
from psycopg import sql

NEWS_TABLES = ("articles", "segments", "captions", "sentences", "entities", "quotes")


def table_counts(url: str, tables: tuple[str, ...] = NEWS_TABLES) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            name: conn.execute(
                sql.SQL("SELECT count(*) FROM news.{}").format(sql.Identifier(name))
            ).fetchone()[0]
            for name in tables
        }
