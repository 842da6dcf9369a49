"""Web source, fetch stage: fetch a batch of URLs politely, log every fetch, extract the pages.

Per-host politeness is shared by every worker through Prefect global concurrency limits: one
rate limit per host (`nyhetsflyt-host:<host>`, created on first use, one request start per
`min_host_interval_s`). Without a Prefect API, or when it does not answer, the in-process
IntervalHostLimiter keeps the same pace within the process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Annotated

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.logging import get_logger
from pydantic import BaseModel, Field

from nyhetsflyt.db.connect import connect, resolve_database_url
from nyhetsflyt.web.discover import DiscoveredUrl, SourceKind
from nyhetsflyt.web.fetch import Fetcher, FetchPolicy, IntervalHostLimiter
from nyhetsflyt.web.pages import DocumentKind, PageRead, classify_document, read_page
from nyhetsflyt.web.records import FetchResult, UrlState
from nyhetsflyt.web.state import load_url_states, log_fetch, save_url_state

HOST_LIMIT_PREFIX = "nyhetsflyt-host:"  # the pace: one request start per interval
HOST_SLOTS_PREFIX = "nyhetsflyt-host-slots:"  # the cap: requests in flight at once
_BANNED_IN_NAMES = str.maketrans({c: "_" for c in "/%&><"})  # Prefect refuses these in names


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
    user_agent: str | None = None  # default: $NYHETSFLYT_USER_AGENT, else the project's own
    workers: Annotated[int, Field(ge=1, le=32)] = 4  # requests in flight per batch (any hosts)

    def policy(self) -> FetchPolicy:
        fields = self.model_dump(exclude={"user_agent", "workers"})
        if self.user_agent:
            fields["user_agent"] = self.user_agent
        return FetchPolicy(**fields)


# --- per-host limits shared through Prefect -----------------------------------------------


def prefect_api_url() -> str | None:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def host_limit_name(host: str) -> str:
    return HOST_LIMIT_PREFIX + host.translate(_BANNED_IN_NAMES)


def host_slots_name(host: str) -> str:
    return HOST_SLOTS_PREFIX + host.translate(_BANNED_IN_NAMES)


class PrefectHostLimiter:
    """A Prefect rate limit per host, so every worker keeps to the same pace for that host.

    The limit holds one slot that decays in `min_interval_s`: one request may start per
    interval, whichever worker makes it. A limit is created (or its pace updated) the first
    time this process needs it. If the Prefect API fails, the in-process limiter takes over
    for that host, so an API outage slows nothing down and breaks no fetch.
    """

    def __init__(self, min_interval_s: float, acquire_timeout_s: float = 120.0, max_in_flight: int = 2):
        if min_interval_s <= 0:
            raise ValueError("a shared rate limit needs a positive interval")
        self.min_interval_s = min_interval_s
        self.max_in_flight = max_in_flight
        self.acquire_timeout_s = max(acquire_timeout_s, 10 * min_interval_s)
        self.fallback = IntervalHostLimiter(min_interval_s, max_in_flight=max_in_flight)
        self._ready: set[str] = set()
        self._broken: set[str] = set()
        self._lock = threading.Lock()
        self._log = get_logger("nyhetsflyt.fetch")

    def _ensure(self, name: str, limit: int = 1, decay: bool = True) -> None:
        from prefect.client.orchestration import get_client
        from prefect.exceptions import ObjectAlreadyExists

        with self._lock:
            if name in self._ready:
                return
            with get_client(sync_client=True) as client:
                try:
                    client.upsert_global_concurrency_limit_by_name(
                        name, limit=limit,
                        slot_decay_per_second=1.0 / self.min_interval_s if decay else None)
                except ObjectAlreadyExists:
                    pass  # another worker created it a moment ago
            self._ready.add(name)

    def acquire(self, host: str) -> None:
        from prefect.concurrency.sync import rate_limit

        name = host_limit_name(host)
        if name not in self._broken:
            try:
                self._ensure(name)
                rate_limit(name, occupy=1, timeout_seconds=self.acquire_timeout_s, strict=True)
                return
            except Exception as error:  # the API is away or refuses: keep the pace locally
                self._broken.add(name)
                self._log.warning("Shared rate limit %s unavailable (%s); pacing %s in this "
                                  "process only", name, error, host)
        self.fallback.acquire(host)

    @contextmanager
    def hold(self, host: str) -> Iterator[None]:
        from prefect.concurrency.sync import concurrency

        name = host_slots_name(host)
        if name not in self._broken:
            try:
                self._ensure(name, limit=self.max_in_flight, decay=False)
                slot = concurrency(name, occupy=1, timeout_seconds=self.acquire_timeout_s, strict=True)
                slot.__enter__()
            except Exception as error:  # the API is away or refuses: cap locally
                self._broken.add(name)
                self._log.warning("Shared concurrency limit %s unavailable (%s); capping %s in "
                                  "this process only", name, error, host)
            else:
                try:
                    yield
                finally:
                    slot.__exit__(None, None, None)
                return
        with self.fallback.hold(host):
            yield


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


# --- tasks ---------------------------------------------------------------------------------


def fetch_all(urls: list[str], settings: FetchSettings, run_id: int | None,
              kind: SourceKind | DocumentKind | None) -> list[tuple[FetchResult, DocumentKind | None]]:
    """Fetch `urls` (conditionally where state is stored), log each fetch, keep URL states.

    A page that came back with content ("ok") keeps its old state until the flow has ingested
    it (see `remember_pages`), so a page whose ingest fails is fetched in full next time.
    """
    database = resolve_database_url()
    with connect(database, autocommit=True) as conn:
        states = load_url_states(conn, urls)
    fetcher = fetcher_for(settings.policy())
    with ThreadPoolExecutor(max_workers=min(settings.workers, max(1, len(urls)))) as pool:
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


@task(name="fetch-urls", cache_policy=NO_CACHE)
def fetch_urls(urls: list[str], settings: FetchSettings, run_id: int | None,
               kind: SourceKind | DocumentKind | None) -> list[tuple[FetchResult, DocumentKind | None]]:
    """One batch of URLs: feeds, sitemaps or lists (`kind`), article pages ("page"), or unknown."""
    typed = fetch_all(urls, settings, run_id, kind)
    outcomes: dict[str, int] = {}
    for result, _ in typed:
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    get_run_logger().info("Fetched %d URLs: %s", len(urls),
                          ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())))
    return typed


@task(name="extract-pages", cache_policy=NO_CACHE)
def extract_pages(results: list[FetchResult], hints: dict[str, DiscoveredUrl]) -> list[PageRead]:
    return [read_page(result, hints.get(result.url)) for result in results]


def remember_all(pages: list[tuple[FetchResult, bool, int | None]]) -> None:
    """After ingest: keep validators and hash of each page that was handled (ingested or
    skipped on purpose), forget them for a page whose ingest failed, and link articles."""
    from nyhetsflyt.web.state import link_article, stored_article_id

    with connect(resolve_database_url(), autocommit=True) as conn:
        for result, handled, article_id in pages:
            if handled:
                save_url_state(conn, result)
            else:
                save_url_state(conn, replace(result, etag=None, last_modified=None, content_hash=None))
            if handled and article_id is None:
                article_id = stored_article_id(conn, result.final_url or result.url)
            if article_id is not None:
                link_article(conn, result.url, article_id)


@task(name="remember-pages", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def remember_pages(pages: list[tuple[FetchResult, bool, int | None]]) -> None:
    remember_all(pages)
