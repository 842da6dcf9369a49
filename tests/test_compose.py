"""docker-compose.yml and infra/Dockerfile, checked against the code (no Docker engine needed).

The compose file is parsed, not run: its services must be the stack's parts one to one, with
health checks, the ports the code expects, environment variables the code actually reads, and
volumes that exist; the Dockerfile must copy files that exist and start real commands.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import urlsplit

import prefect
import yaml
from prefect.settings import Settings
from prefect.settings.legacy import _get_settings_fields
from typer.testing import CliRunner

from nyhetsflyt.app.cli import app
from nyhetsflyt.app.stack import STACK_SERVICES
from nyhetsflyt.paths import REPO_ROOT

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
PREFECT_YAML = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())
CODE_DIRS = ("nyhetsflyt", "flows", "tasks")


def interpolate(value: str) -> str:
    """Compose's `${NAME:-default}` with nothing set in the environment: the default."""
    return re.sub(r"\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}", lambda m: m.group(2) or "", str(value))


def env(service: str) -> dict[str, str]:
    raw = SERVICES[service].get("environment", {})
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: interpolate(value) for key, value in raw.items()}


def code_text() -> str:
    files = [p for d in CODE_DIRS for p in (REPO_ROOT / d).rglob("*.py")]
    return "\n".join([*(p.read_text(encoding="utf-8") for p in files), yaml.safe_dump(PREFECT_YAML)])


def names_the_code_reads() -> set[str]:
    text = code_text()
    literal = set(re.findall(r"\"((?:NYHETSFLYT|PREFECT)_[A-Z0-9_]+|DATABASE_URL)\"", text))
    templated = set(re.findall(r"\{\{\s*\$([A-Z0-9_]+)\s*\}\}", text))
    return literal | templated | setting_names()


def setting_names() -> set[str]:
    """The environment names `nyhetsflyt.settings.Settings` reads: its prefix and field names,
    or a field's own alias."""
    from nyhetsflyt.settings import Settings as NyhetsflytSettings

    prefix = NyhetsflytSettings.model_config["env_prefix"]
    names = set()
    for name, info in NyhetsflytSettings.model_fields.items():
        alias = info.validation_alias
        choices = getattr(alias, "choices", None)
        if isinstance(alias, str):
            names.add(alias)
        elif choices:
            names.update(str(choice) for choice in choices)
        else:
            names.add(f"{prefix}{name}".upper())
    return names


# --- services ------------------------------------------------------------------------------


def test_services_match_the_stack_one_to_one():
    assert sorted(SERVICES) == sorted(STACK_SERVICES)


def test_every_service_is_health_checked_and_waited_for_healthy():
    for name, service in SERVICES.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in SERVICES
            assert condition == {"condition": "service_healthy"}, f"{name} → {dependency}"
    assert set(SERVICES["worker"]["depends_on"]) == {"news-db", "prefect-server"}
    assert set(SERVICES["prefect-server"]["depends_on"]) == {"prefect-db"}
    for db in ("news-db", "prefect-db"):
        check = " ".join(SERVICES[db]["healthcheck"]["test"])
        assert "pg_isready" in check and f"-U {env(db)['POSTGRES_USER']}" in check


def test_databases_are_postgres_16_and_separate():
    assert SERVICES["news-db"]["image"] == SERVICES["prefect-db"]["image"] == "postgres:16"
    assert env("news-db")["POSTGRES_DB"] != env("prefect-db")["POSTGRES_DB"]
    data = {s: next(v for v in SERVICES[s]["volumes"] if v.endswith(":/var/lib/postgresql/data")) for s in ("news-db", "prefect-db")}
    assert data["news-db"] != data["prefect-db"]


def test_prefect_server_ui_port_health_and_database():
    server = SERVICES["prefect-server"]
    command = server["command"]
    port = command[command.index("--port") + 1]
    assert port == "4200" and "4200:4200" in server["ports"]
    assert f"localhost:{port}/api/health" in " ".join(server["healthcheck"]["test"])
    url = urlsplit(env("prefect-server")["PREFECT_SERVER_DATABASE_CONNECTION_URL"])
    db = env("prefect-db")
    assert url.scheme == "postgresql+asyncpg" and url.hostname == "prefect-db" and url.port == 5432
    assert (url.username, url.password, url.path.lstrip("/")) == (
        db["POSTGRES_USER"], db["POSTGRES_PASSWORD"], db["POSTGRES_DB"])
    assert env("prefect-server")["PREFECT_UI_API_URL"] == f"http://localhost:{port}/api"


