"""Stories in the database: the LSH band index (`news.story_bands`) and a story for each new article.

A new article is fingerprinted (`nyhetsflyt.fingerprint`); every story that holds one of its LSH
band keys is a candidate, and the candidate's fullest stored copies are checked against it on
their exact shingle sets, read from `news.story_prints` (an article's shingle hashes, written
when it is loaded). It joins the story of the best match, or starts a story of its own
(story_id = its own id). The band keys are claimed before the candidates are looked up, inside the
loading transaction: a concurrent load that claimed one of the same keys and has not committed
makes this one wait until it has, and then its article is a candidate like any other. So two
workers loading copies of one story at the same moment end with one story, as if one had
loaded after the other. Keys are claimed in sorted order, so two loads never wait for each
other in a circle.
"""

from __future__ import annotations

import logging
from collections import defaultdict

import psycopg

from nyhetsflyt.db.entities import refresh_all, refresh_entity_names
from nyhetsflyt.fingerprint import (
    Fingerprint,
    fingerprint,
    overlap,
    pack_hashes,
    same_story,
    shingle_hashes,
    shingles,
    unpack_hashes,
)

log = logging.getLogger(__name__)

_CLAIM = """
INSERT INTO news.story_bands (band_key, article_id)
SELECT key, article_id FROM unnest(%s::bigint[], %s::bigint[]) AS claim(key, article_id) ORDER BY key
ON CONFLICT (band_key) DO NOTHING
RETURNING band_key
"""
_HOLDERS = """
SELECT b.band_key, a.story_id FROM news.story_bands b JOIN news.articles a ON a.id = b.article_id
WHERE b.band_key = ANY(%s)
"""
# A story is checked against its two fullest copies (a key's holder may be a short one): a new
# version that matches either belongs to it. More copies found little more and cost a print
# fetched each, for every candidate (bench/dedup.py). A copy stored before prints existed and not
# yet given one (`fill_prints`) is read from its body.
COPIES_CHECKED = 2
_COPIES = """
SELECT s.story_id, c.shingles, c.body
FROM unnest(%s::bigint[]) AS s(story_id)
CROSS JOIN LATERAL (
    SELECT p.shingles, CASE WHEN p.article_id IS NULL THEN a.body END AS body
    FROM news.articles a LEFT JOIN news.story_prints p ON p.article_id = a.id
    WHERE a.story_id = s.story_id
    ORDER BY a.word_count DESC, a.id LIMIT %s
) c
"""
# An article's print is written with its story; a new version of an agency item, loaded under
# the same id, replaces it. (`fill_prints` leaves articles still waiting for a story to this.)
_DROP_PRINTS = "DELETE FROM news.story_prints WHERE article_id = ANY(%s)"
_COPY_PRINTS = "COPY news.story_prints (article_id, shingles) FROM STDIN (FORMAT BINARY)"


def assign_stories(conn: psycopg.Connection, bodies: dict[int, str]) -> dict[int, int]:
    """Story ids for new articles (article id → body text, in load order), inside the caller's transaction.

    Claims the articles' band keys in `news.story_bands`; the caller inserts the articles in the
    same transaction. Every story that holds one of an article's keys is a candidate, and so is
    the story of an earlier article of the same batch that shares a key with it; the article
    joins the candidate whose copies it matches best.
    """
    prints: dict[int, Fingerprint] = {article_id: fingerprint(body) for article_id, body in bodies.items()}
    first_with: dict[int, int] = {}  # band key → the first article of this batch that has it
    for article_id, print_ in prints.items():
        for key in print_.band_keys:
            first_with.setdefault(key, article_id)
    keys = sorted(first_with)
    claimed = {row[0] for row in conn.execute(_CLAIM, (keys, [first_with[k] for k in keys]))} if keys else set()
    held_elsewhere = [key for key in keys if key not in claimed]
    stored_story: dict[int, int] = dict(conn.execute(_HOLDERS, (held_elsewhere,)).fetchall()) if held_elsewhere else {}
    copies: dict[int, list[frozenset[int]]] = defaultdict(list)  # story → shingle hashes of its copies
    if stored_story:
        for story_id, hashes, body in conn.execute(_COPIES, (sorted(set(stored_story.values())), COPIES_CHECKED)):
            copies[story_id].append(unpack_hashes(hashes) if hashes is not None else shingle_hashes(shingles(body)))

    stories: dict[int, int] = {}
    earlier: dict[int, list[int]] = defaultdict(list)  # band key → earlier articles of this batch
    for article_id, print_ in prints.items():
        candidates: set[int] = set()
        for key in print_.band_keys:
            if key in stored_story:
                candidates.add(stored_story[key])
            candidates.update(stories[other] for other in earlier[key])
            earlier[key].append(article_id)
        story = _best_story(print_.hashes, {c: copies[c] for c in candidates})
        stories[article_id] = article_id if story is None else story
        copies[stories[article_id]].append(print_.hashes)
    _write_prints(conn, {article_id: print_.hashes for article_id, print_ in prints.items()})
    return stories


