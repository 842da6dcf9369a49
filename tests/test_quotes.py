"""Quote speakers resolved to people named in the article, on invented mentions and tagged words."""

from __future__ import annotations

import spacy
from spacy.tokens import Doc

from nyhetsflyt.documents import Quote
from nyhetsflyt.nlp.quotes import (
    NamedMention,
    is_collective,
    is_role,
    names_in_full,
    resolve_name,
    resolve_quotes,
    speaker_name,
    subject_by_position,
)


def person(position: int, start: int, text: str, canonical: str, kind: str = "paragraph",
           is_subject: bool | None = None) -> NamedMention:
    return NamedMention(position, start, text, "PER", canonical, kind, is_subject)


ARTICLE_PEOPLE = [
    person(0, 0, "Ingrid Solbakken", "Ingrid Solbakken", kind="lede"),
    NamedMention(0, 30, "Bodø", "GPE_LOC", "Bodø", "lede"),
    person(2, 12, "Trond Mæland", "Trond Mæland"),
    NamedMention(3, 40, "NTB", "ORG", "NTB", "paragraph"),
]


def speakers(quotes: list[Quote], mentions: list[NamedMention] = ARTICLE_PEOPLE) -> list[str | None]:
    return [quote.speaker_canonical for quote in resolve_quotes(quotes, mentions)]


def test_surname_speaker_resolves_to_the_full_name() -> None:
    assert speakers([Quote(1, "Vi må handle nå", "Solbakken")]) == ["Ingrid Solbakken"]


def test_pronoun_resolves_to_the_most_recent_person_before_the_quote() -> None:
    quotes = [Quote(1, "Vi må handle nå", "hun"), Quote(4, "Det er for tidlig", "han")]
    assert speakers(quotes) == ["Ingrid Solbakken", "Trond Mæland"]


def test_pronoun_after_a_named_quote_is_that_speaker() -> None:
    quotes = [Quote(3, "Dette er galt", "Solbakken"), Quote(5, "Vi gir oss ikke", "hun")]
    # Mæland (position 2) comes before Solbakken's quote (position 3).
    assert speakers(quotes) == ["Ingrid Solbakken", "Ingrid Solbakken"]


def test_people_inside_quotes_and_captions_do_not_take_a_pronoun() -> None:
    mentions = [
        person(0, 0, "Ingrid Solbakken", "Ingrid Solbakken"),
        person(1, 5, "Trond Mæland", "Trond Mæland", kind="quote"),
        person(2, 0, "Per Kvam", "Per Kvam", kind="caption"),
    ]
    assert speakers([Quote(3, "Jeg står ved det", "hun")], mentions) == ["Ingrid Solbakken"]


def test_with_a_parser_only_subjects_take_a_pronoun() -> None:
    mentions = [
        person(0, 0, "Ingrid Solbakken", "Ingrid Solbakken", is_subject=True),
        person(0, 40, "Trond Mæland", "Trond Mæland", is_subject=False),
    ]
    assert speakers([Quote(1, "Jeg står ved det", "hun")], mentions) == ["Ingrid Solbakken"]


def test_nynorsk_pronoun() -> None:
    assert speakers([Quote(1, "Me må gjere noko", "ho")]) == ["Ingrid Solbakken"]


def test_unresolvable_speakers() -> None:
    quotes = [
        Quote(0, "Ingen har sagt noe", "han"),  # nobody named before it
        Quote(1, "Vi er enige", "de"),  # a group
        Quote(2, "Hvem sendte dette?", None),  # an unattributed question is the interviewer's
        Quote(3, "Det er alvorlig", "Den tyske statsministeren"),
    ]
    assert speakers(quotes) == [None, None, None, None]


def test_title_and_organisation_around_a_name() -> None:
    assert speaker_name("seniorrådgiver Martin Bernsen i PST") == "Martin Bernsen"
    assert speaker_name("ifølge nyhetsbyrået NTB") == "NTB"
    assert speaker_name("Den tyske statsministeren") is None
    assert speaker_name("forsker Ursula von Berg ved Nord universitet") == "Ursula von Berg"


def test_named_speaker_not_among_entities_kept_as_written() -> None:
    quotes = [Quote(1, "Vi følger situasjonen", "seniorrådgiver Martin Bernsen i PST")]
    assert speakers(quotes) == ["Martin Bernsen"]


def test_source_with_ifolge_resolves_to_the_organisation() -> None:
    assert speakers([Quote(4, "Tallet er økende", "ifølge NTB")]) == ["NTB"]


def test_misspelled_and_genitive_speaker_names() -> None:
    assert resolve_name("Solbaken", ARTICLE_PEOPLE) == "Ingrid Solbakken"
    assert resolve_name("Ingrid Solbakkens", ARTICLE_PEOPLE) == "Ingrid Solbakken"
    assert resolve_name("MÆLAND", ARTICLE_PEOPLE) == "Trond Mæland"


