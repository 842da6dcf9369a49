"""Ingest news files from folders: read → split → enrich → load, batch by batch.

Two ways to run it:
    paths    ingest files and folders where they lie (nothing is moved)
    inbox    ingest a watched inbox: each file moves to the archive once its articles are
             committed, or to the quarantine with a `.reason.json` beside it
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run
from pydantic import Field

from flows.pipeline import ArticleCounts, process_documents
from flows.runners import nlp_task_runner
from nyhetsflyt.db.connect import connect, resolve_database_url
from nyhetsflyt.db.load import finish_run, record_failures, start_run
from nyhetsflyt.documents import Failure, SourceDocument
from nyhetsflyt.sources.folder import MAX_FILE_BYTES
from tasks.files import settle_files
from tasks.load import prepare_database
from tasks.read import find_news_files, read_files


class RunSummary(ArticleCounts):
    """What a run did, as counted; also the run's table artifact and its `news.ingest_runs` row."""

    run_id: int
    files_seen: int = 0
    skipped: int = 0
    failed: int = 0
    archived: int = 0
    quarantined: int = 0
    kept: int = 0  # could not be moved (archive unwritable, disk full): still in the inbox, retried next run
    failures: list[dict[str, str]] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return self.model_dump(exclude={"failures", "run_id"})


def _batches(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@flow(name="ingest-folder", log_prints=False, task_runner=nlp_task_runner())
def ingest_folder(
    paths: list[str] | None = None,
    inbox: str | None = None,
    archive: str | None = None,
    quarantine: str | None = None,
    batch_size: Annotated[int, Field(ge=1, le=5000)] = 64,
    max_file_bytes: Annotated[int, Field(ge=1)] = MAX_FILE_BYTES,
    model: str | None = None,
) -> RunSummary:
    logger = get_run_logger()
    if inbox and not (archive and quarantine):
        raise ValueError("inbox mode needs both an archive and a quarantine folder")
    roots = [Path(inbox)] if inbox else [Path(p) for p in paths or []]
    if not roots:
        raise ValueError("give files or folders to ingest, or an inbox")

    prepare_database()
    url = resolve_database_url()
    with connect(url, autocommit=True) as conn:
        run_id = start_run(conn, "ingest-folder", flow_run.get_id())
    summary = RunSummary(run_id=run_id)
    state = "failed"
    try:
        files = find_news_files(roots)
        summary.files_seen = len(files)
        # A backfill shard names each of its files: the log says how many, and the first few.
        shown = ", ".join(map(str, roots[:3])) + (f" and {len(roots) - 3} more" if len(roots) > 3 else "")
        logger.info("Found %d files under %s", len(files), shown)
        for file_batch in _batches(files, batch_size):
            reads = read_files(file_batch, max_file_bytes)
            reasons: dict[Path, list[str]] = {read.path: [] for read in reads}
            documents: list[SourceDocument] = []
            origins: list[Path] = []
            for read in reads:
                documents.extend(read.documents)
                origins.extend([read.path] * len(read.documents))
                for failure in read.failures:
                    reasons[read.path].append(failure.reason)
                _count_failures(summary, read.failures, run_id, url)
                _count_skipped(summary, read.skipped, run_id, url)
                if read.skipped and not read.documents and inbox:
                    reasons[read.path].extend(f"skipped: {s.reason}" for s in read.skipped)

            for start in range(0, len(documents), batch_size):
                batch = documents[start:start + batch_size]
                outcome = process_documents(batch, model)
                summary.add_batch(outcome)
                _count_failures(summary, outcome.failures, run_id, url)
                for origin, result in zip(origins[start:start + batch_size], outcome.results):
                    if isinstance(result, Failure):
                        reasons[origin].append(f"{result.stage}: {result.reason}")
                logger.info(
                    "Batch of %d documents: %d new, %d already stored, %d failed",
                    len(batch), outcome.new, outcome.duplicates, len(outcome.failures),
                )

            if inbox:
                settled = settle_files(reasons, Path(inbox), Path(archive), Path(quarantine))
                summary.archived += sum(1 for s in settled if s.outcome == "archived")
                summary.quarantined += sum(1 for s in settled if s.outcome == "quarantined")
                summary.kept += sum(1 for s in settled if s.outcome == "kept")
        state = "completed"
    finally:
        with connect(url, autocommit=True) as conn:
            finish_run(conn, run_id, state, summary.counts())
    _publish(summary)
    logger.info(
        "Ingested %d files: %d new articles, %d already stored, %d skipped, %d failed",
        summary.files_seen, summary.articles_new, summary.duplicates, summary.skipped, summary.failed,
    )
    return summary


def _count_failures(summary: RunSummary, failures: list[Failure], run_id: int, url: str) -> None:
    if not failures:
        return
    summary.failed += len(failures)
    summary.failures.extend(
        {"source": f.source_uri, "stage": f.stage, "reason": f.reason} for f in failures
    )
    for failure in failures:
        get_run_logger().warning("Failed %s at %s: %s", failure.source_uri, failure.stage, failure.reason)
    with connect(url, autocommit=True) as conn:
        record_failures(conn, run_id, failures, "failed")


def _count_skipped(summary: RunSummary, skipped: list[Failure], run_id: int, url: str) -> None:
    if not skipped:
        return
    summary.skipped += len(skipped)
    for item in skipped:
        get_run_logger().info("Skipped %s: %s", item.source_uri, item.reason)
    with connect(url, autocommit=True) as conn:
        record_failures(conn, run_id, skipped, "skipped")


def _publish(summary: RunSummary) -> None:
    rows = [{"measure": key, "count": value} for key, value in summary.counts().items()]
    create_table_artifact(key="ingest-folder-counts", table=rows, description="Counts of this run")
    if summary.failures:
        create_table_artifact(
            key="ingest-folder-failures", table=summary.failures[:500],
            description="Files and articles that could not be ingested, with the reason",
        )