def test_worker_scales():
    worker = SERVICES["worker"]
    assert "container_name" not in worker  # a fixed name would stop --scale worker=N
    assert "ports" not in worker  # so would a host port
    assert all("container_name" not in s for s in SERVICES.values())


def test_worker_reaches_the_news_database_and_the_prefect_api():
    worker = env("worker")
    url = urlsplit(worker["DATABASE_URL"])
    db = env("news-db")
    assert url.scheme == "postgresql" and url.hostname == "news-db" and url.port == 5432
    assert (url.username, url.password, url.path.lstrip("/")) == (
        db["POSTGRES_USER"], db["POSTGRES_PASSWORD"], db["POSTGRES_DB"])
    assert worker["PREFECT_API_URL"] == "http://prefect-server:4200/api"
    port = worker["PREFECT_WORKER_WEBSERVER_PORT"]
    assert f"localhost:{port}/health" in " ".join(SERVICES["worker"]["healthcheck"]["test"])


def test_environment_names_are_ones_the_code_or_prefect_reads():
    known_prefect = set(_get_settings_fields(Settings))
    read = names_the_code_reads()
    for service in SERVICES:
        for name in env(service):
            if name.startswith("PREFECT_"):
                assert name in known_prefect, f"{service}: {name} is not a Prefect setting"
            elif name.startswith("NYHETSFLYT_") or name == "DATABASE_URL":
                assert name in read, f"{service}: nothing reads {name}"
    # And what the worker's code needs is set: the database, the API, prefect.yaml's variables.
    needed = {"DATABASE_URL", "PREFECT_API_URL"} | set(
        re.findall(r"\{\{\s*\$([A-Z0-9_]+)\s*\}\}", yaml.safe_dump(PREFECT_YAML)))
    assert needed <= set(env("worker"))
    assert "NYHETSFLYT_INBOX" in needed and "NYHETSFLYT_HOME" in needed


def test_volumes_exist_and_hold_the_inbox_archive_and_quarantine():
    declared = set(COMPOSE.get("volumes") or {})
    used = set()
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/", "$", "~")):
                assert source in declared, f"{name} mounts an undeclared volume {source}"
                used.add(source)
    assert declared == used
    mounts = {v.split(":")[1]: v.split(":")[0] for v in SERVICES["worker"]["volumes"]}
    worker = env("worker")
    for key in ("NYHETSFLYT_INBOX", "NYHETSFLYT_ARCHIVE", "NYHETSFLYT_QUARANTINE", "NYHETSFLYT_VAR_DIR"):
        assert worker[key] in mounts, f"{key}={worker[key]} is not on a volume"
    assert len({mounts[worker[k]] for k in ("NYHETSFLYT_INBOX", "NYHETSFLYT_ARCHIVE", "NYHETSFLYT_QUARANTINE")}) == 3


def test_prefect_versions_agree():
    version = prefect.__version__
    assert SERVICES["prefect-server"]["image"].startswith("prefecthq/prefect:")
    assert interpolate(SERVICES["prefect-server"]["image"]) == f"prefecthq/prefect:{version}-python3.11"
    assert interpolate(SERVICES["worker"]["build"]["args"]["PREFECT_VERSION"]) == version
    assert dockerfile_arg("PREFECT_VERSION") == version
    assert str(PREFECT_YAML["prefect-version"]) == version


# --- the Dockerfile ------------------------------------------------------------------------

DOCKERFILE_PATH = REPO_ROOT / SERVICES["worker"]["build"]["context"] / SERVICES["worker"]["build"]["dockerfile"]
DOCKERFILE = DOCKERFILE_PATH.read_text()
# Continuation lines joined, comments dropped: one instruction per line.
INSTRUCTIONS = [
    line.strip() for line in re.sub(r"\\\n", " ", DOCKERFILE).splitlines()
    if line.strip() and not line.strip().startswith("#")
]


def dockerfile_arg(name: str) -> str:
    return next(i.split("=", 1)[1] for i in INSTRUCTIONS if i.startswith(f"ARG {name}="))