def test_owner_before_a_title_is_not_the_speaker() -> None:
    assert speaker_name("Bergens ordfører Marte Lie") == "Marte Lie"
    assert speaker_name("Lie i Høyre") == "Lie"


def test_a_role_resolves_to_the_person_named_before() -> None:
    assert speakers([Quote(4, "Vi gir oss ikke", "treneren")]) == ["Trond Mæland"]
    assert speakers([Quote(1, "Me held fram", "statsråden")]) == ["Ingrid Solbakken"]
    assert is_role("Høyre-representanten") and is_role("den nye ordføraren") and is_role("24-åringen")
    assert not is_role("Solbakken") and not is_role("politiet") and not is_role("han")


def test_a_body_named_by_what_it_is_resolves_to_the_organisation_before() -> None:
    assert is_collective("avisen") and is_collective("Hongkong-avisen") and not is_collective("treneren")
    assert speakers([Quote(4, "Tallene er usikre", "nyhetsbyrået")]) == ["NTB"]


def test_a_surname_resolves_to_the_full_name_given_once() -> None:
    mentions = [*ARTICLE_PEOPLE, person(5, 0, "Kari Vik", "Kari Vik"), person(6, 0, "Vik", "Vik")]
    assert speakers([Quote(7, "Det stemmer", "Vik")], mentions) == ["Kari Vik"]


def test_a_person_named_inside_the_attribution_is_the_speaker() -> None:
    quotes = [Quote(4, "Vi er fornøyde", "sponsorsjef i NTB, Trond Mæland")]
    assert speakers(quotes) == ["Trond Mæland"]


def test_names_inside_a_quote_do_not_take_a_pronoun() -> None:
    # "Ingrid Solbakken sa det. «Trond Mæland tar feil», sier hun." in one paragraph.
    mentions = [person(1, 0, "Ingrid Solbakken", "Ingrid Solbakken"), person(1, 27, "Trond Mæland", "Trond Mæland")]
    assert speakers([Quote(1, "Trond Mæland tar feil", "hun", start=27, end=48)], mentions) == ["Ingrid Solbakken"]


def test_subject_by_word_order_without_a_parser() -> None:
    nlp = spacy.blank("nb")
    nlp.add_pipe("sentencizer")

    def tagged(words: list[str], pos: list[str]) -> Doc:
        doc = Doc(nlp.vocab, words=words, pos=pos)
        return nlp.get_pipe("sentencizer")(doc)

    doc = tagged(["Etter", "møtet", "sa", "Kari", "Vik", "at", "Per", "Lie", "kommer", "."],
                 ["ADP", "NOUN", "VERB", "PROPN", "PROPN", "SCONJ", "PROPN", "PROPN", "VERB", "PUNCT"])
    assert subject_by_position(doc[3:5]) is True  # right after the finite verb
    assert subject_by_position(doc[6:8]) is False  # in the clause after it
    doc = tagged(["Kari", "Vik", "vil", "å", "si", "noe", "til", "Per", "Lie", "."],
                 ["PROPN", "PROPN", "VERB", "PART", "VERB", "PRON", "ADP", "PROPN", "PROPN", "PUNCT"])
    assert subject_by_position(doc[0:2]) is True  # opens the sentence
    assert subject_by_position(doc[7:9]) is False
    assert subject_by_position(nlp("Kari Vik kom")[0:2]) is None  # no tags: nothing can be told


def test_an_unattributed_quote_goes_on_from_the_person_before() -> None:
    assert speakers([Quote(3, "Vi ser på saken", None)]) == ["Trond Mæland"]
    assert speakers([Quote(3, "Hva skjer nå?", None)]) == [None]


def test_a_surname_is_completed_from_the_given_names_before_it() -> None:
    nlp = spacy.blank("nb")
    words = ["Pittsburghs", "Mason", "Rudolph", "møtte", "statsminister", "Erna", "Solberg", "og", "Vik", "."]
    pos = ["PROPN", "PROPN", "PROPN", "VERB", "NOUN", "PROPN", "PROPN", "CCONJ", "PROPN", "PUNCT"]
    doc = Doc(nlp.vocab, words=words, pos=pos, ents=["B-GPE_LOC", "B-PER", "I-PER", "O", "O", "O", "B-PER", "O",
                                                      "B-PER", "O"])
    assert names_in_full([doc], {"Rudolph", "Solberg", "Vik"}) == {"Rudolph": "Mason Rudolph", "Solberg": "Erna Solberg"}
    mentions = [person(0, 0, "Solberg", "Solberg")]
    resolved = resolve_quotes([Quote(1, "Vi skal beklage", "Solberg")], mentions, full_names={"Solberg": "Erna Solberg"})
    assert resolved[0].speaker_canonical == "Erna Solberg"
