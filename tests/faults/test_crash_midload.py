"""Crash mid-load: `nyhetsflyt ingest --inbox` is killed with SIGKILL at seeded random points,
then run again to completion. Every article must then be stored exactly once and whole, and
every input file must be in exactly one of inbox, archive or quarantine.

The kill points are drawn relative to what the run reports on stderr (the start of the flow,
the n-th enrich, load or settle task), plus a random delay, so they land inside the work and
not in interpreter start-up.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from faults.conftest import CLI, truncate_news
from faults.corpus import BATCH_SIZE, Layout, ingest_inbox
from faults.inventory import (
    account_for_files,
    article_count,
    article_fingerprints,
    compare_articles,
    input_digests,
)
from faults.tally import TALLY

FAULT = "crash mid-load (SIGKILL)"
KILLS = int(os.environ.get("NYHETSFLYT_CRASH_TRIALS", "20"))
SEED = int(os.environ.get("NYHETSFLYT_CRASH_SEED", "20240611"))

# Lines the run writes to stderr as it goes; a kill is aimed at the n-th of one of them.
ANCHORS = {
    "flow": "Beginning flow run",
    "enrich": "Task run 'enrich-articles",
    "load": "Task run 'load-articles",
    "settle": "Task run 'settle-inbox-files",
}


class KilledRun:
    """One CLI ingest in its own process group, killed when an anchor line has been seen."""

    def __init__(self, layout: Layout, env: dict[str, str]):
        self.lines: list[str] = []
        self._seen = threading.Condition()
        self.process = subprocess.Popen(
            [str(CLI), "ingest", "--inbox", str(layout.inbox), "--archive", str(layout.archive),
             "--quarantine", str(layout.quarantine), "--batch-size", str(BATCH_SIZE)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            with self._seen:
                self.lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self._seen.notify_all()

    def count(self, needle: str) -> int:
        return sum(needle in line for line in self.lines)

    def wait_for(self, needle: str, nth: int, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._seen:
            while self.count(needle) < nth:
                if self.process.poll() is not None and not self._reader.is_alive():
                    return False
                if (not self._seen.wait(timeout=max(0.0, deadline - time.monotonic()))
                        and time.monotonic() >= deadline):
                        return False
        return True

    def kill(self) -> bool:
        """SIGKILL the run's process group; False when it had already exited on its own."""
        if self.process.poll() is not None:
            return False
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._reader.join(timeout=10)
        return True

    def finish(self, timeout_s: float) -> int:
        code = self.process.wait(timeout=timeout_s)
        self._reader.join(timeout=10)
        return code


def _other_file_system(path: Path) -> Path | None:
    """A tmpfs on another device than `path`, so that moves must copy instead of rename."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shm.stat().st_dev != path.stat().st_dev:
        return Path(tempfile.mkdtemp(prefix="nyhetsflyt-faults-", dir=shm))
    return None


def _reference_anchor_counts(env: dict[str, str], tmp: Path, database_url: str) -> dict[str, int]:
    """How often each anchor line appears in an undisturbed CLI run."""
    layout = Layout.make(tmp / "anchors")
    run = KilledRun(layout, env)
    assert run.finish(timeout_s=180) == 0, "".join(run.lines[-30:])
    truncate_news(database_url)
    counts = {name: run.count(needle) for name, needle in ANCHORS.items()}
    assert counts["flow"] == 1 and counts["load"] >= 5 and counts["settle"] >= 5, counts
    return counts


def test_sigkill_at_random_points_then_rerun_loses_and_doubles_nothing(
    reference, database_url, cli_env, tmp_path
):
    expected = reference.fingerprints
    anchor_counts = _reference_anchor_counts(cli_env, tmp_path, database_url)
    rng = random.Random(SEED)
    landed = {"none committed": 0, "some committed": 0, "all committed": 0}
    failures: list[str] = []
    kills = attempts = 0
    while kills < KILLS and attempts < KILLS + 10:
        attempts += 1
        truncate_news(database_url)
        trial_root = tmp_path / f"trial-{attempts:02d}"
        trial_root.mkdir()
        other_fs = _other_file_system(trial_root) if attempts % 2 == 0 else None
        try:
            layout = Layout.make(trial_root, other_fs)
            inputs = input_digests(layout.inbox)
            anchor = rng.choice(list(ANCHORS))
            nth = rng.randint(1, anchor_counts[anchor])
            delay = rng.uniform(0.0, 0.25)
            run = KilledRun(layout, cli_env)
            reached = run.wait_for(ANCHORS[anchor], nth, timeout_s=120)
            if reached:
                time.sleep(delay)
            if not run.kill():
                continue  # finished before the kill: no fault injected, draw again
            kills += 1
            TALLY.injected(FAULT)
            committed = article_count(database_url)
            landed["none committed" if committed == 0 else
                   "all committed" if committed == len(expected) else "some committed"] += 1

            summary = ingest_inbox(layout)
            articles = compare_articles(article_fingerprints(database_url), expected)
            files = account_for_files(inputs, *layout.folders())
            TALLY.survived(FAULT, lost=len(articles.lost) + len(files.lost),
                           duplicates=len(articles.extra) + len(files.doubled))
            where = (f"trial {attempts} (kill at {anchor} #{nth} + {delay:.2f}s, "
                     f"{'cross-device' if other_fs else 'same file system'}, {committed} committed)")
            if not articles.clean:
                failures.append(f"{where}: articles {articles}")
            if not files.clean:
                failures.append(f"{where}: files {files}")
            if (layout.archived(), layout.quarantined()) != (reference.archived, reference.quarantined):
                failures.append(f"{where}: archive {layout.archived()} / quarantine {layout.quarantined()}")
            if layout.left_in_inbox() or summary.articles_new + committed != len(expected):
                failures.append(f"{where}: inbox left {layout.left_in_inbox()}, "
                                f"rerun stored {summary.articles_new} after {committed}")
        finally:
            if other_fs is not None:
                shutil.rmtree(other_fs, ignore_errors=True)
    TALLY.note(FAULT, "kills landed: " + ", ".join(f"{n} with {k}" for k, n in landed.items()))
    assert kills >= KILLS, f"only {kills} of {attempts} runs were still going when the kill came"
    assert not failures, "\n".join(failures)
    assert landed["some committed"] > 0, landed  # the kills did land between commits
