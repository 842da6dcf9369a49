"""Fetch a batch of URLs politely, log every fetch, keep each URL's state; remember what
became of each page once the pipeline has handled it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Annotated

from pydantic import BaseModel, Field

from nyhetsflyt.db.connect import connect, resolve_database_url
from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.web.discover import SourceKind
from nyhetsflyt.sources.web.fetch import Fetcher, FetchPolicy
from nyhetsflyt.sources.web.limits import PrefectHostLimiter, prefect_api_url
from nyhetsflyt.sources.web.pages import DocumentKind, classify_document
from nyhetsflyt.sources.web.records import FetchResult, UrlState
from nyhetsflyt.sources.web.state import (
    link_article,
    load_url_states,
    log_fetch,
    save_url_state,
    stored_article_id,
)


class FetchSettings(BaseModel):
    """How the web flow fetches (a flow parameter); defaults are those of FetchPolicy."""

    connect_timeout_s: Annotated[float, Field(gt=0, le=120)] = 5.0
    read_timeout_s: Annotated[float, Field(gt=0, le=300)] = 15.0
    deadline_s: Annotated[float, Field(gt=0, le=3600)] = 60.0
    max_bytes: Annotated[int, Field(ge=1024)] = 10 * 1024 * 1024
    max_redirects: Annotated[int, Field(ge=0, le=10)] = 3
    min_host_interval_s: Annotated[float, Field(ge=0, le=3600)] = 1.0
    max_host_concurrency: Annotated[int, Field(ge=1, le=32)] = 2
    max_attempts: Annotated[int, Field(ge=1, le=10)] = 4
    backoff_base_s: Annotated[float, Field(ge=0, le=600)] = 1.0
    backoff_max_s: Annotated[float, Field(ge=0, le=3600)] = 60.0
    retry_after_cap_s: Annotated[float, Field(ge=0, le=3600)] = 60.0
    user_agent: str | None = None  # default: the setting NYHETSFLYT_USER_AGENT, else the project's own
    workers: Annotated[int, Field(ge=1, le=32)] = 4  # requests in flight per batch (any hosts)

    def policy(self, settings: Settings) -> FetchPolicy:
        fields = self.model_dump(exclude={"user_agent", "workers"})
        user_agent = self.user_agent or settings.user_agent
        if user_agent:
            fields["user_agent"] = user_agent
        return FetchPolicy(**fields, allow_private=settings.allow_private)


_fetchers: OrderedDict[tuple[FetchPolicy, str | None], Fetcher] = OrderedDict()
_fetchers_lock = threading.Lock()


def fetcher_for(policy: FetchPolicy) -> Fetcher:
    """One Fetcher per policy and Prefect API in this process, so robots.txt is read once."""
    api = prefect_api_url()
    key = (policy, api)
    with _fetchers_lock:
        fetcher = _fetchers.get(key)
        if fetcher is None:
            limiter = (PrefectHostLimiter(policy.min_host_interval_s,
                                          max_in_flight=policy.max_host_concurrency)
                       if api and policy.min_host_interval_s > 0 else None)
            fetcher = Fetcher(policy, limiter=limiter)
            _fetchers[key] = fetcher
            while len(_fetchers) > 4:
                _fetchers.popitem(last=False)[1].close()
        _fetchers.move_to_end(key)
        return fetcher


def fetch_all(urls: list[str], fetching: FetchSettings, settings: Settings, run_id: int | None,
              kind: SourceKind | DocumentKind | None) -> list[tuple[FetchResult, DocumentKind | None]]:
    """Fetch `urls` (conditionally where state is stored), log each fetch, keep URL states.

    A page that came back with content ("ok") keeps its old state until the flow has ingested
    it (see `remember_pages`), so a page whose ingest fails is fetched in full next time.
    """
    database = resolve_database_url(settings)
    with connect(database, autocommit=True) as conn:
        states = load_url_states(conn, urls)
    fetcher = fetcher_for(fetching.policy(settings))
    with ThreadPoolExecutor(max_workers=min(fetching.workers, max(1, len(urls)))) as pool:
        results = list(pool.map(lambda url: fetcher.fetch(url, states.get(url)), urls))
    typed = [(result, _kind_of(result, kind, states.get(result.url))) for result in results]
    with connect(database, autocommit=True) as conn:
        for result, document_kind in typed:
            log_fetch(conn, result, kind=document_kind, run_id=run_id)
            if not (result.outcome == "ok" and document_kind == "page"):
                save_url_state(conn, result)
    return typed


def _kind_of(result: FetchResult, requested: SourceKind | DocumentKind | None,
             state: UrlState | None) -> DocumentKind | None:
    if requested == "page":
        return "page"
    kind = classify_document(result, requested)
    if kind is None and state is not None and state.article_id is not None:
        return "page"  # a 304 for a URL that was an article page last time
    return kind


def remember_all(pages: list[tuple[FetchResult, bool, int | None]], settings: Settings) -> None:
    """After ingest: keep validators and hash of each page that was handled (ingested or
    skipped on purpose), forget them for a page whose ingest failed, and link articles."""
    with connect(resolve_database_url(settings), autocommit=True) as conn:
        for result, handled, article_id in pages:
            if handled:
                save_url_state(conn, result)
            else:
                save_url_state(conn, replace(result, etag=None, last_modified=None, content_hash=None))
            if handled and article_id is None:
                article_id = stored_article_id(conn, result.final_url or result.url)
            if article_id is not None:
                link_article(conn, result.url, article_id)
