"""Measure a run's sources and judge each against its own history (one task run per run)."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from nyhetsflyt.db.connect import connect, resolve_database_url
from nyhetsflyt.db.quality import QualityRow, measure_run, save_drift, source_history
from nyhetsflyt.quality.drift import DriftSettings, judge
from nyhetsflyt.settings import Settings


def drift_settings(settings: Settings) -> DriftSettings:
    return DriftSettings(settings.quality_baseline_runs, settings.quality_min_history,
                         settings.quality_mad_factor)


@task(name="measure-source-quality", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def measure_source_quality(run_id: int, flow_name: str, settings: Settings) -> list[QualityRow]:
    """Store the run's `news.source_quality` rows with the figures found in drift."""
    judging = drift_settings(settings)
    with connect(resolve_database_url(settings), autocommit=True) as conn:
        rows = measure_run(conn, run_id, flow_name)
        for row in rows:
            history = source_history(conn, row.source, run_id, judging.history_runs)
            row.drift = [finding.as_json() for finding in judge(row, history, judging)]
            save_drift(conn, run_id, row.source, row.drift)
    return rows
