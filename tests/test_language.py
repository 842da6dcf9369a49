"""Language identification (lingua, five languages and the rest) on paragraphs written for the tests,
and on the labelled set built from the shared data against its targets."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from nyhetsflyt.nlp.language import (
    FAMILY_CHARS,
    NORWEGIAN,
    LanguageIdentifier,
    detect_language,
    marker_counts,
)

BOKMAAL = (
    "Kommunestyret vedtok tirsdag å bygge en ny skole i bygda. Ordføreren sier at hun er glad "
    "for at det ble flertall, men at det ikke blir billig. Jeg tror de fleste er fornøyde, sa "
    "hun. Hva det vil koste, vet ingen ennå."
)
NYNORSK = (
    "Kommunestyret vedtok tysdag å byggje ein ny skule i bygda. Ordføraren seier at ho er glad "
    "for at det vart fleirtal, men at det ikkje blir billeg. Eg trur dei fleste er nøgde, sa "
    "ho. Kva det vil koste, veit ingen enno."
)
# Nynorsk with few of the common tell-tale words: lingua's n-grams have to carry it.
NYNORSK_PLAIN = (
    "Fiskarane på kysten fekk god pris for torsken i vinter, og båtane låg sjeldan til kai. "
    "Mange av dei unge vil no satse på fisket og kjøpe eigne fartøy før neste sesong."
)
ENGLISH = (
    "The council voted on Tuesday to build a new school in the village. The mayor said that she "
    "was pleased with the result, but that it would not be cheap for the town."
)
SWEDISH = (
    "Kommunfullmäktige beslutade på tisdagen att bygga en ny skola i byn. Kommunalrådet säger "
    "att hon är glad att det blev majoritet, men att det inte blir billigt. Jag tror att de "
    "flesta är nöjda, sade hon."
)
DANISH = (
    "Kommunalbestyrelsen besluttede tirsdag at bygge en ny skole i byen. Borgmesteren siger, at "
    "hun er glad for, at der blev flertal, men at det ikke bliver billigt. Det har kostet meget "
    "af hende, sagde hun."
)
GERMAN = (
    "Der Gemeinderat hat am Dienstag beschlossen, im Dorf eine neue Schule zu bauen. Die "
    "Bürgermeisterin sagt, sie freue sich über die Mehrheit, aber billig werde es nicht."
)
ICELANDIC = (
    "Sveitarstjórnin samþykkti á þriðjudag að byggja nýjan skóla í þorpinu. Bæjarstjórinn segir "
    "að hún sé ánægð með meirihlutann, en að það verði ekki ódýrt."
)


@pytest.mark.parametrize(
    ("text", "language"),
    [(BOKMAAL, "nb"), (NYNORSK, "nn"), (NYNORSK_PLAIN, "nn"), (ENGLISH, "en"), (SWEDISH, "sv"),
     (DANISH, "da"), (GERMAN, "other"), (ICELANDIC, "other")],
    ids=["nb", "nn", "nn-plain", "en", "sv", "da", "de", "is"],
)
def test_each_language_is_named(text: str, language: str) -> None:
    found, confidence = detect_language(text)
    assert found == language
    assert 0.5 < confidence <= 1


def test_only_bokmaal_and_nynorsk_are_norwegian() -> None:
    assert {"nb", "nn"} == NORWEGIAN
    assert {detect_language(text)[0] for text in (DANISH, SWEDISH, ENGLISH, GERMAN)}.isdisjoint(NORWEGIAN)


def test_marker_words_tip_bokmaal_against_nynorsk() -> None:
    assert marker_counts(BOKMAAL)[0] > marker_counts(BOKMAAL)[1]
    assert marker_counts(NYNORSK)[1] > marker_counts(NYNORSK)[0]
    # Without the marker words, lingua alone decides; with an absurd weight against the text's own
    # markers, they decide: the weight is what moves the choice.
    assert LanguageIdentifier(marker_weight=0.0).detect(NYNORSK).language == "nn"
    assert LanguageIdentifier(marker_weight=-50.0).detect(NYNORSK).language == "nb"


def test_a_long_text_is_read_from_its_beginning() -> None:
    # A Swedish article with an English reference list far below: its opening decides.
    text = SWEDISH + " " + " ".join([ENGLISH] * 40)
    assert len(SWEDISH) < FAMILY_CHARS < len(text)
    assert detect_language(text)[0] == "sv"


def test_no_words_at_all() -> None:
    assert detect_language("") == ("other", 0.0)
    assert detect_language("2024 – 17:30 · 3-1") == ("other", 0.0)


@pytest.mark.shared
def test_the_labelled_shared_set_meets_its_targets(shared_data: Path) -> None:
    from bench.language_set import MIN_WORDS, build_set

    paragraphs = build_set(shared_data)
    counts = Counter(p.language for p in paragraphs)
    assert all(p.words >= MIN_WORDS for p in paragraphs)
    # NorNE dev gives over a thousand paragraphs of each written standard; every label is present.
    assert counts["nb"] > 1000 and counts["nn"] > 800
    assert set(counts) == {"nb", "nn", "da", "sv", "en", "other"}
    found = [detect_language(p.text)[0] for p in paragraphs]
    right = sum(f == p.language for f, p in zip(found, paragraphs, strict=True))
    norwegian = [(f, p) for f, p in zip(found, paragraphs, strict=True) if p.language in NORWEGIAN]
    assert right / len(paragraphs) >= 0.98
    assert sum(f == p.language for f, p in norwegian) / len(norwegian) >= 0.95
    # No paragraph in another language is taken for Norwegian, so none would go through the model.
    assert not [p.text for f, p in zip(found, paragraphs, strict=True)
                if p.language not in NORWEGIAN and f in NORWEGIAN]
