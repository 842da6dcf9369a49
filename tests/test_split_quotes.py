"""Quotes in both written standards: dash and guillemet forms, speakers across paragraphs.

Invented sentences in Bokmål and Nynorsk; every speaker here is found by the splitter alone.
"""

from __future__ import annotations

import pytest

from nyhetsflyt.documents import Block, SourceDocument
from nyhetsflyt.extract.speech import NYNORSK_SPEECH_VERBS, SPEECH_VERBS, finite_verbs, particle_only_verbs
from nyhetsflyt.extract.split.splitter import find_quotes, find_quotes_in, intro_speaker, split_document


def article_quotes(*paragraphs: str) -> list[tuple[int, str, str | None]]:
    doc = SourceDocument(
        source_uri="test://sitat",
        source_format="plain_text",
        blocks=[Block("Tittel på saken", hint="title"), *(Block(text) for text in paragraphs)],
        raw_text="\n".join(paragraphs),
    )
    article = split_document(doc)
    return [(quote.position, quote.text, quote.speaker) for quote in article.quotes]


@pytest.mark.parametrize(
    ("line", "text", "speaker"),
    [
        ("– Dette er trist, seier ho.", "Dette er trist", "ho"),
        ("– Vi har ikkje fått svar, fortel Kari Nes.", "Vi har ikkje fått svar", "Kari Nes"),
        ("– Det er for seint no, meiner ordføraren.", "Det er for seint no", "ordføraren"),
        ("– Vi skal vinne, skriv Ola Bø på Facebook.", "Vi skal vinne", "Ola Bø"),
        ("– Og det er ikkje alt, legg han til.", "Og det er ikkje alt", "han"),
        ("– Vi gir oss ikkje, held ho fram.", "Vi gir oss ikkje", "ho"),
        ("– Kva skal vi gjere no? spør dei.", "Kva skal vi gjere no?", "dei"),
        ("– Det blir dyrt, understreker Per Li.", "Det blir dyrt", "Per Li"),
        ("– Det var en feil, påpeker hun.", "Det var en feil", "hun"),
    ],
)
def test_dash_quotes_in_both_standards(line: str, text: str, speaker: str) -> None:
    assert find_quotes(line, opens_with_quote=True) == [(text, speaker)]


@pytest.mark.parametrize(
    ("paragraph", "text", "speaker"),
    [
        ("«Vi er klare», sier Ola Dal.", "Vi er klare", "Ola Dal"),
        ("«Kva skal vi gjere no?» spør ho.", "Kva skal vi gjere no?", "ho"),
        ("Statsminister Kari Lie sier til NTB at «dette er en alvorlig situasjon».",
         "dette er en alvorlig situasjon", "Statsminister Kari Lie"),
        ("I ei pressemelding skriv politiet at «ingen er skadde».", "ingen er skadde", "politiet"),
        ("Ifølge Hansen er «situasjonen under kontroll».", "situasjonen under kontroll", "ifølge Hansen"),
        ("Ho sa: «Vi gir oss ikkje.»", "Vi gir oss ikkje.", "Ho"),
        ("Planen er «helt urealistisk og altfor dyr» for kommunen, sier Per Holm.",
         "helt urealistisk og altfor dyr", "Per Holm"),
        ("«Dette er ei stor sak for bygda». Det seier Ola Vik til NRK.", "Dette er ei stor sak for bygda", "Ola Vik"),
        ("Han kaller forslaget «et angrep på hele lokaldemokratiet».", "et angrep på hele lokaldemokratiet", "Han"),
        ("Reglane er «uklare og dårleg grunngjevne», som Kari Moe sa i fjor.",
         "uklare og dårleg grunngjevne", "Kari Moe"),
        ("Det står på sidene til Språkrådet, som fortel at «dei fleste skriv bokmål».",
         "dei fleste skriv bokmål", "Språkrådet"),
        ("Men det har, som han selv sa etter rennet, «ikke gått etter planen».", "ikke gått etter planen", "han"),
        ("I brevet krever laget at det «fastsettes et nytt oppgjør for alle».", "fastsettes et nytt oppgjør for alle",
         "laget"),
    ],
)
def test_guillemet_quotes_and_their_speakers(paragraph: str, text: str, speaker: str) -> None:
    assert find_quotes(paragraph, opens_with_quote=False) == [(text, speaker)]


def test_titles_terms_and_scare_quotes_are_not_quotes() -> None:
    assert find_quotes("Boka «Krig og fred» er lang.", opens_with_quote=False) == []
    # A short phrase reported in a clause is a term, not someone's words.
    assert find_quotes("Statsministeren sa at kunngjøringen er «et godt tegn».", opens_with_quote=False) == []
    assert find_quotes("Han sier at «dette» er feil.", opens_with_quote=False) == []


def test_guillemets_inside_a_dash_quote_belong_to_it() -> None:
    line = "– Vi sa: «Kom igjen, kom igjen», sier Per Holm."
    assert find_quotes(line, opens_with_quote=True) == [("Vi sa: «Kom igjen, kom igjen»", "Per Holm")]


