"""`nyhetsflyt quality`: each source's quality figures over its recent runs, with a trend per
figure, read from `news.source_quality` (the same rows the `source-quality` artifacts show)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from rich.console import Console
from rich.table import Table

from nyhetsflyt.db.connect import connect
from nyhetsflyt.db.quality import QualityRow, read_quality
from nyhetsflyt.quality.figures import FIGURES, LANGUAGE_PREFIX, figure_values, label_for, show
from nyhetsflyt.quality.report import FETCH_COLUMNS, describe_finding

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None]) -> str:
    """One block per run, scaled between the least and the greatest value shown."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = high - low
    return "".join(
        " " if v is None else SPARKS[0 if span == 0 else round((v - low) / span * (len(SPARKS) - 1))]
        for v in values)


def collect_quality(url: str, *, source: str | None, since: datetime | None, runs: int) -> list[QualityRow]:
    with connect(url) as conn:
        return read_quality(conn, source=source, since=since, last_runs=None if since else runs)


def quality_json(rows: Sequence[QualityRow]) -> str:
    return json.dumps({"rows": [row.as_json() for row in rows]}, ensure_ascii=False)


def _by_source(rows: Sequence[QualityRow]) -> dict[str, list[QualityRow]]:
    grouped: dict[str, list[QualityRow]] = {}
    for row in rows:
        grouped.setdefault(row.source, []).append(row)
    return grouped


def render_quality(rows: Sequence[QualityRow], console: Console) -> None:
    if not rows:
        console.print("No quality figures yet: they are measured at the end of every ingest run.")
        return
    for source, history in _by_source(rows).items():
        latest = history[-1]
        in_drift = {finding["figure"]: finding for finding in latest.drift}
        runs = f"{len(history)} run" + ("s" if len(history) != 1 else "")
        title = (f"[bold]{source}[/bold] · {runs}, latest run {latest.run_id} "
                 f"({latest.measured_at.astimezone():%Y-%m-%d %H:%M})")
        if in_drift:
            title += " · [bold red]⚠ DRIFT[/bold red]"
        table = Table("figure", "latest", "trend (oldest → latest)", "runs shown", "drift", title=title,
                      title_justify="left")
        values = [figure_values(row) for row in history]
        names = [figure.name for figure in FIGURES]
        names += sorted({name for v in values for name in v if name.startswith(LANGUAGE_PREFIX)})
        for name in names:
            series = [v.get(name, 0.0 if name.startswith(LANGUAGE_PREFIX) and row.articles else None)
                      for v, row in zip(values, history)]
            known = [v for v in series if v is not None]
            spread = f"{show(name, min(known))}–{show(name, max(known))}" if known else "–"
            finding = in_drift.get(name)
            table.add_row(label_for(name), show(name, series[-1]), sparkline(series), spread,
                          f"[red]{describe_finding(finding)}[/red]" if finding else "")
        for column, label in FETCH_COLUMNS:
            series_int = [float(getattr(row, column)) for row in history]
            table.add_row(label, str(getattr(latest, column)), sparkline(series_int),
                          f"{min(series_int):.0f}–{max(series_int):.0f}", "")
        console.print(table)
