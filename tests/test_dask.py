"""The NLP stage on a real Dask cluster (scheduler and worker processes on 127.0.0.1)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest

from flows.ingest_folder import ingest_folder
from flows.runners import nlp_task_runner
from nyhetsflyt.paths import EXAMPLE_INBOX
from nyhetsflyt.settings import Settings

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as running:
        yield running.scheduler_address


def _models_loaded_in_workers(address: str) -> list[str]:
    from distributed import Client

    def loaded() -> str:
        import sys

        model = sys.modules.get("nyhetsflyt.nlp.model")
        return f"{os.getpid()}:{bool(model and model._load_resolved.cache_info().currsize)}"

    with Client(address) as client:
        return list(client.run(loaded).values())


def test_enrichment_runs_on_the_dask_workers(empty_db, cluster):
    (before,) = _models_loaded_in_workers(cluster)
    assert before.endswith(":False")

    summary = ingest_folder.with_options(task_runner=nlp_task_runner(cluster))(paths=[str(EXAMPLE_INBOX)])

    assert summary.failed == 0 and summary.articles_new == 5
    (after,) = _models_loaded_in_workers(cluster)
    worker_pid, loaded = after.split(":")
    assert loaded == "True" and int(worker_pid) != os.getpid()  # the model lives in the worker
    with psycopg.connect(empty_db) as conn:
        (stored,) = conn.execute("SELECT count(*) FROM news.articles WHERE model_name <> ''").fetchone()
    assert stored == 5


def test_no_address_means_prefects_default_runner(monkeypatch):
    monkeypatch.delenv("NYHETSFLYT_DASK_ADDRESS", raising=False)
    assert nlp_task_runner(Settings().dask_address) is None
    monkeypatch.setenv("NYHETSFLYT_DASK_ADDRESS", "tcp://127.0.0.1:8786")
    assert type(nlp_task_runner(Settings().dask_address)).__name__ == "DaskTaskRunner"
