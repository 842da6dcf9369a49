"""Drift against a source's own history: a rolling median and MAD, judged per figure's rule."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from nyhetsflyt.quality.drift import DriftSettings, baseline, judge
from nyhetsflyt.quality.figures import FIGURES, figure_values, rule_for, show
from nyhetsflyt.quality.report import DRIFT_MARK, quality_markdown

SETTINGS = DriftSettings(history_runs=10, min_history=3, mad_factor=3.0)


def row(run_id: int = 1, source: str = "nettavis.no", *, articles: int = 15, words: float | None = 180.0,
        caption_share: float | None = 0.8, captions: int = 12, credit_share: float | None = 1.0,
        entities: float | None = 40.0, languages: dict[str, int] | None = None, failed: int = 0,
        fetch_4xx: int = 0, drift: list | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        run_id=run_id, source=source, articles=articles, refused=0, failed=failed, words_per_article=words,
        caption_share=caption_share, captions=captions, credit_share=credit_share,
        entities_per_1000_words=entities, language_mix=languages if languages is not None else {"nb": articles},
        story_copy_share=None, fetch_errors=fetch_4xx, fetches=articles + 1, fetch_4xx=fetch_4xx,
        fetch_5xx=0, fetch_timeouts=0, fetch_robots=0, fetch_other_errors=0, drift=drift or [])


def steady_history(n: int = 10) -> list[SimpleNamespace]:
    # Real sources wobble: a few articles and words more or less from run to run.
    return [row(i, articles=15 + (i % 3) - 1, words=180.0 + 6 * ((i % 5) - 2),
                caption_share=0.8 + 0.05 * ((i % 3) - 1)) for i in range(1, n + 1)]


def figures_of(findings) -> set[str]:
    return {f.figure for f in findings}


def test_a_steady_run_is_not_in_drift():
    assert judge(row(11, articles=15, words=184.0), steady_history(), SETTINGS) == []


def test_one_odd_run_neither_moves_nor_widens_the_baseline():
    values = [100.0, 102.0, 98.0, 101.0, 99.0]
    with_odd = [100.0, 102.0, 98.0, 5.0, 99.0]  # one run where something went wrong
    rule = rule_for("words_per_article")
    assert rule is not None
    clean, odd = baseline(values, rule, 3.0), baseline(with_odd, rule, 3.0)
    assert clean.median == 100.0 and odd.median == 99.0
    assert odd.mad == clean.mad == 1.0
    # A mean and standard deviation would have moved by 19 and widened past 40.
    history = [row(i, words=w) for i, w in enumerate(with_odd, 1)]
    assert judge(row(6, words=97.0), history, SETTINGS) == []
    assert figures_of(judge(row(6, words=30.0), history, SETTINGS)) == {"words_per_article"}


def test_volume_drop_and_word_collapse_are_named_with_value_and_baseline():
    findings = judge(row(11, articles=3, words=54.0), steady_history(), SETTINGS)
    assert figures_of(findings) == {"articles", "words_per_article"}
    words = next(f for f in findings if f.figure == "words_per_article")
    assert words.value == 54.0 and words.source == "nettavis.no"
    assert words.baseline.median == 180.0 and words.baseline.runs == 10
    assert words.baseline.low > 54.0
    stored = words.as_json()
    assert stored["figure"] == "words_per_article" and stored["baseline"]["median"] == 180.0


def test_lost_captions_and_credits():
    lost = judge(row(11, caption_share=0.1, captions=2, credit_share=0.0), steady_history(), SETTINGS)
    assert figures_of(lost) == {"caption_share", "credit_share"}


def test_a_language_mix_shift_whatever_the_languages_are_called():
    history = [row(i, articles=20, languages={"nn": 15, "nb": 5}) for i in range(1, 8)]
    # The detector starts calling Nynorsk something else: nn falls, a new label appears.
    shifted = judge(row(8, articles=20, languages={"other": 14, "nb": 5, "nn": 1}), history, SETTINGS)
    assert figures_of(shifted) == {"language:nn", "language:other"}
    steady = judge(row(8, articles=20, languages={"nn": 14, "nb": 6}), history, SETTINGS)
    assert steady == []


def test_too_little_history_or_too_few_articles_is_not_judged():
    assert judge(row(3, articles=1, words=10.0), steady_history(2), SETTINGS) == []
    # One article cannot say much about words per article; the volume drop still counts.
    findings = judge(row(11, articles=1, words=10.0), steady_history(), SETTINGS)
    assert figures_of(findings) == {"articles"}


def test_failures_and_fetch_errors_surge():
    findings = judge(row(11, failed=9, fetch_4xx=12), steady_history(), SETTINGS)
    assert figures_of(findings) == {"failed", "fetch_errors"}


def test_only_the_last_n_runs_make_the_baseline():
    old = [row(i, words=400.0) for i in range(1, 11)]
    recent = [row(i, words=180.0) for i in range(11, 14)]
    assert judge(row(14, words=180.0), old + recent, DriftSettings(history_runs=3)) == []
    assert figures_of(judge(row(14, words=180.0), old + recent, DriftSettings(history_runs=10))) == {
        "words_per_article"}


@pytest.mark.parametrize("name,value,shown", [
    ("articles", 15.0, "15"), ("caption_share", 0.8, "80%"), ("entities_per_1000_words", 41.26, "41.3"),
    ("language:nn", 0.25, "25%"), ("story_copy_share", None, "–")])
def test_figures_are_shown_one_way(name, value, shown):
    assert show(name, value) == shown


def test_the_artifact_marks_the_sources_in_drift():
    current = row(11, articles=3, words=54.0)
    current.drift = [f.as_json() for f in judge(current, steady_history(), SETTINGS)]
    calm = row(11, source="annen.no")
    text = quality_markdown([calm, current], run_id=11, flow_name="ingest-web")
    lines = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    assert f"**{DRIFT_MARK} nettavis.no**" in lines
    assert "annen.no" in lines and DRIFT_MARK not in lines["annen.no"]
    assert "words/article 54 (baseline 180" in lines[f"**{DRIFT_MARK} nettavis.no**"]
    assert "1 of 2 sources in drift" in text


def test_every_figure_has_a_value_in_a_row():
    values = figure_values(row())
    assert {f.name for f in FIGURES} <= set(values)
    assert values["language:nb"] == 1.0
