"""Stored articles as a source: read a batch back from PostgreSQL, enrich it again with the
NLP stage, and replace its enrichment in one transaction. An article that fails keeps its
old enrichment."""

from __future__ import annotations

from pydantic import BaseModel, Field

from nyhetsflyt.db.connect import connect
from nyhetsflyt.db.reenrich import read_articles, replace_enrichments
from nyhetsflyt.documents import EnrichedArticle, Failure
from nyhetsflyt.nlp.enrich import enrich_all


class BatchResult(BaseModel):
    reenriched: int = 0
    entities: int = 0
    quotes_attributed: int = 0
    failures: list[dict[str, str]] = Field(default_factory=list)


def reenrich_ids(url: str, ids: list[int], model: str | None) -> BatchResult:
    """Read, enrich and replace one batch of articles; an article that fails keeps its old enrichment."""
    with connect(url) as conn:
        stored = read_articles(conn, ids)
        enriched = enrich_all([s.article for s in stored], model)
        replacements = []
        result = BatchResult()
        for item, outcome in zip(stored, enriched, strict=True):
            if isinstance(outcome, Failure):
                result.failures.append(
                    {"source": outcome.source_uri, "stage": outcome.stage, "reason": outcome.reason}
                )
                continue
            assert isinstance(outcome, EnrichedArticle)
            replacements.append((item.id, outcome.enrichment))
            result.entities += len(outcome.enrichment.entities)
            result.quotes_attributed += sum(1 for q in outcome.enrichment.quotes if q.speaker_canonical)
        result.reenriched = replace_enrichments(conn, replacements)
    return result
