"""`nyhetsflyt status` against the real database, filled by the project's own writers."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from nyhetsflyt.app.cli import app
from nyhetsflyt.app.status import collect_status
from nyhetsflyt.db.load import finish_run, record_failures, start_run
from nyhetsflyt.documents import Failure
from nyhetsflyt.sources.web.records import FetchResult
from nyhetsflyt.sources.web.state import add_source, log_fetch


def fetch(url: str, outcome: str, status: int | None) -> FetchResult:
    return FetchResult(url=url, final_url=url, status=status, outcome=outcome, body=None, content_type=None,
                       etag=None, last_modified=None, content_hash=None, bytes=0, elapsed_s=0.05, attempts=1)


@pytest.fixture
def busy_db(empty_db: str) -> str:
    """Two runs (one failed), failures and a skip, fetches, and sources fetched or not."""
    with psycopg.connect(empty_db, autocommit=True) as conn:
        first = start_run(conn, "ingest-folder", None)
        finish_run(conn, first, "completed", {"files_seen": 4, "articles_seen": 5, "articles_new": 5})
        second = start_run(conn, "ingest-web", None)
        record_failures(conn, second, [Failure("http://127.0.0.1:1/a.html", "split", "no article text")])
        record_failures(conn, second, [Failure("/inn/forside.html", "read", "a front page")], "skipped")
        finish_run(conn, second, "failed", {"articles_seen": 1, "failed": 1})
        add_source(conn, "http://127.0.0.1:1/feed.xml", "feed")
        add_source(conn, "http://127.0.0.1:1/sitemap.xml", "sitemap")
        add_source(conn, "http://127.0.0.1:1/old.xml", "feed", active=False)
        log_fetch(conn, fetch("http://127.0.0.1:1/feed.xml", "ok", 200))
        log_fetch(conn, fetch("http://127.0.0.1:1/a.html", "ok", 200))
        log_fetch(conn, fetch("http://127.0.0.1:1/b.html", "not_found", 404))
        log_fetch(conn, fetch("http://127.0.0.1:1/c.html", "ok", 200), at=datetime.now(timezone.utc) - timedelta(days=3))
    return empty_db


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.txt", "sub/b.jsonl"):
        (folder / name).write_text("Tittel\n\nTekst.\n", encoding="utf-8")
    (folder / "a.txt.reason.json").write_text("{}", encoding="utf-8")  # not news
    (folder / ".hidden.txt").write_text("x", encoding="utf-8")
    an_hour_ago = time.time() - 3600
    os.utime(folder / "a.txt", (an_hour_ago, an_hour_ago))
    return folder


def test_collect_status(busy_db, inbox):
    report = collect_status(busy_db, inbox=inbox)
    assert report.schema_ready
    assert [(r.flow_name, r.state, r.articles_new, r.failed) for r in report.runs] == [
        ("ingest-web", "failed", 0, 1), ("ingest-folder", "completed", 5, 0)]
    assert all(r.seconds is not None and r.seconds >= 0 for r in report.runs)
    assert [(f.stage, f.source) for f in report.failures] == [("split", "http://127.0.0.1:1/a.html")]
    assert report.failures_last_24h == 1
    assert {o.outcome: o.fetches for o in report.fetch_outcomes} == {"ok": 2, "not_found": 1}
    assert report.backlog.inbox_files == 2
    assert 59 <= report.backlog.oldest_inbox_file_minutes <= 70
    assert report.backlog.web_sources_unfetched == 1
    assert report.backlog.web_sources_unfetched_sample == ["http://127.0.0.1:1/sitemap.xml"]


def test_status_limits_rows(busy_db):
    assert len(collect_status(busy_db, limit=1).runs) == 1


def test_status_on_a_database_without_the_schema(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)  # the command makes its URL the process default
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        name = info["dbname"] + "_bare"
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    bare = psycopg.conninfo.make_conninfo(**(info | {"dbname": name}))
    try:
        report = collect_status(bare)
        assert not report.schema_ready and report.runs == []
        result = CliRunner().invoke(app, ["status", "--database-url", bare])
        assert result.exit_code == 0, result.output
        assert "nyhetsflyt db migrate" in result.output
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_cli_status_tables_and_json(busy_db, inbox, monkeypatch):
    monkeypatch.setenv("NYHETSFLYT_INBOX", str(inbox))
    monkeypatch.setenv("DATABASE_URL", busy_db)  # the command makes its URL the process default
    runner = CliRunner()
    table = runner.invoke(app, ["status", "--database-url", busy_db], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    for heading in ("Recent runs", "Backlog", "Recent failures", "Fetches, last 24 h"):
        assert heading in table.output
    assert "ingest-web" in table.output and "no article text" in table.output
    assert "sitemap.xml" in table.output and "not_found" in table.output

    as_json = runner.invoke(app, ["status", "--database-url", busy_db, "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["backlog"]["inbox_files"] == 2 and data["backlog"]["inbox"] == str(inbox)
    assert [r["state"] for r in data["runs"]] == ["failed", "completed"]
    assert data["failures"][0]["reason"] == "no article text"
