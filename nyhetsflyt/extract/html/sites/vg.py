"""VG (vg.no): the body in `section.article-body`, the standfirst is the `_lead` paragraph of
`header.article-intro`, where score widgets (match calendars) stand beside it."""

from __future__ import annotations

from nyhetsflyt.extract.html.sites.base import SiteRules, has_class


class Vg(SiteRules):
    name = "vg"
    domains = ("vg.no",)
    body = f".//section[{has_class('article-body')}]"
    lede = f".//header[{has_class('article-intro')}]//p[contains(@class, '_lead')]"
