"""Article selection: on a page that holds several articles, the one that is the page's own.

Infinite-scroll pages render the next articles below the first, each in its own `<article>`
(or schema.org Article scope). The page's own is the one whose URL (a link, `data-url`,
`itemid`, `<meta itemprop=url>`) is the page's canonical URL or `og:url`, else the one whose
headline is the page's headline; never simply the longest, which is as often a neighbour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html

from nyhetsflyt.extract.html.facts import PageFacts, same_page
from nyhetsflyt.extract.html.markup import collapse, is_element, tag_of

# An article shorter than this is a teaser (headline, lede, picture), not a whole article.
MIN_ARTICLE_CHARS = 400
_ARTICLE_ITEMTYPE = re.compile(r"schema\.org/\w*(?:Article|BlogPosting|Report)\b", re.I)
_URL_ATTRS = ("data-url", "data-href", "data-link", "data-canonical", "data-share-url", "data-article-url",
              "itemid", "data-permalink", "about", "cite", "data-uri")


@dataclass(slots=True)
class Selection:
    scope: lxml.html.HtmlElement  # where the article is read from
    candidates: int  # how many whole articles the page holds
    reason: str  # why this one: "only article", "canonical URL", "headline", "first"
    article: lxml.html.HtmlElement | None = None  # the article element read, when there is one


def _is_article_element(el: lxml.html.HtmlElement) -> bool:
    return tag_of(el) == "article" or bool(
        el.get("itemscope") is not None and _ARTICLE_ITEMTYPE.search(el.get("itemtype") or ""))


def _paragraph_chars(el: lxml.html.HtmlElement) -> int:
    return sum(len(collapse(p.text_content())) for p in el.iter("p"))


def article_elements(root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The page's outermost article elements: one nested in another is a part of it (a quoted
    post, an embedded teaser card)."""
    elements = [el for el in root.iter() if is_element(el) and _is_article_element(el)]
    found = set(elements)
    return [el for el in elements if not any(parent in found for parent in el.iterancestors())]


def whole_articles(articles: list[lxml.html.HtmlElement]) -> list[lxml.html.HtmlElement]:
    """Those with an article's worth of text: not teasers."""
    return [el for el in articles if _paragraph_chars(el) >= MIN_ARTICLE_CHARS]


def own_addresses(article: lxml.html.HtmlElement, base: str) -> list[str]:
    """The addresses an article element states as its own: its URL attributes, its own
    `itemprop=url` (not an author's, nested in their own item), the link on its headline."""
    urls = [urljoin(base, value) for attr in _URL_ATTRS if (value := article.get(attr))]
    for el in article.iter("meta", "link", "a"):
        if (el.get("itemprop") or "").casefold() not in ("url", "mainentityofpage"):
            continue
        scope = next((p for p in el.iterancestors() if p.get("itemscope") is not None), None)
        if scope is article and (value := el.get("content") or el.get("href")):
            urls.append(urljoin(base, value))
    heading = next((h for h in article.iter("h1", "h2", "h3") if collapse(h.text_content())), None)
    if heading is not None:
        urls += [urljoin(base, href) for link in heading.iter("a") if (href := link.get("href"))]
    return urls


def _urls_of(el: lxml.html.HtmlElement, base: str) -> list[str]:
    urls: list[str] = []
    for attr in _URL_ATTRS:
        if value := el.get(attr):
            urls.append(urljoin(base, value))
    for meta in el.iter("meta", "link"):
        if (meta.get("itemprop") or "").casefold() in ("url", "mainentityofpage") or "canonical" in (
                meta.get("rel") or ""):
            value = meta.get("content") or meta.get("href")
            if value:
                urls.append(urljoin(base, value))
    # The headline's link, or a share link naming the article.
    for heading in el.iter("h1", "h2", "h3"):
        for link in heading.iter("a"):
            if href := link.get("href"):
                urls.append(urljoin(base, href))
    for child in el.iter():
        if is_element(child) and child is not el:
            for attr in ("data-url", "data-share-url", "data-article-url", "data-canonical"):
                if value := child.get(attr):
                    urls.append(urljoin(base, value))
    return urls


def _fold(text: str | None) -> str:
    return collapse(text or "").casefold().strip(" .:!?»«\"'")


def _headline_of(el: lxml.html.HtmlElement) -> str:
    for heading in el.iter("h1", "h2"):
        text = collapse(heading.text_content())
        if text:
            return text
    return ""


def select_article(root: lxml.html.HtmlElement, facts: PageFacts, url: str) -> Selection:
    """The element holding the page's own article; the whole page when it holds one or none.

    `candidates` counts the whole articles (not teasers) on the page.
    """
    articles = article_elements(root)
    whole = whole_articles(articles)
    if len(articles) <= 1:
        return Selection(root, len(whole), "only article" if articles else "no article element",
                         articles[0] if articles else None)
    own = [*facts.own_urls, url]
    for article in articles:
        if any(same_page(candidate, mine) for candidate in _urls_of(article, url) for mine in own):
            return Selection(article, len(whole), "canonical URL", article)
    headlines = {_fold(h) for h in (facts.headline, facts.og_title) if h}
    for article in articles:
        heading = _fold(_headline_of(article))
        if heading and any(heading == h or (len(h) > 20 and (heading.startswith(h) or h.startswith(heading)))
                           for h in headlines):
            return Selection(article, len(whole), "headline", article)
    if len(whole) >= 2:
        return Selection(whole[0], len(whole), "first", whole[0])
    return Selection(root, len(whole), "one whole article among teasers" if whole else "teasers only")
