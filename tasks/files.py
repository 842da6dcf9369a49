"""Inbox mode, after a batch is committed: each file to the archive or the quarantine."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from nyhetsflyt.sources.folder.inbox import FileOutcome, settle_file


@task(name="settle-inbox-files", cache_policy=NO_CACHE)
def settle_files(results: dict[Path, list[str]], inbox: Path, archive: Path, quarantine: Path) -> list[FileOutcome]:
    """Archive files whose articles are all committed; quarantine the others with their reasons.

    A file that cannot be moved is left in the inbox (its articles are committed, so the next
    run finds them stored and only moves the file); the rest of the batch is still settled.
    """
    outcomes = [settle_file(path, reasons, inbox, archive, quarantine) for path, reasons in results.items()]
    for outcome in outcomes:
        if outcome.outcome == "kept":
            get_run_logger().error("Left %s in the inbox: %s", outcome.path, "; ".join(outcome.reasons))
    return outcomes
