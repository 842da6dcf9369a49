"""One label per name within a document, on invented sentences with hand-set model output."""

from __future__ import annotations

import spacy
from spacy.tokens import Doc, Span

from nyhetsflyt.nlp.consistency import (
    COMPONENT_NAME,
    TokenSpan,
    consistent_mentions,
    make_consistent,
)

nlp = spacy.blank("nb")


def doc_with(text: str, ents: list[tuple[str, str]]) -> Doc:
    """``text`` with the given (mention text, label) pairs as entities, first match each."""
    doc = nlp(text)
    spans, used = [], set()
    for mention, label in ents:
        words = mention.split()
        for i in range(len(doc) - len(words) + 1):
            if [t.text for t in doc[i:i + len(words)]] == words and i not in used:
                spans.append(Span(doc, i, i + len(words), label=label))
                used.update(range(i, i + len(words)))
                break
        else:
            raise AssertionError(f"{mention!r} not in {text!r}")
    doc.ents = spans
    return doc


def labels(doc: Doc) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in doc.ents]


def test_surname_of_a_full_name_outvotes_a_stray_label() -> None:
    doc = doc_with(
        "Sigrun Havdal la fram planen i går . Havdal vil ha svar . Senere svarte Havdal Nordvik .",
        [("Sigrun Havdal", "PER"), ("Havdal", "ORG"), ("Havdal", "PROD"), ("Nordvik", "GPE_LOC")],
    )
    make_consistent([doc])
    assert labels(doc) == [("Sigrun Havdal", "PER"), ("Havdal", "PER"), ("Havdal", "PER"), ("Nordvik", "GPE_LOC")]


def test_genitive_surname_follows_the_full_name() -> None:
    doc = doc_with("Ola Brekkestad er leder . Brekkestads forslag faller .", [("Ola Brekkestad", "PER"), ("Brekkestads", "ORG")])
    make_consistent([doc])
    assert labels(doc) == [("Ola Brekkestad", "PER"), ("Brekkestads", "PER")]


def test_missed_surname_becomes_a_person() -> None:
    doc = doc_with("Kari Lindtvedt kom sent . – Vi venter , sier Lindtvedt .", [("Kari Lindtvedt", "PER")])
    make_consistent([doc])
    assert labels(doc) == [("Kari Lindtvedt", "PER"), ("Lindtvedt", "PER")]


def test_majority_of_plain_mentions_wins_and_a_tie_changes_nothing() -> None:
    majority = doc_with(
        "Vellumo kjøper . Vellumo selger . Vellumo tjener .",
        [("Vellumo", "ORG"), ("Vellumo", "ORG"), ("Vellumo", "PER")],
    )
    make_consistent([majority])
    assert [label for _, label in labels(majority)] == ["ORG", "ORG", "ORG"]
    tie = doc_with("Vellumo kjøper . Vellumo selger .", [("Vellumo", "ORG"), ("Vellumo", "PROD")])
    make_consistent([tie])
    assert [label for _, label in labels(tie)] == ["ORG", "PROD"]


def test_country_as_place_and_as_actor_is_left_to_the_model() -> None:
    ents = [("Norge", "GPE_LOC"), ("Norge", "GPE_LOC"), ("Norge", "GPE_ORG")]
    doc = doc_with("Norge er kaldt . Norge er vakkert . Norge protesterer .", ents)
    make_consistent([doc])
    assert labels(doc) == ents


def test_words_that_are_not_names_are_never_added() -> None:
    # "vik" in lower case and the initial "Li" are not the surnames Vik and Li.
    mentions = [TokenSpan(0, 2, "PER"), TokenSpan(3, 5, "PER")]
    words = ["Per", "Vik", "og", "Anne", "Li", "så", "en", "vik", "og", "Li", "."]
    assert consistent_mentions(words, mentions) == mentions


def test_across_the_segments_of_one_article() -> None:
    title = doc_with("Tor Eikrem går av", [("Tor Eikrem", "PER")])
    caption = doc_with("AVGANG : Eikrem i Stortinget .", [("Stortinget", "ORG")])
    make_consistent([title, caption])
    assert labels(title) == [("Tor Eikrem", "PER")]
    assert labels(caption) == [("Eikrem", "PER"), ("Stortinget", "ORG")]


def test_pipeline_component_runs_after_the_entities() -> None:
    pipeline = spacy.blank("nb")
    ruler = pipeline.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "PER", "pattern": "Mari Sandvold"},
        {"label": "ORG", "pattern": [{"TEXT": "Sandvold"}]},
    ])
    pipeline.add_pipe(COMPONENT_NAME)
    doc = pipeline("Mari Sandvold vant . Sandvold jublet .")
    assert labels(doc) == [("Mari Sandvold", "PER"), ("Sandvold", "PER")]
