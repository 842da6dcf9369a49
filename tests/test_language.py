"""Language detection from marker words, on invented paragraphs."""

from __future__ import annotations

from nyhetsflyt.nlp.language import detect_language

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


def test_bokmaal() -> None:
    language, confidence = detect_language(BOKMAAL)
    assert language == "nb"
    assert confidence > 0.8


def test_nynorsk_is_told_from_bokmaal() -> None:
    language, confidence = detect_language(NYNORSK)
    assert language == "nn"
    assert confidence > 0.8


def test_english_swedish_and_danish_are_other() -> None:
    for text in (ENGLISH, SWEDISH, DANISH):
        language, confidence = detect_language(text)
        assert language == "other", text
        assert confidence > 0.5


def test_little_evidence_gives_little_confidence() -> None:
    short_language, short_confidence = detect_language("Hun kommer ikke.")
    _, long_confidence = detect_language(BOKMAAL)
    assert short_language == "nb"
    assert 0 < short_confidence < long_confidence


def test_no_evidence_at_all() -> None:
    assert detect_language("") == ("other", 0.0)
    assert detect_language("Oslo 2024 Bodø") == ("other", 0.0)
