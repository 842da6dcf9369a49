"""The clean-and-split stage: golden articles and the rules behind them.

Golden fixtures live in tests/fixtures/split: NAME.txt (invented Norwegian news text) beside
NAME.expected.json (title, lede, segment kinds and texts, captions, quotes). A file whose first
line is a ` date …` header is crawl text (blocks separated by blank lines); any other file is
plain text (one block per line, the first line hinted as title).

NYHETSFLYT_UPDATE_GOLDEN=1 rewrites the expected files; read the diff before keeping it.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from nyhetsflyt.documents import Block, SourceDocument
from nyhetsflyt.extract.credits import parse_credit
from nyhetsflyt.extract.split.splitter import (
    EXTRACTOR_VERSION,
    find_quote,
    find_quotes,
    is_bare_credit,
    split_captions,
    split_document,
)
from nyhetsflyt.text import clean, clean_text

FIXTURES = Path(__file__).parent / "fixtures" / "split"
GOLDEN_NAMES = sorted(path.stem for path in FIXTURES.glob("*.txt"))
_DATE_HEADER = re.compile(r"^ date (\d{4})-(\d{2})(?:-(\d{2}))? ?\n?")


def read_fixture(path: Path) -> SourceDocument:
    """A throwaway reader for the two text formats; CRLF is left in place on purpose."""
    text = path.read_bytes().decode("utf-8")
    header = _DATE_HEADER.match(text)
    if header:
        year, month, day = header.groups()
        blocks = [Block(block) for block in re.split(r"\r?\n\s*\r?\n", text[header.end() :]) if block.strip()]
        return SourceDocument(
            source_uri=str(path),
            source_format="crawl_text",
            blocks=blocks,
            raw_text=text,
            published=datetime(int(year), int(month), int(day or 1), tzinfo=timezone.utc),
            published_precision="day" if day else "month",
        )
    blocks = [Block(line) for line in re.split(r"\r?\n", text) if line.strip()]
    blocks[0].hint = "title"
    return SourceDocument(source_uri=str(path), source_format="plain_text", blocks=blocks, raw_text=text)


def golden_view(path: Path) -> dict:
    article = split_document(read_fixture(path))
    return {
        "title": article.title,
        "lede": article.lede,
        "segments": [[segment.kind, segment.text] for segment in article.segments],
        "captions": [
            {
                "position": caption.position,
                "label": caption.label,
                "text": caption.text,
                "photographers": caption.photographers,
                "agencies": caption.agencies,
                "credit_raw": caption.credit_raw,
            }
            for caption in article.captions
        ],
        "quotes": [
            {"position": quote.position, "text": quote.text, "speaker": quote.speaker} for quote in article.quotes
        ],
    }


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden_article(name: str) -> None:
    source = FIXTURES / f"{name}.txt"
    expected_path = FIXTURES / f"{name}.expected.json"
    actual = golden_view(source)
    if os.environ.get("NYHETSFLYT_UPDATE_GOLDEN") == "1":
        expected_path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert actual["segments"] == expected["segments"]
    assert actual == expected


def test_every_fixture_has_an_expected_file() -> None:
    assert len(GOLDEN_NAMES) >= 3
    for name in GOLDEN_NAMES:
        assert (FIXTURES / f"{name}.expected.json").exists(), name


# -- properties every golden article must have ---------------------------------------------------


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_body_holds_no_captions_credits_links_or_bylines(name: str) -> None:
    article = split_document(read_fixture(FIXTURES / f"{name}.txt"))
    body_texts = set(article.body.split("\n\n"))
    for segment in article.segments:
        if segment.kind in ("caption", "credit", "link", "byline", "title"):
            assert segment.text not in body_texts, segment
    assert "Foto:" not in article.body and "FOTO:" not in article.body
    assert "\u00ad" not in article.body and "\u00a0" not in article.body and "\r" not in article.body


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_raw_is_the_source_text_and_text_is_its_cleaned_form(name: str) -> None:
    doc = read_fixture(FIXTURES / f"{name}.txt")
    article = split_document(doc)
    assert article.raw_text == doc.raw_text
    assert article.extractor_version == EXTRACTOR_VERSION != ""
    assert [segment.position for segment in article.segments] == list(range(len(article.segments)))
    for segment in article.segments:
        assert segment.raw and segment.raw in doc.raw_text, segment
        if segment.kind not in ("quote", "credit"):  # a quote's credit is cut off its line
            assert segment.text == clean_text(segment.raw), segment
    for caption in article.captions:
        assert article.segments[caption.position].kind in ("caption", "credit")
    for quote in article.quotes:
        assert article.segments[quote.position].kind in ("quote", "paragraph", "lede")


def test_crawl_metadata_is_copied_over() -> None:
    doc = read_fixture(FIXTURES / "sorg_i_bygda.txt")
    doc.authors = ["Ola Nordmann"]
    doc.tags = ["Stranda"]
    doc.external_id = "abc123"
    article = split_document(doc)
    assert article.published == datetime(2024, 5, 14, tzinfo=timezone.utc)
    assert article.published_precision == "day"
    assert (article.authors, article.tags, article.external_id) == (["Ola Nordmann"], ["Stranda"], "abc123")
    assert article.source_format == "crawl_text"


# -- normalisation -----------------------------------------------------------------------------------


def test_clean_removes_soft_hyphens_and_no_break_spaces_and_composes() -> None:
    raw = "  Vind\u00adkraft\u00a0i\r\n Nord-Norge og  Tromsø\u202f– e\u0301n gang \u200b"
    cleaned = clean(raw)
    assert cleaned.text == "Vindkraft i Nord-Norge og Tromsø – én gang"
    assert cleaned.raw_slice(0, 9) == "Vind\u00adkraft"
    assert cleaned.raw_slice(len(cleaned.text) - 7, len(cleaned.text)) == "e\u0301n gang"


# -- credits and captions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credit", "photographers", "agencies"),
    [
        ("Foto: Mikhail Klimentyev / AP / NTB", ["Mikhail Klimentyev"], ["AP", "NTB"]),
        ("FOTO: Ekornesvåg, Svein Ove / NTB scanpix", ["Svein Ove Ekornesvåg"], ["NTB scanpix"]),
        ("FOTO: Foto: Ørjan Li / NTB scanpix", ["Ørjan Li"], ["NTB scanpix"]),
        ("(Foto: Tone Berg/AP/NTB Scanpix)", ["Tone Berg"], ["AP", "NTB scanpix"]),
        ("FOTO: BERIT ROALD/NTB SCANPIX", ["Berit Roald"], ["NTB scanpix"]),
        ("Foto: NTB scanpix", [], ["NTB scanpix"]),
        ("FOTO: MATHIAS MANDL / GEPA PICTURES", ["Mathias Mandl"], ["GEPA pictures"]),
        ("Foto: Geir Dahl / Fjordposten", ["Geir Dahl"], ["Fjordposten"]),
        ("Foto: Kari Lie / Pool / AP / NTB scanpix", ["Kari Lie"], ["Pool", "AP", "NTB scanpix"]),
        ("FOTO: Arkivfoto: Per Moe / NTB scanpix", ["Per Moe"], ["NTB scanpix"]),
        ("Foto: Lise Holm, TT", ["Lise Holm"], ["TT"]),
        ("Foto: Ola Bakken (Scanpix)", ["Ola Bakken"], ["NTB scanpix"]),
        ("Ness, Jan Kåre / NTB scanpix", ["Jan Kåre Ness"], ["NTB scanpix"]),
    ],
)
def test_parse_credit(credit: str, photographers: list[str], agencies: list[str]) -> None:
    parsed = parse_credit(credit)
    assert (parsed.photographers, parsed.agencies) == (photographers, agencies)
    assert parsed.raw == clean_text(credit)


def test_split_captions_trailing_credit_with_label() -> None:
    line = "MØTE: Statsministeren møtte tirsdag ordføreren i Fjordvik. Foto: Ola Bakken / AP / NTB"
    [caption] = split_captions(line)
    assert caption.label == "MØTE"
    assert caption.text == "Statsministeren møtte tirsdag ordføreren i Fjordvik."
    assert caption.credit is not None and caption.credit.raw == "Foto: Ola Bakken / AP / NTB"
    assert (caption.start, caption.end) == (0, len(line))


def test_split_captions_several_on_one_line_and_trailing_more() -> None:
    line = "Havna i Fjordvik. (Foto: Tone Li) Kaia etter stormen. (Foto: Ola Bakken/NTB Scanpix) Mer..."
    first, second = split_captions(line)
    assert (first.text, first.credit.photographers) == ("Havna i Fjordvik.", ["Tone Li"])
    assert (second.text, second.credit.agencies) == ("Kaia etter stormen.", ["NTB scanpix"])
    assert line[second.start : second.end] == "Kaia etter stormen. (Foto: Ola Bakken/NTB Scanpix)"


def test_split_captions_leading_credits() -> None:
    line = "FOTO: Kari Lie / Reuters Ferja la til kai. FOTO: Per Moe TIL HAVS: Fiskebåten forlater havna."
    first, second = split_captions(line)
    assert (first.text, first.credit.photographers, first.credit.agencies) == ("Ferja la til kai.", ["Kari Lie"], ["Reuters"])
    assert (second.label, second.text, second.credit.photographers) == ("TIL HAVS", "Fiskebåten forlater havna.", ["Per Moe"])


def test_split_captions_leading_credit_followed_by_agency_and_text() -> None:
    [caption] = split_captions("FOTO: AP / NTB scanpix Presidenten vinker til folkemengden.")
    assert caption.credit is not None and caption.credit.agencies == ["AP", "NTB scanpix"]
    assert caption.text == "Presidenten vinker til folkemengden."


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Ness, Jan Kåre / NTB scanpix", True),
        ("JOEL HANSEN / BILDBYRÅN", True),
        ("Ola Bakken / AP / NTB scanpix", True),
        ("Ap/Sp-regjeringen sprekker", False),
        ("Toget gikk fra Oslo/Akershus til Bergen i går.", False),
    ],
)
def test_is_bare_credit(line: str, expected: bool) -> None:
    assert is_bare_credit(line) is expected


# -- quotes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "text", "speaker"),
    [
        ("– Vi ønsker selvsagt ikke krig, sa Putin.", "Vi ønsker selvsagt ikke krig", "Putin"),
        (
            "– Det er en fare for vold. Han blir bortvist, sier seniorrådgiver Ola Berg i PST til NTB.",
            "Det er en fare for vold. Han blir bortvist",
            "seniorrådgiver Ola Berg i PST",
        ),
        ("– Min klient bestrider dette, sier han.", "Min klient bestrider dette", "han"),
        ("– Hvorfor skal vi vente? spør Kari.", "Hvorfor skal vi vente?", "Kari"),
        ("- Vi er klare, forteller operasjonsleder Per Moe i Oslo politidistrikt lørdag.", "Vi er klare", "operasjonsleder Per Moe i Oslo politidistrikt"),
        ("— Det går bra, legger hun til.", "Det går bra", "hun"),
        ("– Det gikk fint, sier hun lattermildt.", "Det gikk fint", "hun"),
        ("– Vi er klare, sa Ola Berg foran kampen.", "Vi er klare", "Ola Berg"),
        ("– Vi gir oss aldri", "Vi gir oss aldri", None),
    ],
)
def test_find_quote(line: str, text: str, speaker: str | None) -> None:
    assert find_quote(line) == (text, speaker)


def test_find_quote_needs_a_dash() -> None:
    assert find_quote("Vi ønsker ikke krig, sa Putin.") is None


def test_quotes_inside_a_paragraph_need_an_attribution() -> None:
    paragraph = "OSLO (NTB) Regjeringen la fram planen. – Dette er et løft, sier statsråd Eva Dal. Planen koster 2 – 3 milliarder."
    assert find_quotes(paragraph, opens_with_quote=False) == [("Dette er et løft", "statsråd Eva Dal")]
    assert find_quotes("Han svarte kort: – Nei.", opens_with_quote=False) == []


def test_two_quotes_in_one_quote_segment() -> None:
    line = "– Vi er klare, sa Putin. – Men vi venter på svar, la han til."
    assert find_quotes(line, opens_with_quote=True) == [("Vi er klare", "Putin"), ("Men vi venter på svar", "han")]


# -- hinted blocks (HTML, JSON Lines) -------------------------------------------------------------------


def test_hinted_blocks_are_trusted_and_the_source_title_is_used() -> None:
    doc = SourceDocument(
        source_uri="https://example.no/nyhet/1",
        source_format="html",
        title="Ferja\u00a0innstilt",
        blocks=[
            Block("Ferja mellom Fjordvik og Nesøy er innstilt på grunn av uvær.", hint="lede"),
            Block("VENTER: Passasjerer på kaia.", hint="caption", credit="Foto: Kari Lie / NTB"),
            Block("", hint="credit", credit="Foto: Per Moe"),
            Block("Rederiet håper å komme i gang igjen i morgen.", hint="paragraph"),
            Block("Stille på kaia", hint="subheading"),
            Block("– Vi følger med på værmeldingen, sier driftssjef Ola Berg.", hint="paragraph"),
            Block("Av Kari Nordmann", hint="byline"),
        ],
        raw_text="<html>…</html>",
    )
    article = split_document(doc)
    assert article.title == "Ferja innstilt"
    assert [segment.kind for segment in article.segments] == [
        "title", "lede", "caption", "credit", "paragraph", "subheading", "quote", "byline",
    ]
    assert article.lede == "Ferja mellom Fjordvik og Nesøy er innstilt på grunn av uvær."
    caption, credit = article.captions
    assert (caption.label, caption.text, caption.photographers, caption.agencies) == (
        "VENTER", "Passasjerer på kaia.", ["Kari Lie"], ["NTB"],
    )
    assert (credit.text, credit.photographers, credit.credit_raw) == ("", ["Per Moe"], "Foto: Per Moe")
    assert article.quotes[0].speaker == "driftssjef Ola Berg"
    assert article.body.split("\n\n") == [
        "Ferja mellom Fjordvik og Nesøy er innstilt på grunn av uvær.",
        "Rederiet håper å komme i gang igjen i morgen.",
        "Stille på kaia",
        "– Vi følger med på værmeldingen, sier driftssjef Ola Berg.",
    ]


def test_a_source_title_repeated_as_first_block_is_not_doubled() -> None:
    doc = SourceDocument(
        source_uri="vg.jsonl#3",
        source_format="jsonl",
        title="Ferja innstilt",
        blocks=[Block("Ferja innstilt"), Block("Ferja mellom Fjordvik og Nesøy er innstilt.")],
        raw_text="{}",
    )
    article = split_document(doc)
    assert [segment.kind for segment in article.segments] == ["title", "lede"]
    assert article.body == "Ferja mellom Fjordvik og Nesøy er innstilt."


def test_first_block_decides_the_title_of_crawl_text() -> None:
    def first_kind(first: str) -> str:
        doc = SourceDocument("x", "crawl_text", [Block(first), Block("Kommunen har bedt om hjelp fra staten.")], "")
        return split_document(doc).segments[0].kind

    assert first_kind("Flommen i Fjordvik") == "title"
    assert first_kind("Kommunen ber om hjelp: – Vi trenger pumper") == "title"
    assert first_kind("Vannet steg i natt, og kommunen ber nå staten om hjelp.") == "lede"
