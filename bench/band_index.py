"""The band index alone: the cost of claiming and looking up band keys as the table grows.

A table shaped like `news.story_bands` (bigint primary key, article id) is filled with N random
keys, then batches of 2,700 random keys (64 articles × 42 bands) are claimed
(`INSERT … ON CONFLICT DO NOTHING RETURNING`, sorted, as the loader does) and 300 are looked up,
each batch in its own transaction. Printed per size: milliseconds per batch, side by side.

    .venv/bin/python -m bench.band_index [--sizes 370000 3670000] [--batches 60]
"""

from __future__ import annotations

import argparse
import random
import time

import psycopg

from bench.infra import DEFAULT_SERVER, ThrowawayDatabases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[370_000, 3_670_000])
    parser.add_argument("--batches", type=int, default=60)
    args = parser.parse_args()
    rng = random.Random(3)
    databases = ThrowawayDatabases(DEFAULT_SERVER)
    try:
        with psycopg.connect(databases.create("bands"), autocommit=True) as conn:
            for size in args.sizes:
                conn.execute("DROP TABLE IF EXISTS bands")
                conn.execute("CREATE TABLE bands (band_key bigint PRIMARY KEY, article_id bigint NOT NULL)")
                conn.execute("INSERT INTO bands SELECT (random() * 1.8e19 - 9.0e18)::bigint, g / 42"
                             " FROM generate_series(1, %s) g ON CONFLICT DO NOTHING", (size,))
                conn.execute("VACUUM ANALYZE bands")
                claim = look = 0.0
                for _ in range(args.batches):
                    keys = sorted(rng.getrandbits(64) - 2**63 for _ in range(64 * 42))
                    started = time.perf_counter()
                    with conn.transaction():
                        conn.execute("INSERT INTO bands SELECT k, 1 FROM unnest(%s::bigint[]) k ORDER BY k"
                                     " ON CONFLICT DO NOTHING RETURNING band_key", (keys,)).fetchall()
                        claimed = time.perf_counter()
                        conn.execute("SELECT band_key, article_id FROM bands WHERE band_key = ANY(%s)",
                                     (keys[:300],)).fetchall()
                    claim += claimed - started
                    look += time.perf_counter() - claimed
                table = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('bands'))").fetchone()[0]
                print(f"{size:>12,} keys ({table}): claim {1000 * claim / args.batches:6.1f} ms per batch, "
                      f"look-up {1000 * look / args.batches:5.1f} ms per batch")
    finally:
        databases.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
