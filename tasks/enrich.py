"""Stage 3: Norwegian NLP over a whole batch with one `nlp.pipe` pass."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from nyhetsflyt.documents import Article, EnrichedArticle, Failure
from nyhetsflyt.nlp.enrich import enrich_all
from nyhetsflyt.nlp.model import load_nlp
from tasks.timing import stage_time


class ArticleBatch:
    """A batch handed to the enrich task whole.

    Prefect and Dask both walk a task's arguments looking for futures, and Dask rebuilds the
    dataclasses it meets on the way (as plain tuples); an opaque holder keeps the articles intact
    and skips that walk.
    """

    __slots__ = ("items",)

    def __init__(self, items: list[Article | Failure]):
        self.items = items


@task(name="enrich-articles", cache_policy=NO_CACHE)
def enrich_batch(batch: ArticleBatch, model: str | None = None) -> list[EnrichedArticle | Failure]:
    items = batch.items
    with stage_time("enrich", len(items)):
        results = enrich_all(items, model)
    _, info = load_nlp(model)
    if info.degraded:
        get_run_logger().warning(
            "NER is in DEGRADED mode: no statistical Norwegian model could be loaded (%s); "
            "entities come from simple rules only", info.name
        )
    return results
