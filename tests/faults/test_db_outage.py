"""Database outage: the PostgreSQL a run writes to is stopped under it.

The cluster belongs to the test (faults/cluster.py). A short outage is ridden out by the load
task's retries with backoff; a long one fails the run cleanly (nothing partial, the files not
yet committed still in the inbox) and the next run picks up what is left.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

import nyhetsflyt.db.connect
import tasks.load
from faults.cluster import ScratchCluster
from faults.corpus import CORPUS_ARTICLES, Layout, ingest_inbox
from faults.inventory import (
    account_for_files,
    article_fingerprints,
    compare_articles,
    input_digests,
)
from faults.tally import TALLY
from nyhetsflyt.db.migrate import migrate

FAULT = "database outage"


@pytest.fixture
def cluster(monkeypatch, prefect_server):
    """A migrated PostgreSQL of the test's own, made the database every task of this run uses."""
    owned = ScratchCluster()
    owned.start()
    migrate(owned.url)
    monkeypatch.setenv("DATABASE_URL", owned.url)
    try:
        yield owned
    finally:
        owned.destroy()


class ConnectRecorder:
    """Wraps the connect() behind the load task's connection: records each attempt and whether
    the database answered."""

    def __init__(self, monkeypatch):
        self.attempts: list[tuple[float, bool]] = []
        original = nyhetsflyt.db.connect.connect

        def recording_connect(url, **kwargs):
            try:
                conn = original(url, **kwargs)
            except psycopg.OperationalError:
                self.attempts.append((time.monotonic(), False))
                raise
            self.attempts.append((time.monotonic(), True))
            return conn

        monkeypatch.setattr(nyhetsflyt.db.connect, "connect", recording_connect)

    @property
    def refused(self) -> int:
        return sum(1 for _, ok in self.attempts if not ok)


def stop_during_load(monkeypatch, cluster: ScratchCluster, batch: int, outage_s: float | None):
    """Stop the server while the `batch`-th load holds an open connection; restart after `outage_s`."""
    original = tasks.load.load_articles_isolating_bad
    calls = []

    def load_with_outage(conn, articles, run_id=None):
        calls.append(len(articles))
        if len(calls) == batch:
            cluster.stop("fast")  # ends the open session: the COPY below meets a dead connection
            TALLY.injected(FAULT)
            if outage_s is not None:
                threading.Timer(outage_s, cluster.start).start()
        return original(conn, articles, run_id)

    monkeypatch.setattr(tasks.load, "load_articles_isolating_bad", load_with_outage)
    return calls


def test_short_outage_is_ridden_out_by_retries_with_backoff(cluster, reference, monkeypatch, tmp_path):
    layout = Layout.make(tmp_path)
    inputs = input_digests(layout.inbox)
    recorder = ConnectRecorder(monkeypatch)
    stop_during_load(monkeypatch, cluster, batch=2, outage_s=4.0)

    summary = ingest_inbox(layout)  # the production retry policy, unchanged

    articles = compare_articles(article_fingerprints(cluster.url), reference.fingerprints)
    files = account_for_files(inputs, *layout.folders())
    TALLY.survived(FAULT, lost=len(articles.lost) + len(files.lost),
                   duplicates=len(articles.extra) + len(files.doubled))
    assert summary.articles_new == CORPUS_ARTICLES
    assert articles.clean and files.clean, (articles, files)
    assert layout.archived() == reference.archived and layout.left_in_inbox() == []
    # The load task came back while the server was down, and again later: retried, with backoff.
    assert recorder.refused >= 1
    first_refusal = next(i for i, (_, ok) in enumerate(recorder.attempts) if not ok)
    gaps = [b[0] - a[0] for a, b in zip(recorder.attempts[first_refusal - 1:], recorder.attempts[first_refusal:])]
    assert all(gap >= 0.9 for gap in gaps[:recorder.refused + 1]), gaps  # at least backoff 2 s × (1 - 0.5)
    with psycopg.connect(cluster.url) as conn:
        assert conn.execute("SELECT state FROM news.ingest_runs").fetchall() == [("completed",)]


def test_long_outage_fails_the_run_cleanly_and_the_next_run_finishes(cluster, reference, monkeypatch, tmp_path):
    # Same policy, quicker clock: the retries and their backoff are shortened so that an outage
    # outlasting all of them takes seconds instead of a minute.
    monkeypatch.setattr(tasks.load.load_batch, "retry_delay_seconds", [0.2, 0.4, 0.8, 1.6])
    layout = Layout.make(tmp_path)
    inputs = input_digests(layout.inbox)
    recorder = ConnectRecorder(monkeypatch)
    calls = stop_during_load(monkeypatch, cluster, batch=3, outage_s=None)

    state = ingest_inbox(layout, return_state=True)

    assert state.is_failed()
    with pytest.raises(psycopg.OperationalError):
        state.result()
    assert recorder.refused == tasks.load.load_batch.retries  # every retry tried, then gave up
    monkeypatch.undo()  # the database, and the ordinary loader, come back
    monkeypatch.setenv("DATABASE_URL", cluster.url)
    cluster.start()

    committed = article_fingerprints(cluster.url)
    loaded_before = sum(calls[:2])  # the two batches committed before the outage
    assert len(committed) == loaded_before
    assert compare_articles(committed, reference.fingerprints).partial == set()
    left = layout.left_in_inbox()
    assert left and len(layout.archived()) < len(reference.archived)  # the rest waits in the inbox

    summary = ingest_inbox(layout)

    articles = compare_articles(article_fingerprints(cluster.url), reference.fingerprints)
    files = account_for_files(inputs, *layout.folders())
    TALLY.survived(FAULT, lost=len(articles.lost) + len(files.lost),
                   duplicates=len(articles.extra) + len(files.doubled))
    assert summary.articles_new == CORPUS_ARTICLES - loaded_before
    assert articles.clean and files.clean, (articles, files)
    assert layout.archived() == reference.archived and layout.left_in_inbox() == []
