from __future__ import annotations

from pathlib import Path

import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from nyhetsflyt.nlp.norne import (
    conllu_to_docs,
    convert_file,
    entity_spans,
    group_sentences,
    normalise_lemma,
    parse_conllu,
    read_conllu,
    sentences_to_doc,
    spaces_after,
)

MINI = Path(__file__).parent / "fixtures" / "norne" / "mini.conllu"


@pytest.fixture(scope="module")
def sentences():
    return read_conllu(MINI)


def test_parse_reads_sentences_comments_and_columns(sentences):
    assert [len(s.tokens) for s in sentences] == [8, 10, 8]
    assert sentences[0].text is None
    assert sentences[2].text == "Ola (45) heier på Brann."
    assert sentences[2].starts_paragraph and not sentences[1].starts_paragraph
    first = sentences[0].tokens[2]
    assert (first.form, first.lemma, first.upos, first.xpos, first.head, first.deprel) == (
        "flyttet", "flytte", "VERB", "verb", 0, "root")
    assert sentences[2].tokens[4].feats == "Mood=Ind|Tense=Pres|VerbForm=Fin"
    assert sentences[0].tokens[0].feats == ""


def test_parse_skips_multiword_ranges_and_rejects_broken_lines():
    text = "1-2\tdu\t_\t_\t_\t_\t_\t_\t_\t_\n1\td\td\tX\t_\t_\t0\troot\t_\tname=O\n2\tu\tu\tX\t_\t_\t1\tdep\t_\tname=O\n"
    (sentence,) = parse_conllu(text)
    assert [t.form for t in sentence.tokens] == ["d", "u"]
    with pytest.raises(ValueError):
        parse_conllu("1\tbare\tto\n")


def test_spacing_is_rebuilt_for_ndt_sentences_and_kept_for_ud(sentences):
    ndt = sentences[1]
    spaces = spaces_after(ndt)
    rebuilt = "".join(t.form + (" " if s else "") for t, s in zip(ndt.tokens, spaces)).strip()
    assert rebuilt == "Hun jobber i Fjordkraft, sier «Dagsrevyen»."
    ud = sentences[2]
    rebuilt = "".join(t.form + (" " if s else "") for t, s in zip(ud.tokens, spaces_after(ud))).strip()
    assert rebuilt == ud.text


def test_entity_spans_from_bio_and_repairs_orphan_inside(sentences):
    assert entity_spans(sentences[0]) == [(0, 2, "PER"), (4, 5, "GPE_LOC")]
    assert entity_spans(sentences[1]) == [(3, 4, "ORG"), (7, 8, "PROD")]
    # "Brann" is tagged I-ORG without a B-ORG before it: it still becomes an entity.
    assert entity_spans(sentences[2]) == [(0, 1, "PER"), (6, 7, "ORG")]


def test_punctuation_lemmas_become_the_token():
    assert normalise_lemma(",", "$,") == ","
    assert normalise_lemma("«", '$"') == "«"
    assert normalise_lemma("flyttet", "flytte") == "flytte"
    assert normalise_lemma("$", "$") == "$"


def test_doc_carries_every_annotation_across_sentences(sentences):
    doc = sentences_to_doc(Vocab(), sentences)
    assert len(doc) == 26
    assert [s.text for s in doc.sents] == [
        "Kari Nordmann flyttet til Bergen i fjor.",
        "Hun jobber i Fjordkraft, sier «Dagsrevyen».",
        "Ola (45) heier på Brann.",
    ]
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Kari Nordmann", "PER"), ("Bergen", "GPE_LOC"), ("Fjordkraft", "ORG"),
        ("Dagsrevyen", "PROD"), ("Ola", "PER"), ("Brann", "ORG"),
    ]
    assert doc[2].lemma_ == "flytte" and doc[2].pos_ == "VERB" and doc[2].tag_ == "verb"
    assert doc[2].dep_ == "ROOT" and doc[0].head.i == 2 and doc[1].head.i == 0
    # Heads in later sentences point inside their own sentence.
    assert doc[8].head.i == 9 and doc[9].dep_ == "ROOT"
    assert doc[7].lemma_ == "."
    assert str(doc[22].morph) == "Mood=Ind|Tense=Pres|VerbForm=Fin"


def test_grouping_limits_sentences_per_doc(sentences):
    many = [sentences[0]] * 7
    assert [len(g) for g in group_sentences(many, per_doc=3)] == [3, 3, 1]
    docs = conllu_to_docs(many, Vocab(), per_doc=3)
    assert [len(list(d.sents)) for d in docs] == [3, 3, 1]


def test_convert_file_writes_a_docbin(tmp_path):
    destination = tmp_path / "corpus" / "mini.spacy"
    assert convert_file(MINI, destination, per_doc=2) == 2
    vocab = Vocab()
    docs = list(DocBin().from_disk(destination).get_docs(vocab))
    assert sum(len(d) for d in docs) == 26
    assert [e.text for d in docs for e in d.ents][:2] == ["Kari Nordmann", "Bergen"]
