"""`nyhetsflyt status`: how the pipeline is doing, from what PostgreSQL and the inbox hold.

Read only. Everything comes from the database the runs write (`news.ingest_runs`,
`news.ingest_failures`, `news.fetch_log`, `news.sources`) and from the inbox folder, so it
works with or without a Prefect server.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import psycopg
from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from nyhetsflyt.db.connect import redact, scalar
from nyhetsflyt.sources.folder import find_files


class RunRow(BaseModel):
    id: int
    flow_name: str
    state: str
    started_at: datetime
    finished_at: datetime | None
    seconds: float | None
    files_seen: int
    articles_seen: int
    articles_new: int
    duplicates: int
    skipped: int
    failed: int


class FailureRow(BaseModel):
    at: datetime
    run_id: int | None
    stage: str
    source: str
    reason: str


class FetchOutcome(BaseModel):
    outcome: str
    fetches: int
    last_at: datetime


class Backlog(BaseModel):
    inbox: str | None = None
    inbox_files: int | None = None  # None: no inbox given, or it does not exist
    oldest_inbox_file_minutes: float | None = None
    web_sources_unfetched: int = 0  # active sources whose URL was never fetched
    web_sources_unfetched_sample: list[str] = Field(default_factory=list)


class StatusReport(BaseModel):
    database: str  # redacted
    schema_ready: bool
    articles: int = 0
    runs: list[RunRow] = Field(default_factory=list)
    backlog: Backlog = Field(default_factory=Backlog)
    failures: list[FailureRow] = Field(default_factory=list)
    failures_last_24h: int = 0
    fetch_window_hours: int = 24
    fetch_outcomes: list[FetchOutcome] = Field(default_factory=list)


def inbox_backlog(inbox: Path | None) -> Backlog:
    """Files waiting in the inbox (the same files an inbox run would pick up)."""
    if inbox is None or not inbox.is_dir():
        return Backlog(inbox=str(inbox) if inbox else None)
    files = find_files([inbox])
    oldest = min((f.stat().st_mtime for f in files), default=None)
    return Backlog(
        inbox=str(inbox),
        inbox_files=len(files),
        oldest_inbox_file_minutes=round((time.time() - oldest) / 60, 1) if oldest is not None else None,
    )


def collect_status(url: str, *, inbox: Path | None = None, limit: int = 10,
                   fetch_window_hours: int = 24) -> StatusReport:
    report = StatusReport(database=redact(url), schema_ready=False, fetch_window_hours=fetch_window_hours)
    report.backlog = inbox_backlog(inbox)
    with psycopg.connect(url) as conn:
        if scalar(conn.execute("SELECT to_regclass('news.fetch_log') IS NOT NULL")) is not True:
            return report
        report.schema_ready = True
        report.articles = scalar(conn.execute("SELECT count(*) FROM news.articles"))
        report.runs = [
            RunRow(id=r[0], flow_name=r[1], state=r[2], started_at=r[3], finished_at=r[4], seconds=r[5],
                   files_seen=r[6], articles_seen=r[7], articles_new=r[8], duplicates=r[9],
                   skipped=r[10], failed=r[11])
            for r in conn.execute(
                "SELECT id, flow_name, state, started_at, finished_at,"
                " round(extract(epoch FROM finished_at - started_at)::numeric, 1)::float8,"
                " files_seen, articles_seen, articles_new, duplicates, skipped, failed"
                " FROM news.ingest_runs ORDER BY started_at DESC, id DESC LIMIT %s",
                (limit,),
            )
        ]
        report.failures = [
            FailureRow(at=r[0], run_id=r[1], stage=r[2], source=r[3], reason=r[4])
            for r in conn.execute(
                "SELECT at, run_id, stage, source, left(reason, 300) FROM news.ingest_failures"
                " WHERE outcome = 'failed' ORDER BY at DESC, id DESC LIMIT %s",
                (limit,),
            )
        ]
        report.failures_last_24h = scalar(conn.execute(
            "SELECT count(*) FROM news.ingest_failures WHERE outcome = 'failed'"
            " AND at > now() - interval '24 hours'"
        ))
        report.fetch_outcomes = [
            FetchOutcome(outcome=r[0], fetches=r[1], last_at=r[2])
            for r in conn.execute(
                "SELECT outcome, count(*), max(at) FROM news.fetch_log"
                " WHERE at > now() - make_interval(hours => %s) GROUP BY outcome ORDER BY 2 DESC, 1",
                (fetch_window_hours,),
            )
        ]
        unfetched = [r[0] for r in conn.execute(
            "SELECT s.url FROM news.sources s WHERE s.active"
            " AND NOT EXISTS (SELECT 1 FROM news.fetch_log f WHERE f.url = s.url) ORDER BY s.id"
        )]
        report.backlog.web_sources_unfetched = len(unfetched)
        report.backlog.web_sources_unfetched_sample = unfetched[:limit]
    return report


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else "–"


def render_status(report: StatusReport, console: Console) -> None:
    console.print(f"[bold]Nyhetsflyt[/bold] · {report.database} · {report.articles:,} articles")
    if not report.schema_ready:
        console.print("[yellow]The news schema is not there yet: run `nyhetsflyt db migrate` or an ingest.[/yellow]")

    if report.schema_ready:
        _render_runs(report, console)
    _render_backlog(report, console)
    if report.schema_ready:
        _render_failures_and_fetches(report, console)


def _render_runs(report: StatusReport, console: Console) -> None:
    runs = Table("run", "flow", "state", "started", "seconds", "files", "seen", "new", "dup", "skipped",
                 "failed", title="Recent runs")
    for r in report.runs:
        colour = {"completed": "green", "failed": "red"}.get(r.state, "yellow")
        runs.add_row(str(r.id), r.flow_name, f"[{colour}]{r.state}[/{colour}]", _when(r.started_at),
                     "–" if r.seconds is None else f"{r.seconds:.1f}", str(r.files_seen), str(r.articles_seen),
                     str(r.articles_new), str(r.duplicates), str(r.skipped), str(r.failed))
    console.print(runs)


def _render_backlog(report: StatusReport, console: Console) -> None:
    backlog = Table("waiting", "count", "detail", title="Backlog")
    b = report.backlog
    if b.inbox is None:
        backlog.add_row("inbox files", "–", "no inbox given (--inbox or NYHETSFLYT_INBOX)")
    elif b.inbox_files is None:
        backlog.add_row("inbox files", "–", f"{b.inbox} does not exist")
    else:
        oldest = f", oldest {b.oldest_inbox_file_minutes} min" if b.oldest_inbox_file_minutes is not None else ""
        backlog.add_row("inbox files", str(b.inbox_files), f"{b.inbox}{oldest}")
    backlog.add_row("web sources never fetched", str(b.web_sources_unfetched),
                    ", ".join(b.web_sources_unfetched_sample[:3]))
    console.print(backlog)


def _render_failures_and_fetches(report: StatusReport, console: Console) -> None:
    failures = Table("at", "run", "stage", "source", "reason",
                     title=f"Recent failures ({report.failures_last_24h} in the last 24 h)")
    for f in report.failures:
        failures.add_row(_when(f.at), str(f.run_id or "–"), f.stage, f.source, f.reason[:120])
    console.print(failures)

    fetches = Table("outcome", "fetches", "last", title=f"Fetches, last {report.fetch_window_hours} h")
    for o in report.fetch_outcomes:
        fetches.add_row(o.outcome, str(o.fetches), _when(o.last_at))
    console.print(fetches)
