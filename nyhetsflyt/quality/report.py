"""A run's quality table as Markdown, for the Prefect artifact `source-quality`: one line per
source, the figures as `nyhetsflyt quality` prints them, and the sources in drift marked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nyhetsflyt.quality.figures import FIGURES, label_for, show, show_languages

DRIFT_MARK = "⚠ DRIFT"
# Columns of the table besides the source and the drift: the figures, then the fetch errors.
FETCH_COLUMNS = (("fetches", "fetches"), ("fetch_4xx", "HTTP 4xx"), ("fetch_5xx", "HTTP 5xx"),
                 ("fetch_timeouts", "timeouts"), ("fetch_robots", "robots"),
                 ("fetch_other_errors", "other fetch errors"))
TABLE_FIGURES = tuple(f for f in FIGURES if f.name != "fetch_errors")


def describe_finding(finding: dict[str, Any]) -> str:
    """`words/article 54 (baseline 180, 120–240)` from a stored drift entry."""
    name, base = finding["figure"], finding["baseline"]
    low, high = show(name, max(base["low"], 0.0)), show(name, base["high"])
    return (f"{label_for(name)} {show(name, finding['value'])} "
            f"(baseline {show(name, base['median'])}, {low}–{high})")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def quality_markdown(rows: Sequence[Any], run_id: int, flow_name: str, mad_factor: float = 3.0) -> str:
    """The table of `news.source_quality` rows (with their `drift`) of one run."""
    drifting = [row for row in rows if row.drift]
    lines = [f"# Source quality of run {run_id} ({flow_name})", ""]
    if not rows:
        lines.append("No source brought anything in this run.")
        return "\n".join(lines) + "\n"
    lines.append(f"**{len(drifting)} of {len(rows)} sources in drift**: "
                 + ", ".join(f"`{row.source}`" for row in drifting) if drifting
                 else f"No source in drift ({len(rows)} sources).")
    lines.append("")
    header = ["source", *(f.label for f in TABLE_FIGURES), "languages", *(label for _, label in FETCH_COLUMNS),
              "drift"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for row in rows:
        source = f"**{DRIFT_MARK} {row.source}**" if row.drift else row.source
        cells = [source, *(show(f.name, getattr(row, f.name)) for f in TABLE_FIGURES),
                 show_languages(row.language_mix), *(str(getattr(row, name)) for name, _ in FETCH_COLUMNS),
                 "; ".join(describe_finding(f) for f in row.drift) or "–"]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines += ["", f"Baselines: the median of each source's recent runs, ± the larger of {mad_factor:g} "
              "scaled MADs and the figure's least change (docs/quality.md)."]
    return "\n".join(lines) + "\n"
