"""Stories in the database: the LSH band index (`news.story_bands`) and a story for each new article.

A new article is fingerprinted (`nyhetsflyt.fingerprint`); every article that shares an LSH band
key with it is a candidate, and the candidates' stored bodies are checked against it on their
exact shingle sets. It joins the story of the best match, or starts a story of its own (story_id
= its own id). The band keys are claimed before the candidates are looked up, inside the
loading transaction: a concurrent load that claimed one of the same keys and has not committed
makes this one wait until it has, and then its article is a candidate like any other. So two
workers loading copies of one story at the same moment end with one story, as if one had
loaded after the other. Keys are claimed in sorted order, so two loads never wait for each
other in a circle.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

import psycopg

from nyhetsflyt.fingerprint import Fingerprint, fingerprint, overlap, same_story, shingles

log = logging.getLogger(__name__)

_CLAIM = """
INSERT INTO news.story_bands (band_key, article_id)
SELECT key, article_id FROM unnest(%s::bigint[], %s::bigint[]) AS claim(key, article_id) ORDER BY key
ON CONFLICT (band_key) DO NOTHING
RETURNING band_key
"""
_HOLDERS = """
SELECT b.band_key, a.id, a.story_id, a.body
FROM news.story_bands b JOIN news.articles a ON a.id = b.article_id
WHERE b.band_key = ANY(%s)
"""


@dataclass(slots=True)
class _Candidate:
    article_id: int
    story_id: int
    shingles: frozenset[str]


def assign_stories(conn: psycopg.Connection, bodies: dict[int, str]) -> dict[int, int]:
    """Story ids for new articles (article id → body text, in load order), inside the caller's transaction.

    Claims the articles' band keys in `news.story_bands`; the caller inserts the articles in the
    same transaction. An article that shares a key with an earlier one of the same batch is
    checked against it too.
    """
    prints: dict[int, Fingerprint] = {article_id: fingerprint(body) for article_id, body in bodies.items()}
    first_with: dict[int, int] = {}  # band key → the first article of this batch that has it
    for article_id, print_ in prints.items():
        for key in print_.band_keys:
            first_with.setdefault(key, article_id)
    keys = sorted(first_with)
    claimed = {row[0] for row in conn.execute(_CLAIM, (keys, [first_with[k] for k in keys]))} if keys else set()
    stored: dict[int, _Candidate] = {}  # band key → the stored article holding it
    held_elsewhere = [key for key in keys if key not in claimed]
    if held_elsewhere:
        by_article: dict[int, _Candidate] = {}
        for key, article_id, story_id, body in conn.execute(_HOLDERS, (held_elsewhere,)):
            if article_id not in by_article:
                by_article[article_id] = _Candidate(article_id, story_id, shingles(body))
            stored[key] = by_article[article_id]

    stories: dict[int, int] = {}
    earlier: dict[int, list[int]] = defaultdict(list)  # band key → earlier articles of this batch
    for article_id, print_ in prints.items():
        candidates: dict[int, _Candidate] = {}
        for key in print_.band_keys:
            if key in stored:
                candidates[stored[key].article_id] = stored[key]
            for other in earlier[key]:
                candidates[other] = _Candidate(other, stories[other], prints[other].shingles)
            earlier[key].append(article_id)
        stories[article_id] = _best_story(print_.shingles, candidates.values(), default=article_id)
    return stories


def _best_story(own: frozenset[str], candidates, default: int) -> int:
    """The story of the candidate that matches best (most contained, then most similar, then oldest)."""
    best: tuple[float, float, int] | None = None
    for candidate in candidates:
        if not same_story(own, candidate.shingles):
            continue
        o = overlap(own, candidate.shingles)
        rank = (o.containment, o.jaccard, -candidate.story_id)
        if best is None or rank > best:
            best = rank
    return default if best is None else -best[2]


# -- articles stored before stories existed ---------------------------------------------------

_NEXT_BACKLOG = """
SELECT b.article_id, a.body FROM news.story_backlog b JOIN news.articles a ON a.id = b.article_id
ORDER BY b.article_id LIMIT %s FOR UPDATE OF b SKIP LOCKED
"""
_SET_STORIES = """
UPDATE news.articles a SET story_id = s.story_id
FROM unnest(%s::bigint[], %s::bigint[]) AS s(article_id, story_id)
WHERE a.id = s.article_id AND a.story_id <> s.story_id
"""


def fold_backlog(conn: psycopg.Connection, batch_size: int = 500) -> tuple[int, int]:
    """Give the articles in `news.story_backlog` their stories, oldest first, one transaction per batch.

    Returns (articles taken, articles that joined another story). Safe to run from several
    workers at once: each takes rows the others have not locked.
    """
    taken = joined = 0
    while True:
        with conn.transaction():
            rows = conn.execute(_NEXT_BACKLOG, (batch_size,)).fetchall()
            if not rows:
                return taken, joined
            stories = assign_stories(conn, dict(rows))
            ids = list(stories)
            moved = conn.execute(_SET_STORIES, (ids, [stories[i] for i in ids])).rowcount
            conn.execute("DELETE FROM news.story_backlog WHERE article_id = ANY(%s)", (ids,))
        taken += len(rows)
        joined += moved
        log.info("Folded %d stored articles into stories (%d joined another story)", len(rows), moved)


def reindex_all(conn: psycopg.Connection) -> int:
    """Forget every story and band key and put every article in the backlog (after the fingerprint
    scheme changed); `fold_backlog` then builds them again. Returns the articles queued."""
    with conn.transaction():
        conn.execute("LOCK TABLE news.story_bands IN EXCLUSIVE MODE")
        conn.execute("DELETE FROM news.story_bands")
        conn.execute("UPDATE news.articles SET story_id = id WHERE story_id <> id")
        return conn.execute(
            "INSERT INTO news.story_backlog (article_id) SELECT id FROM news.articles ON CONFLICT DO NOTHING"
        ).rowcount


def story_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Articles, stories, and articles still waiting for their story."""
    row = conn.execute(
        "SELECT count(*), count(DISTINCT story_id), (SELECT count(*) FROM news.story_backlog) FROM news.articles"
    ).fetchone()
    assert row is not None
    return {"articles": row[0], "stories": row[1], "awaiting_story": row[2]}
