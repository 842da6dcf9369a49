"""The local stack, end to end: a backfill shared by two workers, and one that loses a worker.

Everything is real: `nyhetsflyt stack up` starts a Prefect server on PostgreSQL and two process
workers; the backfill runs as a deployment and starts its shards through `run_deployment`.
"""

from __future__ import annotations

import time
from pathlib import Path
from uuid import UUID

import psutil
import psycopg
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterParentFlowRunId,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings
from web_server import ARTICLES, serve

from flows.backfill import expand_paths, make_shards
from nyhetsflyt.app.stack import (
    STACK_SERVICES,
    asyncpg_url,
    deployments_in_project,
    status,
)
from nyhetsflyt.extract.split import split_all
from nyhetsflyt.paths import REPO_ROOT
from nyhetsflyt.sources.folder import read_file

SAMPLE_FOLDERS = ("plain_text", "crawl_text", "jsonl", "html")
FINAL = {StateType.COMPLETED, StateType.FAILED, StateType.CRASHED, StateType.CANCELLED}


# ---------------------------------------------------------------- without the stack


def test_shards_cover_every_item_once_in_order():
    items = [f"f{i}" for i in range(10)]
    assert make_shards(items, 4) == [items[0:4], items[4:8], items[8:10]]
    assert make_shards(items, 10) == [items] and make_shards([], 3) == []
    with pytest.raises(ValueError):
        make_shards(items, 0)


def test_expand_paths_refuses_what_is_not_there(tmp_path):
    (tmp_path / "a.txt").write_text("Tittel\n\nTekst.")
    assert expand_paths([str(tmp_path)]) == [str((tmp_path / "a.txt").resolve())]
    with pytest.raises(FileNotFoundError, match="finnes-ikke"):
        expand_paths([str(tmp_path / "finnes-ikke")])


def test_asyncpg_url_for_tcp_and_unix_sockets():
    assert asyncpg_url("postgresql://postgres@127.0.0.1:5432/prefect_x") == \
        "postgresql+asyncpg://postgres@127.0.0.1:5432/prefect_x"
    assert asyncpg_url("postgresql://postgres:@/prefect_x?host=/srv/pg") == \
        "postgresql+asyncpg://postgres@/prefect_x?host=/srv/pg"


def test_prefect_yaml_declares_the_schedules_limits_and_pool():
    import yaml
    from prefect.cli.deploy._models import PrefectYamlModel

    spec = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())
    model = PrefectYamlModel.model_validate(spec)  # Prefect's own reading of the file
    deployments = {d.name: d for d in model.deployments}
    assert set(deployments) == {"inbox", "web-sources", "backfill", "backfill-shard", "reenrich"}
    assert all(d.work_pool.name == "nyhetsflyt" for d in deployments.values())
    crons = {name: [(s.cron, s.timezone) for s in d.schedules or []] for name, d in deployments.items()}
    assert crons["inbox"] == [("*/5 * * * *", "Europe/Oslo")]
    assert crons["web-sources"] == [("*/15 * * * *", "Europe/Oslo")]
    assert crons["backfill"] == crons["backfill-shard"] == crons["reenrich"] == []
    for name in ("inbox", "web-sources", "backfill", "reenrich"):
        limit = deployments[name].concurrency_limit
        assert limit.limit == 1 and limit.collision_strategy in {"ENQUEUE", "CANCEL_NEW"}
    assert deployments["backfill-shard"].concurrency_limit is None  # shards run side by side
    for deployment in deployments.values():
        path, function = deployment.entrypoint.split(":")
        assert (REPO_ROOT / path).exists() and f"def {function}(" in (REPO_ROOT / path).read_text()


# ---------------------------------------------------------------- on the stack


def sample_roots(shared_data: Path) -> list[str]:
    return [str(shared_data / "samples" / name) for name in SAMPLE_FOLDERS]


def expected_hashes(roots: list[str]) -> set[tuple[str, str]]:
    """The articles a folder ingest of these files stores: one per distinct content hash and file."""
    hashes, skipped = set(), 0
    for path in expand_paths(roots):
        read = read_file(Path(path))
        skipped += len(read.skipped)
        hashes.update((a.content_hash, str(path)) for a in split_all(read.documents) if hasattr(a, "content_hash"))
    assert skipped == 1  # the front page, as in the folder ingest
    return hashes


