"""Re-enrichment: one batch of stored articles through the NLP stage again."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from nyhetsflyt.db.connect import resolve_database_url
from nyhetsflyt.sources.stored import BatchResult, reenrich_ids


@task(name="reenrich-articles", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def reenrich_batch(ids: list[int], model: str | None) -> BatchResult:
    # The URL is resolved in the worker, never passed as a parameter, so no password reaches the API.
    return reenrich_ids(resolve_database_url(), ids, model)
