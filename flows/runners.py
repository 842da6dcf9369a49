"""Where the NLP stage runs: in the flow's own process (the default), or on a Dask cluster.

Set `NYHETSFLYT_DASK_ADDRESS=tcp://scheduler:8786` on the workers (or pass `--dask-address` to
`nyhetsflyt ingest`) and every flow run submits its enrichment task runs to that cluster, where
each Dask worker loads the spaCy pipeline once and keeps it. Reading, splitting and loading stay
with the flow run, close to the files and the database.
"""

from __future__ import annotations

from prefect.task_runners import TaskRunner


def nlp_task_runner(address: str | None) -> TaskRunner | None:
    """A Dask task runner for `address` (the setting NYHETSFLYT_DASK_ADDRESS); None: Prefect's default."""
    if not address:
        return None
    from prefect_dask import (
        DaskTaskRunner,  # optional: only needed when a cluster is named
    )

    return DaskTaskRunner(address=address)
