"""File-system faults around the inbox: an archive that cannot be created or written, a full
disk, files removed while the run reads them. A file either stays in the inbox or goes to the
quarantine with a reason; nothing is left half-moved, and the run goes on.

The read-only and full file systems are real: small tmpfs mounts made by the test (this needs
root or CAP_SYS_ADMIN; where mounting is not allowed those two tests are skipped and say so).
"""

from __future__ import annotations

import errno
import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

import tasks.read
from faults.conftest import truncate_news
from faults.corpus import CORPUS_ARTICLES, Layout, ingest_inbox
from faults.inventory import (
    account_for_files,
    article_fingerprints,
    compare_articles,
    input_digests,
)
from faults.tally import TALLY

FAULT = "file-system fault"


@contextmanager
def tmpfs(where: Path, options: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "nyhetsflyt-faults", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "--lazy", str(where)], check=True)


def fill(folder: Path) -> Path:
    """Write into `folder` until its file system is full; return the filler file."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
    return filler


@pytest.fixture
def clean_db(database_url, prefect_server):
    truncate_news(database_url)
    return database_url


def _account(layout: Layout, inputs: dict[str, str], database_url: str, reference) -> None:
    """After the fault is gone: every article whole and once, every file in exactly one place."""
    articles = compare_articles(article_fingerprints(database_url), reference.fingerprints)
    files = account_for_files(inputs, *layout.folders())
    TALLY.survived(FAULT, lost=len(articles.lost) + len(files.lost),
                   duplicates=len(articles.extra) + len(files.doubled))
    assert articles.clean, articles
    assert files.clean, files


def _assert_kept_in_inbox(layout: Layout, summary, expected_quarantined: int) -> None:
    assert summary.articles_new == CORPUS_ARTICLES  # the articles were committed all the same
    assert summary.archived == 0 and summary.quarantined == expected_quarantined
    assert len(layout.left_in_inbox()) == 10 - expected_quarantined  # still there for the next run
    assert summary.kept == 10 - expected_quarantined  # and the run says so


def test_archive_that_cannot_be_created_keeps_files_in_the_inbox(clean_db, reference, tmp_path):
    layout = Layout.make(tmp_path)
    inputs = input_digests(layout.inbox)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file where the archive's parent folder should be\n")
    blocked = Layout(tmp_path, layout.inbox, blocker / "archive", layout.quarantine)
    TALLY.injected(FAULT)

    summary = ingest_inbox(blocked)

    _assert_kept_in_inbox(layout, summary, expected_quarantined=1)
    assert layout.quarantined() == reference.quarantined  # the quarantine still works
    rerun = ingest_inbox(layout)
    assert rerun.articles_new == 0 and rerun.duplicates == CORPUS_ARTICLES
    assert layout.archived() == reference.archived and layout.left_in_inbox() == []
    _account(layout, inputs, clean_db, reference)


def test_read_only_archive_keeps_files_in_the_inbox(clean_db, reference, tmp_path):
    layout = Layout.make(tmp_path)
    inputs = input_digests(layout.inbox)
    with tmpfs(tmp_path / "read-only", "ro,size=64k") as read_only:
        blocked = Layout(tmp_path, layout.inbox, read_only / "archive", read_only / "quarantine")
        TALLY.injected(FAULT)
        summary = ingest_inbox(blocked)
        assert list(read_only.iterdir()) == []
    _assert_kept_in_inbox(layout, summary, expected_quarantined=0)
    ingest_inbox(layout)
    assert layout.archived() == reference.archived and layout.left_in_inbox() == []
    _account(layout, inputs, clean_db, reference)


def test_full_disk_leaves_no_partial_copy_and_files_stay_in_the_inbox(clean_db, reference, tmp_path):
    layout = Layout.make(tmp_path)
    inputs = input_digests(layout.inbox)
    with tmpfs(tmp_path / "small-disk", "size=256k") as small:
        outbox = Layout(tmp_path, layout.inbox, small / "archive", small / "quarantine")
        filler = fill(small)
        TALLY.injected(FAULT)
        summary = ingest_inbox(outbox)
        _assert_kept_in_inbox(layout, summary, expected_quarantined=0)
        # Nothing half-moved: no partial copy, no reason file without its file.
        assert [p for p in small.rglob("*") if p.is_file()] == [filler]

        filler.unlink()  # space again: the next run moves everything where it belongs
        rerun = ingest_inbox(outbox)
        assert rerun.articles_new == 0 and rerun.archived == 9 and rerun.quarantined == 1
        assert outbox.archived() == reference.archived
        assert outbox.quarantined() == reference.quarantined
        reason = json.loads((small / "quarantine" / "tom.txt.reason.json").read_text())
        assert reason["reasons"] == ["read: empty file"] or "empty file" in reason["reasons"][0]
        _account(outbox, inputs, clean_db, reference)


def test_files_removed_while_the_run_reads_them(clean_db, reference, tmp_path, monkeypatch):
    layout = Layout.make(tmp_path)
    inputs = input_digests(layout.inbox)
    before_open = layout.inbox / "02-skolevei.txt"  # gone between listing and reading
    after_read = layout.inbox / "03-fiskekvote.txt"  # gone after it was read, before it is moved
    original = tasks.read.read_file

    def read_with_removals(path, max_bytes):
        if path == before_open:
            path.unlink()
            TALLY.injected(FAULT)
        result = original(path, max_bytes=max_bytes)
        if path == after_read:
            path.unlink()
            TALLY.injected(FAULT)
        return result

    monkeypatch.setattr(tasks.read, "read_file", read_with_removals)
    summary = ingest_inbox(layout)

    assert summary.articles_new == CORPUS_ARTICLES - 1  # all but the one never read
    assert summary.archived == 7 and summary.quarantined == 1
    assert layout.left_in_inbox() == []
    with psycopg.connect(clean_db) as conn:
        reasons = conn.execute("SELECT source, reason FROM news.ingest_failures").fetchall()
    assert (str(before_open), "cannot read file: No such file or directory") in reasons
    expected_inputs = {name: key for name, key in inputs.items()
                       if name not in {before_open.name, after_read.name}}
    articles = compare_articles(article_fingerprints(clean_db), reference.fingerprints)
    files = account_for_files(expected_inputs, *layout.folders())
    TALLY.survived(FAULT, lost=len(articles.lost) - 1 + len(files.lost),
                   duplicates=len(articles.extra) + len(files.doubled), count=2)
    assert len(articles.lost) == 1 and not articles.partial and not articles.extra
    assert files.clean, files
