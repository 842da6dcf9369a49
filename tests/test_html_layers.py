"""The extractor's layers one at a time, on small invented pages: page facts, dates with their
precision and time zone, author names, the choice of one article among several, caption credits,
titles."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import lxml.html
import pytest

from nyhetsflyt.extract.html import extract_page
from nyhetsflyt.extract.html.authors import clean_author, clean_authors
from nyhetsflyt.extract.html.body import Body, BodyBlock
from nyhetsflyt.extract.html.dates import NEWSROOM_TZ, first_date, parse_page_datetime
from nyhetsflyt.extract.html.facts import read_facts
from nyhetsflyt.extract.html.figures import split_credit
from nyhetsflyt.extract.html.select import select_article

URL = "https://www.fjordavisa.example/nyheter/2024/03/04/ferja-innstilt"
TEXT = ("Sterk vind gjorde at rederiet innstilte alle avganger fra Halhjem etter klokken 18, "
        "og mange reisende måtte overnatte i Bergen i påvente av bedre vær neste morgen. ")


def tree(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def ld(*objects: dict) -> str:
    return "".join(f'<script type="application/ld+json">{json.dumps(o)}</script>' for o in objects)


# --- page facts -----------------------------------------------------------------------------


def test_json_ld_graph_with_a_reportage_article_and_its_paywall() -> None:
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Fjordavisa", "url": "https://www.fjordavisa.example/"},
        {"@type": "ReportageNewsArticle", "headline": "Ferja til Stord innstilt",
         "url": URL, "datePublished": "2024-03-04T18:30:00+01:00", "inLanguage": "nn-NO",
         "articleSection": "Nyheiter", "isAccessibleForFree": "False",
         "author": [{"@type": "Person", "name": "Av KARI NORDMANN"}, {"@type": "Person", "name": "ola@fjordavisa.example"}],
         "keywords": "ferje, vêr"},
    ]}
    facts = read_facts(tree(f"<html><head>{ld(graph)}</head><body></body></html>"), URL)
    assert facts.headline == "Ferja til Stord innstilt"
    assert facts.declares_article and "reportagenewsarticle" in facts.ld_types
    assert facts.paywalled is True
    assert facts.language == "nn-NO" and facts.section == "Nyheiter"
    assert facts.published_raw[0] == "2024-03-04T18:30:00+01:00"
    assert facts.authors == ["Kari Nordmann"]
    assert facts.tags == ["ferje", "vêr"]


def test_a_paywalled_part_marks_the_page_and_a_free_article_does_not() -> None:
    closed = {"@type": "NewsArticle", "headline": "Pluss-sak", "isAccessibleForFree": True,
              "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".plus"}}
    assert read_facts(tree(f"<html><head>{ld(closed)}</head></html>"), URL).paywalled is True
    free = {"@type": "NewsArticle", "headline": "Gratis", "isAccessibleForFree": "true"}
    assert read_facts(tree(f"<html><head>{ld(free)}</head></html>"), URL).paywalled is False
    silent = {"@type": "NewsArticle", "headline": "Sier ingenting"}
    assert read_facts(tree(f"<html><head>{ld(silent)}</head></html>"), URL).paywalled is None


def test_microdata_and_meta_tags_when_there_is_no_json_ld() -> None:
    page = f"""<html lang="nb"><head>
      <link rel="canonical" href="{URL}">
      <meta property="og:title" content="Ferja innstilt">
      <meta property="og:type" content="article">
      <meta property="article:section" content="Samferdsel">
      </head><body><div itemscope itemtype="https://schema.org/NewsArticle">
        <h1 itemprop="headline">Ferja til Stord innstilt i kveld</h1>
        <time itemprop="datePublished" datetime="2024-03-04T18:30:00+01:00">4. mars</time>
        <span itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Kari Nordmann</span></span>
      </div></body></html>"""
    facts = read_facts(tree(page), URL)
    assert facts.headline == "Ferja til Stord innstilt i kveld"
    assert facts.canonical_url == URL and facts.og_title == "Ferja innstilt"
    assert facts.language == "nb" and facts.section == "Samferdsel"
    assert "2024-03-04T18:30:00+01:00" in facts.published_raw
    assert facts.authors == ["Kari Nordmann"]
    assert facts.declares_article


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected", "precision"), [
    ("2024-03-04", datetime(2024, 3, 4, tzinfo=NEWSROOM_TZ), "day"),
    ("04.03.2024", datetime(2024, 3, 4, tzinfo=NEWSROOM_TZ), "day"),
    ("2024-03-04T18:30:00", datetime(2024, 3, 4, 17, 30, tzinfo=timezone.utc), "second"),  # Oslo, winter
    ("2024-07-04T18:30:00", datetime(2024, 7, 4, 16, 30, tzinfo=timezone.utc), "second"),  # Oslo, summer
    ("2024-03-04T18:30:00.123456789Z", datetime(2024, 3, 4, 18, 30, tzinfo=timezone.utc), "second"),
    ("1709573400", datetime(2024, 3, 4, 17, 30, tzinfo=timezone.utc), "second"),
])
def test_dates_keep_their_precision_and_store_the_time_zone_right(text, expected, precision) -> None:
    parsed = parse_page_datetime(text)
    assert parsed is not None
    value, got_precision = parsed
    assert value == expected and got_precision == precision and value.tzinfo is not None


def test_the_first_readable_candidate_wins() -> None:
    assert first_date(["", "i går", "2024-03-04T18:30:00+01:00", "2023-01-01"]) == (
        datetime(2024, 3, 4, 17, 30, tzinfo=timezone.utc), "second")
    assert first_date(["0001-01-01T00:00:00", "ukjent"]) is None


# --- authors --------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "names"), [
    ("Av Kari Nordmann", ["Kari Nordmann"]),
    ("By JANE DOE, Staff writer", ["Jane Doe"]),
    ("Kari Nordmann / Journalist", ["Kari Nordmann"]),
    ("Ola Hansen, politisk redaktør", ["Ola Hansen"]),
    ("Kari Nordmann og Ola Hansen", ["Kari Nordmann", "Ola Hansen"]),
    ("Kari Nordmann, Ola Hansen, Per Berg", ["Kari Nordmann", "Ola Hansen", "Per Berg"]),
    ("kari.nordmann@fjordavisa.example", []),
    ("Tekst: Kari Nordmann (kari@fjordavisa.example)", ["Kari Nordmann"]),
    ("NTB", ["NTB"]),
    ("Anne-Grethe Sæther-Lund", ["Anne-Grethe Sæther-Lund"]),
    ("ANNE-GRETHE SÆTHER", ["Anne-Grethe Sæther"]),
])
def test_author_names_without_av_roles_or_addresses(raw: str, names: list[str]) -> None:
    assert clean_author(raw) == names


def test_authors_are_deduplicated_in_their_order() -> None:
    assert clean_authors(["Av Kari Nordmann", "KARI NORDMANN", "Ola Hansen"]) == ["Kari Nordmann", "Ola Hansen"]


# --- one article per page -------------------------------------------------------------------


def _stream(own_url: str) -> str:
    """Three whole articles on one page, infinite-scroll style; the page says which is its own."""
    articles = ""
    for slug, title in (("bru-stengt", "Brua over sundet stengt"), ("ferja-innstilt", "Ferja til Stord innstilt"),
                        ("ny-skule", "Ny skule på Stord")):
        href = f"https://www.fjordavisa.example/nyheter/2024/03/04/{slug}"
        articles += f'<article data-url="{href}"><h1><a href="{href}">{title}</a></h1><p>{title}. {TEXT * 3}</p></article>'
    return (f'<html><head><link rel="canonical" href="{own_url}">'
            f'<meta property="og:title" content="Ferja til Stord innstilt"></head><body>{articles}</body></html>')


def test_the_article_named_by_the_canonical_url_is_taken_never_a_neighbour() -> None:
    page = tree(_stream(URL))
    selection = select_article(page, read_facts(page, URL), URL)
    assert selection.reason == "canonical URL" and selection.candidates == 3
    assert "Ferja til Stord" in selection.scope.text_content()
    assert "Brua over sundet" not in selection.scope.text_content()


def test_without_a_matching_url_the_headline_decides() -> None:
    other = "https://www.fjordavisa.example/nyheter/2024/03/04/ferja-innstilt-oppdatert"
    page = tree(_stream(other))
    selection = select_article(page, read_facts(page, other), other)
    assert selection.reason == "headline" and "Ferja til Stord" in selection.scope.text_content()


def test_the_whole_extraction_reads_only_its_own_article() -> None:
    extraction = extract_page(_stream(URL), URL)
    text = " ".join(b.text for b in extraction.blocks)
    assert extraction.title == "Ferja til Stord innstilt"
    assert "Ferja til Stord innstilt." in text and "Brua over sundet" not in text and "Ny skule" not in text


# --- caption credits ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "caption", "credit"), [
    ("Ferja ligg ved kai. Foto: Kari Nordmann", "Ferja ligg ved kai.", "Foto: Kari Nordmann"),
    ("Ferja ligg ved kai. (Ola Hansen/NTB)", "Ferja ligg ved kai.", "Ola Hansen/NTB"),
    ("Ferja ligg ved kai. | Ola Hansen/NTB", "Ferja ligg ved kai.", "Ola Hansen/NTB"),
    ("Ferja ligg ved kai (Reuters)", "Ferja ligg ved kai", "Reuters"),
    ("Ferja ligg ved kai (og venter på betre vêr)", "Ferja ligg ved kai (og venter på betre vêr)", None),
    ("Ferja ligg ved kai.", "Ferja ligg ved kai.", None),
])
def test_a_credit_at_the_end_of_a_caption_is_split_off(text: str, caption: str, credit: str | None) -> None:
    assert split_credit(text) == (caption, credit)


# --- titles ---------------------------------------------------------------------------------


def test_the_title_is_cleaned_of_the_site_name_and_agrees_with_the_shown_headline() -> None:
    page = (f'<html><head><title>Ferja til Stord innstilt i kveld | Fjordavisa</title>'
            f'<meta property="og:site_name" content="Fjordavisa"></head>'
            f'<body><header><h1>Fjordavisa</h1></header><article><h1>Ferja til Stord innstilt i kveld</h1>'
            f"<p>{TEXT * 2}</p></article></body></html>")
    assert extract_page(page, URL).title == "Ferja til Stord innstilt i kveld"


# --- which reading of the body ---------------------------------------------------------------


def _reading(layer: str, words: int) -> Body:
    return Body([BodyBlock("paragraph", " ".join(["ord"] * words))], layer)


@pytest.mark.parametrize(("ours", "theirs", "declared", "chosen"), [
    (200, 400, 0, "generic"),        # a confident reading stands
    (30, 90, 0, "trafilatura"),      # a short one yields to a reading with far more
    (30, 50, 0, "generic"),          # but not to one only a little longer: a short article is short
    (30, 10, 100, "json-ld"),        # the declared articleBody is a second opinion too
    (100, 0, 400, "json-ld"),        # and replaces even a confident reading it is twice as long as
])
def test_the_second_opinions_replace_our_reading_only_when_it_finds_little(
        monkeypatch, ours: int, theirs: int, declared: int, chosen: str) -> None:
    from nyhetsflyt.extract.html import choose

    monkeypatch.setattr(choose, "read_generic_body", lambda *a: _reading("generic", ours))
    monkeypatch.setattr(choose, "read_trafilatura_body", lambda *a: _reading("trafilatura", theirs))
    facts = read_facts(tree("<html><body></body></html>"), URL)
    facts.article_body = " ".join(["ord"] * declared) or None
    assert choose.choose_body(tree("<html><body></body></html>"), facts, URL, None).layer == chosen
