"""Re-enrichment: one batch of stored articles through the NLP stage again."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from nyhetsflyt.db.connect import resolve_database_url
from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.stored import BatchResult, reenrich_ids


@task(name="reenrich-articles", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def reenrich_batch(ids: list[int], model: str | None, settings: Settings) -> BatchResult:
    return reenrich_ids(resolve_database_url(settings), ids, model)
