"""Quote speakers on the hand-checked set of quotes from the shared texts (bench/data/quote_speakers.tsv).

The target is 90% right for each form. The dash form meets it; the guillemet form does not yet
(see bench/quote_speakers.py --show-wrong), so its floor guards what has been reached.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.quote_speakers import measure, read_gold
from nyhetsflyt.nlp.model import resolve_model_name

pytestmark = pytest.mark.shared

TARGET = 0.90
# Reached so far, with the shipped model; raise as the guillemet form improves.
GUILLEMET_FLOOR = 0.75


def test_the_set_holds_both_forms_and_both_standards() -> None:
    gold = read_gold()
    assert len(gold) >= 150
    assert {(quote.form, quote.standard) for quote in gold} == {
        ("dash", "nb"), ("dash", "nn"), ("guillemet", "nb"), ("guillemet", "nn")}
    assert all(quote.start < quote.end and quote.speaker for quote in gold)


def test_speaker_accuracy_per_form(shared_data: Path) -> None:
    result = measure(resolve_model_name(), shared_data)
    tally = result["tally"]
    share = {form: tally[form][0] / tally[form][1] for form in ("dash", "guillemet")}
    print(f"\nquote speakers right: dash {share['dash']:.1%}, guillemet {share['guillemet']:.1%}")
    assert share["dash"] >= TARGET, result["wrong"]
    assert share["guillemet"] >= GUILLEMET_FLOOR, result["wrong"]
