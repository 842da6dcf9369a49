"""Pages that are not one article: front pages, section and tag pages, archives.

They are refused with the reason. A page that declares itself an article (JSON-LD, og:type)
is taken at its word, unless its only article element names another address as its own
(an archive or tag page showing a post); one that does not is a listing when its own URL is
the site's root,
when it holds several whole articles none of which is its own (a blog's front page), when it
declares itself a collection or website and holds little running text, or when its main
text block is a column of linked headlines.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import lxml.html

from nyhetsflyt.extract.html.body import Body
from nyhetsflyt.extract.html.facts import ARTICLE_TYPES, PageFacts
from nyhetsflyt.extract.html.markup import element_text, is_element, tag_of
from nyhetsflyt.extract.html.page import NotAnArticle, Page
from nyhetsflyt.extract.html.select import Selection, article_elements, own_addresses

# A listing that says it is one is still read when it holds this much running text.
MIN_LISTED_BODY_WORDS = 150
# Linked headlines in the main text block that make it a list of other articles.
MAX_LINKED_HEADLINES = 4
# Article elements that each name another page as their own: a list of teasers.
MIN_TEASERS = 3


def linked_headlines(el: lxml.html.HtmlElement) -> int:
    """Headlines that link elsewhere (teasers), and teaser <article>s, under `el`."""
    count = 0
    for heading in el.iter("h2", "h3", "h4"):
        linked = heading.find(".//a") is not None or any(tag_of(p) == "a" for p in heading.iterancestors())
        if linked and len(element_text(heading)) >= 10:
            count += 1
    count += sum(1 for child in el.iter("article") if is_element(child) and child is not el)
    return count


def _path(address: str) -> str:
    return urlsplit(address).path.rstrip("/")


def _lives_elsewhere(article: lxml.html.HtmlElement, own: list[str], url: str) -> str | None:
    """The address an article element gives itself when that is not this page's: an archive,
    tag or blog front page shows the article, its own page is elsewhere. Hosts are not
    compared (a blog answers on several national domains); paths are."""
    declared = [u for u in own_addresses(article, url) if urlsplit(u).scheme in ("http", "https")]
    if not declared or any(_path(u) == _path(mine) for u in declared for mine in own):
        return None
    return next((u for u in declared if _path(u)), None)


def refuse_listing(page: Page, facts: PageFacts, selection: Selection, body: Body, url: str) -> None:
    """Raise NotAnArticle with the reason when the page is a listing, not an article."""
    own = facts.canonical_url or facts.og_url or url
    if selection.article is not None and not (facts.ld_types & ARTICLE_TYPES):
        elsewhere = _lives_elsewhere(selection.article, [own, url], url)
        if elsewhere:
            raise NotAnArticle(f"listing: the article on the page has its own page ({elsewhere})")
    if facts.declares_article:
        return
    if urlsplit(own).scheme in ("http", "https") and not urlsplit(own).path.strip("/"):
        raise NotAnArticle(f"front page: the page's own URL is the site's root ({own})")
    if selection.candidates >= 2 and selection.reason == "first":
        raise NotAnArticle(f"front page: {selection.candidates} whole articles on the page, none of them "
                           "declared or linked as the page's own")
    teasers = [a for a in article_elements(page.tree) if _lives_elsewhere(a, [own, url], url)]
    if len(teasers) >= MIN_TEASERS and selection.reason not in ("canonical URL", "headline"):
        raise NotAnArticle(f"front page: {len(teasers)} article elements, each the teaser of another page")
    if selection.candidates >= 1:
        return
    if facts.declares_listing and body.words < MIN_LISTED_BODY_WORDS:
        raise NotAnArticle(f"front page: {facts.declares_listing}, no article markup, "
                           f"{body.words} words of running text")
    if body.container is not None:
        headlines = linked_headlines(body.container)
        if headlines >= MAX_LINKED_HEADLINES:
            raise NotAnArticle(f"front page: {headlines} linked headlines in the main text block")
