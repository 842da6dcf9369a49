"""The stages every source shares: split → enrich → load, one Prefect task each per batch."""

from __future__ import annotations

from dataclasses import dataclass, field

from prefect.utilities.annotations import quote
from pydantic import BaseModel

from nyhetsflyt.db.load import LoadKey, LoadResult, load_key
from nyhetsflyt.documents import EnrichedArticle, Failure, SourceDocument
from nyhetsflyt.settings import Settings
from tasks.enrich import ArticleBatch, enrich_batch
from tasks.load import load_batch
from tasks.split import split_documents


@dataclass(slots=True)
class BatchOutcome:
    """Per document of a batch, in order: the article id (new or already stored) or a Failure."""

    results: list[tuple[str, int | None] | Failure] = field(default_factory=list)
    new: int = 0
    duplicates: int = 0
    copies: int = 0  # new articles that joined a story already stored (another outlet's copy)
    entities: int = 0
    captions: int = 0
    quotes: int = 0

    @property
    def failures(self) -> list[Failure]:
        return [r for r in self.results if isinstance(r, Failure)]


class ArticleCounts(BaseModel):
    """The article counts every source's run summary keeps, added up batch by batch."""

    articles_seen: int = 0
    articles_new: int = 0
    duplicates: int = 0
    copies: int = 0  # new articles that are copies of a story already stored
    entities: int = 0
    captions: int = 0
    quotes: int = 0

    def add_batch(self, outcome: BatchOutcome) -> None:
        self.articles_seen += len(outcome.results)  # one result per document of the batch
        self.articles_new += outcome.new
        self.duplicates += outcome.duplicates
        self.copies += outcome.copies
        self.entities += outcome.entities
        self.captions += outcome.captions
        self.quotes += outcome.quotes


def process_documents(documents: list[SourceDocument], settings: Settings,
                      run_id: int | None = None) -> BatchOutcome:
    """Run one batch of documents through split, enrich and load, as three task runs.

    The batches are handed over quoted: Prefect would otherwise walk every object in them (each
    sentence's token list) looking for futures, twice per task run, which cost more than the
    stages' own work. Enrichment is submitted to the flow's task runner, which is where a Dask
    cluster takes it over when one is configured (flows/runners.py). New articles are marked
    with the run (`run_id`), which is how the run's source quality finds them.
    """
    # Prefect unwraps a quoted argument before the task body sees it; its type hints do not know.
    articles = split_documents(quote(documents))  # type: ignore[call-overload]
    enriched = enrich_batch.submit(ArticleBatch(articles), settings.spacy_model).result()
    loadable = [item for item in enriched if isinstance(item, EnrichedArticle)]
    loaded = load_batch(quote(loadable), settings, run_id) if loadable else LoadResult()  # type: ignore[call-overload]

    outcome = BatchOutcome()
    reported: set[LoadKey] = set()
    for item in enriched:
        if isinstance(item, Failure):
            outcome.results.append(item)
            continue
        key = load_key(item.article)
        if key in loaded.failures:
            outcome.results.append(loaded.failures[key])
        elif key in loaded.new and key not in reported:
            reported.add(key)
            outcome.results.append(("new", loaded.new[key]))
            outcome.new += 1
            outcome.copies += int(key in loaded.copies)
            outcome.entities += len(item.enrichment.entities)
            outcome.captions += len(item.article.captions)
            outcome.quotes += len(item.enrichment.quotes)
        else:
            outcome.results.append(("duplicate", None))
            outcome.duplicates += 1
    return outcome

