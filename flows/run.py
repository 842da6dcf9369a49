"""The life of one ingest run, written once for every flow.

    with ingest_run("ingest-web", settings, WebRunSummary) as run:
        ...  # the flow's stages only

On entry the database is migrated and the run recorded in `news.ingest_runs`; failures and
skips are counted, logged and kept in `news.ingest_failures` as they happen (`run.record`); on
exit the run's row gets its final state and counts, and a completed run publishes its counts
(and failures) as table artifacts, keyed by the flow's name. A run that ingests news
(`measure_quality`) also measures its sources and judges them against their history
(`flows/quality.py`) before it completes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from prefect import get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

from flows.quality import publish_source_quality
from nyhetsflyt.db.connect import connect, resolve_database_url
from nyhetsflyt.db.load import finish_run, record_failures, start_run
from nyhetsflyt.documents import Failure
from nyhetsflyt.settings import Settings
from tasks.load import prepare_database

T = TypeVar("T")
Outcome = Literal["failed", "skipped"]
MAX_LISTED_FAILURES = 500  # in the summary and its artifact; every one is a database row


class RunSummary(BaseModel):
    """What a run did, as counted: its `news.ingest_runs` row and its table artifact."""

    run_id: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[dict[str, str]] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {key: value for key, value in self.model_dump(exclude={"run_id"}).items()
                if isinstance(value, int)}


S = TypeVar("S", bound=RunSummary)


@dataclass
class IngestRun(Generic[S]):
    name: str
    settings: Settings
    database: str  # the resolved URL; never a flow parameter, so no password reaches the API
    summary: S
    tables: list[tuple[str, list[dict], str]] = field(default_factory=list)

    @property
    def run_id(self) -> int:
        return self.summary.run_id

    def record(self, failures: Sequence[Failure], outcome: Outcome = "failed") -> None:
        """Count failures (or pages skipped on purpose), log them, and keep them in the database."""
        if not failures:
            return
        logger = get_run_logger()
        if outcome == "skipped":
            self.summary.skipped += len(failures)
        else:
            self.summary.failed += len(failures)
        for failure in failures:
            if len(self.summary.failures) < MAX_LISTED_FAILURES:
                self.summary.failures.append({"source": failure.source_uri, "stage": failure.stage,
                                              "outcome": outcome, "reason": failure.reason})
            log = logger.info if outcome == "skipped" else logger.warning
            log("%s %s at %s: %s", outcome.capitalize(), failure.source_uri, failure.stage, failure.reason)
        with connect(self.database, autocommit=True) as conn:
            record_failures(conn, self.run_id, list(failures), outcome)

    def add_table(self, key: str, rows: list[dict], description: str) -> None:
        """A further table artifact to publish with the counts when the run completes."""
        self.tables.append((key, rows, description))


@contextmanager
def ingest_run(name: str, settings: Settings, summary: S, *,
               measure_quality: bool = False) -> Iterator[IngestRun[S]]:
    prepare_database(settings)
    database = resolve_database_url(settings)
    with connect(database, autocommit=True) as conn:
        summary.run_id = start_run(conn, name, flow_run.get_id())
    run = IngestRun(name, settings, database, summary)
    state = "failed"
    try:
        yield run
        if measure_quality:
            publish_source_quality(run.run_id, name, settings)
        state = "completed"
    finally:
        with connect(database, autocommit=True) as conn:
            finish_run(conn, run.run_id, state, summary.counts())
    for key, rows, description in run.tables:
        create_table_artifact(key=key, table=rows, description=description)
    create_table_artifact(key=f"{name}-counts", description="Counts of this run",
                          table=[{"measure": k, "count": v} for k, v in summary.counts().items()])
    if summary.failures:
        create_table_artifact(
            key=f"{name}-failures", table=summary.failures,
            description="What could not be ingested, or was skipped on purpose, with the reason")


def batches(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])
