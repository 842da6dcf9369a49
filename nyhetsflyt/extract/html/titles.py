"""The article's headline, from what the page declares and what it shows.

Pages state a headline up to four times: JSON-LD `headline`, `og:title`, the `<h1>` above the
article and `<title>` (without the site's name), and they do not always agree: a headline
for search engines, another for social media, a kicker in front. The headline most of them
state is taken; on a tie, the first in that order.
"""

from __future__ import annotations

import html
import re

import lxml.html

from nyhetsflyt.extract.html.facts import PageFacts
from nyhetsflyt.extract.html.markup import collapse, element_text, is_furniture
from nyhetsflyt.extract.html.sites import SiteRules

_SITE_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|::|·|•|»)\s+")


def clean_title(raw: str | None, site_names: set[str]) -> str | None:
    """A declared title without markup escapes, soft hyphens and the site's name around it."""
    if not raw:
        return None
    title = collapse(html.unescape(html.unescape(raw)).replace("\xad", ""))
    parts = _SITE_SEPARATOR.split(title)
    if len(parts) > 1 and _names_site(parts[-1], site_names):
        title = title[: title.rfind(parts[-1])].rstrip(" |-–—:·•»")
    elif len(parts) > 1 and _names_site(parts[0], site_names):
        title = title[len(parts[0]):].lstrip(" |-–—:·•»")
    return title.strip() or None


def _names_site(part: str, site_names: set[str]) -> bool:
    """`NRK`, `NRK Nordland`, `Aftenposten.no`: the site's name, alone or with its edition."""
    folded = part.strip().casefold()
    return folded in site_names or any(
        folded.startswith(name + " ") and len(folded.split()) <= 3 for name in site_names if len(name) >= 2)


def shown_headline(region: lxml.html.HtmlElement) -> str | None:
    """The first <h1> of the article that is not in page furniture (a login box, a logo)."""
    for heading in region.iter("h1"):
        if any(is_furniture(parent) for parent in heading.iterancestors() if parent is not region):
            continue
        text = element_text(heading)
        if len(text) >= 3:
            return text
    return None


def _key(title: str | None) -> str:
    return re.sub(r"[\W_]+", " ", (title or "").casefold()).strip()


def choose_title(facts: PageFacts, region: lxml.html.HtmlElement, rules: SiteRules | None) -> str | None:
    if rules is not None and (ruled := rules.title(region, facts)):
        return clean_title(ruled, facts.site_names)
    candidates = [title for title in (
        clean_title(facts.headline, facts.site_names),
        clean_title(facts.og_title, facts.site_names),
        clean_title(shown_headline(region), facts.site_names),
        clean_title(facts.html_title, facts.site_names),
    ) if title]
    if not candidates:
        return None
    votes: dict[str, int] = {}
    for title in candidates:
        votes[_key(title)] = votes.get(_key(title), 0) + 1
    return max(candidates, key=lambda title: votes[_key(title)])  # max keeps the first on a tie