def test_quote_offsets_point_at_the_words() -> None:
    text = "Ola Dal kom tidlig. «Vi er klare», sier han."
    (quote,) = find_quotes_in(text, opens_with_quote=False)
    assert text[quote.start : quote.end] == "Vi er klare"
    assert quote.form == "guillemet" and not quote.open_ended


def test_a_role_before_a_name_in_apposition() -> None:
    line = "– Dette er gledelege tal, seier studiedirektør ved HSF, Terje Bjelle, til avisa."
    assert find_quotes(line, opens_with_quote=True) == [("Dette er gledelege tal", "studiedirektør ved HSF, Terje Bjelle")]
    line = "– Det er vanskelig, sier advokat og politiker Kari Yam til Bloomberg."
    assert find_quotes(line, opens_with_quote=True) == [("Det er vanskelig", "advokat og politiker, Kari Yam")]
    # A name right after the role is the speaker as it stands.
    line = "– Det er vanskelig, sier leder Siri Dahl."
    assert find_quotes(line, opens_with_quote=True) == [("Det er vanskelig", "leder Siri Dahl")]


def test_particle_verbs_need_their_particle() -> None:
    assert particle_only_verbs()["held"] == frozenset({"fram"})
    # "legg i" is no speech verb: the clause names nobody.
    assert find_quotes("Det kan vere ulikt kva ein legg i at «boka er full av feil og manglar».",
                       opens_with_quote=False) == []


def test_the_tables_hold_each_standard() -> None:
    assert {"seier", "fortel", "meiner", "skriv", "legg til", "held fram"} <= set(NYNORSK_SPEECH_VERBS)
    assert {"sier", "forteller", "mener", "skriver", "legger til", "fortsetter", "understreker", "påpeker",
            "opplyser", "uttaler"} <= set(SPEECH_VERBS["nb"])
    assert {"seier", "sier", "legg", "held"} <= finite_verbs()


def test_intro_paragraph_names_the_speaker_of_the_next() -> None:
    assert intro_speaker("Etter møtet sa statsministeren til NTB:") == "statsministeren"
    assert intro_speaker("Kari Nes seier at saka er alvorleg. Det er likevel ein ting som gjer henne roleg:") == "Kari Nes"
    assert intro_speaker("Ho sa ingenting.") is None


def test_speakers_across_paragraphs() -> None:
    quotes = article_quotes(
        "Kari Nes er leiar i laget. Ho seier til avisa:",
        "– Vi har venta lenge på dette.",
        "– Og no er det endeleg klart, seier ho.",
        "– Men det kostar, held ho fram.",
        "– Kor mykje?",
        "Per Lund er uroleg.",
        "– Dette går ikkje.",
        "Det seier Per Lund til NRK.",
    )
    assert [(text, speaker) for _, text, speaker in quotes] == [
        ("Vi har venta lenge på dette.", "Ho"),  # introduced by the paragraph before
        ("Og no er det endeleg klart", "ho"),
        ("Men det kostar", "ho"),
        ("Kor mykje?", None),  # the interviewer's question
        ("Dette går ikkje.", "Per Lund"),  # named in the paragraph after
    ]


def test_an_answer_to_a_question_is_the_interviewees() -> None:
    quotes = article_quotes(
        "– Vi må byggje ny skule, seier Kari Nes.",
        "– Kor mykje vil det koste?",
        "– Om lag hundre millionar.",
    )
    assert [(text, speaker) for _, text, speaker in quotes] == [
        ("Vi må byggje ny skule", "Kari Nes"),
        ("Kor mykje vil det koste?", None),
        ("Om lag hundre millionar.", "Kari Nes"),
    ]


def test_a_guillemet_quote_over_two_paragraphs() -> None:
    quotes = article_quotes(
        "Rådmannen skreiv brevet i går.",
        "«Vi har ikkje pengar til alt dette no. Det er berre slik det er.",
        "«Difor må vi vente til neste år», skriv Ola Berg i brevet.",
    )
    assert [(text, speaker) for _, text, speaker in quotes] == [
        ("Vi har ikkje pengar til alt dette no. Det er berre slik det er.", "Ola Berg"),
        ("Difor må vi vente til neste år", "Ola Berg"),
    ]


def test_an_unattributed_question_does_not_take_the_next_speaker() -> None:
    quotes = article_quotes("Kari Nes svarte på spørsmål.", "– Kva skjer no?", "– Det veit vi ikkje, seier Kari Nes.")
    assert [(text, speaker) for _, text, speaker in quotes] == [
        ("Kva skjer no?", None),
        ("Det veit vi ikkje", "Kari Nes"),
    ]


def test_quotes_one_after_the_other_share_the_attribution() -> None:
    paragraph = "«Jeg spurte henne om det var annerledes». «Glem det», var svaret, forteller Per Holm."
    assert find_quotes(paragraph, opens_with_quote=False) == [
        ("Jeg spurte henne om det var annerledes", "Per Holm"),
        ("Glem det", "Per Holm"),
    ]
