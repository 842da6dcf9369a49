"""What a publisher's pages need beyond the generic layers, as data: one small class per
outlet, each field an XPath over the page (Fundus's style). A field left empty means the
generic layer decides."""

from __future__ import annotations

from typing import ClassVar

import lxml.html

from nyhetsflyt.extract.html.authors import clean_authors
from nyhetsflyt.extract.html.body import Body, BodyBlock, read_body_in
from nyhetsflyt.extract.html.facts import PageFacts
from nyhetsflyt.extract.html.markup import element_text


def has_class(name: str) -> str:
    """An XPath test for a class token: `.//div[{has_class('body-text')}]`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


class SiteRules:
    """A publisher's rules. Subclasses set the fields that earn their place."""

    name: ClassVar[str] = ""
    domains: ClassVar[tuple[str, ...]] = ()  # the publisher's hosts; subdomains included
    article: ClassVar[str | None] = None  # the page's own article element (on multi-article pages)
    body: ClassVar[str | None] = None  # the container(s) of the running text, inside the article
    lede: ClassVar[str | None] = None  # the standfirst
    drop: ClassVar[tuple[str, ...]] = ()  # elements inside the article that are not its text
    headline: ClassVar[str | None] = None  # the element holding the headline
    headline_meta: ClassVar[str | None] = None  # or the meta tag (`og:title`) that states it
    byline: ClassVar[str | None] = None  # elements holding one author's name each
    published_at: ClassVar[str | None] = None  # attribute or element text holding the publication time
    paywall: ClassVar[str | None] = None  # present only on paywalled pages

    def article_scope(self, tree: lxml.html.HtmlElement, facts: PageFacts) -> lxml.html.HtmlElement | None:
        """The page's own article, where the publisher marks it so; else `select.py` decides."""
        if not self.article:
            return None
        found = tree.xpath(self.article)
        return found[0] if found else None

    def clean(self, scope: lxml.html.HtmlElement) -> None:
        for xpath in self.drop:
            for el in scope.xpath(xpath):
                parent = el.getparent()
                if parent is not None:
                    el.drop_tree()

    def read_body(self, root: lxml.html.HtmlElement, facts: PageFacts) -> Body | None:
        if not self.body:
            return None
        containers = root.xpath(self.body)
        if not containers:
            return None
        body = read_body_in(containers, facts.description, facts.headline or facts.og_title)
        if self.lede:
            found = root.xpath(self.lede)
            lede = element_text(found[0]) if found else ""
            if lede:
                body.blocks = [BodyBlock("lede", lede, found[0])] + [b for b in body.blocks if b.kind != "lede"]
        body.layer = f"site:{self.name}"
        return body

    def title(self, region: lxml.html.HtmlElement, facts: PageFacts) -> str | None:
        if self.headline_meta:
            return next(iter(facts.meta.get(self.headline_meta, [])), None)
        if not self.headline:
            return None
        found = region.xpath(self.headline)
        return element_text(found[0]) if found else None

    def authors(self, scope: lxml.html.HtmlElement) -> list[str]:
        if not self.byline:
            return []
        return clean_authors(element_text(el) for el in scope.xpath(self.byline))

    def published(self, tree: lxml.html.HtmlElement) -> list[str]:
        if not self.published_at:
            return []
        return [str(v).strip() for v in tree.xpath(self.published_at) if str(v).strip()]

    def paywalled(self, tree: lxml.html.HtmlElement) -> bool | None:
        if not self.paywall:
            return None
        return bool(tree.xpath(self.paywall))
