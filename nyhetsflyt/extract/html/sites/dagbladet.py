"""Dagbladet (dagbladet.no): infinite scroll, one `<article>` per story in `#main`; the page's
own is chosen by its URL (`select.py`), its text is `div.body-copy`, its standfirst the
`h3` in the `article-top` header. A `button[data-paywall-id]` marks a story for subscribers."""

from __future__ import annotations

from nyhetsflyt.extract.html.sites.base import SiteRules, has_class


class Dagbladet(SiteRules):
    name = "dagbladet"
    domains = ("dagbladet.no",)
    body = f".//div[{has_class('body-copy')}]"
    lede = f".//div[{has_class('article-top')}]//header//h3"
    paywall = ".//button[@data-paywall-id]"
