"""NRK (nrk.no): the body in `div.article-body`, the standfirst in `div.article-lead`.

Its `<h1>` and JSON-LD headline carry a second line after a colon (`…: – Tragisk ulykke`); the
headline NRK gives the article is its `og:title`.
"""

from __future__ import annotations

from nyhetsflyt.extract.html.sites.base import SiteRules, has_class


class Nrk(SiteRules):
    name = "nrk"
    domains = ("nrk.no",)
    body = f".//div[{has_class('article-body')}]"
    lede = f".//div[{has_class('article-lead')}]/p"
    headline_meta = "og:title"
