"""Keyword ranking over invented lemma streams."""

from __future__ import annotations

from nyhetsflyt.nlp.keywords import Term, is_keyword_candidate, rank_keywords


def paragraph(*pairs: tuple[str, str]) -> list[Term]:
    return [Term(lemma, pos, "paragraph") for lemma, pos in pairs]


def test_only_nouns_names_and_adjectives_count() -> None:
    terms = paragraph(
        ("skole", "NOUN"), ("bygge", "VERB"), ("bygge", "VERB"), ("ny", "ADJ"),
        ("raskt", "ADV"), ("Bodø", "PROPN"), (".", "PUNCT"), ("3", "NUM"),
    )
    # "ny" is on spaCy's Norwegian stop list.
    assert rank_keywords(terms) == ["skole", "Bodø"]


def test_stop_words_and_punctuation_are_left_out() -> None:
    terms = paragraph(("år", "NOUN"), ("tid", "NOUN"), ("«", "NOUN"), ("-", "PROPN"), ("budsjett", "NOUN"))
    assert rank_keywords(terms) == ["budsjett"]
    assert not is_keyword_candidate(Term("Sted", "NOUN", "paragraph"))


def test_frequency_ranks_and_first_occurrence_breaks_ties() -> None:
    terms = paragraph(
        ("strøm", "NOUN"), ("pris", "NOUN"), ("pris", "NOUN"), ("nett", "NOUN"), ("strøm", "NOUN"),
        ("pris", "NOUN"), ("nett", "NOUN"),
    )
    assert rank_keywords(terms) == ["pris", "strøm", "nett"]


def test_title_and_lede_weigh_more_than_the_body() -> None:
    terms = [
        Term("havvind", "NOUN", "title"),
        Term("konsesjon", "NOUN", "lede"),
        *paragraph(("turbin", "NOUN"), ("turbin", "NOUN"), ("konsesjon", "NOUN"), ("turbin", "NOUN")),
    ]
    # havvind 1+2, konsesjon 1+1+1, turbin 3: ties go to the earlier one.
    assert rank_keywords(terms) == ["havvind", "konsesjon", "turbin"]


def test_common_words_meet_in_lower_case_and_names_keep_capitals() -> None:
    terms = [Term("Strøm", "NOUN", "title"), *paragraph(("strøm", "NOUN"), ("Statnett", "PROPN"))]
    assert rank_keywords(terms) == ["strøm", "Statnett"]


def test_at_most_top_n() -> None:
    terms = paragraph(*[(f"ord{letter}", "NOUN") for letter in "abcdefghijklmno"])
    assert len(rank_keywords(terms)) == 10
    assert rank_keywords(terms, top_n=3) == ["orda", "ordb", "ordc"]
