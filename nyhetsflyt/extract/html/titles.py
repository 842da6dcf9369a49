"""The article's headline, from what the page declares and what it shows.

Pages state a headline up to four times: JSON-LD `headline`, `og:title`, the `<h1>` above the
article and `<title>` (without the site's name), and they do not always agree: a headline
for search engines, another for social media, a kicker in front, a section name behind. The
headline most of them state is taken; on a tie, the structured one, then the shown one.
"""

from __future__ import annotations

import html
import re

import lxml.html

from nyhetsflyt.extract.html.facts import PageFacts
from nyhetsflyt.extract.html.markup import (
    FURNITURE_ROLES,
    FURNITURE_TAGS,
    class_matches,
    collapse,
    element_text,
    tag_of,
)
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


# Where an <h1> is the site's, not the article's: a login box, the logo, the menu.
_SITE_CHROME = re.compile(r"(?:^|[-_])(?:login|log-?in|modal|popup|dialog|menu|nav|navigation|logo|masthead|"
                          r"site-?header|footer|paywall|subscribe)(?:$|[-_\d])", re.I)


def _site_chrome(el: lxml.html.HtmlElement) -> bool:
    return tag_of(el) in FURNITURE_TAGS or (el.get("role") or "").casefold() in FURNITURE_ROLES \
        or class_matches(el, _SITE_CHROME)


def shown_headline(region: lxml.html.HtmlElement) -> str | None:
    """The first <h1> of the article that is not the site's own (a login box, a logo)."""
    for heading in region.iter("h1"):
        if any(_site_chrome(parent) for parent in heading.iterancestors() if parent is not region):
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
    shown = clean_title(shown_headline(region), facts.site_names)
    structured = clean_title(facts.headline, facts.site_names)
    social = clean_title(facts.og_title, facts.site_names)
    declared = clean_title(facts.html_title, facts.site_names)
    # The vote: the headline most of them state; on a tie the shown one, then the structured,
    # the social and <title>.
    candidates = [title for title in (shown, structured, social, declared) if title]
    if not candidates:
        return None
    winner = max(candidates, key=lambda title: sum(_states(other, title) for other in candidates))
    # Its wording from a declared form where one says the same words: a headline shown in
    # several elements (kicker and title) loses the punctuation between them.
    same = [title for title in (structured, social, shown, declared) if title and _key(title) == _key(winner)]
    return same[0] if same else winner


def _states(stated: str, headline: str) -> bool:
    """Whether `stated` states `headline`: the same words, or them with a section or site name
    behind a separator (`Headline | Sport`)."""
    want = _key(headline)
    return _key(stated) == want or any(
        _key(stated[: m.start()]) == want or _key(stated[m.end():]) == want for m in _SITE_SEPARATOR.finditer(stated))
