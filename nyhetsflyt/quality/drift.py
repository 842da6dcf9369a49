"""Drift: a run's figures judged against the source's own history.

The baseline of a figure is the median of its values over the source's last N runs, and its
spread the median absolute deviation (MAD), scaled by 1.4826 so that it estimates a standard
deviation for normal data. Both ignore a single odd run, so one bad day neither moves the
baseline nor widens it. A value is in drift when it lies beyond `mad_factor` spreads from the
median in the direction the figure's rule watches, and beyond the rule's least change too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from statistics import median
from typing import Any

from nyhetsflyt.quality.figures import LANGUAGE_PREFIX, DriftRule, figure_values, rule_for

MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True, slots=True)
class Baseline:
    median: float
    mad: float
    low: float  # values below are a drop
    high: float  # values above are a surge
    runs: int  # history runs it was made from


@dataclass(frozen=True, slots=True)
class Finding:
    """A figure of one source outside its baseline in one run."""

    source: str
    figure: str
    value: float
    baseline: Baseline

    def as_json(self) -> dict[str, Any]:
        return {"figure": self.figure, "value": self.value, "baseline": asdict(self.baseline)}


@dataclass(frozen=True, slots=True)
class DriftSettings:
    history_runs: int = 10  # N: the last N runs make the baseline
    min_history: int = 3  # fewer usable runs than this: not judged yet
    mad_factor: float = 3.0


def baseline(values: Sequence[float], rule: DriftRule, mad_factor: float) -> Baseline:
    centre = median(values)
    mad = median(abs(value - centre) for value in values)
    tolerance = max(mad_factor * MAD_TO_SIGMA * mad, rule.min_relative * abs(centre), rule.min_absolute)
    return Baseline(centre, mad, centre - tolerance, centre + tolerance, len(values))


def outside(value: float, base: Baseline, rule: DriftRule) -> bool:
    if rule.direction in ("low", "both") and value < base.low:
        return True
    return rule.direction in ("high", "both") and value > base.high


def _usable(row: Any, rule: DriftRule) -> bool:
    count, least = rule.needs
    return getattr(row, count) >= least


def judge(current: Any, history: Sequence[Any], settings: DriftSettings) -> list[Finding]:
    """The figures of `current` (a news.source_quality row) outside the baseline of `history`
    (the same source's earlier rows, any order; only the last `history_runs` are used)."""
    recent = list(history)[-settings.history_runs:]
    now = figure_values(current)
    past = [(row, figure_values(row)) for row in recent]
    # A language absent from a run had a share of 0 there, when the run had articles at all.
    languages = {name for _, values in past for name in values
                 if name.startswith(LANGUAGE_PREFIX) and name not in now}
    for name in languages:
        now[name] = 0.0 if current.articles else None
    findings = []
    for name, value in sorted(now.items()):
        rule = rule_for(name)
        if rule is None or value is None or not _usable(current, rule):
            continue
        values = [_value_in(values, name, row) for row, values in past if _usable(row, rule)]
        usable = [v for v in values if v is not None]
        if len(usable) < settings.min_history:
            continue
        base = baseline(usable, rule, settings.mad_factor)
        if outside(value, base, rule):
            findings.append(Finding(current.source, name, value, base))
    return findings


def _value_in(values: dict[str, float | None], name: str, row: Any) -> float | None:
    if name in values:
        return values[name]
    # A language the row's articles did not have: share 0.
    return 0.0 if name.startswith(LANGUAGE_PREFIX) and row.articles else None
