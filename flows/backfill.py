"""Backfill: split a large input into shards and let every worker of the pool take some.

The parent flow `backfill` cuts its files (or URLs) into shards and starts one run of the
`backfill-shard` deployment per shard with `run_deployment`, so any worker polling the work pool
may pick it up. It then watches the shard runs: a shard that ends Failed, Crashed or Cancelled is
submitted again on its own (up to `max_attempts` times). Shards are idempotent: they ingest files
where they lie (nothing moves) and the load skips articles already stored, so a shard that died
half-way can simply run again.

A shard whose worker vanished (machine lost, process killed) stays Running until something marks
it Crashed: on the stack that is the heartbeat automation installed by `nyhetsflyt stack up`; the
parent also treats a Running shard whose worker the server reports OFFLINE as crashed.

Totals come from the shards' rows in `news.ingest_runs`, so they are the database's own account.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, cast
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.artifacts import (
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, StateType, WorkerStatus
from prefect.deployments import run_deployment
from prefect.runtime import flow_run as current_run
from prefect.states import Crashed
from pydantic import Field

from nyhetsflyt.db.connect import connect, resolve_database_url
from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.folder import find_files

SHARD_DEPLOYMENT = "backfill-shard/backfill-shard"
FINAL_BAD = {StateType.FAILED, StateType.CRASHED, StateType.CANCELLED}
COUNT_COLUMNS = ("files_seen", "articles_seen", "articles_new", "duplicates", "skipped", "failed")


def make_shards(items: list[str], shard_size: int) -> list[list[str]]:
    """Consecutive slices of at most `shard_size` items, in order."""
    if shard_size < 1:
        raise ValueError("shard_size must be at least 1")
    return [items[i:i + shard_size] for i in range(0, len(items), shard_size)]


def expand_paths(paths: list[str]) -> list[str]:
    """Every news file under the given files and folders, as sorted absolute paths."""
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"no such file or folder: {', '.join(missing)}")
    return sorted(str(p.resolve()) for p in find_files([Path(p) for p in paths]))


@dataclass
class Shard:
    """One shard and the runs it took."""

    index: int
    parameters: dict[str, list[str]]
    runs: list[UUID] = field(default_factory=list)
    state: str = "pending"  # pending | running | completed | failed
    worker: str = ""

    @property
    def size(self) -> int:
        return sum(len(v) for v in self.parameters.values())


# ---------------------------------------------------------------- the shard (child) flow


@flow(name="backfill-shard")
def backfill_shard(
    paths: list[str] | None = None,
    urls: list[str] | None = None,
    model: str | None = None,
    batch_size: Annotated[int, Field(ge=1, le=5000)] = 64,
) -> dict[str, int]:
    """Ingest one shard: its files where they lie, or its URLs. Safe to run again."""
    if not paths and not urls:
        raise ValueError("a shard needs paths or urls")
    counts: dict[str, int] = {}
    if paths:
        from flows.ingest_folder import ingest_folder

        # `.fn` runs the folder flow's body inside this run, so its `news.ingest_runs` row and
        # artifacts belong to this shard run (the parent finds them by this run's id).
        summary = ingest_folder.fn(paths=paths, model=model, batch_size=batch_size)
        counts = summary.counts()
    if urls:
        from flows.ingest_web import ingest_web

        # Each URL is sniffed: a feed, a sitemap, a URL list or an article page.
        web = ingest_web.fn(urls=urls, model=model, batch_size=min(batch_size, 1000))
        for key, value in web.counts().items():
            counts[key] = counts.get(key, 0) + value
    return counts


# ---------------------------------------------------------------- the parent flow


@flow(name="backfill")
def backfill(
    paths: list[str] | None = None,
    urls: list[str] | None = None,
    shard_size: Annotated[int, Field(ge=1)] = 100,
    max_attempts: Annotated[int, Field(ge=1, le=10)] = 3,
    poll_seconds: Annotated[float, Field(gt=0)] = 5.0,
    model: str | None = None,
    shard_deployment: str = SHARD_DEPLOYMENT,
) -> dict[str, int]:
    """Ingest many files or URLs as shards run by the pool's workers; return the totals."""
    logger = get_run_logger()
    if not paths and not urls:
        raise ValueError("give paths (files or folders) or urls to backfill")

    shards: list[Shard] = []
    for chunk in make_shards(expand_paths(paths or []), shard_size):
        shards.append(Shard(len(shards), {"paths": chunk}))
    for chunk in make_shards(list(dict.fromkeys(urls or [])), shard_size):
        shards.append(Shard(len(shards), {"urls": chunk}))
    logger.info("Backfill of %d shards (at most %d items each) through %s",
                len(shards), shard_size, shard_deployment)

    parent_id = current_run.get_id() or "local"
    extra = {"model": model} if model else {}

    def submit(shard: Shard) -> None:
        attempt = len(shard.runs) + 1
        # Called from a sync flow, Prefect's dual sync/async functions return the value itself.
        run = cast(FlowRun, run_deployment(
            shard_deployment,
            parameters={**shard.parameters, **extra},
            timeout=0,
            flow_run_name=f"shard-{shard.index + 1:03d}-of-{len(shards):03d}-try-{attempt}",
            # A restarted parent finds the runs it already created instead of doubling them.
            idempotency_key=f"{parent_id}:shard-{shard.index}:try-{attempt}",
            tags=["backfill-shard"],
        ))
        shard.runs.append(run.id)
        shard.state = "running"

    for shard in shards:
        submit(shard)

    progress_id = cast(UUID, create_progress_artifact(
        progress=0.0, key="backfill-progress", description="Shards of this backfill that have finished"))
    with get_client(sync_client=True) as client:
        while any(s.state == "running" for s in shards):
            time.sleep(poll_seconds)
            for shard in (s for s in shards if s.state == "running"):
                run = client.read_flow_run(shard.runs[-1])
                shard.worker = str(run.labels.get("prefect.worker.name", "")) if run.labels else ""
                state = run.state.type if run.state else None
                # Pending too: a run its worker had just started when the worker died never
                # sends a heartbeat, so only this check finds it.
                if state in (StateType.RUNNING, StateType.PENDING) and _worker_is_offline(client, run):
                    logger.warning("Shard %d: worker %s is offline; marking run %s crashed",
                                   shard.index + 1, shard.worker, run.id)
                    client.set_flow_run_state(
                        run.id, Crashed(message=f"worker {shard.worker} went offline"), force=True)
                    state = StateType.CRASHED
                if state == StateType.COMPLETED:
                    shard.state = "completed"
                elif state in FINAL_BAD:
                    if len(shard.runs) < max_attempts:
                        logger.warning("Shard %d ended %s; submitting it again (attempt %d of %d)",
                                       shard.index + 1, state.value, len(shard.runs) + 1, max_attempts)
                        submit(shard)
                    else:
                        logger.error("Shard %d ended %s after %d attempts", shard.index + 1,
                                     state.value, len(shard.runs))
                        shard.state = "failed"
            finished = sum(1 for s in shards if s.state in ("completed", "failed"))
            update_progress_artifact(progress_id, progress=100.0 * finished / max(len(shards), 1))

    totals = _publish(shards)
    failed = [s.index + 1 for s in shards if s.state == "failed"]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(shards)} shards failed after {max_attempts} attempts: {failed}")
    logger.info("Backfill done: %s", ", ".join(f"{k} {v}" for k, v in totals.items()))
    return totals