def stored_hashes(news_url: str) -> list[tuple[str, str]]:
    with psycopg.connect(news_url) as conn:
        return [tuple(r) for r in conn.execute("SELECT content_hash, source FROM news.articles")]


def empty_news(news_url: str) -> None:
    with psycopg.connect(news_url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
            " WHERE schemaname = 'news' AND tablename <> 'schema_migrations'")]
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def start_backfill(stack: dict, roots: list[str], shard_size: int) -> UUID:
    with temporary_settings(updates={PREFECT_API_URL: stack["api_url"]}):
        run = run_deployment("backfill/backfill", timeout=0, as_subflow=False,
                             parameters={"paths": roots, "shard_size": shard_size, "poll_seconds": 3})
    return run.id


def read_run(stack: dict, run_id: UUID) -> FlowRun:
    with temporary_settings(updates={PREFECT_API_URL: stack["api_url"]}):
        with get_client(sync_client=True) as client:
            return client.read_flow_run(run_id)


def shard_runs(stack: dict, parent_id: UUID) -> list[FlowRun]:
    with temporary_settings(updates={PREFECT_API_URL: stack["api_url"]}):
        with get_client(sync_client=True) as client:
            return client.read_flow_runs(flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent_id])))


def wait_final(stack: dict, run_id: UUID, timeout: float) -> FlowRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = read_run(stack, run_id)
        if run.state and run.state.type in FINAL:
            return run
        time.sleep(3)
    pytest.fail(f"flow run {run_id} did not finish within {timeout:.0f} s; logs in {stack['stack_dir']}")


def worker_of(run: FlowRun) -> str | None:
    return (run.labels or {}).get("prefect.worker.name")


def artifact_table(stack: dict, run_id: UUID, key: str) -> list[dict]:
    import json

    with temporary_settings(updates={PREFECT_API_URL: stack["api_url"]}):
        with get_client(sync_client=True) as client:
            artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))
    data = next(a.data for a in artifacts if a.key == key)
    return json.loads(data) if isinstance(data, str) else data


@pytest.mark.stack
@pytest.mark.shared
@pytest.mark.slow
def test_stack_is_up_with_the_pool_deployments_and_two_workers(local_stack):
    info = status(local_stack["stack_dir"])
    assert info["running"] and info["api_healthy"]
    assert all(p["alive"] for p in info["processes"].values())
    assert sorted(w["name"] for w in info["workers"] if w["status"] == "ONLINE") == ["worker-1", "worker-2"]
    assert local_stack["prefect_database"].startswith("postgresql+asyncpg://")
    assert {"inbox", "backfill", "backfill-shard"} <= set(local_stack["deployments"])
    assert set(local_stack["deployments"]) | set(local_stack["skipped_deployments"]) == set(deployments_in_project())
    assert set(STACK_SERVICES) == {"news-db", "prefect-db", "prefect-server", "worker"}


