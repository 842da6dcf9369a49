"""trafilatura as a second reader of the body, on the tree already parsed.

Run in its fast mode (no readability/jusText fallbacks) on a copy of our tree, so the page is
never parsed twice. Its paragraphs come back as blocks like ours; `choose.py` decides
whether the page gets them.
"""

from __future__ import annotations

import logging
from copy import deepcopy

import lxml.html

from nyhetsflyt.extract.html.body import Body, BodyBlock
from nyhetsflyt.extract.html.markup import collapse

# trafilatura logs every page it finds too short at WARNING: that is our decision to report.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


def _as_document(scope: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """trafilatura reads whole documents: a selected article is wrapped in one."""
    if scope.tag == "html":
        return deepcopy(scope)
    document = lxml.html.document_fromstring("<html><body></body></html>")
    body = document.find("body")
    assert body is not None
    body.append(deepcopy(scope))
    return document


def _text(el: object) -> str:
    return collapse("".join(str(t) for t in el.itertext()))  # type: ignore[attr-defined]


def read_trafilatura_body(scope: lxml.html.HtmlElement, url: str) -> Body:
    """trafilatura's reading of the article scope; an empty Body when it finds nothing."""
    import trafilatura
    from lxml.etree import _Element

    try:
        result = trafilatura.bare_extraction(_as_document(scope), url=url or None, fast=True,
                                             include_comments=False, include_tables=False,
                                             include_images=False, with_metadata=False)
    except Exception:  # a reader of arbitrary pages; its failure is "no reading", not ours
        return Body([], "trafilatura")
    body = getattr(result, "body", None)
    if not isinstance(body, _Element):
        return Body([], "trafilatura")
    blocks: list[BodyBlock] = []
    for el in body:
        text = _text(el)
        if not text:
            continue
        if el.tag == "head":
            blocks.append(BodyBlock("subheading", text))
        elif el.tag == "list":
            blocks.extend(BodyBlock("paragraph", _text(item)) for item in el if _text(item))
        else:
            blocks.append(BodyBlock("paragraph", text))
    return Body(blocks, "trafilatura")
