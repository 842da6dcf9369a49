"""Enrich stored articles again, with a newer (or another) NLP model.

The articles are read back from the database, batch by batch, run through the same NLP stage
as at ingestion, and their sentences, entities, quotes, keywords, language and model columns
replaced in one transaction per batch. By default only articles that another model made are
touched, so running it again after it finished changes nothing.
"""

from __future__ import annotations

from typing import Annotated

from prefect import flow, get_run_logger
from pydantic import Field

from flows.run import RunSummary, ingest_run
from nyhetsflyt.db.connect import connect
from nyhetsflyt.db.reenrich import count_stale, stale_article_ids
from nyhetsflyt.documents import Failure
from nyhetsflyt.nlp.model import load_nlp
from nyhetsflyt.settings import Settings
from tasks.reenrich import reenrich_batch


class ReenrichSummary(RunSummary):
    model_name: str = ""
    model_version: str = ""
    candidates: int = 0  # articles that matched when the run started
    articles_seen: int = 0  # articles taken up
    reenriched: int = 0
    entities: int = 0
    quotes_attributed: int = 0


@flow(name="reenrich")
def reenrich(
    model: str | None = None,
    batch_size: Annotated[int, Field(ge=1, le=5000)] = 100,
    only_older: bool = True,
    limit: Annotated[int | None, Field(ge=1)] = None,
    settings: Settings | None = None,
) -> ReenrichSummary:
    """Re-run the NLP stage over stored articles (by default those another model made)."""
    logger = get_run_logger()
    settings = settings or Settings()
    model = model or settings.spacy_model
    _, info = load_nlp(model)
    summary = ReenrichSummary(model_name=info.name, model_version=info.version)
    with ingest_run("reenrich", settings, summary) as run:
        with connect(run.database, autocommit=True) as conn:
            candidates = count_stale(conn, info.name, info.version, only_older)
        summary.candidates = min(candidates, limit) if limit else candidates
        logger.info(
            "Re-enriching %d articles with %s %s%s", summary.candidates, info.name, info.version,
            " (degraded NER)" if info.degraded else "",
        )
        after_id = 0
        while limit is None or summary.articles_seen < limit:
            size = batch_size if limit is None else min(batch_size, limit - summary.articles_seen)
            with connect(run.database, autocommit=True) as conn:
                ids = stale_article_ids(conn, info.name, info.version, only_older=only_older,
                                        after_id=after_id, limit=size)
            if not ids:
                break
            after_id = ids[-1]
            summary.articles_seen += len(ids)
            batch = reenrich_batch(ids, model, settings)
            summary.reenriched += batch.reenriched
            summary.entities += batch.entities
            summary.quotes_attributed += batch.quotes_attributed
            run.record([Failure(f["source"], f["stage"], f["reason"]) for f in batch.failures])
            logger.info("Re-enriched articles %d..%d: %d replaced, %d failed",
                        ids[0], ids[-1], batch.reenriched, len(batch.failures))
    logger.info("Re-enriched %d articles with %s %s, %d failed",
                summary.reenriched, info.name, info.version, summary.failed)
    return summary
