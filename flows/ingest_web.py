"""Ingest news from the web: discover → fetch → extract → split → enrich → load, batch by batch.

Two ways to run it:
    urls     the given feeds, sitemaps (indexes too), URL lists or article pages; `kind` says
             which, or each document is sniffed (an HTML page is taken as an article page)
    sources  no urls: every active row of `news.sources`, as a schedule runs it

Every fetch is a row in `news.fetch_log`; every URL's validators and content hash are kept in
`news.url_state`, so the next run asks with a conditional GET and skips what did not change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Annotated, Literal

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run
from pydantic import Field

from flows.pipeline import ArticleCounts, process_documents
from flows.runners import nlp_task_runner
from nyhetsflyt.db.connect import connect, resolve_database_url
from nyhetsflyt.db.load import finish_run, record_failures, start_run
from nyhetsflyt.documents import Failure
from nyhetsflyt.sources.web.discover import DiscoveredUrl, SourceKind, UnsafeXmlError, discover
from nyhetsflyt.sources.web.pages import fetch_failure, newest_first
from nyhetsflyt.sources.web.records import FetchResult
from nyhetsflyt.sources.web.state import list_sources, mark_source_polled
from tasks.fetch import FetchSettings, extract_pages, fetch_urls, remember_pages
from tasks.load import prepare_database

MAX_SITEMAP_DEPTH = 3  # an index of indexes of sitemaps, and no deeper


class WebRunSummary(ArticleCounts):
    """What a run did, as counted; also the run's artifacts and its `news.ingest_runs` row."""

    run_id: int
    sources: int = 0  # feeds, sitemaps and lists fetched (sitemap index children included)
    urls_discovered: int = 0
    pages_fetched: int = 0  # article page requests, whatever their outcome
    not_modified: int = 0  # 304 to a conditional GET
    unchanged: int = 0  # 200 with the body we had
    skipped: int = 0  # not articles, or disallowed by robots.txt
    failed: int = 0
    fetch_outcomes: dict[str, dict[str, int]] = Field(default_factory=dict)  # kind → outcome → n
    failures: list[dict[str, str]] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return self.model_dump(exclude={"failures", "run_id", "fetch_outcomes"})


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