def dockerignore() -> list[str]:
    lines = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_dockerfile_copies_files_that_exist_and_are_not_ignored():
    context = REPO_ROOT / SERVICES["worker"]["build"]["context"]
    copies = [shlex.split(i)[1:] for i in INSTRUCTIONS if i.startswith("COPY ")]
    assert copies
    ignored = dockerignore()
    for *sources, _destination in copies:
        for source in sources:
            assert (context / source).exists(), f"COPY {source}: no such file"
            assert not any(fnmatch(source, pattern) for pattern in ignored), f"{source} is in .dockerignore"
    copied = {Path(s).parts[0] for *sources, _ in copies for s in sources}
    # Every package the project installs, the migrations and the deployments are in the image.
    assert {"nyhetsflyt", "flows", "tasks", "infra", "prefect.yaml", "pyproject.toml"} <= copied
    for deployment in PREFECT_YAML["deployments"]:
        entry = deployment["entrypoint"].split(":")[0]
        assert Path(entry).parts[0] in copied and (context / entry).is_file(), entry


def test_dockerignore_keeps_the_build_small_but_complete():
    ignored = dockerignore()
    for heavy in (".venv", ".git", "var", "model/corpus", "model/training"):
        assert heavy in ignored


def test_image_paths_agree_with_the_compose_environment():
    workdir = next(i.split()[1] for i in INSTRUCTIONS if i.startswith("WORKDIR "))
    worker = env("worker")
    assert worker["NYHETSFLYT_HOME"] == workdir
    assert worker["NYHETSFLYT_VAR_DIR"].startswith(workdir)
    made = next(i for i in INSTRUCTIONS if "mkdir -p" in i)
    for key in ("NYHETSFLYT_INBOX", "NYHETSFLYT_ARCHIVE", "NYHETSFLYT_QUARANTINE", "NYHETSFLYT_VAR_DIR"):
        assert worker[key] in made, f"the image does not create {worker[key]} (the volume would be root's)"


def start_commands() -> list[list[str]]:
    """The commands the image's CMD runs, in order (a `sh -c` chain split at && and ||)."""
    cmd = next(i for i in INSTRUCTIONS if i.startswith("CMD "))
    argv = json.loads(cmd[4:])
    if argv[:2] != ["sh", "-c"]:
        return [argv]
    lexer = shlex.shlex(argv[2], posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands, words, redirect = [], [], False
    for token in [*lexer, ";"]:
        if redirect or token.startswith(">"):  # ">&2": where output goes, not a command
            redirect = token.startswith(">")
            continue
        if token in ("&&", "||", ";", "{", "}"):
            if words and words[0] == "exec":
                words = words[1:]
            if words and words[0] != "echo":
                commands.append(words)
            words = []
        else:
            words.append(token)
    return commands


def test_cmd_migrates_deploys_and_starts_a_worker_on_the_pool():
    commands = start_commands()
    assert [c[:3] for c in commands] == [
        ["nyhetsflyt", "db", "migrate"],
        ["prefect", "work-pool", "create"],
        ["prefect", "--no-prompt", "deploy"],
        ["nyhetsflyt", "automations", "apply"],
        ["prefect", "worker", "start"],
    ]
    pool = PREFECT_YAML["definitions"]["work_pool"]["name"]
    create, deploy, worker = commands[1], commands[2], commands[4]
    assert create[3] == pool and "--overwrite" in create
    assert "--all" in deploy
    assert worker[worker.index("--pool") + 1] == pool
    assert all(d["work_pool"]["name"] == pool for d in PREFECT_YAML["deployments"])


def test_cmd_commands_and_options_exist():
    runner = CliRunner()
    prefect_cli = [sys.executable, "-m", "prefect"]
    for command in start_commands():
        program, *args = command
        words = [a for a in args if not a.startswith("-") and not a.startswith("worker-")]
        options = [a.split("=")[0] for a in args if a.startswith("--") and a != "--no-prompt"]
        if program == "nyhetsflyt":
            result = runner.invoke(app, [*words[:2], "--help"], env={"COLUMNS": "200"})
            assert result.exit_code == 0, f"{command}: {result.output}"
            text = result.output
        else:
            assert program == "prefect", command
            subcommand = words[:2]
            result = subprocess.run([*prefect_cli, *subcommand, "--help"], capture_output=True, text=True,
                                    timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": "/tmp"})
            assert result.returncode == 0, f"{command}: {result.stderr[-2000:]}"
            text = result.stdout
        for option in options:
            assert option in text, f"{' '.join(command)}: no option {option}"
