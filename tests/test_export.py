"""`nyhetsflyt export`: the example inbox, loaded by the folder flow, written as Parquet and CSV
per day and read back by DuckDB as an analyst would."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import psycopg
import pytest
from typer.testing import CliRunner

from flows.ingest_folder import ingest_folder
from nyhetsflyt.app.cli import app
from nyhetsflyt.db.export import TABLES, count_rows, export_news
from nyhetsflyt.paths import REPO_ROOT

pytestmark = pytest.mark.usefixtures("prefect_server")
SINCE = date(2000, 1, 1)


@pytest.fixture
def loaded(empty_db: str) -> str:
    summary = ingest_folder(paths=[str(REPO_ROOT / "examples" / "inbox")], model="blank:nb")
    assert summary.articles_new >= 5
    return empty_db


def read(out: Path, table: str, kind: str = "parquet", sql: str = "SELECT count(*) FROM t") -> list[tuple]:
    reader = "read_parquet" if kind == "parquet" else "read_csv"
    with duckdb.connect() as db:
        db.execute(f"CREATE VIEW t AS SELECT * FROM {reader}('{out}/{table}/*/*.{kind}', hive_partitioning = true)")
        return db.execute(sql).fetchall()


def test_parquet_per_day_holds_every_row_and_duckdb_reads_it(loaded, tmp_path):
    result = export_news(loaded, tmp_path, since=SINCE)
    expected = count_rows(loaded, since=SINCE)
    assert result.rows == expected and all(expected[t.name] > 0 for t in TABLES)
    for table in TABLES:
        assert read(tmp_path, table.name) == [(expected[table.name],)]

    with psycopg.connect(loaded) as conn:
        stored = conn.execute(
            "SELECT id, title, tags, news.article_day(published, ingested_at), published FROM news.articles"
            " ORDER BY id").fetchall()
        entities = conn.execute("SELECT count(*) FROM news.entities").fetchone()
    exported = read(tmp_path, "articles", sql="SELECT id, title, tags, day, published FROM t ORDER BY id")
    assert exported == stored  # ids, text, lists, the day partition and the time, as stored
    # Child rows sit in their article's day: the day partitions join.
    joined = read(tmp_path, "entities", sql=(
        f"SELECT count(*) FROM t JOIN read_parquet('{tmp_path}/articles/*/*.parquet', hive_partitioning = true)"
        " AS a ON a.id = t.article_id AND a.day = t.day"))
    assert joined == [entities]
    days = sorted(p.name for p in (tmp_path / "articles").iterdir())
    assert days == sorted(f"day={row[3].isoformat()}" for row in stored)


def test_a_range_of_days_and_an_export_written_again(loaded, tmp_path):
    with psycopg.connect(loaded) as conn:
        days = [r[0] for r in conn.execute(
            "SELECT DISTINCT news.article_day(published, ingested_at) FROM news.articles ORDER BY 1")]
    assert len(days) >= 3
    first, last = days[0], days[1]
    result = export_news(loaded, tmp_path, since=first, until=last)
    assert result.rows == count_rows(loaded, since=first, until=last)
    assert result.rows["articles"] == 2 and result.files["articles"] == 2
    assert sorted(p.name for p in (tmp_path / "articles").iterdir()) == [f"day={first}", f"day={last}"]

    again = export_news(loaded, tmp_path, since=first, until=last)  # replaces, never adds
    assert again.rows == result.rows
    assert read(tmp_path, "articles") == [(2,)]
    export_news(loaded, tmp_path, since=SINCE)
    assert read(tmp_path, "articles") == [(count_rows(loaded, since=SINCE)["articles"],)]


def test_csv_through_the_command(loaded, tmp_path):
    result = CliRunner().invoke(app, ["export", "--format", "csv", "--since", "2000-01-01", "--out",
                                      str(tmp_path), "--batch-size", "2", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts["rows"] == count_rows(loaded, since=SINCE)
    for table in TABLES:
        assert read(tmp_path, table.name, "csv") == [(counts["rows"][table.name],)]
    with psycopg.connect(loaded) as conn:
        tags = dict(conn.execute("SELECT id, tags FROM news.articles").fetchall())
    exported = read(tmp_path, "articles", "csv", "SELECT id, tags FROM t")
    assert {row_id: json.loads(value) for row_id, value in exported} == tags  # lists as JSON arrays

    wrong = CliRunner().invoke(app, ["export", "--format", "xlsx", "--since", "2000-01-01", "--out", str(tmp_path)])
    assert wrong.exit_code != 0 and "parquet" in wrong.output
