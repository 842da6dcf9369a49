"""The quality figures of a source in a run, and how a change in each is judged: rules as data.

A rule says which way a figure may go wrong (`low`: a collapse, `high`: a surge, `both`), the
least change that counts (as a share of the baseline and in the figure's own unit, so a steady
source with no spread at all is not flagged for the smallest wobble) and how many articles (or
captions) a run needs before its figure means anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Direction = Literal["low", "high", "both"]


@dataclass(frozen=True, slots=True)
class DriftRule:
    direction: Direction
    min_relative: float  # least change that counts, as a share of the baseline median
    min_absolute: float  # least change that counts, in the figure's unit
    needs: tuple[str, int] = ("articles", 0)  # (count, least value) for the figure to be judged


@dataclass(frozen=True, slots=True)
class Figure:
    name: str  # the column of news.source_quality (or a sum of columns)
    label: str
    show: Callable[[float], str]
    rule: DriftRule | None = None


def _count(value: float) -> str:
    return f"{value:.0f}"


def _one_decimal(value: float) -> str:
    return f"{value:.1f}"


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


FIGURES: tuple[Figure, ...] = (
    Figure("articles", "articles", _count, DriftRule("low", 0.5, 3)),
    Figure("refused", "refused", _count),
    Figure("failed", "failed", _count, DriftRule("high", 1.0, 3)),
    Figure("words_per_article", "words/article", _count, DriftRule("low", 0.4, 20, ("articles", 2))),
    Figure("caption_share", "with captions", _percent, DriftRule("low", 0.5, 0.15, ("articles", 2))),
    Figure("credit_share", "captions credited", _percent, DriftRule("low", 0.5, 0.15, ("captions", 2))),
    Figure("entities_per_1000_words", "entities/1000 words", _one_decimal,
           DriftRule("low", 0.5, 5, ("articles", 2))),
    Figure("story_copy_share", "story copies", _percent),
    Figure("fetch_errors", "fetch errors", _count, DriftRule("high", 1.0, 3)),
)
BY_NAME = {figure.name: figure for figure in FIGURES}

# Each language's share of a run's articles ("language:nn"), whatever languages the rows hold.
LANGUAGE_PREFIX = "language:"
LANGUAGE_RULE = DriftRule("both", 0.0, 0.25, ("articles", 5))


def figure_values(row: Any) -> dict[str, float | None]:
    """A stored row's figures by name, language shares included."""
    values: dict[str, float | None] = {}
    for figure in FIGURES:
        value = getattr(row, figure.name)
        values[figure.name] = None if value is None else float(value)
    for language, share in language_shares(row.language_mix).items():
        values[LANGUAGE_PREFIX + language] = share
    return values


def language_shares(mix: dict[str, int]) -> dict[str, float]:
    total = sum(mix.values())
    return {language: count / total for language, count in sorted(mix.items())} if total else {}


def rule_for(name: str) -> DriftRule | None:
    if name.startswith(LANGUAGE_PREFIX):
        return LANGUAGE_RULE
    figure = BY_NAME.get(name)
    return figure.rule if figure else None


def label_for(name: str) -> str:
    if name.startswith(LANGUAGE_PREFIX):
        return f"share in {name[len(LANGUAGE_PREFIX):]}"
    return BY_NAME[name].label


def show(name: str, value: float | None) -> str:
    """A figure as the artifact and the command print it."""
    if value is None:
        return "–"
    if name.startswith(LANGUAGE_PREFIX):
        return _percent(value)
    return BY_NAME[name].show(value)


def show_languages(mix: dict[str, int]) -> str:
    shares = language_shares(mix)
    ordered = sorted(shares.items(), key=lambda item: (-item[1], item[0]))
    return " ".join(f"{language} {_percent(share)}" for language, share in ordered) or "–"
