"""The front door: `nyhetsflyt ingest`, `nyhetsflyt fetch`, `nyhetsflyt extract`,
`nyhetsflyt sources …`, `nyhetsflyt db …`, `nyhetsflyt nlp …`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from nyhetsflyt.app.common import (
    DatabaseOption,
    command_database,
    command_settings,
    print_counts,
    print_failures,
)
from nyhetsflyt.settings import keep_prefect_local

keep_prefect_local()

app = typer.Typer(help="Nyhetsflyt: Norwegian news into PostgreSQL, as Prefect flows.", no_args_is_help=True)
db_app = typer.Typer(help="The news database.", no_args_is_help=True)
app.add_typer(db_app, name="db")

from nyhetsflyt.app.stack import stack_app

app.add_typer(stack_app, name="stack")

from nyhetsflyt.app.nlp import nlp_app

app.add_typer(nlp_app, name="nlp")

from nyhetsflyt.app.web import fetch as fetch_command
from nyhetsflyt.app.web import sources_app

app.command("fetch")(fetch_command)
app.add_typer(sources_app, name="sources")

from nyhetsflyt.app.extract import extract as extract_command

app.command("extract")(extract_command)

err = Console(stderr=True)
out = Console()
OSLO = ZoneInfo("Europe/Oslo")

EXAMPLE_QUERY = """\
SELECT a.title, e.canonical, e.label, e.segment_kind
FROM news.entities e JOIN news.articles a ON a.id = e.article_id
WHERE e.label = 'PER'
ORDER BY a.id, e.segment_position
LIMIT 20;"""


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files and folders (recursive).")] = None,
    database_url: DatabaseOption = None,
    inbox: Annotated[Path | None, typer.Option(help="Watched inbox folder: files move out once committed.")] = None,
    archive: Annotated[Path | None, typer.Option(help="Where committed inbox files go.")] = None,
    quarantine: Annotated[Path | None, typer.Option(help="Where failed inbox files go, with a .reason.json.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Articles per task run.")] = 64,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run summary as one JSON object.")] = False,
    show_example_query: Annotated[bool, typer.Option("--example-query", hidden=True)] = False,
    dask_address: Annotated[str | None, typer.Option(
        help="Run the NLP stage on this Dask scheduler (tcp://host:8786); default $NYHETSFLYT_DASK_ADDRESS.")] = None,
) -> None:
    """Ingest news files: crawl text, plain text, JSON Lines and HTML pages, detected automatically."""
    if not paths and not inbox:
        raise typer.BadParameter("give files or folders, or --inbox with --archive and --quarantine")
    if inbox and not (archive and quarantine):
        raise typer.BadParameter("--inbox needs --archive and --quarantine")
    for path in paths or []:
        if not path.exists():
            raise typer.BadParameter(f"no such file or folder: {path}")
    settings, url = command_database(database_url)

    from flows.ingest_folder import ingest_folder
    from flows.runners import nlp_task_runner

    runner = nlp_task_runner(dask_address or settings.dask_address)
    flow = ingest_folder.with_options(task_runner=runner) if runner else ingest_folder  # type: ignore[arg-type]
    summary = flow(
        paths=[str(p.resolve()) for p in paths or []],
        inbox=str(inbox.resolve()) if inbox else None,
        archive=str(archive.resolve()) if archive else None,
        quarantine=str(quarantine.resolve()) if quarantine else None,
        batch_size=batch_size,
        settings=settings,
    )
    if as_json:
        print(summary.model_dump_json())
        return
    print_counts(out, "Ingest run", summary.counts())
    print_failures(out, summary.failures)
    if show_example_query:
        from nyhetsflyt.db.connect import redact

        out.print("\nTry a query (people named in the news, and where in the article):")
        out.print(f"  psql '{redact(url)}'")
        out.print(EXAMPLE_QUERY, markup=False, highlight=False)


@db_app.command("migrate")
def db_migrate(database_url: DatabaseOption = None) -> None:
    """Apply pending migrations (safe to run again)."""
    from nyhetsflyt.db.connect import redact
    from nyhetsflyt.db.migrate import applied_versions, migrate

    _, url = command_database(database_url)
    applied = migrate(url)
    for m in applied:
        out.print(f"applied {m.version:04d}_{m.name}")
    out.print(f"{redact(url)}: schema at version {max(applied_versions(url), default=0):04d}")


@db_app.command("url")
def db_url(database_url: DatabaseOption = None) -> None:
    """Print the database URL in use (starts the embedded server if that is the one)."""
    print(command_database(database_url)[1])


@db_app.command("stats")
def db_stats(
    database_url: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Row counts of the news tables, and how many stories the articles tell."""
    from nyhetsflyt.db.connect import connect
    from nyhetsflyt.db.stats import table_counts
    from nyhetsflyt.db.stories import story_counts

    url = command_database(database_url)[1]
    counts = table_counts(url)
    with connect(url) as conn:
        stories = story_counts(conn)
    counts = {"articles": counts.pop("articles"), "stories": stories["stories"],
              "awaiting_story": stories["awaiting_story"], **counts}
    if as_json:
        print(json.dumps(counts))
        return
    table = Table("table", "rows")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    out.print(table)


