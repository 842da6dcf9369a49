"""Canonical names within an article, on invented mentions."""

from __future__ import annotations

from nyhetsflyt.nlp.canonical import (
    Mention,
    allowed_distance,
    canonical_names,
    edit_distance,
    strip_genitive,
)


def test_genitive_stripped_when_the_base_form_occurs_in_the_article() -> None:
    mentions = [("Sverige", "GPE_LOC"), ("Sveriges", "GPE_ORG"), ("Kari Vikens", "PER"), ("Kari Viken", "PER")]
    assert canonical_names(mentions) == ["Sverige", "Sverige", "Kari Viken", "Kari Viken"]


def test_genitive_of_a_known_place_stripped_without_the_base_form() -> None:
    assert canonical_names([("Norges", "GPE_LOC"), ("Tysklands", "GPE_ORG")]) == ["Norge", "Tyskland"]


def test_acronym_and_apostrophe_genitives() -> None:
    assert strip_genitive("USAs") == "USA"
    assert strip_genitive("NTBs") == "NTB"
    assert strip_genitive("Paris'") == "Paris"
    assert strip_genitive("Nato's") == "Nato"


def test_names_that_end_in_s_by_themselves_are_kept() -> None:
    # Han and Pari occur as names, yet Hans and Paris are names of their own.
    mentions = [("Hans", "PER"), ("Han", "PER"), ("Paris", "GPE_LOC"), ("Pari", "GPE_LOC"), ("Nils", "PER")]
    assert canonical_names(mentions) == ["Hans", "Han", "Paris", "Pari", "Nils"]


def test_unknown_name_ending_in_s_kept_without_evidence() -> None:
    assert canonical_names([("Dagfinns", "PER")]) == ["Dagfinns"]
    assert strip_genitive("Dagfinns", present={"Berit"}) == "Dagfinns"


def test_lemma_decides_a_genitive() -> None:
    assert canonical_names([Mention("Dagfinns", "PER", "Dagfinn")]) == ["Dagfinn"]
    # A lemma in lower case says nothing about a name's capitals.
    assert canonical_names([Mention("Hans", "PER", "han")]) == ["Hans"]


def test_surname_and_genitive_surname_linked_to_the_full_name() -> None:
    mentions = [
        ("Ingrid Solbakken", "PER"),
        ("Solbakken", "PER"),
        ("Trond Mæland", "PER"),
        ("Solbakkens", "PER"),
        ("Mæland", "PER"),
    ]
    assert canonical_names(mentions) == [
        "Ingrid Solbakken",
        "Ingrid Solbakken",
        "Trond Mæland",
        "Ingrid Solbakken",
        "Trond Mæland",
    ]


def test_two_word_surname_linked() -> None:
    mentions = [("Jonas Gahr Støre", "PER"), ("Gahr Støre", "PER")]
    assert canonical_names(mentions) == ["Jonas Gahr Støre", "Jonas Gahr Støre"]


def test_surname_shared_by_two_people_stays_as_written() -> None:
    mentions = [("Eva Lunde", "PER"), ("Per Lunde", "PER"), ("Lunde", "PER")]
    assert canonical_names(mentions)[2] == "Lunde"


def test_surname_link_needs_a_person_on_both_sides() -> None:
    mentions = [("Denzel Washington", "PER"), ("Washington", "GPE_LOC")]
    assert canonical_names(mentions) == ["Denzel Washington", "Washington"]


def test_misspelling_linked_to_the_better_supported_name() -> None:
    mentions = [
        ("Ingrid Solbakken", "PER"),
        ("Solbakken", "PER"),
        ("Ingrid Solbaken", "PER"),
    ]
    assert canonical_names(mentions) == ["Ingrid Solbakken"] * 3


def test_misspelling_with_two_neighbours_stays_as_written() -> None:
    mentions = [("Ola Dahl", "PER"), ("Ola Dahl", "PER"), ("Ola Dahn", "PER"), ("Ola Dahn", "PER"), ("Ola Dahr", "PER")]
    assert canonical_names(mentions) == ["Ola Dahl", "Ola Dahl", "Ola Dahn", "Ola Dahn", "Ola Dahr"]


def test_short_names_are_not_matched_fuzzily() -> None:
    mentions = [("Iran", "GPE_LOC"), ("Iran", "GPE_LOC"), ("Irak", "GPE_LOC")]
    assert canonical_names(mentions) == ["Iran", "Iran", "Irak"]


def test_capitals_in_a_caption_label_meet_the_written_name() -> None:
    mentions = [("ERNA", "PER"), ("Erna Vik", "PER"), ("Vik", "PER"), ("VIK", "PER")]
    assert canonical_names(mentions) == ["ERNA", "Erna Vik", "Erna Vik", "Erna Vik"]


def test_a_place_tagged_two_ways_is_one_place() -> None:
    mentions = [("Tromsø", "GPE_LOC"), ("Tromsøs", "GPE_ORG")]
    assert canonical_names(mentions) == ["Tromsø", "Tromsø"]


def test_whitespace_and_quotes_around_names_cleaned() -> None:
    assert canonical_names([("«Nordlys»", "ORG"), ("Nordlys ", "ORG")]) == ["Nordlys", "Nordlys"]


def test_edit_distance() -> None:
    assert edit_distance("Solbakken", "Solbaken") == 1
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("abc", "abcdefgh", limit=2) == 3
    assert allowed_distance(4) == 0
    assert allowed_distance(8) == 1
    assert allowed_distance(14) == 2