def _worker_is_offline(client, run: FlowRun) -> bool:
    """Whether the worker that took this run is known to the server as OFFLINE."""
    name = (run.labels or {}).get("prefect.worker.name")
    if not name or not run.work_pool_name:
        return False
    try:
        workers = client.read_workers_for_work_pool(run.work_pool_name)
    except Exception:  # the check is a fallback; a failed look-up must not stop the backfill
        return False
    statuses = [w.status for w in workers if w.name == name]
    return bool(statuses) and all(s == WorkerStatus.OFFLINE for s in statuses)


def shard_counts(run_ids: list[UUID]) -> dict[UUID, dict[str, int]]:
    """The counts each completed shard run recorded in `news.ingest_runs`, by flow run id."""
    if not run_ids:
        return {}
    with connect(resolve_database_url(Settings()), autocommit=True) as conn:
        rows = conn.execute(
            f"SELECT flow_run_id, {', '.join(COUNT_COLUMNS)} FROM news.ingest_runs"
            " WHERE flow_run_id = ANY(%s) AND state = 'completed'",
            ([str(r) for r in run_ids],),
        ).fetchall()
    return {row[0]: dict(zip(COUNT_COLUMNS, row[1:])) for row in rows}


def _publish(shards: list[Shard]) -> dict[str, int]:
    last_runs = [s.runs[-1] for s in shards if s.state == "completed"]
    per_run = shard_counts(last_runs)
    totals = dict.fromkeys(COUNT_COLUMNS, 0)
    rows = []
    for shard in shards:
        counts = per_run.get(shard.runs[-1], {}) if shard.state == "completed" else {}
        for key, value in counts.items():
            totals[key] += value
        rows.append({"shard": shard.index + 1, "items": shard.size, "state": shard.state,
                     "attempts": len(shard.runs), "worker": shard.worker, **counts})
    totals["shards"] = len(shards)
    totals["shards_completed"] = sum(1 for s in shards if s.state == "completed")
    totals["shard_retries"] = sum(len(s.runs) - 1 for s in shards)
    create_table_artifact(
        key="backfill-counts", table=[{"measure": k, "count": v} for k, v in totals.items()],
        description="Totals of this backfill, from the shards' rows in news.ingest_runs "
                    "(a retried shard counts articles an earlier attempt stored as already stored)")
    create_table_artifact(key="backfill-shards", table=rows, description="Each shard: state, attempts, worker, counts")
    return totals
