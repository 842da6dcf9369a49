"""`nyhetsflyt fetch …` and `nyhetsflyt sources …`: the web source from the command line."""

from __future__ import annotations

import json
from typing import Annotated, Literal

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

sources_app = typer.Typer(help="Feeds, sitemaps and URL lists polled by `nyhetsflyt fetch`.",
                          no_args_is_help=True)
out = Console()

def fetch(
    urls: Annotated[list[str] | None, typer.Argument(
        help="Feeds, sitemaps, URL lists or article pages; none: poll every active source.")] = None,
    feed: Annotated[bool, typer.Option("--feed", help="The URLs are RSS or Atom feeds.")] = False,
    sitemap: Annotated[bool, typer.Option("--sitemap", help="The URLs are sitemaps or sitemap indexes.")] = False,
    url_list: Annotated[bool, typer.Option("--url-list", help="The URLs are plain lists of article URLs.")] = False,
    database_url: DatabaseOption = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Pages per task run.")] = 32,
    max_pages: Annotated[int, typer.Option(min=1, help="At most this many article pages, newest first.")] = 5000,
    host_interval: Annotated[float, typer.Option(
        min=0, help="Seconds between two requests to the same host, across all workers.")] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run summary as one JSON object.")] = False,
) -> None:
    """Fetch news from the web: discover articles in feeds and sitemaps, fetch and ingest them.

    Without --feed, --sitemap or --url-list, each URL's kind is recognised from what it serves
    (an HTML page is ingested as an article).
    """
    kinds: tuple[tuple[Literal["feed", "sitemap", "urls"], bool], ...] = (
        ("feed", feed), ("sitemap", sitemap), ("urls", url_list))
    chosen = [kind for kind, flag in kinds if flag]
    if len(chosen) > 1:
        raise typer.BadParameter("give at most one of --feed, --sitemap and --url-list")
    for url in urls or []:
        if not url.lower().startswith(("http://", "https://")):
            raise typer.BadParameter(f"not an http(s) URL: {url}")
    settings = command_settings(database_url)

    from flows.ingest_web import ingest_web
    from nyhetsflyt.sources.web.batch import FetchSettings

    summary = ingest_web(urls=urls or None, kind=chosen[0] if chosen else None,
                         batch_size=batch_size, max_pages=max_pages,
                         fetch=FetchSettings(min_host_interval_s=host_interval), settings=settings)
    if as_json:
        print(summary.model_dump_json())
        return
    print_counts(out, "Web ingest run", summary.counts())
    outcomes = Table("kind", "outcome", "fetches", title="Fetch outcomes")
    for kind, counts in sorted(summary.fetch_outcomes.items()):
        for outcome, count in sorted(counts.items()):
            outcomes.add_row(kind, outcome, str(count))
    out.print(outcomes)
    print_failures(out, summary.failures)


@sources_app.command("add")
def sources_add(
    url: Annotated[str, typer.Argument(help="The feed, sitemap or URL list.")],
    kind: Annotated[str, typer.Option(help="feed, sitemap or urls.")] = "feed",
    name: Annotated[str | None, typer.Option(help="A name to show.")] = None,
    inactive: Annotated[bool, typer.Option("--inactive", help="Keep it, but do not poll it.")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Add a source (or change the kind, name or activity of one already there)."""
    from nyhetsflyt.db.connect import connect
    from nyhetsflyt.db.migrate import migrate
    from nyhetsflyt.sources.web.state import add_source

    _, db = command_database(database_url)
    migrate(db)
    try:
        with connect(db, autocommit=True) as conn:
            source = add_source(conn, url, kind, name, active=not inactive)  # type: ignore[arg-type]
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    out.print(f"source {source.id}: {source.kind} {source.url}"
              f"{'' if source.active else ' (inactive)'}", highlight=False)


@sources_app.command("list")
def sources_list(
    all_sources: Annotated[bool, typer.Option("--all", help="Inactive sources too.")] = False,
    database_url: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The sources `nyhetsflyt fetch` polls."""
    from nyhetsflyt.db.connect import connect
    from nyhetsflyt.db.migrate import migrate
    from nyhetsflyt.sources.web.state import list_sources

    _, db = command_database(database_url)
    migrate(db)
    with connect(db, autocommit=True) as conn:
        sources = list_sources(conn, active_only=not all_sources)
    if as_json:
        print(json.dumps([
            {"id": s.id, "url": s.url, "kind": s.kind, "name": s.name, "active": s.active,
             "added_at": s.added_at.isoformat(),
             "last_polled_at": s.last_polled_at.isoformat() if s.last_polled_at else None}
            for s in sources
        ]))
        return
    table = Table("id", "kind", "url", "name", "active", "last polled")
    for s in sources:
        polled = s.last_polled_at.strftime("%Y-%m-%d %H:%M") if s.last_polled_at else "never"
        table.add_row(str(s.id), s.kind, s.url, s.name or "", "yes" if s.active else "no", polled)
    out.print(table)


@sources_app.command("remove")
def sources_remove(
    source: Annotated[str, typer.Argument(help="The source's URL or id.")],
    database_url: DatabaseOption = None,
) -> None:
    """Remove a source (what was fetched from it stays)."""
    from nyhetsflyt.db.connect import connect
    from nyhetsflyt.db.migrate import migrate
    from nyhetsflyt.sources.web.state import remove_source

    _, db = command_database(database_url)
    migrate(db)
    with connect(db, autocommit=True) as conn:
        removed = remove_source(conn, source)
    if removed is None:
        out.print(f"no source {source}", highlight=False)
        raise typer.Exit(1)
    out.print(f"removed source {removed.id}: {removed.url}", highlight=False)
