"""Enrich stored articles again, with a newer (or another) NLP model.

The articles are read back from the database, batch by batch, run through the same NLP stage
as at ingestion, and their sentences, entities, quotes, keywords, language and model columns
replaced in one transaction per batch. By default only articles that another model made are
touched, so running it again after it finished changes nothing.
"""

from __future__ import annotations

from typing import Annotated

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

from nyhetsflyt.db.connect import connect, resolve_database_url
from nyhetsflyt.db.load import finish_run, record_failures, start_run
from nyhetsflyt.db.reenrich import count_stale, stale_article_ids
from nyhetsflyt.documents import Failure
from nyhetsflyt.nlp.model import load_nlp
from tasks.load import prepare_database
from tasks.reenrich import reenrich_batch


class ReenrichSummary(BaseModel):
    run_id: int
    model_name: str
    model_version: str
    candidates: int = 0  # articles that matched when the run started
    reenriched: int = 0
    failed: int = 0
    entities: int = 0
    quotes_attributed: int = 0
    failures: list[dict[str, str]] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return self.model_dump(include={"candidates", "reenriched", "failed", "entities", "quotes_attributed"})


@flow(name="reenrich")
def reenrich(
    model: str | None = None,
    batch_size: Annotated[int, Field(ge=1, le=5000)] = 100,
    only_older: bool = True,
    limit: Annotated[int | None, Field(ge=1)] = None,
) -> ReenrichSummary:
    """Re-run the NLP stage over stored articles (by default those another model made)."""
    logger = get_run_logger()
    _, info = load_nlp(model)
    prepare_database()
    url = resolve_database_url()
    with connect(url, autocommit=True) as conn:
        run_id = start_run(conn, "reenrich", flow_run.get_id())
        candidates = count_stale(conn, info.name, info.version, only_older)
    summary = ReenrichSummary(
        run_id=run_id, model_name=info.name, model_version=info.version,
        candidates=min(candidates, limit) if limit else candidates,
    )
    logger.info(
        "Re-enriching %d articles with %s %s%s", summary.candidates, info.name, info.version,
        " (degraded NER)" if info.degraded else "",
    )
    state = "failed"
    after_id = 0
    done = 0  # articles taken up so far
    try:
        while limit is None or done < limit:
            size = batch_size if limit is None else min(batch_size, limit - done)
            with connect(url, autocommit=True) as conn:
                ids = stale_article_ids(conn, info.name, info.version, only_older=only_older,
                                        after_id=after_id, limit=size)
            if not ids:
                break
            after_id = ids[-1]
            done += len(ids)
            batch = reenrich_batch(ids, model)
            summary.reenriched += batch.reenriched
            summary.entities += batch.entities
            summary.quotes_attributed += batch.quotes_attributed
            summary.failed += len(batch.failures)
            summary.failures.extend(batch.failures)
            for failure in batch.failures:
                logger.warning("Could not re-enrich %s: %s", failure["source"], failure["reason"])
            with connect(url, autocommit=True) as conn:
                record_failures(conn, run_id, [Failure(f["source"], f["stage"], f["reason"]) for f in batch.failures])
            logger.info("Re-enriched articles %d..%d: %d replaced, %d failed",
                        ids[0], ids[-1], batch.reenriched, len(batch.failures))
        state = "completed"
    finally:
        with connect(url, autocommit=True) as conn:
            finish_run(conn, run_id, state, {"articles_seen": done, "failed": summary.failed})
    create_table_artifact(
        key="reenrich-counts",
        table=[{"measure": k, "count": v} for k, v in summary.counts().items()],
        description=f"Re-enrichment with {info.name} {info.version}",
    )
    logger.info("Re-enriched %d articles with %s %s, %d failed",
                summary.reenriched, info.name, info.version, summary.failed)
    return summary
