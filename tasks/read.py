"""Stage 1, folder source: find files and read them into SourceDocuments."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from nyhetsflyt.sources.folder import FileRead, find_files, read_file
from tasks.timing import stage_time


@task(name="find-files", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def find_news_files(paths: list[Path]) -> list[Path]:
    with stage_time("find", len(paths)):
        return find_files(paths)


@task(name="read-files", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def read_files(paths: list[Path], max_bytes: int) -> list[FileRead]:
    """Read a batch of files. Bad content is reported per file; only I/O trouble is retried."""
    with stage_time("read", len(paths)):
        return [read_file(path, max_bytes=max_bytes) for path in paths]
