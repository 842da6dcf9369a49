"""Per-source quality figures of a run, measured in PostgreSQL from what the run left behind.

A run's figures come from one statement (`MEASURE_RUN`) over the rows marked with its id: the
articles it loaded (through the view `news.article_overview`, so the analysts' counts and these
figures agree), its failures and its fetches, grouped by source (`news.source_of`, migration
0008: a web page's host, or a file's folder). The row is written to `news.source_quality`;
judging it against the source's history is `nyhetsflyt/quality/drift.py`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

# The share of a run's articles that were copies of a story already known: a story is named by
# its first article (`news.articles.story_id`), so any other article of it is a copy.
STORY_COPY_SHARE = "avg((o.story_id <> o.id)::int)::real"

MEASURE_RUN = f"""
WITH run_articles AS (
    SELECT o.source,
           count(*) AS articles,
           avg(o.word_count)::real AS words_per_article,
           avg((o.captions > 0)::int)::real AS caption_share,
           sum(o.captions)::int AS captions,
           (sum(o.credited_captions)::float8 / nullif(sum(o.captions), 0))::real AS credit_share,
           (1000.0 * sum(o.entities) / nullif(sum(o.word_count), 0))::real AS entities_per_1000_words,
           {STORY_COPY_SHARE} AS story_copy_share
    FROM news.article_overview o
    WHERE o.run_id = %(run_id)s
    GROUP BY o.source
),
run_languages AS (
    SELECT source, jsonb_object_agg(language, articles) AS language_mix
    FROM (SELECT news.source_of(a.source_uri) AS source, a.language, count(*) AS articles
          FROM news.articles a WHERE a.run_id = %(run_id)s GROUP BY 1, 2) AS per_language
    GROUP BY source
),
run_failures AS (
    -- Fetch failures are counted with the fetches; these are the documents that came back.
    SELECT news.source_of(f.source) AS source,
           count(*) FILTER (WHERE f.outcome = 'skipped' AND f.stage <> 'fetch') AS refused,
           count(*) FILTER (WHERE f.outcome = 'failed' AND f.stage <> 'fetch') AS failed
    FROM news.ingest_failures f
    WHERE f.run_id = %(run_id)s
    GROUP BY 1
),
run_fetches AS (
    SELECT news.source_of(l.url) AS source,
           count(*) AS fetches,
           count(*) FILTER (WHERE l.status BETWEEN 400 AND 499) AS fetch_4xx,
           count(*) FILTER (WHERE l.status >= 500) AS fetch_5xx,
           count(*) FILTER (WHERE l.outcome = 'timeout') AS fetch_timeouts,
           count(*) FILTER (WHERE l.outcome = 'robots_disallowed') AS fetch_robots,
           count(*) FILTER (WHERE l.outcome NOT IN ('ok', 'not_modified', 'unchanged', 'timeout',
                                                    'robots_disallowed')
                              AND coalesce(l.status, 0) NOT BETWEEN 400 AND 599) AS fetch_other_errors
    FROM news.fetch_log l
    WHERE l.run_id = %(run_id)s
    GROUP BY 1
),
run_sources AS (
    SELECT source FROM run_articles UNION SELECT source FROM run_failures UNION SELECT source FROM run_fetches
)
INSERT INTO news.source_quality AS q (
    run_id, source, flow_name, articles, refused, failed, words_per_article, caption_share, captions,
    credit_share, entities_per_1000_words, language_mix, story_copy_share, fetches, fetch_4xx, fetch_5xx,
    fetch_timeouts, fetch_robots, fetch_other_errors)
SELECT %(run_id)s, s.source, %(flow_name)s,
       coalesce(a.articles, 0), coalesce(f.refused, 0), coalesce(f.failed, 0), a.words_per_article,
       a.caption_share, coalesce(a.captions, 0), a.credit_share, a.entities_per_1000_words,
       coalesce(l.language_mix, '{{}}'), a.story_copy_share, coalesce(x.fetches, 0),
       coalesce(x.fetch_4xx, 0), coalesce(x.fetch_5xx, 0), coalesce(x.fetch_timeouts, 0),
       coalesce(x.fetch_robots, 0), coalesce(x.fetch_other_errors, 0)
