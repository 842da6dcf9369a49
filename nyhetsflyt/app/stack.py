"""A production-like Prefect stack on this machine: `nyhetsflyt stack up | down | status | deploy`.

Real processes on 127.0.0.1, each with its log and pid under one folder (default `var/stack/`):

    prefect-server   `prefect server start`, its database in PostgreSQL (its own database,
                     `prefect_nyhetsflyt`, beside the news data; the embedded server when no
                     PostgreSQL answers on 127.0.0.1:5432)
    worker-1..N      `prefect worker start --pool nyhetsflyt`, process workers

`up` also creates the process work pool, applies the deployments in `prefect.yaml` and installs
an automation that marks a flow run Crashed once its heartbeats stop (a worker or machine lost),
so that nothing stays Running for ever. The news data goes to `DATABASE_URL` as everywhere else.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, cast

import httpx
import psutil
import psycopg
import typer
import yaml
from psycopg import sql

from nyhetsflyt.paths import REPO_ROOT
from nyhetsflyt.settings import Settings, process_environment

# The stack's parts, one to one with the services of docker-compose.yml.
STACK_SERVICES = ("news-db", "prefect-db", "prefect-server", "worker")

POOL = "nyhetsflyt"
DEFAULT_PORT = 4200
PREFECT_DATABASE = "prefect_nyhetsflyt"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
ZOMBIE_AUTOMATION = "nyhetsflyt: crash flow runs whose heartbeats stopped"
HEARTBEAT_SECONDS = 30  # the least Prefect allows
STATE_FILE = "stack.json"


def default_stack_dir(settings: Settings) -> Path:
    return settings.var_dir / "stack"


@dataclass
class StackState:
    """What `up` started, kept in `<stack dir>/stack.json` for `status` and `down`."""

    port: int
    api_url: str
    ui_url: str
    prefect_database: str  # redacted
    news_database: str  # redacted
    pids: dict[str, int] = field(default_factory=dict)
    deployments: list[str] = field(default_factory=list)
    skipped_deployments: dict[str, str] = field(default_factory=dict)

    def save(self, stack_dir: Path) -> None:
        (stack_dir / STATE_FILE).write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, stack_dir: Path) -> StackState | None:
        path = stack_dir / STATE_FILE
        return cls(**json.loads(path.read_text())) if path.exists() else None


class StackError(RuntimeError):
    pass


# ---------------------------------------------------------------- databases


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _with_dbname(url: str, name: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo("", **info)


def ensure_database(server_url: str, name: str) -> None:
    """Create database `name` on the server of `server_url` unless it exists."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def asyncpg_url(libpq_url: str) -> str:
    """The SQLAlchemy/asyncpg form of a libpq URL (Unix sockets through `?host=`)."""
    info = psycopg.conninfo.conninfo_to_dict(libpq_url)
    user = info.get("user") or "postgres"
    password = f":{info['password']}" if info.get("password") else ""
    host = str(info.get("host") or "")
    dbname = str(info.get("dbname") or "postgres")
    if host.startswith("/"):
        return f"postgresql+asyncpg://{user}{password}@/{dbname}?host={host}"
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql+asyncpg://{user}{password}@{host}{port}/{dbname}"


def prefect_database_url(settings: Settings, explicit: str | None = None) -> str:
    """The Prefect server's database, created when missing: explicit, else
    $PREFECT_SERVER_DATABASE_CONNECTION_URL, else `prefect_nyhetsflyt` on 127.0.0.1:5432, else on
    the embedded PostgreSQL."""
    url = explicit or (settings.prefect_database_url.get_secret_value() if settings.prefect_database_url else None)
    if url:
        libpq = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        if libpq.startswith("postgresql://"):
            dbname = psycopg.conninfo.conninfo_to_dict(libpq).get("dbname")
            if dbname:
                ensure_database(_with_dbname(libpq, "postgres"), str(dbname))
        return url
    if _answers(LOCAL_POSTGRES):
        server = LOCAL_POSTGRES
    else:
        from nyhetsflyt.db.connect import embedded_data_dir, embedded_database_url

        server = embedded_database_url(embedded_data_dir(settings))
    ensure_database(server, PREFECT_DATABASE)
    return asyncpg_url(_with_dbname(server, PREFECT_DATABASE))


# ---------------------------------------------------------------- processes


def _prefect_command() -> list[str]:
    script = Path(sys.executable).parent / "prefect"
    return [str(script)] if script.exists() else [shutil.which("prefect") or "prefect"]


