"""A PostgreSQL cluster a test owns: its own data folder and port, started and stopped at will.

It uses the server binaries shipped in the `pgserver` package (a project dependency), so it
needs nothing installed by hand. PostgreSQL refuses to run as root; as root the cluster runs
as the `postgres` system user where there is one, else as the user `pgserver` itself creates.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg


def _bin_dir() -> Path:
    from pgserver._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        return pwd.getpwnam("postgres").pw_name
    except KeyError:
        from pgserver.utils import ensure_user_exists

        return ensure_user_exists("pgserver").pw_name


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ScratchCluster:
    """initdb + pg_ctl on 127.0.0.1:<free port>, trust authentication, data in a temp folder."""

    def __init__(self) -> None:
        self.user = _run_as()
        self.root = Path(tempfile.mkdtemp(prefix="nyhetsflyt-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        if self.user:
            shutil.chown(self.root, self.user)
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync",
                 "-E", "UTF8", "--locale=C.UTF-8")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres?connect_timeout=3"

    def _pg(self, program: str, *args: str, timeout: float = 60) -> None:
        subprocess.run([str(_bin_dir() / program), *args], check=True, capture_output=True,
                       text=True, timeout=timeout, user=self.user, cwd=self.root)

    def start(self) -> None:
        if not self.data.exists():  # a restart timer that fired after the test was torn down
            return
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._pg("pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.root / "log"),
                 "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; `fast` ends open sessions and rolls back their transactions."""
        self._pg("pg_ctl", "stop", "-w", "-D", str(self.data), "-m", mode)

    def is_up(self) -> bool:
        try:
            with psycopg.connect(self.url):
                return True
        except psycopg.OperationalError:
            return False

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)