def _write_prints(conn: psycopg.Connection, hashes: dict[int, frozenset[int]]) -> None:
    if not hashes:
        return
    conn.execute(_DROP_PRINTS, (list(hashes),))
    with conn.cursor().copy(_COPY_PRINTS) as copy:
        copy.set_types(["int8", "bytea"])
        for article_id, values in hashes.items():
            copy.write_row((article_id, pack_hashes(values)))


def _best_story(own: frozenset[int], candidates: dict[int, list[frozenset[int]]]) -> int | None:
    """The candidate story with the copy that matches best (most contained, then most similar, then oldest)."""
    best: tuple[float, float, int] | None = None
    for story_id, copy_sets in candidates.items():
        for other in copy_sets:
            if not same_story(own, other):
                continue
            o = overlap(own, other)
            rank = (o.containment, o.jaccard, -story_id)
            if best is None or rank > best:
                best = rank
    return None if best is None else -best[2]


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
            if moved:
                refresh_entity_names(conn, ids)  # the entities' story counts
            conn.execute("DELETE FROM news.story_backlog WHERE article_id = ANY(%s)", (ids,))
        taken += len(rows)
        joined += moved
        log.info("Folded %d stored articles into stories (%d joined another story)", len(rows), moved)


_NEXT_UNPRINTED = """
SELECT b.article_id, a.body, EXISTS (SELECT FROM news.story_backlog s WHERE s.article_id = b.article_id)
FROM news.story_print_backlog b JOIN news.articles a ON a.id = b.article_id
ORDER BY b.article_id LIMIT %s FOR UPDATE OF b SKIP LOCKED
"""
_ADD_PRINTS = """
INSERT INTO news.story_prints (article_id, shingles)
SELECT article_id, shingles FROM unnest(%s::bigint[], %s::bytea[]) AS p(article_id, shingles)
ON CONFLICT (article_id) DO NOTHING
"""


def fill_prints(conn: psycopg.Connection, batch_size: int = 500) -> int:
    """Give the articles in `news.story_print_backlog` (stored before prints existed) their prints,
    one transaction per batch; an article that has one by now keeps it, and one still waiting for
    its story gets its print with the story (`fold_backlog`). Returns the articles taken. Safe to
    run from several workers at once, and alongside `fold_backlog`."""
    taken = 0
    while True:
        with conn.transaction():
            rows = conn.execute(_NEXT_UNPRINTED, (batch_size,)).fetchall()
            if not rows:
                return taken
            ids = [article_id for article_id, _, _ in rows]
            printed = [(article_id, body) for article_id, body, awaiting_story in rows if not awaiting_story]
            conn.execute(_ADD_PRINTS, ([article_id for article_id, _ in printed],
                                       [pack_hashes(shingle_hashes(shingles(body))) for _, body in printed]))
            conn.execute("DELETE FROM news.story_print_backlog WHERE article_id = ANY(%s)", (ids,))
        taken += len(rows)
        log.info("Made the prints of %d stored articles", len(rows))


def reindex_all(conn: psycopg.Connection) -> int:
    """Forget every story, band key and print and put every article in the backlog (after the
    fingerprint scheme changed); `fold_backlog` then builds them again. Returns the articles queued."""
    with conn.transaction():
        conn.execute("LOCK TABLE news.story_bands IN EXCLUSIVE MODE")
        conn.execute("DELETE FROM news.story_bands")
        conn.execute("DELETE FROM news.story_prints")
        conn.execute("DELETE FROM news.story_print_backlog")
        conn.execute("UPDATE news.articles SET story_id = id WHERE story_id <> id")
        refresh_all(conn)  # the entities' story counts, until the backlog folds them again
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
