"""Nettavisen (nettavisen.no, Amedia's publishing system): the body in `div.body-text`, the
standfirst in `p.lead-text`; the byline box and ad slots sit inside the body."""

from __future__ import annotations

from nyhetsflyt.extract.html.sites.base import SiteRules, has_class


class Nettavisen(SiteRules):
    name = "nettavisen"
    domains = ("nettavisen.no",)
    body = f".//div[{has_class('body-text')}]"
    lede = f".//p[{has_class('lead-text')}]"
    drop = (f".//footer[{has_class('byline-footer')}]", ".//bazaar-ad", ".//amedia-include")
