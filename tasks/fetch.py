"""Web source: fetch a batch of URLs, extract the pages, remember what became of them."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.web.batch import FetchSettings, fetch_all, remember_all
from nyhetsflyt.sources.web.discover import DiscoveredUrl, SourceKind
from nyhetsflyt.sources.web.pages import DocumentKind, PageRead, read_page
from nyhetsflyt.sources.web.records import FetchResult

__all__ = ["FetchSettings", "extract_pages", "fetch_urls", "remember_pages"]


@task(name="fetch-urls", cache_policy=NO_CACHE)
def fetch_urls(urls: list[str], fetching: FetchSettings, settings: Settings, run_id: int | None,
               kind: SourceKind | DocumentKind | None) -> list[tuple[FetchResult, DocumentKind | None]]:
    """One batch of URLs: feeds, sitemaps or lists (`kind`), article pages ("page"), or unknown."""
    typed = fetch_all(urls, fetching, settings, run_id, kind)
    outcomes: dict[str, int] = {}
    for result, _ in typed:
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    get_run_logger().info("Fetched %d URLs: %s", len(urls),
                          ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())))
    return typed


@task(name="extract-pages", cache_policy=NO_CACHE)
def extract_pages(results: list[FetchResult], hints: dict[str, DiscoveredUrl]) -> list[PageRead]:
    return [read_page(result, hints.get(result.url)) for result in results]


@task(name="remember-pages", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def remember_pages(pages: list[tuple[FetchResult, bool, int | None]], settings: Settings) -> None:
    remember_all(pages, settings)
