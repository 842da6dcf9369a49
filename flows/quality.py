"""A run's source quality, told where operators look: Prefect events and a Markdown artifact.

Every source a run touched gets its row in `news.source_quality`. Then, per source:
    nyhetsflyt.source.published   it brought new articles (the silent-source automation waits
                                  for the next one of these)
    nyhetsflyt.source.drift       one per figure outside the source's baseline: the source, the
                                  figure, the value and the baseline
and the run publishes the table as the artifact `source-quality`, sources in drift marked.
"""

from __future__ import annotations

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.events import emit_event
from prefect.runtime import flow_run

from nyhetsflyt.db.quality import QualityRow
from nyhetsflyt.quality.events import DRIFT_EVENT, PUBLISHED_EVENT, source_resource
from nyhetsflyt.quality.figures import label_for
from nyhetsflyt.quality.report import describe_finding, quality_markdown
from nyhetsflyt.settings import Settings
from tasks.quality import measure_source_quality

ARTIFACT_KEY = "source-quality"


def _related() -> list[dict[str, str]]:
    run_id = flow_run.get_id()
    if not run_id:
        return []
    return [{"prefect.resource.id": f"prefect.flow-run.{run_id}", "prefect.resource.role": "flow-run"}]


def publish_source_quality(run_id: int, flow_name: str, settings: Settings) -> list[QualityRow]:
    logger = get_run_logger()
    rows = measure_source_quality(run_id, flow_name, settings)
    related = _related()
    for row in rows:
        if row.articles:
            emit_event(PUBLISHED_EVENT, source_resource(row.source), related=related,
                       payload={"source": row.source, "run_id": run_id, "articles": row.articles})
        for finding in row.drift:
            logger.warning("Source %s in drift: %s", row.source, describe_finding(finding))
            emit_event(DRIFT_EVENT, source_resource(row.source), related=related, payload={
                "source": row.source, "run_id": run_id, "figure": finding["figure"],
                "label": label_for(finding["figure"]), "value": finding["value"],
                "baseline": finding["baseline"]})
    create_markdown_artifact(
        key=ARTIFACT_KEY, markdown=quality_markdown(rows, run_id, flow_name, settings.quality_mad_factor),
        description="Quality figures per source of this run, sources in drift marked")
    return rows
