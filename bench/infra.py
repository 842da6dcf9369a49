"""What a benchmark run stands on: throwaway databases, its own Prefect server, RSS sampling."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from nyhetsflyt.app.stack import free_port, stop_process_tree
from nyhetsflyt.paths import REPO_ROOT

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def with_database(server_url: str, name: str) -> str:
    """`server_url` with its database name replaced (URL or key=value form)."""
    info = conninfo_to_dict(server_url)
    info["dbname"] = name
    return make_conninfo(**info)


@dataclass
class ThrowawayDatabases:
    """Databases named `nyhetsflyt_bench_<pid>_<tag>` on one server, all dropped on close."""

    server_url: str = DEFAULT_SERVER
    prefix: str = field(default_factory=lambda: f"nyhetsflyt_bench_{os.getpid()}")
    created: list[str] = field(default_factory=list)

    def create(self, tag: str) -> str:
        name = f"{self.prefix}_{tag}"
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return with_database(self.server_url, name)

    def close(self) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            for name in reversed(self.created):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


def api_healthy(api_url: str) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def prefect_environment(api_url: str, prefect_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    })
    return env


@dataclass
class PrefectServer:
    api_url: str
    pid: int | None  # None when an existing server is used
    home: Path


@contextmanager
def prefect_server(work_dir: Path, api_url: str | None = None, timeout: float = 180.0) -> Iterator[PrefectServer]:
    """`prefect server start` on a free loopback port (SQLite under `work_dir`), or `api_url`."""
    home = work_dir / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    if api_url:
        if not api_healthy(api_url):
            raise RuntimeError(f"no Prefect API answers at {api_url}")
        yield PrefectServer(api_url, None, home)
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = prefect_environment(url, home)
    env.update({"PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port),
                "PREFECT_SERVER_UI_ENABLED": "false"})
    script = Path(sys.executable).parent / "prefect"
    log_path = work_dir / "prefect-server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [str(script) if script.exists() else "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(port), "--no-ui", "--analytics-off"],
            env=env, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        while not api_healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
                raise RuntimeError(f"the Prefect server did not come up at {url}:\n{tail}")
            time.sleep(0.5)
        yield PrefectServer(url, process.pid, home)
    finally:
        stop_process_tree(process.pid)


class TreeRssSampler:
    """Peak resident memory of a process and its children, sampled in a background thread."""

    def __init__(self, pid: int, interval: float = 0.5):
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        try:
            root = psutil.Process(self.pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeRssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def clean_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path