@pytest.mark.stack
@pytest.mark.shared
@pytest.mark.slow
def test_backfill_is_shared_by_both_workers_and_stores_every_article_once(local_stack, shared_data):
    empty_news(local_stack["news_url"])
    roots = sample_roots(shared_data)
    expected = expected_hashes(roots)
    files = len(expand_paths(roots))

    parent_id = start_backfill(local_stack, roots, shard_size=-(-files // 4))  # four shards
    parent = wait_final(local_stack, parent_id, timeout=900)
    assert parent.state.type == StateType.COMPLETED, parent.state.message

    shards = shard_runs(local_stack, parent_id)
    assert len(shards) >= 4
    assert all(s.state.type == StateType.COMPLETED for s in shards)
    assert {worker_of(s) for s in shards} == {"worker-1", "worker-2"}

    stored = stored_hashes(local_stack["news_url"])
    assert len(stored) == len(set(stored)) == len(expected)
    assert set(stored) == expected

    totals = {row["measure"]: row["count"] for row in artifact_table(local_stack, parent_id, "backfill-counts")}
    assert totals["articles_new"] == len(expected)
    assert totals["files_seen"] == files and totals["skipped"] == 1 and totals["failed"] == 0
    assert totals["shards"] == len(shards) and totals["shard_retries"] == 0


@pytest.mark.stack
@pytest.mark.shared
@pytest.mark.slow
def test_backfill_of_urls_fetches_each_page_in_its_shard(local_stack, shared_data):
    empty_news(local_stack["news_url"])
    with serve() as server:
        pages = sorted(p.name for p in (shared_data / "samples" / "html").glob("*.html"))
        urls = [server.url(f"/artikler/{slug}.html") for slug in ARTICLES]
        urls += [server.url(f"/samples/html/{name}") for name in pages]
        with temporary_settings(updates={PREFECT_API_URL: local_stack["api_url"]}):
            parent_id = run_deployment("backfill/backfill", timeout=0, as_subflow=False, parameters={
                "urls": urls, "shard_size": 3, "poll_seconds": 3}).id
        parent = wait_final(local_stack, parent_id, timeout=600)
        assert parent.state.type == StateType.COMPLETED, parent.state.message
        requested = [r.path for r in server.state.log]

    shards = shard_runs(local_stack, parent_id)
    assert len(shards) == -(-len(urls) // 3) and all(s.state.type == StateType.COMPLETED for s in shards)
    for url in urls:  # every page was fetched, by exactly one shard
        assert requested.count(url.removeprefix(server.url(""))) == 1, url
    with psycopg.connect(local_stack["news_url"]) as conn:
        sources = {r[0] for r in conn.execute("SELECT source_uri FROM news.articles")}
        web_runs = conn.execute("SELECT count(*) FROM news.ingest_runs WHERE flow_name = 'ingest-web'"
                                " AND state = 'completed'").fetchone()[0]
    assert {u for u in urls if "/artikler/" in u} <= sources
    assert not {u for u in urls if "frontpage" in u} & sources  # a front page is no article
    assert web_runs == len(shards)
    totals = {row["measure"]: row["count"] for row in artifact_table(local_stack, parent_id, "backfill-counts")}
    assert totals["articles_new"] == len(sources)


def kill_tree(pid: int) -> list[int]:
    """SIGKILL a process and everything it started, as a lost machine would."""
    root = psutil.Process(pid)
    victims = [root, *root.children(recursive=True)]
    for process in victims:
        process.kill()
    psutil.wait_procs(victims, timeout=10)
    return [p.pid for p in victims]


@pytest.mark.stack
@pytest.mark.shared
@pytest.mark.slow
def test_backfill_survives_a_killed_worker(local_stack, shared_data):
    empty_news(local_stack["news_url"])
    roots = sample_roots(shared_data)
    expected = expected_hashes(roots)
    files = len(expand_paths(roots))

    parent_id = start_backfill(local_stack, roots, shard_size=-(-files // 6))
    # Wait for a shard running on the worker that does not run the parent, then kill that worker.
    victim, doomed = None, None
    deadline = time.monotonic() + 600
    while victim is None and time.monotonic() < deadline:
        parent = read_run(local_stack, parent_id)
        assert parent.state.type not in FINAL, parent.state
        parent_worker = worker_of(parent)
        for shard in shard_runs(local_stack, parent_id):
            if parent_worker and shard.state.type == StateType.RUNNING and worker_of(shard) != parent_worker:
                victim, doomed = worker_of(shard), shard.id
                break
        else:
            time.sleep(2)
    assert victim, "no shard ran on the second worker"
    killed = kill_tree(local_stack["pids"][victim])
    assert len(killed) >= 2  # the worker and the flow run it was running

    parent = wait_final(local_stack, parent_id, timeout=1200)
    assert parent.state.type == StateType.COMPLETED, parent.state.message
    lost = read_run(local_stack, doomed).state
    assert lost.type == StateType.CRASHED
    print(f"the lost shard run was marked crashed: {lost.message}")

    shards = shard_runs(local_stack, parent_id)
    rows = artifact_table(local_stack, parent_id, "backfill-shards")
    assert all(row["state"] == "completed" for row in rows)
    assert sum(row["attempts"] for row in rows) == len(shards) > len(rows)  # the lost shard ran again

    stored = stored_hashes(local_stack["news_url"])
    assert len(stored) == len(set(stored)) == len(expected)
    assert set(stored) == expected
