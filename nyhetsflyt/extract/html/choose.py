"""Which reading of the body a page gets.

Measured on 64 pages of 63 publishers nobody wrote rules for (`bench/html_layouts.py`), our own
reading (`body.py`) scores higher than trafilatura's, so it comes first. A reading that
finds little gets a second opinion: trafilatura's, and the page's JSON-LD `articleBody`, which
many pages ship whole even when their markup is rendered by script; one of them replaces our
reading only if it finds far more. A publisher's rules, where they exist, come before all.
"""

from __future__ import annotations

import re

import lxml.html

from nyhetsflyt.extract.html.body import Body, BodyBlock, read_generic_body
from nyhetsflyt.extract.html.engine import read_trafilatura_body
from nyhetsflyt.extract.html.facts import PageFacts
from nyhetsflyt.extract.html.sites import SiteRules

# A reading with fewer words than this gets a second opinion.
CONFIDENT_WORDS = 80
# A second opinion replaces a short reading only when it finds this many times more words.
SECOND_OPINION_FACTOR = 2.0
# JSON-LD articleBody replaces a reading it is this many times longer than (a body rendered by
# script, markup holding only the first paragraphs).
DECLARED_BODY_FACTOR = 2.0


def declared_body(facts: PageFacts) -> Body:
    """The JSON-LD articleBody as paragraphs (none for a paywalled page: only what is visible)."""
    if not facts.article_body or facts.paywalled:
        return Body([], "json-ld")
    paragraphs = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n|\n", facts.article_body)]
    return Body([BodyBlock("paragraph", p) for p in paragraphs if p], "json-ld")


def choose_body(root: lxml.html.HtmlElement, facts: PageFacts, url: str, rules: SiteRules | None) -> Body:
    headline = facts.headline or facts.og_title
    if rules is not None:
        ruled = rules.read_body(root, facts)
        if ruled is not None and ruled.words >= CONFIDENT_WORDS // 4:
            return ruled
    own = read_generic_body(root, facts.description, headline)
    declared = declared_body(facts)
    if declared.words >= DECLARED_BODY_FACTOR * max(own.words, 1) and declared.words >= CONFIDENT_WORDS:
        return _with_lede(declared, own)
    if own.words >= CONFIDENT_WORDS:
        return own
    # A short reading stands unless another finds far more: a short article is short for all.
    other = read_trafilatura_body(root, url)
    best = max((other, declared), key=lambda body: body.words)
    return best if best.words >= SECOND_OPINION_FACTOR * max(own.words, 1) else own


def _with_lede(declared: Body, own: Body) -> Body:
    """The declared body, opened by the lede the page shows (articleBody seldom holds it)."""
    lede = next((b for b in own.blocks if b.kind == "lede"), None)
    blocks = ([lede] if lede else []) + declared.blocks
    return Body(blocks, declared.layer, container=own.container, zone=own.zone)
