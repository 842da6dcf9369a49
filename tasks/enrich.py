"""Stage 3: Norwegian NLP over a whole batch with one `nlp.pipe` pass."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from nyhetsflyt.documents import Article, EnrichedArticle, Failure
from nyhetsflyt.nlp.enrich import enrich_articles
from nyhetsflyt.nlp.model import load_nlp
from tasks.timing import stage_time


def enrich_all(items: list[Article | Failure], model: str | None = None) -> list[EnrichedArticle | Failure]:
    """Enrich the articles among `items`, keeping order; failures pass through untouched."""
    nlp, info = load_nlp(model)  # loaded once per worker process, then cached
    articles = [item for item in items if isinstance(item, Article)]
    try:
        enrichments = iter(enrich_articles(articles, nlp, info))
        enriched = {id(a): EnrichedArticle(a, next(enrichments)) for a in articles}
    except Exception:
        enriched = {}
        for article in articles:  # isolate the article that breaks the batch
            try:
                enriched[id(article)] = EnrichedArticle(article, enrich_articles([article], nlp, info)[0])
            except Exception as error:
                enriched[id(article)] = Failure(
                    article.source_uri, "enrich", f"{type(error).__name__}: {error}"
                )
    return [enriched[id(item)] if isinstance(item, Article) else item for item in items]


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
