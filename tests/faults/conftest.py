"""Fault-injection suite: real processes, a real PostgreSQL, real file systems.

Every test here carries the `faults` marker. At the end of the session a summary prints what
the tests injected and what came through, as counted by the tests themselves (tally.py).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from faults.tally import TALLY

FAULTS_DIR = Path(__file__).parent
REPO_ROOT = FAULTS_DIR.parents[1]
FAULT_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "faults"
CLI = Path(sys.executable).with_name("nyhetsflyt")
# The rule-based pipeline keeps process start-up short; every fault test compares like with like.
FAULT_MODEL = "blank:nb"


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if FAULTS_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.faults)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not TALLY.rows:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fault injection")
    write(f"{'fault class':<34}{'injected':>9}{'survived':>10}{'articles lost':>15}{'duplicates':>12}")
    for name, row in sorted(TALLY.rows.items()):
        write(f"{name:<34}{row.injected:>9}{row.survived:>10}{row.articles_lost:>15}{row.duplicates:>12}")
    total = TALLY.total()
    write(f"{'total':<34}{total.injected:>9}{total.survived:>10}{total.articles_lost:>15}{total.duplicates:>12}")
    for note in TALLY.notes:
        write(note)


def truncate_news(url: str) -> None:
    """Remove every news row (the schema and its migrations stay)."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
            " WHERE schemaname = 'news' AND tablename <> 'schema_migrations'"
        )]
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="session")
def prefect_api_url(prefect_server) -> str:
    """The session's Prefect API, so CLI subprocesses report to it instead of starting their own."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url, "the Prefect test harness did not set an API URL"
    return url


@dataclass(frozen=True, slots=True)
class Reference:
    """An undisturbed ingest of the fault corpus: what every faulted run must end up with."""

    fingerprints: dict[str, tuple[int, ...]]
    archived: list[str]
    quarantined: list[str]


@pytest.fixture(scope="session")
def reference(database_url, prefect_server, tmp_path_factory) -> Reference:
    from faults.corpus import CORPUS_ARTICLES, Layout, ingest_inbox
    from faults.inventory import article_fingerprints

    truncate_news(database_url)
    layout = Layout.make(tmp_path_factory.mktemp("reference"))
    summary = ingest_inbox(layout)
    assert summary.articles_new == CORPUS_ARTICLES and summary.failed == 1, summary.failures
    fingerprints = article_fingerprints(database_url)
    assert len(fingerprints) == CORPUS_ARTICLES
    assert sum(parts[1] for parts in fingerprints.values()) > 0  # captions are part of the check
    assert sum(parts[4] for parts in fingerprints.values()) > 0  # and so are quotes
    truncate_news(database_url)
    return Reference(fingerprints, layout.archived(), layout.quarantined())


@pytest.fixture(scope="session")
def cli_env(database_url: str, prefect_api_url: str) -> dict[str, str]:
    """Environment for `nyhetsflyt` subprocesses: this session's database and Prefect API."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        PREFECT_API_URL=prefect_api_url,
        NYHETSFLYT_SPACY_MODEL=FAULT_MODEL,
        PYTHONUNBUFFERED="1",
    )
    return env
