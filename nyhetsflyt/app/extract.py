"""`nyhetsflyt extract FILE_OR_URL`: one page's article, read as the web flow reads it.

The page goes through the same extraction (`extract_fetched`) and split as a fetched page in
the flow; nothing is stored. A URL is fetched politely, as the web source fetches: the
project's user agent, robots.txt, timeouts, the size limit, no private addresses unless
NYHETSFLYT_ALLOW_PRIVATE=1.

Exit status: 0 an article, 3 not an article (a front, section or tag page, or a page that
cannot be read as HTML; the reason on stderr), 4 the URL could not be fetched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from nyhetsflyt.documents import Article

NOT_AN_ARTICLE = 3
NOT_FETCHED = 4

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _fetch(url: str) -> tuple[bytes, str, str | None]:
    from nyhetsflyt.settings import Settings
    from nyhetsflyt.sources.web.batch import FetchSettings
    from nyhetsflyt.sources.web.fetch import Fetcher

    with Fetcher(FetchSettings().policy(Settings())) as fetcher:
        result = fetcher.fetch(url)
    if result.outcome != "ok" or result.body is None:
        detail = result.error or (f"HTTP {result.status}" if result.status else "no response")
        err.print(f"not fetched: {result.outcome}: {detail}", soft_wrap=True)
        raise typer.Exit(NOT_FETCHED)
    return result.body, result.final_url or url, result.content_type


def as_json(article: Article, extraction: Any) -> dict[str, Any]:
    """The `--json` object: the stored reading of the page, field by field."""
    return {
        "url": extraction.url,
        "title": article.title,
        "lede": article.lede,
        "body": article.body,
        "subheadings": [s.text for s in article.segments if s.kind == "subheading"],
        "captions": [{"text": c.text, "credit": c.credit_raw, "photographers": c.photographers,
                      "agencies": c.agencies} for c in article.captions],
        "published": article.published.isoformat() if article.published else None,
        "published_precision": article.published_precision,
        "authors": article.authors,
        "language": extraction.language,
        "paywalled": extraction.paywalled,
        "canonical_url": extraction.canonical_url,
        "section": extraction.section,
        "tags": article.tags,
        "layer": extraction.layer,
    }


def extract(
    target: Annotated[str, typer.Argument(metavar="FILE_OR_URL", help="A saved page, or an http(s) URL to fetch.")],
    url: Annotated[str | None, typer.Option(
        "--url", help="The page's address, for a saved page: picks the publisher's rules.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_publisher_rules: Annotated[bool, typer.Option(
        "--no-publisher-rules", help="Only the generic layers: no site's own rules.")] = False,
) -> None:
    """Extract the article of one page, as the web flow does, and print it (nothing is stored)."""
    from nyhetsflyt.extract.html import NotAnArticle, UnreadablePage
    from nyhetsflyt.extract.split import split_document
    from nyhetsflyt.sources.web.pages import extract_fetched

    if target.lower().startswith(("http://", "https://")):
        body, page_url, content_type = _fetch(target)
        page_url = url or page_url
    else:
        path = Path(target)
        if not path.is_file():
            raise typer.BadParameter(f"no such file: {target}")
        body, page_url, content_type = path.read_bytes(), url or path.resolve().as_uri(), None
    try:
        extraction = extract_fetched(body, page_url, content_type, publisher_rules=not no_publisher_rules)
    except NotAnArticle as refusal:
        err.print(f"not an article: {refusal.reason}", soft_wrap=True)
        raise typer.Exit(NOT_AN_ARTICLE) from None
    except UnreadablePage as refusal:
        err.print(f"not an article: unreadable page: {refusal.reason}", soft_wrap=True)
        raise typer.Exit(NOT_AN_ARTICLE) from None
    article = split_document(extraction.to_document())
    reading = as_json(article, extraction)
    if json_output:
        print(json.dumps(reading, ensure_ascii=False))
        return
    out.print(f"[bold]{reading['title'] or '(no title)'}[/bold]")
    facts = [f"{key}: {reading[key]}" for key in ("published", "authors", "language", "section", "paywalled",
                                                   "canonical_url", "layer") if reading[key] not in (None, [], "")]
    out.print("\n".join(facts), style="dim")
    out.print()
    out.print(reading["body"])
    for caption in reading["captions"]:
        out.print(f"\n[italic]{caption['text']}[/italic] [dim]{caption['credit'] or ''}[/dim]")
