"""The shipped Norwegian pipeline: loads on its own, scores well on NorNE dev, finds the seed's names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from nyhetsflyt.nlp.evaluate import evaluate_conllu
from nyhetsflyt.paths import SEED_RELATIVE, SHIPPED_MODEL
from nyhetsflyt.settings import Settings

SHARED_DATA = Settings().shared_data
SEED_ARTICLE = SHARED_DATA / SEED_RELATIVE

NDT_DEV = SHARED_DATA / "norne" / "no_bokmaal-ndt-dev.conllu"
UD_DEV = SHARED_DATA / "norne" / "no_bokmaal-ud-dev.conllu"
NN_DEV = SHARED_DATA / "norne" / "no_nynorsk-ndt-dev.conllu"
# A little under what the shipped model scores on the first 200 Nynorsk dev sentences (see README).
NN_POS_FLOOR = 0.95
NN_LEMMA_FLOOR = 0.94
NN_ENTS_FLOOR = 0.70


@pytest.fixture(scope="module")
def nlp():
    return spacy.load(SHIPPED_MODEL)


def test_shipped_model_is_small_and_described(nlp):
    size = sum(f.stat().st_size for f in Path(SHIPPED_MODEL).rglob("*") if f.is_file())
    assert size <= 20 * 1024 * 1024
    meta = json.loads((SHIPPED_MODEL / "meta.json").read_text(encoding="utf-8"))
    assert meta["name"] == "nb_nyhetsflyt" and meta["lang"] == "nb"
    assert {d["role"] for d in meta["data"]} >= {"train", "dev"}
    assert meta["performance"]["ents_f"] > 0.7
    assert set(meta["performance_by_language"]) == {"nb", "nn"}
    assert {d["file"] for d in meta["data"] if d["role"] == "train"} == {
        "no_bokmaal-ndt-train.conllu", "no_nynorsk-ndt-train.conllu",
    }
    assert nlp.pipe_names == [
        "tok2vec", "morphologizer", "senter", "trainable_lemmatizer", "ner", "nyhetsflyt_entity_consistency",
    ]
    assert set(nlp.get_pipe("ner").labels) >= {"PER", "ORG", "LOC", "GPE_LOC", "GPE_ORG", "PROD", "EVT", "DRV"}


def test_invented_sentence_gets_every_annotation(nlp):
    doc = nlp("Statsminister Jonas Gahr Støre besøkte Equinor i Stavanger. Han snakket om strømprisene.")
    assert [s.text for s in doc.sents] == [
        "Statsminister Jonas Gahr Støre besøkte Equinor i Stavanger.",
        "Han snakket om strømprisene.",
    ]
    ents = {(e.text, e.label_) for e in doc.ents}
    assert ("Jonas Gahr Støre", "PER") in ents
    assert any(e.text == "Stavanger" and e.label_ in {"GPE_LOC", "LOC"} for e in doc.ents)
    by_text = {t.text: t for t in doc}
    assert by_text["besøkte"].pos_ == "VERB" and by_text["besøkte"].lemma_ == "besøke"
    assert by_text["strømprisene"].lemma_ == "strømpris"


@pytest.mark.shared
def test_dev_scores_on_first_200_sentences(nlp):
    scores = evaluate_conllu(NDT_DEV, nlp, limit=200)
    assert scores["sentences"] == 200
    assert scores["token_acc"] >= 0.99
    assert scores["pos_acc"] >= 0.94
    assert scores["lemma_acc"] >= 0.94
    assert scores["sents_f"] >= 0.85
    assert scores["ents_f"] >= 0.70
    assert scores["ents_per_type"]["PER"]["f"] >= 0.80


@pytest.mark.shared
def test_ud_dev_is_scored_with_its_own_spacing_and_features(nlp):
    scores = evaluate_conllu(UD_DEV, nlp, limit=200)
    assert scores["sentences"] == 200
    assert scores["token_acc"] >= 0.98
    # UD splits NDT's verb tag into VERB/AUX and adds NUM, which NDT training data lacks.
    assert scores["pos_acc"] >= 0.85
    assert scores["lemma_acc"] >= 0.94
    assert scores["ents_f"] >= 0.70


def test_invented_nynorsk_sentence(nlp):
    doc = nlp("Statsministeren møtte ordføraren i Bergen. Ho seier at kommunen ikkje har pengar.")
    assert len(list(doc.sents)) == 2
    assert any(e.text == "Bergen" and e.label_ in {"GPE_LOC", "LOC"} for e in doc.ents)
    by_text = {t.text: t for t in doc}
    assert by_text["seier"].pos_ == "VERB" and by_text["seier"].lemma_ == "seie"
    assert by_text["ikkje"].pos_ in {"ADV", "PART"}


@pytest.mark.shared
def test_nynorsk_dev_scores_on_first_200_sentences(nlp):
    scores = evaluate_conllu(NN_DEV, nlp, limit=200)
    assert scores["sentences"] == 200
    assert scores["token_acc"] >= 0.99
    assert scores["pos_acc"] >= NN_POS_FLOOR
    assert scores["lemma_acc"] >= NN_LEMMA_FLOOR
    assert scores["sents_f"] >= 0.85
    assert scores["ents_f"] >= NN_ENTS_FLOOR


@pytest.mark.shared
def test_seed_article_names(nlp):
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    docs = list(nlp.pipe(p.strip() for p in text.split("\n") if p.strip()))
    found = {(e.text, e.label_) for doc in docs for e in doc.ents}
    assert ("Vladimir Putin", "PER") in found
    assert ("Olaf Scholz", "PER") in found
    assert ("Nato", "ORG") in found
    for country in ("Russland", "Tyskland", "Ukraina"):
        labels = {label for name, label in found if name == country}
        assert labels & {"GPE_LOC", "GPE_ORG"}, (country, labels)
