"""The entity registry (`news.entity_names`, migration 0010): kept right in the transaction that
changes mentions.

`news.refresh_entity_names` does the work in the database: names for new mentions (INSERT … ON
CONFLICT on the normalised key), one-word names linked to the one full name that ends in them,
each mention's `entity_id`, and each entity's majority type, variants and counts. It takes one
advisory lock for the rest of the transaction, so refreshes never interleave. A transaction that
deletes mentions (re-enrichment, a news agency's new version) takes that lock *before* deleting,
so no refresh ever waits on its rows while it waits on the lock.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg

REGISTRY_LOCK = 7234958104  # the same key as in news.refresh_entity_names


def lock_registry(conn: psycopg.Connection) -> None:
    """Take the registry's lock until the transaction ends (before deleting mentions)."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (REGISTRY_LOCK,))


def names_of_articles(conn: psycopg.Connection, article_ids: Iterable[int]) -> list[str]:
    """The registry keys of these articles' mentions (to refresh after deleting them)."""
    row = conn.execute(
        "SELECT coalesce(array_agg(DISTINCT news.entity_key(canonical)), '{}') FROM news.entities"
        " WHERE article_id = ANY(%s)", (list(article_ids),)).fetchone()
    return list(row[0]) if row else []


def refresh_entity_names(conn: psycopg.Connection, article_ids: Iterable[int],
                         name_keys: Iterable[str] = ()) -> None:
    """Bring the registry up to date for these articles' mentions and these (deleted) names."""
    conn.execute("SELECT news.refresh_entity_names(%s::bigint[], %s::text[])",
                 (list(article_ids), list(name_keys)))


def refresh_all(conn: psycopg.Connection) -> None:
    """Every name again (after stories were rebuilt, or mentions deleted by hand)."""
    conn.execute("SELECT news.refresh_entity_names(NULL, NULL)")