def _batches(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@flow(name="ingest-web", log_prints=False, task_runner=nlp_task_runner())
def ingest_web(
    urls: list[str] | None = None,
    kind: Literal["feed", "sitemap", "urls"] | None = None,
    batch_size: Annotated[int, Field(ge=1, le=1000)] = 32,
    model: str | None = None,
    database_url: str | None = None,
    fetch: FetchSettings | None = None,
    max_pages: Annotated[int, Field(ge=1)] = 5000,
) -> WebRunSummary:
    logger = get_run_logger()
    settings = fetch or FetchSettings()
    if database_url:  # prefer DATABASE_URL on the worker: parameters are stored by Prefect
        os.environ["DATABASE_URL"] = database_url

    prepare_database()
    db = resolve_database_url()
    with connect(db, autocommit=True) as conn:
        run_id = start_run(conn, "ingest-web", flow_run.get_id())
        targets = ([Target(url, kind) for url in dict.fromkeys(urls)] if urls else
                   [Target(s.url, s.kind, s.id) for s in list_sources(conn, active_only=True)])
    summary = WebRunSummary(run_id=run_id)
    state = "failed"
    try:
        logger.info("Discovering article URLs in %d documents", len(targets))
        found = _discover(targets, settings, batch_size, summary, db)
        given_pages = {result.url for result in found.fetched_pages}
        pages = newest_first([p for p in found.pages.values() if p.url not in given_pages])
        if len(pages) > max_pages:
            logger.warning("%d article URLs found; fetching the newest %d", len(pages), max_pages)
            pages = pages[:max_pages]
        summary.urls_discovered = len(found.pages)
        hints = {page.url: page for page in pages}

        for batch in _batches([page.url for page in pages], batch_size):
            fetched = [result for result, _ in fetch_urls(batch, settings, run_id, "page")]
            _ingest_pages(fetched, hints, model, summary, db)
        for batch in _batches(found.fetched_pages, batch_size):
            _ingest_pages(batch, hints, model, summary, db, already_counted=True)
        state = "completed"
    finally:
        with connect(db, autocommit=True) as conn:
            finish_run(conn, run_id, state, summary.counts())
    _publish(summary)
    logger.info(
        "Fetched %d sources and %d pages: %d new articles, %d already stored, %d not modified, "
        "%d unchanged, %d skipped, %d failed", summary.sources, summary.pages_fetched,
        summary.articles_new, summary.duplicates, summary.not_modified, summary.unchanged,
        summary.skipped, summary.failed,
    )
    return summary


def _discover(targets: list[Target], settings: FetchSettings, batch_size: int,
              summary: WebRunSummary, db: str) -> Discovered:
    """Fetch every target (and the sitemaps an index names) and collect the article URLs."""
    found = Discovered()
    seen = {target.url for target in targets}
    pending = targets
    while pending:
        next_round: list[Target] = []
        for batch in _batches(pending, batch_size):
            by_kind: dict[SourceKind | None, list[Target]] = {}
            for target in batch:
                by_kind.setdefault(target.kind, []).append(target)
            for kind, group in by_kind.items():
                fetched = fetch_urls([t.url for t in group], settings, summary.run_id, kind)
                for target, (result, document_kind) in zip(group, fetched):
                    _count_fetch(summary, result, document_kind or target.kind or "unknown")
                    if document_kind == "page":  # a given URL that is an article page itself
                        found.fetched_pages.append(result)
                        continue
                    summary.sources += 1
                    children = _read_source(target, result, document_kind, found, summary, db)
                    for child in children:
                        if child not in seen and target.depth < MAX_SITEMAP_DEPTH:
                            seen.add(child)
                            next_round.append(Target(child, "sitemap", depth=target.depth + 1))
        pending = next_round
    with connect(db, autocommit=True) as conn:
        for target in targets:
            if target.source_id is not None:
                mark_source_polled(conn, target.source_id)
    return found


def _read_source(target: Target, result: FetchResult, kind: SourceKind | None,
                 found: Discovered, summary: WebRunSummary, db: str) -> list[str]:
    """Add the article URLs a fetched feed, sitemap or list names; return child sitemaps."""
    failure = fetch_failure(result, kind or target.kind)
    if failure is not None:
        _record(summary, [failure[0]], failure[1], db)
        return []
    if result.body is None:  # 304: the document did not change since the last run
        return []
    try:
        discovery = discover(result.body, result.final_url, kind)
    except (UnsafeXmlError, ValueError, SyntaxError) as error:  # lxml's XMLSyntaxError too
        reason = f"cannot read {kind or 'source'}: {type(error).__name__}: {error}"
        _record(summary, [Failure(target.url, "discover", reason[:2000])], "failed", db)
        return []
    for entry in discovery.urls:
        found.pages.setdefault(entry.url, entry)
    get_run_logger().info("%s %s: %d article URLs, %d sitemaps", discovery.kind, target.url,
                          len(discovery.urls), len(discovery.child_sitemaps))
    return discovery.child_sitemaps


def _ingest_pages(fetched: list[FetchResult], hints: dict[str, DiscoveredUrl], model: str | None,
                  summary: WebRunSummary, db: str, already_counted: bool = False) -> None:
    """Extract the pages that came back with content, run them through the shared pipeline,
    then remember what became of each."""
    content: list[FetchResult] = []
    for result in fetched:
        if not already_counted:
            _count_fetch(summary, result, "page")
        failure = fetch_failure(result, "page")
        if failure is not None:
            _record(summary, [failure[0]], failure[1], db)
        elif result.outcome == "ok":
            content.append(result)
    if not content:
        return

    reads = extract_pages(content, hints)
    for read in reads:
        if read.skipped:
            _record(summary, [read.skipped], "skipped", db)
        if read.failure:
            _record(summary, [read.failure], "failed", db)
    documents = [read.document for read in reads if read.document is not None]
    outcome = process_documents(documents, model) if documents else None
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
        summary.add_batch(outcome)
        _record(summary, outcome.failures, "failed", db)
        get_run_logger().info("Batch of %d articles: %d new, %d already stored, %d failed",
                              len(documents), outcome.new, outcome.duplicates, len(outcome.failures))
    remember_pages(remembered)


def _count_fetch(summary: WebRunSummary, result: FetchResult, kind: str) -> None:
    per_kind = summary.fetch_outcomes.setdefault(kind, {})
    per_kind[result.outcome] = per_kind.get(result.outcome, 0) + 1
    if kind == "page":
        summary.pages_fetched += 1
        if result.outcome == "not_modified":
            summary.not_modified += 1
        elif result.outcome == "unchanged":
            summary.unchanged += 1


def _record(summary: WebRunSummary, failures: list[Failure], outcome: str, db: str) -> None:
    """Count failures or skips, log them, and keep them in `news.ingest_failures`."""
    if not failures:
        return
    logger = get_run_logger()
    if outcome == "skipped":
        summary.skipped += len(failures)
    else:
        summary.failed += len(failures)
    for failure in failures:
        summary.failures.append({"source": failure.source_uri, "stage": failure.stage,
                                 "outcome": outcome, "reason": failure.reason})
        log = logger.info if outcome == "skipped" else logger.warning
        log("%s %s at %s: %s", outcome.capitalize(), failure.source_uri, failure.stage, failure.reason)
    with connect(db, autocommit=True) as conn:
        record_failures(conn, summary.run_id, failures, outcome)


def _publish(summary: WebRunSummary) -> None:
    fetches = [
        {"kind": kind, "outcome": outcome, "fetches": count}
        for kind, outcomes in sorted(summary.fetch_outcomes.items())
        for outcome, count in sorted(outcomes.items())
    ]
    create_table_artifact(key="ingest-web-fetches", table=fetches or [{"kind": "-", "outcome": "-", "fetches": 0}],
                          description="Fetch outcomes of this run, per kind of document")
    rows = [{"measure": key, "count": value} for key, value in summary.counts().items()]
    create_table_artifact(key="ingest-web-counts", table=rows, description="Counts of this run")
    if summary.failures:
        create_table_artifact(
            key="ingest-web-failures", table=summary.failures[:500],
            description="URLs that could not be fetched or ingested, or were skipped, with the reason",
        )
