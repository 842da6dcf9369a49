"""Database URLs: passwords never shown, empty passwords keep the URL usable."""

from __future__ import annotations

import pytest

from nyhetsflyt.db.connect import redact


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://news:s3cr%40t@db.example:5432/news", "postgresql://news:***@db.example:5432/news"),
        ("postgresql://postgres:@/postgres?host=/srv/pg", "postgresql://postgres@/postgres?host=/srv/pg"),
        ("postgresql://postgres@127.0.0.1:5432/test", "postgresql://postgres@127.0.0.1:5432/test"),
    ],
)
def test_redact_hides_passwords(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_a_reused_connection_is_kept_between_batches_and_replaced_when_dead(database_url):
    import psycopg

    from nyhetsflyt.db.connect import reused_connection

    with reused_connection(database_url) as first:
        first.execute("SELECT 1").fetchone()
        first.commit()
    with reused_connection(database_url) as again:
        assert again is first  # kept open between batches
        pid = again.info.backend_pid
    with psycopg.connect(database_url, autocommit=True) as admin:  # the server drops it
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with reused_connection(database_url) as fresh:
        assert fresh is not first and fresh.execute("SELECT 1").fetchone() == (1,)
    try:
        with reused_connection(database_url) as failing:
            failing.execute("SELECT no_such_column FROM news.articles")
    except psycopg.Error:
        pass
    assert failing.closed  # not kept after an error
