"""Row counts of the news tables, for summaries and idempotency checks."""

from __future__ import annotations

import psycopg
from psycopg import sql

from nyhetsflyt.db.connect import scalar

NEWS_TABLES = ("articles", "segments", "captions", "sentences", "entities", "quotes")


def table_counts(url: str, tables: tuple[str, ...] = NEWS_TABLES) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            name: scalar(conn.execute(
                sql.SQL("SELECT count(*) FROM news.{}").format(sql.Identifier(name))
            ))
            for name in tables
        }
