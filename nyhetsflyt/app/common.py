"""What the commands share: the `--database-url` option, the settings a command runs with,
and how a run's summary is shown."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from nyhetsflyt.db.connect import resolve_database_url
from nyhetsflyt.settings import Settings

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database-url", help="PostgreSQL URL; default $DATABASE_URL, else the embedded server."),
]


def command_settings(database_url: str | None = None) -> Settings:
    """The settings of this command: the environment's, with `--database-url` if given."""
    return Settings().with_database(database_url)


def command_database(database_url: str | None = None) -> tuple[Settings, str]:
    """The command's settings and the database URL they resolve to (starting the embedded
    server if that is the one)."""
    settings = command_settings(database_url)
    return settings, resolve_database_url(settings)


def print_counts(out: Console, title: str, counts: dict[str, int]) -> None:
    table = Table(title=title, show_header=False)
    for key, value in counts.items():
        table.add_row(key.replace("_", " "), str(value))
    out.print(table)


def print_failures(out: Console, failures: list[dict[str, Any]], shown: int = 20) -> None:
    for failure in failures[:shown]:
        outcome = failure.get("outcome", "failed")
        colour = "yellow" if outcome == "skipped" else "red"
        out.print(f"[{colour}]{outcome}[/{colour}] {failure['source']} "
                  f"({failure['stage']}): {failure['reason']}", highlight=False)
