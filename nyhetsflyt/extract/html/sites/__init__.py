"""Publisher rules, keyed by domain: one module per outlet, each one small class.

To add a site: a module here with a `SiteRules` subclass (see `base.py` for the fields), its
instance in `SITES`, and under `tests/fixtures/html/sites/<name>/` an invented page in the
outlet's markup with the expected reading beside it (`page.html`, `expected.json`);
`tests/test_html_sites.py` runs every registered site against its page and fails for a site
without one. Every other site takes the generic layers.
"""

from __future__ import annotations

from nyhetsflyt.extract.html.sites.base import SiteRules
from nyhetsflyt.extract.html.sites.dagbladet import Dagbladet
from nyhetsflyt.extract.html.sites.nettavisen import Nettavisen
from nyhetsflyt.extract.html.sites.nrk import Nrk
from nyhetsflyt.extract.html.sites.vg import Vg

SITES: tuple[SiteRules, ...] = (Dagbladet(), Nettavisen(), Nrk(), Vg())


def rules_for(host: str) -> SiteRules | None:
    """The rules of the publisher serving `host` (`www.` and subdomains included), if any."""
    host = host.casefold().removeprefix("www.")
    for site in SITES:
        if any(host == domain or host.endswith("." + domain) for domain in site.domains):
            return site
    return None


__all__ = ["SITES", "SiteRules", "rules_for"]
