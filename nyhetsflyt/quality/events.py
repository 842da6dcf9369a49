"""The Prefect events a run's source quality emits, on one resource per source; the automations
(`nyhetsflyt/app/automations.py`) match the same names."""

from __future__ import annotations

PUBLISHED_EVENT = "nyhetsflyt.source.published"  # a run brought new articles from the source
DRIFT_EVENT = "nyhetsflyt.source.drift"  # a figure of the source fell outside its baseline
SOURCE_RESOURCE_PREFIX = "nyhetsflyt.source."
SOURCE_RESOURCES = SOURCE_RESOURCE_PREFIX + "*"


def source_resource(source: str) -> dict[str, str]:
    return {"prefect.resource.id": SOURCE_RESOURCE_PREFIX + source, "prefect.resource.name": source,
            "prefect.resource.role": "news-source"}
