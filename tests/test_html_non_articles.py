"""Real front, section and archive pages from public test data are refused as not articles.

The pages are the test data of permissively licensed projects, copied as they are; where each
came from, at which commit and under which licence is in SOURCES.tsv beside them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nyhetsflyt.extract.html import NotAnArticle, extract_page

FOLDER = Path(__file__).parent / "fixtures" / "html" / "non_articles"
PERMISSIVE = {"MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause"}


def sources() -> list[dict[str, str]]:
    with (FOLDER / "SOURCES.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_at_least_five_pages_each_with_its_origin_and_a_permissive_licence() -> None:
    rows = sources()
    assert len(rows) >= 5
    assert {row["file"] for row in rows} == {p.name for p in FOLDER.glob("*.html")}
    for row in rows:
        assert row["licence"] in PERMISSIVE, row["file"]
        assert len(row["commit"]) == 40 and row["repo"].count("/") == 1 and row["path"], row["file"]
        assert row["url"].startswith(("http://", "https://")), row["file"]


@pytest.mark.parametrize("row", sources(), ids=lambda row: row["file"])
def test_the_page_is_refused_with_a_reason(row: dict[str, str]) -> None:
    page = (FOLDER / row["file"]).read_bytes()
    for publisher_rules in (True, False):
        with pytest.raises(NotAnArticle) as refusal:
            extract_page(page, row["url"], publisher_rules=publisher_rules)
        assert refusal.value.reason


@pytest.mark.parametrize("name", ["die-partei.net.sh.html", "opensource.org.html",
                                  "unexpecteduser.blogspot.com.2011.html"])
def test_listings_are_known_by_their_content_not_only_by_their_address(name: str) -> None:
    """A section page at some inner address, with no canonical link: the teasers give it away."""
    page = (FOLDER / name).read_bytes()
    with pytest.raises(NotAnArticle):
        extract_page(page, "https://news.example/some/section/")
