"""The enrichment stage end to end on a hand-built batch, with whatever model load_nlp resolves."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from nyhetsflyt.documents import Article, Caption, Quote, Segment
from nyhetsflyt.nlp.consistency import COMPONENT_NAME as CONSISTENCY
from nyhetsflyt.nlp.enrich import ENRICHED_KINDS, enrich_articles
from nyhetsflyt.nlp.model import (
    DEGRADED_NAME,
    MODEL_ENV,
    ModelInfo,
    load_nlp,
    resolve_model_name,
)
from nyhetsflyt.paths import SHIPPED_MODEL
from nyhetsflyt.settings import Settings


def article(uri: str, segments: list[tuple[str, str]], captions: list[Caption], quotes: list[Quote]) -> Article:
    built = [Segment(position, kind, text, text) for position, (kind, text) in enumerate(segments)]
    title = next((s.text for s in built if s.kind == "title"), None)
    lede = next((s.text for s in built if s.kind == "lede"), None)
    body = "\n\n".join(s.text for s in built if s.kind in ("paragraph", "subheading", "quote"))
    return Article(uri, "plain_text", title, lede, body, built, captions, quotes, raw_text=body)


FERRY = article(
    "test://ferje",
    [
        ("title", "Ny ferjekai i Bodø"),
        ("lede", "Samferdselsminister Ingrid Solbakken åpnet tirsdag den nye ferjekaien i Bodø."),
        ("quote", "– Dette er en viktig dag for hele regionen, sa Solbakken."),
        ("caption", "ÅPNET: Ingrid Solbaken klipper snoren på kaien. Foto: Trond Mæland / NTB"),
        ("credit", "Foto: Per Kvam"),
        ("paragraph", "Solbakken sier at ferjekaien skal stå ferdig til sommeren. Hun ble møtt av demonstranter."),
        ("quote", "– Vi har ventet lenge på denne kaien, sa hun."),
        ("link", "LES OGSÅ: Ferjepriser øker"),
    ],
    [Caption(3, "ÅPNET", "Ingrid Solbaken klipper snoren på kaien.", ["Trond Mæland"], ["NTB"], "Foto: Trond Mæland / NTB")],
    [
        Quote(2, "Dette er en viktig dag for hele regionen", "Solbakken"),
        Quote(6, "Vi har ventet lenge på denne kaien", "hun"),
    ],
)
FISH = article(
    "test://fisk",
    [
        ("title", "Rekordeksport av laks"),
        ("paragraph", "Norge eksporterte mer laks enn noen gang i fjor. Sjømatrådet venter ny vekst i Japan."),
        ("subheading", "Høye priser"),
        ("paragraph", ""),
        ("paragraph", "Norges laksepriser har aldri vært høyere, ifølge rådet."),
    ],
    [],
    [],
)


@pytest.fixture(scope="module")
def enriched():
    nlp, info = load_nlp()
    return enrich_articles([FERRY, FISH], nlp, info, batch_size=4), info


def test_one_enrichment_per_article_with_the_model_recorded(enriched) -> None:
    results, info = enriched
    assert len(results) == 2
    for result in results:
        assert result.model_name == info.name
        assert result.model_version == info.version
        assert result.ner_degraded == info.degraded


def test_sentences_slice_their_segment_exactly(enriched) -> None:
    results, _ = enriched
    for source, result in zip((FERRY, FISH), results, strict=True):
        texts = {segment.position: segment.text for segment in source.segments}
        assert [sentence.index for sentence in result.sentences] == list(range(len(result.sentences)))
        for sentence in result.sentences:
            assert texts[sentence.segment_position][sentence.start : sentence.end] == sentence.text
            assert len(sentence.tokens) == len(sentence.lemmas) == len(sentence.pos) > 0
    ferry_sentences = results[0].sentences
    assert sum(sentence.segment_position == 5 for sentence in ferry_sentences) == 2


def test_credit_link_and_empty_segments_are_not_analysed(enriched) -> None:
    results, _ = enriched
    kinds = {segment.position: segment.kind for segment in FERRY.segments}
    positions = {sentence.segment_position for sentence in results[0].sentences}
    assert {kinds[position] for position in positions} <= ENRICHED_KINDS
    assert positions == {0, 1, 2, 3, 5, 6}
    assert 3 not in {sentence.segment_position for sentence in results[1].sentences}


def test_entities_keep_their_segment_and_offsets(enriched) -> None:
    results, _ = enriched
    texts = {segment.position: segment for segment in FERRY.segments}
    entities = results[0].entities
    for entity in entities:
        segment = texts[entity.segment_position]
        assert entity.segment_kind == segment.kind
        assert segment.text[entity.start : entity.end] == entity.text
        sentence = results[0].sentences[entity.sentence_index]
        assert sentence.segment_position == entity.segment_position
        assert sentence.start <= entity.start < sentence.end
    caption_entities = [entity for entity in entities if entity.segment_kind == "caption"]
    assert [entity.canonical for entity in caption_entities if entity.label == "PER"] == ["Ingrid Solbakken"]
    # The photo credit is kept in Caption, not counted among the people in the story.
    assert "Trond Mæland" not in {entity.text for entity in entities}
    assert {entity.canonical for entity in entities if entity.text == "Solbakken"} == {"Ingrid Solbakken"}


def test_genitive_place_gets_its_base_name(enriched) -> None:
    results, _ = enriched
    norway = [entity for entity in results[1].entities if entity.text in ("Norge", "Norges")]
    assert {entity.text for entity in norway} == {"Norge", "Norges"}
    assert {entity.canonical for entity in norway} == {"Norge"}


def test_quotes_resolved_to_the_person(enriched) -> None:
    results, _ = enriched
    assert [(quote.speaker, quote.speaker_canonical) for quote in results[0].quotes] == [
        ("Solbakken", "Ingrid Solbakken"),
        ("hun", "Ingrid Solbakken"),
    ]
    assert results[1].quotes == []


def test_keywords_and_language(enriched) -> None:
    results, _ = enriched
    ferry, fish = results
    assert ferry.language == fish.language == "nb"
    assert 0 < ferry.language_confidence <= 1
    assert 0 < len(ferry.keywords) <= 10
    assert "ferjekai" in ferry.keywords[:3]
    assert "laks" in fish.keywords[:3]


def test_empty_batch() -> None:
    nlp, info = load_nlp()
    assert enrich_articles([], nlp, info) == []


def test_degraded_pipeline_says_so() -> None:
    nlp, info = load_nlp(DEGRADED_NAME)
    assert info.degraded and info.name == DEGRADED_NAME and info.path is None
    assert load_nlp(DEGRADED_NAME)[0] is nlp  # loaded once per process
    result = enrich_articles([FERRY], nlp, info)[0]
    assert result.ner_degraded
    assert "ferjekai" in result.sentences[0].lemmas


def test_model_name_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert resolve_model_name("nb_core_news_lg") == "nb_core_news_lg"
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "modell"))
    assert resolve_model_name(Settings().spacy_model) == str(tmp_path / "modell")
    monkeypatch.delenv(MODEL_ENV)
    assert resolve_model_name(Settings().spacy_model) in (str(SHIPPED_MODEL), DEGRADED_NAME)
    assert resolve_model_name("annen") == "annen"
    with pytest.raises(OSError):
        load_nlp(str(tmp_path / "finnes-ikke"))


@pytest.mark.shared
def test_seed_article(seed_path: Path) -> None:
    from nyhetsflyt.extract.split import split_document
    from nyhetsflyt.sources.folder import read_file

    seed = split_document(read_file(seed_path).documents[0])
    nlp, info = load_nlp()
    result = enrich_articles([seed], nlp, info)[0]
    by_text = {(entity.segment_kind, entity.text): entity.canonical for entity in result.entities}
    assert by_text[("caption", "Vladimir Puting")] == "Vladimir Putin"
    assert {canonical for (kind, text), canonical in by_text.items() if text in ("Russlands", "Tysklands")} == {
        "Russland",
        "Tyskland",
    }
    assert by_text[("paragraph", "Scholz")] == "Olaf Scholz"
    assert all(quote.speaker_canonical == "Vladimir Putin" for quote in result.quotes)
    assert len(result.quotes) >= 2
    assert result.language == "nb"


def test_a_name_keeps_one_label_across_the_segments_of_an_article() -> None:
    # A rule pipeline with fixed, inconsistent labels, so only the article-level pass can fix them.
    nlp = spacy.blank("nb")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("entity_ruler").add_patterns([
        {"label": "PER", "pattern": "Mari Sandvold"},
        {"label": "ORG", "pattern": [{"TEXT": "Sandvold"}]},
    ])
    nlp.add_pipe(CONSISTENCY)
    story = article(
        "test://sandvold",
        [("title", "Mari Sandvold vant"), ("paragraph", "Sandvold jublet etter målgang."),
         ("caption", "SEIER: Sandvold og Mari Sandvold på pallen.")],
        [], [],
    )
    result = enrich_articles([story], nlp, ModelInfo("blank:nb", spacy.__version__, False, None))[0]
    labels = [(e.segment_kind, e.text, e.label, e.canonical) for e in result.entities]
    assert labels == [
        ("title", "Mari Sandvold", "PER", "Mari Sandvold"),
        ("paragraph", "Sandvold", "PER", "Mari Sandvold"),
        ("caption", "Sandvold", "PER", "Mari Sandvold"),
        ("caption", "Mari Sandvold", "PER", "Mari Sandvold"),
    ]


def test_a_caption_label_is_not_read_as_a_name() -> None:
    # Rules that would tag the labels if the model saw them; the label is structure, not text.
    nlp = spacy.blank("nb")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("entity_ruler").add_patterns([
        {"label": "ORG", "pattern": "MØTE"},
        {"label": "ORG", "pattern": "PUTIN"},
        {"label": "PER", "pattern": "Olaf Scholz"},
        {"label": "PER", "pattern": "Vladimir Putin"},
    ])
    captions = [
        Caption(1, "MØTE", "Olaf Scholz møtte pressen.", ["Per Kvam"], ["NTB"], "Foto: Per Kvam / NTB"),
        Caption(2, "MØTTE PUTIN", "Olaf Scholz i møte med Vladimir Putin.", [], [], None),
        Caption(3, None, "MØTE med Olaf Scholz.", [], [], None),
    ]
    story = article(
        "test://etikett",
        [("title", "Olaf Scholz i Moskva"),
         ("caption", "MØTE: Olaf Scholz møtte pressen. Foto: Per Kvam / NTB"),
         ("caption", "MØTTE PUTIN:  Olaf Scholz i møte med Vladimir Putin."),
         ("caption", "MØTE med Olaf Scholz.")],
        captions, [],
    )
    result = enrich_articles([story], nlp, ModelInfo("blank:nb", spacy.__version__, False, None))[0]
    found = [(e.segment_position, e.text, e.label) for e in result.entities]
    assert found == [
        (0, "Olaf Scholz", "PER"),
        (1, "Olaf Scholz", "PER"),
        (2, "Olaf Scholz", "PER"),
        (2, "Vladimir Putin", "PER"),
        (3, "MØTE", "ORG"),  # no label here: the caption's own words are read as they stand
        (3, "Olaf Scholz", "PER"),
    ]
    texts = {segment.position: segment.text for segment in story.segments}
    for entity in result.entities:
        assert texts[entity.segment_position][entity.start : entity.end] == entity.text
    caption_sentences = [s for s in result.sentences if s.segment_position == 2]
    assert [texts[2][s.start : s.end] for s in caption_sentences] == [s.text for s in caption_sentences]
    assert caption_sentences[0].text.startswith("Olaf Scholz")


SWEDISH_STORY = article(
    "test://svensk",
    [("title", "Ny skola i byn"),
     ("paragraph", "Kommunfullmäktige beslutade på tisdagen att bygga en ny skola i byn. Kommunalrådet "
                   "Anna Lindqvist säger att hon är glad att det blev majoritet."),
     ("quote", "– Det här är en viktig dag för hela kommunen, säger Lindqvist.")],
    [], [Quote(2, "Det här är en viktig dag för hela kommunen", "Lindqvist")],
)
ENGLISH_STORY = article(
    "test://engelsk",
    [("title", "New school for the village"),
     ("paragraph", "The council voted on Tuesday to build a new school in the village. The mayor said "
                   "that she was pleased with the result, but that it would not be cheap.")],
    [], [],
)


def test_only_norwegian_articles_go_through_the_model() -> None:
    seen: list[str] = []

    @spacy.Language.component("record_texts")
    def record_texts(doc):  # type: ignore[no-untyped-def]
        seen.append(doc.text)
        return doc

    nlp = spacy.blank("nb")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("record_texts")
    info = ModelInfo("blank:nb", spacy.__version__, False, None)
    swedish, ferry, english = enrich_articles([SWEDISH_STORY, FERRY, ENGLISH_STORY], nlp, info)
    assert seen and all(any(text in s.text for s in FERRY.segments) for text in seen)
    assert (swedish.language, english.language, ferry.language) == ("sv", "en", "nb")
    assert ferry.ner_run and not swedish.ner_run and not english.ner_run
    for foreign in (swedish, english):
        assert foreign.sentences == [] and foreign.entities == [] and foreign.keywords == []
        assert foreign.language_confidence > 0.5
        assert foreign.model_name == "blank:nb"
    # The quote as the splitter found it stays, with no speaker resolved by a model.
    assert [(q.text, q.speaker, q.speaker_canonical) for q in swedish.quotes] == [
        ("Det här är en viktig dag för hela kommunen", "Lindqvist", None)]
    assert ferry.sentences
