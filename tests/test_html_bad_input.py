"""Bad pages get a clear refusal, or are read right where they can be: cut off inside the text
or inside a tag, binary junk served as HTML, a wrong or a missing charset, 20 MB of markup.

The pages are the ones the test web server serves under /bad/ (tests/web_server.py); the web
flow's handling of the same pages is in tests/test_flow_web.py.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner
from web_server import BAD_PAGES, _bad_page

from nyhetsflyt.app.cli import app
from nyhetsflyt.extract.html import UnreadablePage, extract_page
from nyhetsflyt.sources.folder import read_file
from nyhetsflyt.sources.web.pages import extract_fetched

URL = "https://www.fjordavisa.example/nyheter/ferja-innstilt"
REFUSED = {kind: reason for kind, reason in BAD_PAGES.items() if reason != "read"}


def bad(kind: str) -> tuple[bytes, str]:
    page = _bad_page(kind)
    assert page is not None
    return page


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_the_page_is_refused_with_its_reason(kind: str) -> None:
    body, content_type = bad(kind)
    with pytest.raises(UnreadablePage) as refusal:
        extract_fetched(body, URL, content_type)
    assert ("unreadable page: " + refusal.value.reason).startswith(REFUSED[kind])


@pytest.mark.parametrize("kind", ["wrong-charset", "no-charset"])
def test_a_wrong_or_missing_charset_is_read_right(kind: str) -> None:
    body, content_type = bad(kind)
    extraction = extract_fetched(body, URL, content_type)
    text = " ".join(b.text for b in extraction.blocks)
    assert extraction.title == "Ferja til Stord innstilt i kveld"
    assert "går som normalt igjen i morgen tidlig" in text
    assert "Ã" not in text and "\ufffd" not in text  # no mojibake, no replacement characters


def test_a_page_cut_after_the_article_is_read() -> None:
    """Cut off in the footer, the article itself is whole: it is read."""
    body, content_type = bad("cut-in-tag")
    body = body[:body.index(b"<foo")] + b"<footer>Fjordav"
    extraction = extract_fetched(body, URL, content_type)
    assert any("skriver Fjordavisa." in b.text for b in extraction.blocks)


def test_a_page_under_the_limit_with_the_same_filler_is_read() -> None:
    """The size is what is refused, not the advertising filler."""
    body, _ = bad("huge")
    start, end = body.index(b'<div class="annonse">'), body.index(b"<footer>")
    extraction = extract_page(body[:start] + body[start:end][:2_000_000] + body[end:], URL)
    assert extraction.title == "Ferja til Stord innstilt i kveld"


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_the_command_exits_3_with_the_reason(kind: str, tmp_path) -> None:
    body, _ = bad(kind)
    page = tmp_path / f"{kind}.html"
    page.write_bytes(body)
    result = CliRunner().invoke(app, ["extract", str(page), "--url", URL])
    assert result.exit_code == 3, result.output
    assert REFUSED[kind] in " ".join(result.stderr.split())


@pytest.mark.parametrize("kind", ["cut-in-text", "cut-in-tag"])
def test_a_saved_page_cut_off_is_a_reasoned_failure_of_the_folder_source(kind: str, tmp_path) -> None:
    """The folder source quarantines it with the extractor's reason."""
    body, _ = bad(kind)
    path = tmp_path / f"{kind}.html"
    path.write_bytes(body)
    read = read_file(path)
    assert read.documents == [] and len(read.failures) == 1
    assert "truncated HTML" in read.failures[0].reason
