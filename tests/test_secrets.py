"""A database password never shows up in logs, run artifacts, Prefect run data or the database.

The test server trusts local connections, so the password is not checked; but the URL carries
it all the same, which is what could leak.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterator
from uuid import UUID

import psycopg
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from typer.testing import CliRunner

from flows.ingest_folder import ingest_folder
from nyhetsflyt.app.cli import app
from nyhetsflyt.db.connect import redact
from nyhetsflyt.db.migrate import migrate
from nyhetsflyt.paths import EXAMPLE_INBOX
from nyhetsflyt.settings import Settings

pytestmark = pytest.mark.usefixtures("prefect_server")

PASSWORD = f"Hemmelig-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def url_with_password(database_url: str, monkeypatch) -> Iterator[str]:
    """A database owned by a role with a password, reached by a URL that carries it."""
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    suffix = uuid.uuid4().hex[:8]
    role, name = f"nyhetsflyt_secret_{suffix}", f"nyhetsflyt_secret_{suffix}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
        conn.execute(f'CREATE DATABASE "{name}" OWNER {role}')
    url = f"postgresql://{role}:{PASSWORD}@{info.get('host', '127.0.0.1')}:{info.get('port', 5432)}/{name}"
    migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    try:
        yield url
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f"DROP ROLE IF EXISTS {role}")


def test_redact_hides_the_password():
    assert PASSWORD not in redact(f"postgresql://user:{PASSWORD}@db:5432/news")
    assert redact(f"postgresql://user:{PASSWORD}@db:5432/news") == "postgresql://user:***@db:5432/news"


async def prefect_records(flow_run_id: UUID) -> str:
    """Everything the Prefect API holds about the run: the run, its logs and artifacts."""
    async with get_client() as client:
        for _ in range(50):  # logs are shipped in the background; wait for the last one
            logs = await client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
            if any("Finished in state" in log.message for log in logs):
                break
            await asyncio.sleep(0.2)
        runs = await client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        task_runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        artifacts = await client.read_artifacts()
    assert logs and runs and artifacts
    mine = [a for a in artifacts if a.flow_run_id == flow_run_id]
    assert mine, "the run published no artifact"
    return "\n".join(
        [log.message for log in logs]
        + [r.model_dump_json() for r in runs + task_runs]
        + [a.model_dump_json() for a in mine]
    )


@pytest.mark.parametrize("given", ["environment", "settings parameter"])
def test_an_ingestion_with_a_password_in_the_url_leaks_it_nowhere(url_with_password, tmp_path, caplog, capfd,
                                                                   monkeypatch, given):
    caplog.set_level(logging.DEBUG)
    bad = tmp_path / "binary.txt"
    bad.write_bytes(b"\x00\x01\x02 not text" * 50)  # a failure, so failures are logged and stored too
    settings = None
    if given == "settings parameter":  # as the commands pass it: a flow parameter Prefect stores
        monkeypatch.delenv("DATABASE_URL")
        settings = Settings(database_url=url_with_password)
    state = ingest_folder(paths=[str(EXAMPLE_INBOX), str(bad)], settings=settings, return_state=True)
    summary = state.result()
    assert summary.articles_new == 5 and summary.failed >= 1

    captured = capfd.readouterr()
    python_logs = "\n".join(record.getMessage() for record in caplog.records)
    prefect = asyncio.run(prefect_records(state.state_details.flow_run_id))
    with psycopg.connect(url_with_password) as conn:
        stored = "\n".join(
            row[0]
            for table in ("ingest_runs", "ingest_failures")
            for row in conn.execute(f"SELECT row_to_json(t)::text FROM news.{table} t")
        )
    assert "binary.txt" in stored and "ingest-folder" in stored  # the places looked in are the right ones
    for where, text in {"stdout": captured.out, "stderr": captured.err, "Python logging": python_logs,
                        "Prefect API": prefect, "database": stored}.items():
        assert PASSWORD not in text, f"the password shows in {where}"


def test_commands_print_the_url_redacted(url_with_password, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", url_with_password)
    runner = CliRunner()
    for args in (["db", "migrate"], ["status", "--json"], ["status"]):
        result = runner.invoke(app, [*args, "--database-url", url_with_password], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert PASSWORD not in result.output
        assert "***@" in result.output  # it does name the database, without the password


def test_a_refused_connection_does_not_print_the_password(monkeypatch):
    url = f"postgresql://nobody:{PASSWORD}@127.0.0.1:1/news"  # nothing listens on port 1
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(app, ["db", "migrate", "--database-url", url])
    assert result.exit_code != 0
    assert isinstance(result.exception, psycopg.OperationalError)
    assert PASSWORD not in result.output and PASSWORD not in str(result.exception)
