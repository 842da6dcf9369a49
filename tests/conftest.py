"""Shared test harness: one throwaway PostgreSQL database and one Prefect server per session.

The database is created on the server `DATABASE_URL` points at (CI here: the local server on
127.0.0.1:5432); where no server answers, an embedded PostgreSQL from `pgserver` is used.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from nyhetsflyt.paths import SEED_RELATIVE
from nyhetsflyt.settings import Settings

SHARED_DATA = Settings().shared_data
SEED_ARTICLE = SHARED_DATA / SEED_RELATIVE

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
FIXTURES = Path(__file__).parent / "fixtures"

# A test that asks for one of these (directly or through another fixture) talks to a real
# PostgreSQL or a real Prefect API: it is an integration test, and the fast tier leaves it out.
SERVICE_FIXTURES = frozenset({"database_url", "prefect_server", "local_stack"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


def _server_url() -> str:
    url = os.environ.get("NYHETSFLYT_TEST_SERVER_URL") or os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    try:
        with psycopg.connect(url, connect_timeout=3):
            return url
    except psycopg.OperationalError:
        import pgserver

        data_dir = Path(os.environ.get("NYHETSFLYT_VAR_DIR", Path(__file__).parents[1] / "var")) / "pgdata-tests"
        data_dir.mkdir(parents=True, exist_ok=True)
        return pgserver.get_server(data_dir, cleanup_mode=None).get_uri()


def _with_database(url: str, name: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo(**info)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database for this test session, migrated, and made the process default."""
    from nyhetsflyt.db.migrate import migrate

    server = _server_url()
    name = f"nyhetsflyt_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(server, name)
    migrate(url)
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        yield url
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_db(database_url: str) -> str:
    """The session database with every news row removed, for tests that count rows."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
            " WHERE schemaname = 'news' AND tablename <> 'schema_migrations'"
        )]
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    return database_url


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect API for the whole session (starting one costs ~20 s)."""
    from prefect.settings import PREFECT_SERVER_ANALYTICS_ENABLED, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    # The test server must not try to phone home: tests talk to 127.0.0.1 only.
    with temporary_settings(updates={PREFECT_SERVER_ANALYTICS_ENABLED: False}), \
            prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the real sample data is missing: {SHARED_DATA} (set NYHETSFLYT_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def seed_path(shared_data: Path) -> Path:
    return SEED_ARTICLE


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory) -> Iterator[dict]:
    """`nyhetsflyt stack up --workers 2` on a free port, with its own Prefect and news databases.

    Yields the stack's state (api_url, ui_url, pids, …) plus `stack_dir` and `news_url`; the stack
    is stopped and both databases dropped afterwards, whatever happened.
    """
    import json
    import subprocess
    import sys

    from nyhetsflyt.app.stack import asyncpg_url, free_port
    from nyhetsflyt.db.migrate import migrate

    server = _server_url()
    suffix = uuid.uuid4().hex[:10]
    news_db, prefect_db = f"nyhetsflyt_stack_{suffix}", f"prefect_stack_{suffix}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{news_db}"')
        conn.execute(f'CREATE DATABASE "{prefect_db}"')
    news_url = _with_database(server, news_db)
    migrate(news_url)
    stack_dir = tmp_path_factory.mktemp("stack")
    env = {**os.environ, **{f"NYHETSFLYT_{d.upper()}": str(stack_dir / d) for d in ("inbox", "archive", "quarantine")},
           "NYHETSFLYT_ALLOW_PRIVATE": "1"}  # the workers fetch from the tests' loopback servers
    command = [str(Path(sys.executable).parent / "nyhetsflyt"), "stack"]
    try:
        started = subprocess.run(
            [*command, "up", "--workers", "2", "--port", str(free_port()), "--stack-dir", str(stack_dir),
             "--database-url", news_url, "--prefect-database-url", asyncpg_url(_with_database(server, prefect_db))],
            env=env, capture_output=True, text=True, timeout=600)
        assert started.returncode == 0, started.stdout + started.stderr
        state = json.loads((stack_dir / "stack.json").read_text())
        yield {**state, "stack_dir": stack_dir, "news_url": news_url, "up_output": started.stdout}
    finally:
        subprocess.run([*command, "down", "--stack-dir", str(stack_dir)], env=env, timeout=180)
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{news_db}" WITH (FORCE)')
            conn.execute(f'DROP DATABASE IF EXISTS "{prefect_db}" WITH (FORCE)')
