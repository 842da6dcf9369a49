"""Publisher rules: every registered site against an invented page in its markup, with the
expected reading beside it (tests/fixtures/html/sites/<name>/page.html, expected.json)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from nyhetsflyt.extract.html import extract_page
from nyhetsflyt.extract.html.sites import SITES, rules_for

FIXTURES = Path(__file__).parent / "fixtures" / "html" / "sites"


def load(site: str) -> tuple[bytes, dict]:
    folder = FIXTURES / site
    return (folder / "page.html").read_bytes(), json.loads((folder / "expected.json").read_text("utf-8"))


def reading(page: bytes, url: str, publisher_rules: bool = True) -> dict:
    extraction = extract_page(page, url, publisher_rules=publisher_rules)
    blocks = extraction.blocks
    return {
        "url": url,
        "title": extraction.title,
        "lede": next((b.text for b in blocks if b.hint == "lede"), None),
        "paragraphs": [b.text for b in blocks if b.hint == "paragraph"],
        "subheadings": [b.text for b in blocks if b.hint == "subheading"],
        "captions": [[b.text, b.credit] for b in blocks if b.hint == "caption"],
        "authors": extraction.authors,
        "published": extraction.published.isoformat() if extraction.published else None,
        "section": extraction.section,
        "paywalled": extraction.paywalled,
        "layer": extraction.layer,
    }


@pytest.mark.parametrize("site", SITES, ids=lambda site: site.name)
def test_every_site_reads_its_page_as_expected(site) -> None:
    assert (FIXTURES / site.name / "page.html").exists(), f"no test page for {site.name}"
    page, expected = load(site.name)
    assert rules_for(expected["url"].split("/")[2]) is site
    got = reading(page, expected["url"])
    assert got == expected


@pytest.mark.parametrize("site", SITES, ids=lambda site: site.name)
def test_without_publisher_rules_the_generic_layers_read_the_page(site) -> None:
    page, expected = load(site.name)
    got = reading(page, expected["url"], publisher_rules=False)
    assert not got["layer"].startswith("site:")
    # The generic layers find the same running text on these pages, if not always the lede.
    assert set(expected["paragraphs"]) <= set(got["paragraphs"])


def test_every_fixture_folder_is_a_registered_site() -> None:
    assert {p.name for p in FIXTURES.iterdir() if p.is_dir()} == {site.name for site in SITES}


@pytest.mark.parametrize("host", ["www.nrk.no", "nrk.no", "www.vg.no", "www.dagbladet.no", "www.nettavisen.no"])
def test_rules_are_keyed_by_domain(host: str) -> None:
    site = rules_for(host)
    assert site is not None and host.removeprefix("www.") in site.domains


@pytest.mark.parametrize("host", ["www.example.no", "nrk.no.example.com", "notvg.no", ""])
def test_other_hosts_have_no_rules(host: str) -> None:
    assert rules_for(host) is None


# -- one article per page: an infinite-scroll page holds three ----------------------------------


NEIGHBOUR_URL = "https://www.dagbladet.no/nyheter/rekordmange-sokte-laererutdanning/81000002"


@pytest.mark.parametrize("publisher_rules", [True, False])
def test_the_page_takes_its_own_article_not_a_longer_neighbour(publisher_rules: bool) -> None:
    page, expected = load("dagbladet")
    got = reading(page, expected["url"], publisher_rules)
    assert got["title"] == "Elgen stoppet toget"
    assert got["paragraphs"] == expected["paragraphs"]
    assert got["authors"] == ["Hilde Sæther"] and got["paywalled"] is not True


def test_the_neighbours_url_selects_the_neighbour() -> None:
    page, expected = load("dagbladet")
    # The same page as served at the second story's address: its canonical URL, og:url and og:title.
    html = page.decode("utf-8")
    for old, new in ((f'<link rel="canonical" href="{expected["url"]}">', f'<link rel="canonical" href="{NEIGHBOUR_URL}">'),
                     (f'property="og:url" content="{expected["url"]}"', f'property="og:url" content="{NEIGHBOUR_URL}"'),
                     ('property="og:title" content="Elgen stoppet toget"',
                      'property="og:title" content="Rekordmange søkte lærerutdanning"')):
        assert old in html
        html = html.replace(old, new)
    as_neighbour = html.encode("utf-8")
    extraction = extract_page(as_neighbour, NEIGHBOUR_URL)
    paragraphs = [b.text for b in extraction.blocks if b.hint == "paragraph"]
    assert extraction.title == "Rekordmange søkte lærerutdanning"
    assert paragraphs[0].startswith("Samordna opptak melder") and len(paragraphs) == 5
    assert extraction.authors == ["Per Aune"]
    assert extraction.published == datetime.fromisoformat("2025-01-13T18:40:00+01:00")


def test_a_paywall_marker_in_the_own_article_marks_it_paywalled() -> None:
    page, expected = load("dagbladet")
    third = "https://www.dagbladet.no/sport/fotball-laget-rykket-opp/81000003"
    html = page.decode("utf-8").replace(f'<link rel="canonical" href="{expected["url"]}">',
                                        f'<link rel="canonical" href="{third}">')
    extraction = extract_page(html.encode("utf-8"), third)
    assert extraction.selection == "canonical URL"
    assert extraction.paywalled is True
    # The page's own story is free: the marker beside a neighbour does not count for it.
    assert extract_page(page, expected["url"]).paywalled is False
