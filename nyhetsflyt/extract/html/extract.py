"""One article out of one page: the layers, in the order they read it.

    page      parse the bytes once, or refuse them (page.py)
    facts     what the page declares: JSON-LD, microdata, OpenGraph, meta (facts.py)
    rules     the publisher's rules, if its domain has any (sites/)
    select    the page's own article when it holds several (select.py)
    body      the running text: publisher rules, else our reading or trafilatura's (body.py,
              engine.py, choose.py)
    refuse    a front page, a section or tag page is not an article (listing.py)
    captions  photos with caption and credit (figures.py)
    dates     publication and modification time with precision (dates.py)
    authors   cleaned names (authors.py)

`extract_page` is what the web source, the folder source and `nyhetsflyt extract` call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import lxml.html

from nyhetsflyt.documents import Block, BlockHint, DatePrecision, PageInfo, SourceDocument
from nyhetsflyt.extract.credits import as_credit
from nyhetsflyt.extract.html.authors import clean_authors
from nyhetsflyt.extract.html.body import Body, caption_region
from nyhetsflyt.extract.html.choose import choose_body
from nyhetsflyt.extract.html.dates import first_date, htmldate_guess
from nyhetsflyt.extract.html.facts import PageFacts, read_facts
from nyhetsflyt.extract.html.figures import CaptionFact, add_declared_captions, read_captions
from nyhetsflyt.extract.html.listing import refuse_listing
from nyhetsflyt.extract.html.markup import ancestors, drop_invisible, element_text
from nyhetsflyt.extract.html.page import NotAnArticle, UnreadablePage, ends_inside, parse_page
from nyhetsflyt.extract.html.select import select_article
from nyhetsflyt.extract.html.sites import SiteRules, rules_for
from nyhetsflyt.extract.html.titles import choose_title

# Fewer words of running text than this is no article (a video page, an empty shell).
MIN_BODY_WORDS = 20


@dataclass(slots=True)
class PageExtraction:
    """Everything read from one article page."""

    url: str
    title: str | None
    blocks: list[Block]  # lede, paragraphs, subheadings, captions, byline, in reading order
    layer: str  # which layer gave the body: "site:nrk", "generic", "trafilatura", "json-ld"
    published: datetime | None = None
    published_precision: DatePrecision | None = None
    modified: datetime | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    language: str | None = None  # as the page declares it
    section: str | None = None
    paywalled: bool | None = None  # True: only what is visible was read
    canonical_url: str | None = None
    encoding: str = "utf-8"
    selection: str = ""  # how the article was chosen on the page

    def to_document(self) -> SourceDocument:
        raw_text = "\n\n".join([*([self.title] if self.title else []), *(b.text for b in self.blocks)])
        return SourceDocument(
            source_uri=self.url, source_format="html", blocks=list(self.blocks), raw_text=raw_text,
            title=self.title, published=self.published, published_precision=self.published_precision,
            modified=self.modified, authors=list(self.authors), tags=list(self.tags), encoding=self.encoding,
            page=PageInfo(canonical_url=self.canonical_url, paywalled=self.paywalled, section=self.section,
                          language=self.language, layer=self.layer),
        )


def _assemble(body: Body, captions: list[CaptionFact], scope: lxml.html.HtmlElement) -> list[Block]:
    """Body blocks and captions in reading order: a caption after the text that precedes its photo."""
    order = {el: index for index, el in enumerate(scope.getroottree().getroot().iter())}
    blocks: list[tuple[float, int, Block]] = []
    for index, text_block in enumerate(body.blocks):
        found = order.get(text_block.element, -1) if text_block.element is not None else -1
        hint: BlockHint = text_block.kind
        blocks.append((float(found) if found >= 0 else index * 1e-6, len(blocks), Block(text_block.text, hint)))
    first_text = next((p for p, _, b in blocks if b.hint in ("paragraph", "subheading")), 0.0)
    for caption in captions:
        shown = order.get(caption.element, -1) if caption.element is not None else -1
        # A declared photo the page does not show goes before the text.
        position = float(shown) if shown >= 0 else first_text - 0.5
        credit = as_credit(caption.credit)
        block = Block(caption.text, "caption", credit) if caption.text else Block(credit or "", "credit")
        blocks.append((position, len(blocks), block))
    blocks.sort(key=lambda item: (item[0], item[1]))
    return [b for _, _, b in blocks if b.text]


def _published(facts: PageFacts, tree: lxml.html.HtmlElement, url: str,
               rules: SiteRules | None) -> tuple[datetime | None, DatePrecision | None]:
    candidates = [*(rules.published(tree) if rules else []), *facts.published_raw]
    found = first_date(candidates)
    if found is None:
        found = htmldate_guess(tree, url)
    return found if found else (None, None)


def _markup_authors(region: lxml.html.HtmlElement) -> list[str]:
    """Names in byline markup: rel=author links, itemprop=author, byline name elements."""
    names: list[str] = []
    for el in region.iter():
        if not isinstance(el.tag, str):
            continue
        if "author" in (el.get("rel") or "").split() or el.get("itemprop") == "author":
            inner = [n for n in el.iter() if n.get("itemprop") == "name"]
            names.append(element_text(inner[0] if inner else el))
    return clean_authors(n for n in names if n and len(n) < 120)


def extract_page(html: str | bytes, url: str, *, publisher_rules: bool = True,
                 charset: str | None = None) -> PageExtraction:
    """The article on a page, read by the layers above.

    Raises UnreadablePage for input that is not a readable HTML page, NotAnArticle for a page
    that is not one article (a front, section or tag page; an empty shell).
    """
    page = parse_page(html, url, charset)
    facts = read_facts(page.tree, url)
    # A saved page (a file) names its publisher by its canonical URL.
    host = page.host or urlsplit(facts.canonical_url or facts.og_url or "").hostname or ""
    rules = rules_for(host) if publisher_rules else None

    selection = select_article(page.tree, facts, url)
    scope = rules.article_scope(page.tree, facts) if rules else None
    if scope is None:
        scope = selection.scope
    raw_scope = scope
    paywalled = facts.paywalled
    if rules and paywalled is None:
        paywalled = rules.paywalled(scope)
    if rules:
        rules.clean(scope)
    drop_invisible(scope)
    root = scope if scope.tag != "html" else (scope.find("body") if scope.find("body") is not None else scope)

    body = choose_body(root, facts, url, rules)
    refuse_listing(page, facts, selection, body, url)
    if body.words < MIN_BODY_WORDS:
        raise NotAnArticle(f"no article body: {body.words} words of paragraph text")
    if body.container is not None and ends_inside(page, body.container):
        raise UnreadablePage("truncated HTML: the page ends inside the article's text")

    region = caption_region(body.container, root) if body.container is not None else root
    lineage = set(body.zone)
    for member in body.zone:
        lineage.update(ancestors(member))
    captions = read_captions(region, lineage)
    captions = add_declared_captions(captions, facts.images, region)

    title = choose_title(facts, region, rules)
    published, precision = _published(facts, page.tree, url, rules)
    modified = first_date(facts.modified_raw)
    authors = facts.authors or (rules.authors(raw_scope) if rules else []) or _markup_authors(region)
    return PageExtraction(
        url=url,
        title=title,
        blocks=_assemble(body, captions, root),
        layer=body.layer,
        published=published,
        published_precision=precision,
        modified=modified[0] if modified else None,
        authors=authors,
        tags=facts.tags,
        language=facts.language,
        section=facts.section,
        paywalled=paywalled,
        canonical_url=facts.canonical_url or facts.og_url,
        encoding=page.encoding,
        selection=selection.reason,
    )


def extract_article(html: str | bytes, url: str, *, publisher_rules: bool = True,
                    charset: str | None = None) -> SourceDocument:
    """The article on a page as a SourceDocument for the split stage (see `extract_page`)."""
    return extract_page(html, url, publisher_rules=publisher_rules, charset=charset).to_document()
