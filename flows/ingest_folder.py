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
from prefect.utilities.annotations import quote
from pydantic import Field

from flows.pipeline import ArticleCounts, process_documents
from flows.run import RunSummary, batches, ingest_run
from flows.runners import nlp_task_runner
from nyhetsflyt.documents import Failure, SourceDocument
from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.folder import MAX_FILE_BYTES
from tasks.files import settle_files
from tasks.load import load_wire_extras
from tasks.read import find_news_files, read_files


class FolderRunSummary(ArticleCounts, RunSummary):
    """What a folder run did, as counted."""

    files_seen: int = 0
    archived: int = 0
    quarantined: int = 0
    kept: int = 0  # could not be moved (archive unwritable, disk full): still in the inbox, retried next run
    photos: int = 0  # news agencies' picture items stored (new, or newer versions)
    packages: int = 0  # news agencies' packages stored


@flow(name="ingest-folder", log_prints=False,
      task_runner=nlp_task_runner(Settings().dask_address))  # type: ignore[arg-type]  # None: the default
def ingest_folder(
    paths: list[str] | None = None,
    inbox: str | None = None,
    archive: str | None = None,
    quarantine: str | None = None,
    batch_size: Annotated[int, Field(ge=1, le=5000)] = 64,
    max_file_bytes: Annotated[int, Field(ge=1)] = MAX_FILE_BYTES,
    model: str | None = None,
    settings: Settings | None = None,
) -> FolderRunSummary:
    logger = get_run_logger()
    if inbox and not (archive and quarantine):
        raise ValueError("inbox mode needs both an archive and a quarantine folder")
    roots = [Path(inbox)] if inbox else [Path(p) for p in paths or []]
    if not roots:
        raise ValueError("give files or folders to ingest, or an inbox")
    settings = settings or Settings()
    if model:
        settings = settings.model_copy(update={"spacy_model": model})

    with ingest_run("ingest-folder", settings, FolderRunSummary(), measure_quality=True) as run:
        summary = run.summary
        files = find_news_files(roots)
        summary.files_seen = len(files)
        # A backfill shard names each of its files: the log says how many, and the first few.
        shown = ", ".join(map(str, roots[:3])) + (f" and {len(roots) - 3} more" if len(roots) > 3 else "")
        logger.info("Found %d files under %s", len(files), shown)
        for file_batch in batches(files, batch_size):
            reads = read_files(file_batch, max_file_bytes)
            reasons: dict[Path, list[str]] = {read.path: [] for read in reads}
            documents: list[SourceDocument] = []
            origins: list[Path] = []
            for read in reads:
                documents.extend(read.documents)
                origins.extend([read.path] * len(read.documents))
                reasons[read.path].extend(failure.reason for failure in read.failures)
                run.record(read.failures)
                run.record(read.skipped, "skipped")
                if read.skipped and not (read.documents or read.pictures or read.packages) and inbox:
                    reasons[read.path].extend(f"skipped: {s.reason}" for s in read.skipped)

            pictures = [picture for read in reads for picture in read.pictures]
            packages = [package for read in reads for package in read.packages]
            if pictures or packages:
                # Prefect unwraps quoted arguments; its type hints do not know (flows/pipeline.py).
                stored = load_wire_extras(quote(pictures), quote(packages), settings)  # type: ignore[call-overload]
                summary.photos += stored.photos
                summary.packages += stored.packages

            for start in range(0, len(documents), batch_size):
                batch = documents[start:start + batch_size]
                outcome = process_documents(batch, settings, run.run_id)
                summary.add_batch(outcome)
                run.record(outcome.failures)
                for origin, result in zip(origins[start:start + batch_size], outcome.results):
                    if isinstance(result, Failure):
                        reasons[origin].append(f"{result.stage}: {result.reason}")
                logger.info(
                    "Batch of %d documents: %d new, %d already stored, %d failed",
                    len(batch), outcome.new, outcome.duplicates, len(outcome.failures),
                )

            if inbox and archive and quarantine:
                settled = settle_files(reasons, Path(inbox), Path(archive), Path(quarantine))
                summary.archived += sum(1 for s in settled if s.outcome == "archived")
                summary.quarantined += sum(1 for s in settled if s.outcome == "quarantined")
                summary.kept += sum(1 for s in settled if s.outcome == "kept")
    logger.info(
        "Ingested %d files: %d new articles, %d already stored, %d skipped, %d failed",
        summary.files_seen, summary.articles_new, summary.duplicates, summary.skipped, summary.failed,
    )
    return summary
