"""URL state, fetch log and sources in a throwaway PostgreSQL database."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from web_server import ETAG, serve

from nyhetsflyt.paths import MIGRATIONS_DIR
from nyhetsflyt.sources.web.fetch import Fetcher, FetchPolicy
from nyhetsflyt.sources.web.records import FetchResult
from nyhetsflyt.sources.web.state import (
    add_source,
    link_article,
    list_sources,
    load_url_state,
    mark_source_polled,
    save_fetch,
)

SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
AT = datetime(2024, 3, 4, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def database_url():
    name = f"nf_web_test_{secrets.token_hex(6)}"
    with psycopg.connect(SERVER_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = SERVER_URL.rsplit("/", 1)[0] + "/" + name
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA news")
            conn.execute((MIGRATIONS_DIR / "0002_web.sql").read_bytes())
        yield url
    finally:
        with psycopg.connect(SERVER_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def conn(database_url):
    with psycopg.connect(database_url) as connection:
        yield connection


def result(url: str, outcome: str = "ok", status: int | None = 200, **fields) -> FetchResult:
    values = dict(url=url, final_url=url, status=status, outcome=outcome, body=None,
                  content_type="text/html", etag=None, last_modified=None, content_hash=None,
                  bytes=0, elapsed_s=0.25, attempts=1, error=None)
    values.update(fields)
    return FetchResult(**values)


def log_rows(conn, url):
    return conn.execute(
        "SELECT status, outcome, bytes, elapsed_ms, attempts, error FROM news.fetch_log"
        " WHERE url = %s ORDER BY id", (url,)).fetchall()


def test_unknown_url_has_no_state(conn):
    assert load_url_state(conn, "https://nyheter.example/aldri-hentet") is None


def test_ok_then_not_modified_then_timeout_keeps_the_validators(conn):
    url = "https://nyheter.example/a/1"
    save_fetch(conn, result(url, etag='"e1"', last_modified="Mon, 04 Mar 2024 10:00:00 GMT",
                            content_hash="h1", bytes=1234), at=AT)
    state = load_url_state(conn, url)
    assert (state.etag, state.last_modified, state.content_hash) == (
        '"e1"', "Mon, 04 Mar 2024 10:00:00 GMT", "h1")
    assert (state.last_status, state.last_outcome, state.last_fetched_at) == (200, "ok", AT)

    save_fetch(conn, result(url, "not_modified", 304, etag='"e1"', content_hash="h1"),
               at=AT + timedelta(hours=1))
    save_fetch(conn, result(url, "timeout", None, error="ReadTimeout", attempts=3, elapsed_s=1.5),
               at=AT + timedelta(hours=2))
    state = load_url_state(conn, url)
    assert (state.etag, state.last_modified, state.content_hash) == (
        '"e1"', "Mon, 04 Mar 2024 10:00:00 GMT", "h1")
    assert (state.last_status, state.last_outcome) == (None, "timeout")
    assert state.last_fetched_at == AT + timedelta(hours=2)
    assert log_rows(conn, url) == [
        (200, "ok", 1234, 250, 1, None),
        (304, "not_modified", 0, 250, 1, None),
        (None, "timeout", 0, 1500, 3, "ReadTimeout"),
    ]


def test_new_content_replaces_validators_even_when_the_server_drops_them(conn):
    url = "https://nyheter.example/a/2"
    save_fetch(conn, result(url, etag='"old"', content_hash="h-old"))
    save_fetch(conn, result(url, etag=None, content_hash="h-new"))
    state = load_url_state(conn, url)
    assert (state.etag, state.content_hash) == (None, "h-new")


def test_article_link_survives_later_fetches(conn):
    url = "https://nyheter.example/a/3"
    save_fetch(conn, result(url, content_hash="h3"))
    link_article(conn, url, 42)
    save_fetch(conn, result(url, "gone", 410))
    state = load_url_state(conn, url)
    assert (state.article_id, state.last_outcome, state.content_hash) == (42, "gone", "h3")


def test_fetch_log_rejects_an_unknown_outcome(conn):
    with pytest.raises(psycopg.errors.CheckViolation):
        save_fetch(conn, result("https://nyheter.example/a/4", "kanskje"))


def test_sources_add_update_list_and_poll(conn):
    feed = add_source(conn, "https://nyheter.example/rss", "feed", "Eksempelavisa")
    sitemap = add_source(conn, "https://nyheter.example/sitemap.xml", "sitemap")
    again = add_source(conn, "https://nyheter.example/rss", "feed", active=False)
    assert again.id == feed.id and again.name == "Eksempelavisa" and again.active is False
    assert [s.id for s in list_sources(conn)] == [sitemap.id]
    assert [s.id for s in list_sources(conn, active_only=False)] == [feed.id, sitemap.id]
    assert [s.id for s in list_sources(conn, active_only=False, kind="feed")] == [feed.id]
    assert sitemap.last_polled_at is None and sitemap.added_at is not None
    mark_source_polled(conn, sitemap.id, at=AT)
    assert list_sources(conn, kind="sitemap")[0].last_polled_at == AT


@pytest.mark.parametrize(("url", "kind"), [("https://nyheter.example/x", "podcast"),
                                           ("file:///etc/passwd", "urls")])
def test_sources_refuse_bad_kind_or_scheme(conn, url, kind):
    with pytest.raises(ValueError):
        add_source(conn, url, kind)


def test_writes_are_committed(conn, database_url):
    url = "https://nyheter.example/a/5"
    save_fetch(conn, result(url, content_hash="h5"))
    with psycopg.connect(database_url) as other:
        assert load_url_state(other, url).content_hash == "h5"


def test_real_fetches_round_trip_through_the_database(conn, monkeypatch):
    with serve() as server, Fetcher(FetchPolicy(connect_timeout_s=0.5, read_timeout_s=0.5,
                                                min_host_interval_s=0, allow_private=True)) as fetcher:
        url = server.url("/etag")
        first = fetcher.fetch(url, load_url_state(conn, url))
        save_fetch(conn, first)
        second = fetcher.fetch(url, load_url_state(conn, url))
        save_fetch(conn, second)
        missing = fetcher.fetch(server.url("/missing"))
        save_fetch(conn, missing)
    assert (first.outcome, second.outcome, missing.outcome) == ("ok", "not_modified", "not_found")
    state = load_url_state(conn, url)
    assert (state.etag, state.content_hash, state.last_status) == (ETAG, first.content_hash, 304)
    assert [row[1] for row in log_rows(conn, url)] == ["ok", "not_modified"]
    assert load_url_state(conn, server.url("/missing")).last_outcome == "not_found"