FROM run_sources s
LEFT JOIN run_articles a USING (source)
LEFT JOIN run_languages l USING (source)
LEFT JOIN run_failures f USING (source)
LEFT JOIN run_fetches x USING (source)
ON CONFLICT (run_id, source) DO UPDATE SET
    flow_name = EXCLUDED.flow_name, measured_at = now(), articles = EXCLUDED.articles,
    refused = EXCLUDED.refused, failed = EXCLUDED.failed, words_per_article = EXCLUDED.words_per_article,
    caption_share = EXCLUDED.caption_share, captions = EXCLUDED.captions, credit_share = EXCLUDED.credit_share,
    entities_per_1000_words = EXCLUDED.entities_per_1000_words, language_mix = EXCLUDED.language_mix,
    story_copy_share = EXCLUDED.story_copy_share, fetches = EXCLUDED.fetches, fetch_4xx = EXCLUDED.fetch_4xx,
    fetch_5xx = EXCLUDED.fetch_5xx, fetch_timeouts = EXCLUDED.fetch_timeouts,
    fetch_robots = EXCLUDED.fetch_robots, fetch_other_errors = EXCLUDED.fetch_other_errors
RETURNING q.*
"""


@dataclass(slots=True)
class QualityRow:
    """One row of `news.source_quality`."""

    run_id: int
    source: str
    flow_name: str
    measured_at: datetime
    articles: int
    refused: int
    failed: int
    words_per_article: float | None
    caption_share: float | None
    captions: int
    credit_share: float | None
    entities_per_1000_words: float | None
    language_mix: dict[str, int]
    story_copy_share: float | None
    fetches: int
    fetch_4xx: int
    fetch_5xx: int
    fetch_timeouts: int
    fetch_robots: int
    fetch_other_errors: int
    drift: list[dict[str, Any]] = field(default_factory=list)

    @property
    def fetch_errors(self) -> int:
        return self.fetch_4xx + self.fetch_5xx + self.fetch_timeouts + self.fetch_other_errors

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["measured_at"] = self.measured_at.isoformat()
        return out


_COLUMNS = [f.name for f in fields(QualityRow)]


def _row(record: dict[str, Any]) -> QualityRow:
    return QualityRow(**{name: record[name] for name in _COLUMNS})


def measure_run(conn: psycopg.Connection, run_id: int, flow_name: str) -> list[QualityRow]:
    """Measure a run's sources and store one row each (again, if measured before)."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        cur.execute(MEASURE_RUN, {"run_id": run_id, "flow_name": flow_name})
        return sorted((_row(r) for r in cur.fetchall()), key=lambda row: row.source)


def source_history(conn: psycopg.Connection, source: str, before_run: int, runs: int) -> list[QualityRow]:
    """The source's last `runs` rows before `before_run`, oldest first."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute("SELECT * FROM news.source_quality WHERE source = %s AND run_id < %s"
                    " ORDER BY run_id DESC LIMIT %s", (source, before_run, runs))
        return [_row(r) for r in reversed(cur.fetchall())]


def save_drift(conn: psycopg.Connection, run_id: int, source: str, drift: list[dict[str, Any]]) -> None:
    with conn.transaction():
        conn.execute("UPDATE news.source_quality SET drift = %s WHERE run_id = %s AND source = %s",
                     (Jsonb(drift), run_id, source))


def read_quality(conn: psycopg.Connection, *, source: str | None = None, since: datetime | None = None,
                 last_runs: int | None = None) -> list[QualityRow]:
    """Stored rows, oldest first: of one source or all, measured since a time, and at most the
    last `last_runs` rows of each source."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            "SELECT * FROM (SELECT q.*, row_number() OVER (PARTITION BY q.source ORDER BY q.run_id DESC) AS nth"
            " FROM news.source_quality q"
            " WHERE (%(source)s::text IS NULL OR q.source = %(source)s)"
            " AND (%(since)s::timestamptz IS NULL OR q.measured_at >= %(since)s)) AS recent"
            " WHERE %(last)s::int IS NULL OR nth <= %(last)s ORDER BY source, run_id",
            {"source": source, "since": since, "last": last_runs})
        return [_row(r) for r in cur.fetchall()]