@db_app.command("restory")
def db_restory(
    database_url: DatabaseOption = None,
    all_articles: Annotated[bool, typer.Option(
        "--all", help="Forget every story and band key and find them again (after the fingerprint changed).")] = False,
) -> None:
    """Give stored articles still waiting for one their stories (every run does this by itself)."""
    from nyhetsflyt.db.connect import connect
    from nyhetsflyt.db.migrate import migrate
    from nyhetsflyt.db.stories import fill_prints, fold_backlog, reindex_all, story_counts

    url = command_database(database_url)[1]
    migrate(url)
    with connect(url) as conn:
        if all_articles:
            out.print(f"queued {reindex_all(conn):,} articles")
        taken, joined = fold_backlog(conn)
        fill_prints(conn)
        counts = story_counts(conn)
    out.print(f"{taken:,} articles given stories ({joined:,} joined another story); "
              f"{counts['articles']:,} articles, {counts['stories']:,} stories")


automations_app = typer.Typer(help="Prefect automations that notify on failures.", no_args_is_help=True)
app.add_typer(automations_app, name="automations")


@automations_app.command("apply")
def automations_apply(
    webhook: Annotated[
        str | None,
        typer.Option(help="URL to POST alerts to; default $NYHETSFLYT_ALERT_WEBHOOK, else only record them."),
    ] = None,
) -> None:
    """Create or update the automations on the Prefect API in use (safe to run again)."""
    import asyncio

    from nyhetsflyt.app.automations import apply_automations

    settings = command_settings()
    if not settings.prefect_api_url:
        err.print("[yellow]PREFECT_API_URL is not set: applying to the local ephemeral Prefect[/yellow]")
    if webhook is None and settings.alert_webhook is not None:
        webhook = settings.alert_webhook.get_secret_value()
    from datetime import timedelta

    quiet = timedelta(minutes=settings.source_quiet_minutes)
    for applied in asyncio.run(apply_automations(webhook, source_quiet_for=quiet)):
        out.print(f"{applied.outcome:9} {applied.name} ({applied.id})")


@automations_app.command("remove")
def automations_remove() -> None:
    """Delete the automations."""
    import asyncio

    from nyhetsflyt.app.automations import remove_automations

    for name in asyncio.run(remove_automations()):
        out.print(f"removed {name}")


@app.command()
def status(
    database_url: DatabaseOption = None,
    inbox: Annotated[Path | None, typer.Option(
        help="Inbox folder to count waiting files in; default $NYHETSFLYT_INBOX.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Rows per table.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print everything as one JSON object.")] = False,
) -> None:
    """Recent runs, backlog, recent failures and fetch outcomes, from PostgreSQL."""
    from nyhetsflyt.app.status import collect_status, render_status

    settings, url = command_database(database_url)
    report = collect_status(url, inbox=inbox or settings.inbox, limit=limit)
    if as_json:
        print(report.model_dump_json())
        return
    render_status(report, out)


@app.command()
def quality(
    source: Annotated[str | None, typer.Option(help="Only this source (a host, or a folder).")] = None,
    since: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="Runs measured since this day (Europe/Oslo); default the last --runs.")] = None,
    runs: Annotated[int, typer.Option(min=1, help="Runs per source when no --since is given.")] = 10,
    database_url: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as one JSON object.")] = False,
) -> None:
    """Quality figures per source and run, with a trend per figure (news.source_quality)."""
    from nyhetsflyt.app.quality import collect_quality, quality_json, render_quality

    _, url = command_database(database_url)
    rows = collect_quality(url, source=source, since=since.replace(tzinfo=OSLO) if since else None, runs=runs)
    if as_json:
        print(quality_json(rows))
        return
    render_quality(rows, out)


@app.command()
def export(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write to (one subfolder per table).")],
    since: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="First day (Europe/Oslo).")],
    until: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="Last day, included; default: every day since --since.")] = None,
    file_format: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    batch_size: Annotated[int, typer.Option(min=1, help="Rows fetched and written at a time.")] = 2_000,
    database_url: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as one JSON object.")] = False,
) -> None:
    """Articles, captions, entities and quotes as files partitioned by day (pandas, polars, DuckDB)."""
    from nyhetsflyt.db.export import EXPORT_FORMATS, export_news

    if file_format not in EXPORT_FORMATS:
        raise typer.BadParameter(f"--format is one of {', '.join(EXPORT_FORMATS)}")
    _, url = command_database(database_url)
    result = export_news(url, out_dir, since=since.date(), until=until.date() if until else None,
                         file_format=file_format, batch_size=batch_size)
    if as_json:
        print(json.dumps(result.as_json()))
        return
    table = Table("table", "rows", "files", title=f"Exported to {out_dir} ({file_format}, by day)")
    for name, rows in result.rows.items():
        table.add_row(name, f"{rows:,}", f"{result.files[name]:,}")
    out.print(table)


if __name__ == "__main__":
    app()