def _spawn(name: str, args: list[str], env: dict[str, str], stack_dir: Path) -> int:
    log = open(stack_dir / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
    process = subprocess.Popen(
        _prefect_command() + args, env=env, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    log.close()
    (stack_dir / f"{name}.pid").write_text(str(process.pid))
    return process.pid


def _alive(pid: int) -> bool:
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and "prefect" in " ".join(process.cmdline())
    except psutil.Error:
        return False


def stop_process_tree(pid: int, grace: float = 20.0) -> None:
    """SIGTERM a process and all it started (flow runs of a worker too), SIGKILL what stays."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return
    for process in processes:
        try:
            process.send_signal(signal.SIGTERM)
        except psutil.Error:
            pass
    _, remaining = psutil.wait_procs(processes, timeout=grace)
    for process in remaining:
        try:
            process.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(remaining, timeout=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_until(check, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(1)
    tail = ""
    if log and log.exists():
        tail = "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    raise StackError(f"timed out after {timeout:.0f} s waiting for {what}{tail}")


def _api_healthy(api_url: str) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


# ---------------------------------------------------------------- the stack


def stack_environment(api_url: str, news_url: str, stack_dir: Path, settings: Settings) -> dict[str, str]:
    """The environment of every stack process; workers hand it on to the flow runs they start."""
    env = {k: v for k, v in process_environment().items() if not k.startswith("PREFECT_")}
    env.update({
        "PREFECT_HOME": str(stack_dir / "prefect-home"),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        # Runs send heartbeats, so that a run whose worker died is found and marked Crashed.
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS),
        "PREFECT_WORKER_QUERY_SECONDS": "5",
        "DATABASE_URL": news_url,
        "NYHETSFLYT_HOME": str(REPO_ROOT),
    })
    for folder in ("inbox", "archive", "quarantine"):
        chosen: Path | None = getattr(settings, folder)
        env[f"NYHETSFLYT_{folder.upper()}"] = str((chosen or settings.var_dir / folder).resolve())
        Path(env[f"NYHETSFLYT_{folder.upper()}"]).mkdir(parents=True, exist_ok=True)
    return env


def deployments_in_project(prefect_file: Path = REPO_ROOT / "prefect.yaml") -> dict[str, str]:
    """Deployment name → entrypoint, as declared in prefect.yaml."""
    spec = yaml.safe_load(prefect_file.read_text())
    return {d["name"]: d["entrypoint"] for d in spec.get("deployments", [])}


def apply_deployments(env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """`prefect deploy` every deployment of prefect.yaml whose flow is in this checkout."""
    ready, skipped = [], {}
    for name, entrypoint in deployments_in_project().items():
        if (REPO_ROOT / entrypoint.split(":", 1)[0]).exists():
            ready.append(name)
        else:
            skipped[name] = f"{entrypoint} is not in this checkout"
    if ready:
        args = ["--no-prompt", "deploy", *[a for n in ready for a in ("--name", n)]]
        result = subprocess.run(_prefect_command() + args, env=env, cwd=REPO_ROOT,
                                capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise StackError(f"prefect deploy failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return ready, skipped


def _configure_server(api_url: str) -> None:
    """The work pool and the heartbeat automation, created through the API (both idempotent)."""
    from prefect.automations import Automation
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.workers.process import ProcessWorker

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        with get_client(sync_client=True) as client:
            try:
                client.create_work_pool(WorkPoolCreate(
                    name=POOL, type="process",
                    base_job_template=ProcessWorker.get_default_base_job_template(),
                    description="Nyhetsflyt's process workers"))
            except ObjectAlreadyExists:
                pass
        try:
            # Called in sync code, Prefect's dual sync/async methods run now and return the object.
            cast(Automation, Automation.read(name=ZOMBIE_AUTOMATION))
        except ValueError:
            automation = Automation(
                name=ZOMBIE_AUTOMATION,
                description="A flow run that stops sending heartbeats (its worker or machine is gone) "
                            "is marked Crashed, so a backfill submits its shard again.",
                trigger=EventTrigger(
                    after={"prefect.flow-run.heartbeat"},
                    expect={"prefect.flow-run.heartbeat", "prefect.flow-run.Completed",
                            "prefect.flow-run.Failed", "prefect.flow-run.Cancelled",
                            "prefect.flow-run.Crashed"},
                    match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
                    for_each={"prefect.resource.id"},
                    posture=Posture.Proactive,
                    threshold=1,
                    within=timedelta(seconds=3 * HEARTBEAT_SECONDS),
                ),
                actions=[ChangeFlowRunState(
                    state=StateType.CRASHED, message="No heartbeat for three beats: its worker is gone.")],
            )
            cast(Automation, automation.create())


def _workers_online(api_url: str, names: list[str]) -> bool:
    try:
        response = httpx.post(f"{api_url}/work_pools/{POOL}/workers/filter", json={}, timeout=5)
        response.raise_for_status()
    except httpx.HTTPError:
        return False
    online = {w["name"] for w in response.json() if w.get("status") == "ONLINE"}
    return set(names) <= online


def up(
    workers: int = 2,
    port: int = DEFAULT_PORT,
    worker_limit: int = 2,
    news_database_url: str | None = None,
    prefect_db_url: str | None = None,
    stack_dir: Path | None = None,
    say=print,
    settings: Settings | None = None,
) -> StackState:
    """Start server, pool, deployments and `workers` workers; return what was started."""
    from nyhetsflyt.db.connect import redact, resolve_database_url
    from nyhetsflyt.db.migrate import migrate

    settings = (settings or Settings()).with_database(news_database_url)
    stack_dir = (stack_dir or default_stack_dir(settings)).resolve()
    stack_dir.mkdir(parents=True, exist_ok=True)
    running = StackState.load(stack_dir)
    if running and any(_alive(pid) for pid in running.pids.values()):
        raise StackError(f"a stack is already running from {stack_dir} (see `nyhetsflyt stack status`)")
    if _port_in_use(port):
        raise StackError(f"port {port} on 127.0.0.1 is taken; choose another with --port")

    news_url = resolve_database_url(settings)
    migrate(news_url)
    prefect_url = prefect_database_url(settings, prefect_db_url)
    api_url = f"http://127.0.0.1:{port}/api"
    env = stack_environment(api_url, news_url, stack_dir, settings)
    state = StackState(port=port, api_url=api_url, ui_url=f"http://127.0.0.1:{port}",
                       prefect_database=redact(prefect_url), news_database=redact(news_url))
    try:
        server_env = {**env, "PREFECT_SERVER_DATABASE_CONNECTION_URL": prefect_url,
                      "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port)}
        say(f"prefect-server: starting on {state.ui_url} (database {state.prefect_database})")
        state.pids["prefect-server"] = _spawn(
            "prefect-server", ["server", "start", "--host", "127.0.0.1", "--port", str(port)], server_env, stack_dir)
        state.save(stack_dir)
        _wait_until(lambda: _api_healthy(api_url), 180, "the Prefect server", stack_dir / "prefect-server.log")

        _configure_server(api_url)
        say(f"work pool {POOL!r} (process) and the heartbeat automation are in place")
        state.deployments, state.skipped_deployments = apply_deployments(env)
        say(f"deployments: {', '.join(state.deployments)}")
        for name, reason in state.skipped_deployments.items():
            say(f"deployment {name} not applied: {reason}")

        names = [f"worker-{i}" for i in range(1, workers + 1)]
        for name in names:
            state.pids[name] = _spawn(name, [
                "worker", "start", "--pool", POOL, "--type", "process", "--name", name,
                "--limit", str(worker_limit), "--install-policy", "never"], env, stack_dir)
        state.save(stack_dir)
        _wait_until(lambda: _workers_online(api_url, names), 120, "the workers to come online",
                    stack_dir / f"{names[-1]}.log")
        say(f"workers online: {', '.join(names)}; logs and pids in {stack_dir}")
    except BaseException:
        down(stack_dir, say=lambda *_: None)
        raise
    state.save(stack_dir)
    return state


def down(stack_dir: Path | None = None, say=print) -> list[str]:
    """Stop the workers (and their flow runs), then the server. Returns what was stopped."""
    stack_dir = (stack_dir or default_stack_dir(Settings())).resolve()
    state = StackState.load(stack_dir)
    if state is None:
        say(f"no stack recorded in {stack_dir}")
        return []
    stopped = []
    # Workers first, so none starts a run against a server that is going away.
    for name, pid in sorted(state.pids.items(), key=lambda item: item[0] == "prefect-server"):
        if _alive(pid):
            stop_process_tree(pid)
            stopped.append(name)
            say(f"stopped {name} (pid {pid})")
        (stack_dir / f"{name}.pid").unlink(missing_ok=True)
    (stack_dir / STATE_FILE).unlink(missing_ok=True)
    return stopped


def status(stack_dir: Path | None = None) -> dict:
    """Which stack processes are alive, whether the API answers, the workers the server knows."""
    stack_dir = (stack_dir or default_stack_dir(Settings())).resolve()
    state = StackState.load(stack_dir)
    if state is None:
        return {"running": False, "stack_dir": str(stack_dir)}
    processes = {name: {"pid": pid, "alive": _alive(pid)} for name, pid in state.pids.items()}
    workers = []
    if _api_healthy(state.api_url):
        try:
            response = httpx.post(f"{state.api_url}/work_pools/{POOL}/workers/filter", json={}, timeout=5)
            workers = [{"name": w["name"], "status": w.get("status")} for w in response.json()]
        except (httpx.HTTPError, ValueError):
            pass
    return {
        "running": any(p["alive"] for p in processes.values()),
        "stack_dir": str(stack_dir), "ui": state.ui_url, "api": state.api_url,
        "api_healthy": _api_healthy(state.api_url), "prefect_database": state.prefect_database,
        "news_database": state.news_database, "processes": processes, "workers": workers,
        "deployments": state.deployments, "skipped_deployments": state.skipped_deployments,
    }


# ---------------------------------------------------------------- command line

stack_app = typer.Typer(help="A local production-like Prefect stack: server, work pool, deployments, workers.",
                        no_args_is_help=True)

StackDirOption = Annotated[Path | None, typer.Option("--stack-dir", help="Logs, pids and state (default var/stack).")]


@stack_app.command("up")
def up_command(
    workers: Annotated[int, typer.Option(min=1, help="Process workers to start.")] = 2,
    port: Annotated[int, typer.Option(help="Port of the Prefect server and UI on 127.0.0.1.")] = DEFAULT_PORT,
    worker_limit: Annotated[int, typer.Option(min=1, help="Flow runs one worker runs at once.")] = 2,
    database_url: Annotated[str | None, typer.Option(
        help="News database; default $DATABASE_URL, else embedded.")] = None,
    prefect_database_url: Annotated[str | None, typer.Option(
        help="Prefect's database (postgresql+asyncpg://…); default prefect_nyhetsflyt on 127.0.0.1:5432.")] = None,
    stack_dir: StackDirOption = None,
) -> None:
    """Start the Prefect server (on PostgreSQL), the work pool, the deployments and the workers."""
    try:
        state = up(workers, port, worker_limit, database_url, prefect_database_url, stack_dir, say=typer.echo)
    except StackError as exc:
        typer.echo(f"stack up failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Prefect UI: {state.ui_url}    stop with: nyhetsflyt stack down")


@stack_app.command("down")
def down_command(stack_dir: StackDirOption = None) -> None:
    """Stop the workers, their flow runs and the server."""
    down(stack_dir, say=typer.echo)


@stack_app.command("status")
def status_command(stack_dir: StackDirOption = None,
                   as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The stack's processes, API health and workers."""
    info = status(stack_dir)
    if as_json:
        typer.echo(json.dumps(info))
    elif not info["running"]:
        typer.echo(f"no stack running (from {info['stack_dir']})")
    else:
        typer.echo(f"UI {info['ui']}  API {'healthy' if info['api_healthy'] else 'not answering'}")
        for name, process in info["processes"].items():
            typer.echo(f"  {name:<16} pid {process['pid']:<8} {'running' if process['alive'] else 'stopped'}")
        for worker in info["workers"]:
            typer.echo(f"  pool {POOL}: {worker['name']} {worker['status']}")
    if not info["running"]:
        raise typer.Exit(1)


@stack_app.command("deploy")
def deploy_command(stack_dir: StackDirOption = None) -> None:
    """Apply prefect.yaml's deployments again to the running stack (after editing it)."""
    settings = Settings()
    stack_dir = (stack_dir or default_stack_dir(settings)).resolve()
    state = StackState.load(stack_dir)
    if state is None or not _api_healthy(state.api_url):
        typer.echo("no stack running; start one with `nyhetsflyt stack up`", err=True)
        raise typer.Exit(1)
    # Only the deploy-time values matter here; the workers keep the environment they started with.
    env = stack_environment(state.api_url, state.news_database, stack_dir, settings)
    state.deployments, state.skipped_deployments = apply_deployments(env)
    state.save(stack_dir)
    typer.echo(f"deployments: {', '.join(state.deployments)}")
