"""`nyhetsflyt extract`: one page through the web flow's extraction and split, printed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner
from web_server import ARTICLES, RunningServer, serve

from nyhetsflyt.app.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "html"
NRK_URL = "https://www.nrk.no/vestland/ny-fergekai-apnet-i-kvitvik-1.17000001"
JSON_KEYS = {"url", "title", "lede", "body", "subheadings", "captions", "published", "published_precision",
             "authors", "language", "paywalled", "canonical_url", "section", "tags", "layer"}


def run(*args: str):
    return CliRunner().invoke(app, ["extract", *args], catch_exceptions=False)


def test_a_saved_page_as_json() -> None:
    result = run(str(FIXTURES / "sites" / "nrk" / "page.html"), "--url", NRK_URL, "--json")
    assert result.exit_code == 0, result.output
    reading = json.loads(result.stdout)
    assert set(reading) == JSON_KEYS
    assert reading["title"] == "Ny fergekai åpnet i Kvitvik"
    assert reading["lede"] == "Den nye kaia i Kvitvik tar imot de første fergene fredag morgen."
    # The body as stored: the lede, then paragraphs and subheadings, a blank line between.
    assert reading["body"].split("\n\n")[:2] == [reading["lede"], "Etter tre års bygging kunne ordføreren klippe "
                                                 "snoren på den nye fergekaia torsdag kveld."]
    assert reading["subheadings"] == ["Flere avganger"]
    assert reading["captions"] == [{"text": "Den nye fergekaia i Kvitvik", "credit": "Foto: Tor Brekke / NRK",
                                    "photographers": ["Tor Brekke"], "agencies": ["NRK"]}]
    assert reading["published"] == "2024-09-12T06:45:10+02:00" and reading["published_precision"] == "second"
    assert reading["authors"] == ["Siv Aasen", "Tor Brekke"]
    assert (reading["language"], reading["paywalled"], reading["layer"]) == ("nb-NO", None, "site:nrk")
    assert reading["canonical_url"] == NRK_URL


def test_no_publisher_rules_leaves_the_generic_layers() -> None:
    result = run(str(FIXTURES / "sites" / "nrk" / "page.html"), "--url", NRK_URL, "--json", "--no-publisher-rules")
    assert result.exit_code == 0, result.output
    reading = json.loads(result.stdout)
    assert reading["layer"] == "generic"
    # The rule takes NRK's og:title; the generic layers take the headline most of the page states.
    assert reading["title"] == "Ny fergekai åpnet: – Endelig slipper vi å vente"


def test_a_saved_page_without_url_gets_its_publishers_rules_from_its_canonical_url() -> None:
    result = run(str(FIXTURES / "sites" / "nrk" / "page.html"), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["layer"] == "site:nrk"


def test_plain_output() -> None:
    result = run(str(FIXTURES / "article_figures.html"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Ny bybro åpnet i Fjordby\n")
    assert "Broen har vært under bygging" in result.stdout


@pytest.mark.parametrize("page", ["front_page.html", "section_listing.html"])
def test_not_an_article_exits_3_with_the_reason(page: str) -> None:
    result = run(str(FIXTURES / page), "--json")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.startswith("not an article: front page:")


def test_binary_junk_exits_3_as_unreadable(tmp_path: Path) -> None:
    junk = tmp_path / "junk.html"
    junk.write_bytes(bytes(range(256)) * 64)
    result = run(str(junk))
    assert result.exit_code == 3
    assert "unreadable page: binary content" in result.stderr


def test_a_missing_file_is_a_usage_error() -> None:
    assert run("/nowhere/page.html").exit_code == 2


# -- a URL is fetched as the web source fetches ------------------------------------------------------


@pytest.fixture
def server(monkeypatch) -> Iterator[RunningServer]:
    monkeypatch.setenv("NYHETSFLYT_ALLOW_PRIVATE", "1")
    with serve() as running:
        yield running


def test_a_url_is_fetched_politely_and_read(server: RunningServer) -> None:
    slug = next(iter(ARTICLES))
    result = run(server.url(f"/artikler/{slug}.html"), "--json")
    assert result.exit_code == 0, result.output
    reading = json.loads(result.stdout)
    assert reading["title"] == ARTICLES[slug][0]
    assert reading["url"] == server.url(f"/artikler/{slug}.html")
    page_request = next(r for r in server.state.log if r.path.startswith("/artikler/"))
    assert "nyhetsflyt" in page_request.headers.get("User-Agent", "").casefold()
    assert any(r.path == "/robots.txt" for r in server.state.log)


def test_a_url_robots_txt_disallows_is_not_fetched(server: RunningServer) -> None:
    result = run(server.url("/private/hemmelig.html"))
    assert result.exit_code == 4
    assert "robots_disallowed" in result.stderr
    assert not any(r.path.startswith("/private/") for r in server.state.log)


def test_a_private_address_is_refused_unless_allowed(monkeypatch) -> None:
    monkeypatch.setenv("NYHETSFLYT_ALLOW_PRIVATE", "0")
    with serve() as running:
        result = run(running.url("/artikler/x.html"))
        assert result.exit_code == 4
        assert running.state.log == []
