"""Ingest news from the web: discover → fetch → extract → split → enrich → load, batch by batch.

Two ways to run it:
    urls     the given feeds, sitemaps (indexes too), URL lists or article pages; `kind` says
             which, or each document is sniffed (an HTML page is taken as an article page)
    sources  no urls: every active row of `news.sources`, as a schedule runs it

Every fetch is a row in `news.fetch_log`; every URL's validators and content hash are kept in
`news.url_state`, so the next run asks with a conditional GET and skips what did not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from prefect import flow, get_run_logger
from pydantic import Field

from flows.pipeline import ArticleCounts, process_documents
from flows.run import IngestRun, RunSummary, batches, ingest_run
from flows.runners import nlp_task_runner
from nyhetsflyt.db.connect import connect
from nyhetsflyt.documents import Failure
from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.web.batch import FetchSettings
from nyhetsflyt.sources.web.discover import (
    DiscoveredUrl,
    SourceKind,
    UnsafeXmlError,
    discover,
)
from nyhetsflyt.sources.web.pages import fetch_failure, newest_first
from nyhetsflyt.sources.web.records import FetchResult
from nyhetsflyt.sources.web.state import list_sources, mark_source_polled
from tasks.fetch import extract_pages, fetch_urls, remember_pages

MAX_SITEMAP_DEPTH = 3  # an index of indexes of sitemaps, and no deeper


class WebRunSummary(ArticleCounts, RunSummary):
    """What a web run did, as counted."""

    sources: int = 0  # feeds, sitemaps and lists fetched (sitemap index children included)
    urls_discovered: int = 0
    pages_fetched: int = 0  # article page requests, whatever their outcome
    not_modified: int = 0  # 304 to a conditional GET
    unchanged: int = 0  # 200 with the body we had
    fetch_outcomes: dict[str, dict[str, int]] = Field(default_factory=dict)  # kind → outcome → n


WebRun = IngestRun[WebRunSummary]


@dataclass(slots=True)
class Target:
    """A document to discover article URLs in."""

    url: str
    kind: SourceKind | None  # None: sniff it
    source_id: int | None = None  # its row in news.sources
    depth: int = 0  # sitemap index nesting


@dataclass(slots=True)
class Discovered:
    pages: dict[str, DiscoveredUrl] = field(default_factory=dict)  # article URL → its entry
    fetched_pages: list[FetchResult] = field(default_factory=list)  # given URLs that were pages


@flow(name="ingest-web", log_prints=False,
      task_runner=nlp_task_runner(Settings().dask_address))  # type: ignore[arg-type]  # None: the default
def ingest_web(
    urls: list[str] | None = None,
    kind: Literal["feed", "sitemap", "urls"] | None = None,
    batch_size: Annotated[int, Field(ge=1, le=1000)] = 32,
    model: str | None = None,
    database_url: str | None = None,
    fetch: FetchSettings | None = None,
    max_pages: Annotated[int, Field(ge=1)] = 5000,
    settings: Settings | None = None,
) -> WebRunSummary:
    logger = get_run_logger()
    fetching = fetch or FetchSettings()
    # Prefer DATABASE_URL on the worker to `database_url`: parameters are stored by Prefect.
    settings = (settings or Settings()).with_database(database_url)
    if model:
        settings = settings.model_copy(update={"spacy_model": model})

    with ingest_run("ingest-web", settings, WebRunSummary(), measure_quality=True) as run:
        summary = run.summary
        with connect(run.database, autocommit=True) as conn:
            targets = ([Target(url, kind) for url in dict.fromkeys(urls)] if urls else
                       [Target(s.url, s.kind, s.id) for s in list_sources(conn, active_only=True)])
        logger.info("Discovering article URLs in %d documents", len(targets))
        found = _discover(targets, fetching, batch_size, run)
        given_pages = {result.url for result in found.fetched_pages}
        pages = newest_first([p for p in found.pages.values() if p.url not in given_pages])
        if len(pages) > max_pages:
            logger.warning("%d article URLs found; fetching the newest %d", len(pages), max_pages)
            pages = pages[:max_pages]
        summary.urls_discovered = len(found.pages)
        hints = {page.url: page for page in pages}

        for batch in batches([page.url for page in pages], batch_size):
            fetched = [result for result, _ in fetch_urls(batch, fetching, settings, run.run_id, "page")]
            _ingest_pages(fetched, hints, run)
        for fetched_batch in batches(found.fetched_pages, batch_size):
            _ingest_pages(fetched_batch, hints, run, already_counted=True)
        fetches = [
            {"kind": kind, "outcome": outcome, "fetches": count}
            for kind, outcomes in sorted(summary.fetch_outcomes.items())
            for outcome, count in sorted(outcomes.items())
        ]
        run.add_table("ingest-web-fetches", fetches or [{"kind": "-", "outcome": "-", "fetches": 0}],
                      "Fetch outcomes of this run, per kind of document")
    logger.info(
        "Fetched %d sources and %d pages: %d new articles, %d already stored, %d not modified, "
        "%d unchanged, %d skipped, %d failed", summary.sources, summary.pages_fetched,
        summary.articles_new, summary.duplicates, summary.not_modified, summary.unchanged,
        summary.skipped, summary.failed,
    )
    return summary


def _discover(targets: list[Target], fetching: FetchSettings, batch_size: int, run: WebRun) -> Discovered:
    """Fetch every target (and the sitemaps an index names) and collect the article URLs."""
    found = Discovered()
    seen = {target.url for target in targets}
    pending = targets
    while pending:
        next_round: list[Target] = []
        for batch in batches(pending, batch_size):
            by_kind: dict[SourceKind | None, list[Target]] = {}
            for target in batch:
                by_kind.setdefault(target.kind, []).append(target)
            for kind, group in by_kind.items():
                fetched = fetch_urls([t.url for t in group], fetching, run.settings, run.run_id, kind)
                for target, (result, document_kind) in zip(group, fetched):
                    _count_fetch(run.summary, result, document_kind or target.kind or "unknown")
                    if document_kind == "page":  # a given URL that is an article page itself
                        found.fetched_pages.append(result)
                        continue
                    run.summary.sources += 1
                    children = _read_source(target, result, document_kind, found, run)
                    for child in children:
                        if child not in seen and target.depth < MAX_SITEMAP_DEPTH:
                            seen.add(child)
                            next_round.append(Target(child, "sitemap", depth=target.depth + 1))
        pending = next_round
    with connect(run.database, autocommit=True) as conn:
        for target in targets:
            if target.source_id is not None:
                mark_source_polled(conn, target.source_id)
    return found


def _read_source(target: Target, result: FetchResult, kind: SourceKind | None,
                 found: Discovered, run: WebRun) -> list[str]:
    """Add the article URLs a fetched feed, sitemap or list names; return child sitemaps."""
    failure = fetch_failure(result, kind or target.kind)
    if failure is not None:
        run.record([failure[0]], failure[1])
        return []
    if result.body is None:  # 304: the document did not change since the last run
        return []
    try:
        discovery = discover(result.body, result.final_url, kind)
    except (UnsafeXmlError, ValueError, SyntaxError) as error:  # lxml's XMLSyntaxError too
        reason = f"cannot read {kind or 'source'}: {type(error).__name__}: {error}"
        run.record([Failure(target.url, "discover", reason[:2000])])
        return []
    for entry in discovery.urls:
        found.pages.setdefault(entry.url, entry)
    get_run_logger().info("%s %s: %d article URLs, %d sitemaps", discovery.kind, target.url,
                          len(discovery.urls), len(discovery.child_sitemaps))
    return discovery.child_sitemaps


def _ingest_pages(fetched: list[FetchResult], hints: dict[str, DiscoveredUrl], run: WebRun,
                  already_counted: bool = False) -> None:
    """Extract the pages that came back with content, run them through the shared pipeline,
    then remember what became of each."""
    content: list[FetchResult] = []
    for result in fetched:
        if not already_counted:
            _count_fetch(run.summary, result, "page")
        failure = fetch_failure(result, "page")
        if failure is not None:
            run.record([failure[0]], failure[1])
        elif result.outcome == "ok":
            content.append(result)
    if not content:
        return

    reads = extract_pages(content, hints)
    for read in reads:
        if read.skipped:
            run.record([read.skipped], "skipped")
        if read.failure:
            run.record([read.failure])
    documents = [read.document for read in reads if read.document is not None]
    outcome = process_documents(documents, run.settings, run.run_id) if documents else None
    results = iter(outcome.results if outcome else [])

    remembered: list[tuple[FetchResult, bool, int | None]] = []
    for result, read in zip(content, reads):
        if read.document is None:
            remembered.append((result, read.skipped is not None, None))
            continue
        processed = next(results)
        if isinstance(processed, Failure):
            remembered.append((result, False, None))
        else:
            remembered.append((result, True, processed[1]))
    if outcome:
        run.summary.add_batch(outcome)
        run.record(outcome.failures)
        get_run_logger().info("Batch of %d articles: %d new, %d already stored, %d failed",
                              len(documents), outcome.new, outcome.duplicates, len(outcome.failures))
    remember_pages(remembered, run.settings)


def _count_fetch(summary: WebRunSummary, result: FetchResult, kind: str) -> None:
    per_kind = summary.fetch_outcomes.setdefault(kind, {})
    per_kind[result.outcome] = per_kind.get(result.outcome, 0) + 1
    if kind == "page":
        summary.pages_fetched += 1
        if result.outcome == "not_modified":
            summary.not_modified += 1
        elif result.outcome == "unchanged":
            summary.unchanged += 1
