"""What markup means, shared by the layers that read the tree: text of an element, page
furniture, invisible parts. Rules as data: tag sets and class-word patterns."""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html
from lxml.etree import _Comment, _ProcessingInstruction

# Never text: dropped before anything reads the body.
NEVER_TEXT = frozenset({
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas", "video",
    "audio", "dialog", "link", "meta", "head", "input", "select", "textarea", "option", "map",
    "area", "math", "title", "base", "source", "track", "param",
})
BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl",
    "dt", "dd", "figure", "figcaption", "table", "thead", "tbody", "tr", "td", "th", "blockquote", "header",
    "footer", "aside", "nav", "form", "fieldset", "pre", "address", "details", "summary", "hr", "center",
    "picture", "img", "body", "html",
})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
FURNITURE_TAGS = frozenset({"nav", "aside", "footer", "menu"})
FURNITURE_ROLES = frozenset({"navigation", "complementary", "banner", "search", "contentinfo", "menu", "menubar",
                             "toolbar", "dialog", "alertdialog", "tablist"})

# Class or id words that mark page furniture rather than article text. Matched per class
# token, at word boundaries (`-`, `_`, camel case), so `related-articles` and `shareBar`
# match while `shared` or `adress` do not. Strong words mark furniture wherever they stand;
# weak words (`teaser`, `widget`) are also used for the article's own parts, so an element
# carrying only a weak word is furniture only when its text looks like it (links, no prose).
_STRONG_FURNITURE = (
    r"ads?|advert\w*|annonse\w*|banner|sponsor\w*|skyscraper|netboard|topboard|bazaar|outbrain|taboola|"
    r"share|sharing|social|socials|sosiale|related\w*|relaterte?|recommend\w*|recirc\w*|read-?more|readmore|"
    r"les-?ogs[aå]a?|more-?stories|most-?read|popular|trending|newsletter|nyhetsbrev|subscribe|subscription|"
    r"promo\w*|cookies?|consent|gdpr|comments?|kommentar\w*|disqus|breadcrumbs?|pagination|"
    r"pager|navigation|navbar|nav|menu|login|signup|sign-?in|toolbar|footer|masthead|sidebar|"
    r"authors?|author-?bio|about-?author|byline\w*|dateline|timestamp|date|dates|time|published|pubdate|publish-?date|"
    r"updated|"
    r"last-?changed|reading-?time|read-?time|lesetid|meta|kicker|topline|eyebrow|overline|"
    r"visually-?hidden|sr-?only|screen-?reader\w*|offscreen|ad-?slot|feedback|rating|"
    r"tip-?us|podcast-?player|video-?player|gallery-?nav|overlay|breaking-?bar|ticker-?bar|app-?promo|"
    r"download-?app|twitter-?tweet|tweet|instagram\w*|tiktok\w*|fb-post|facebook\w*|social-?embed|"
    r"cards?|collections?|infobox|info-?box|factbox|fakta\w*|faktaboks"
)
_WEAK_FURNITURE = r"teasers?|widget|player|carousel|slider|popup|modal|tags?|tag-?list|keywords|topics|toc"
# Images and their captions: read by the captions layer, never body text.
_MEDIA_WORDS = (
    r"image|images|img|photo|photos|foto|bilde|picture|caption|captions|credit|credits|figure|video|"
    r"gallery|slideshow|media-?embed|mediaembed|thumb|thumbnail|imagecaption|image-?caption|photo-?caption"
)
_STRONG_TOKEN = re.compile(rf"(?:^|[-_])(?:{_STRONG_FURNITURE})(?:$|[-_\d])", re.I)
_WEAK_TOKEN = re.compile(rf"(?:^|[-_])(?:{_WEAK_FURNITURE})(?:$|[-_\d])", re.I)
_MEDIA_TOKEN = re.compile(rf"(?:^|[-_])(?:{_MEDIA_WORDS})(?:$|[-_\d])|image|photo|caption", re.I)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
HIDDEN_CLASSES = frozenset({"sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text", "screen-reader-only",
                            "is-hidden", "u-hidden", "hide", "hidden", "d-none", "offscreen", "a11y-hidden",
                            "element-invisible", "show-for-sr", "assistive-text"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# React 18 streams server-rendered parts in hidden <div id="S:1"> segments that a script
# then moves into place: they are the page's content, not hidden text.
_STREAMED_SEGMENT = re.compile(r"^S:[0-9a-z]+$", re.I)


def is_element(node: object) -> bool:
    return isinstance(node, lxml.html.HtmlElement) and not isinstance(node, (_Comment, _ProcessingInstruction))


def tag_of(el: lxml.html.HtmlElement) -> str:
    tag = el.tag
    return tag.casefold() if isinstance(tag, str) else ""


def class_words(el: lxml.html.HtmlElement) -> list[str]:
    """The class tokens and the id of an element, camel case split into dashes."""
    words = (el.get("class") or "").split()
    ident = el.get("id")
    if ident:
        words.append(ident)
    return [w if w.islower() or w.isupper() else _CAMEL.sub("-", w) for w in words]


def has_furniture_class(el: lxml.html.HtmlElement) -> bool:
    """A strong furniture word, or a weak one on an element whose text is links, not prose."""
    words = class_words(el)
    if any(_STRONG_TOKEN.search(w) for w in words):
        return True
    return any(_WEAK_TOKEN.search(w) for w in words) and not _holds_prose(el)


def has_media_class(el: lxml.html.HtmlElement) -> bool:
    return any(_MEDIA_TOKEN.search(w) for w in class_words(el))


def _holds_prose(el: lxml.html.HtmlElement) -> bool:
    """At least one paragraph of 100 characters, and links under a fifth of the text."""
    text = element_text(el)
    if not text:
        return False
    if link_text_length(el) > 0.2 * len(text):
        return False
    return any(len(element_text(p)) >= 100 for p in el.iter("p")) or len(text) >= 300


def class_matches(el: lxml.html.HtmlElement, pattern: re.Pattern[str]) -> bool:
    return any(pattern.search(w) for w in class_words(el))


def is_furniture(el: lxml.html.HtmlElement) -> bool:
    """Navigation, asides, footers, share bars, ads, teasers: not the article's text."""
    tag = tag_of(el)
    if tag in FURNITURE_TAGS:
        return True
    if (el.get("role") or "").casefold() in FURNITURE_ROLES:
        return True
    return has_furniture_class(el)


# Utility-class CSS shows an element hidden on small screens again on larger ones: `hidden md:flex`.
_SHOWN_AGAIN = re.compile(r"^[a-z0-9]+:(?:block|flex|inline|inline-flex|inline-block|grid|table|contents|flow-root)$")


def is_hidden(el: lxml.html.HtmlElement) -> bool:
    if el.get("hidden") is not None and not _STREAMED_SEGMENT.match(el.get("id") or ""):
        return True
    style = el.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    classes = (el.get("class") or "").casefold().split()
    return bool(set(classes) & HIDDEN_CLASSES) and not any(_SHOWN_AGAIN.match(c) for c in classes)


_NEVER_TEXT_XPATH = "|".join(f"//{tag}" for tag in sorted(NEVER_TEXT)) + "|//comment()|//processing-instruction()"
_MAYBE_HIDDEN_XPATH = "//*[@hidden or @style or @class]"


def drop_invisible(root: lxml.html.HtmlElement) -> None:
    """Remove, in place, what a reader never sees as text: scripts, forms' controls, hidden parts."""
    doomed = list(root.xpath(_NEVER_TEXT_XPATH))
    doomed += [el for el in root.xpath(_MAYBE_HIDDEN_XPATH) if is_hidden(el)]
    for el in doomed:
        parent = el.getparent()
        if parent is None:
            continue
        # Keep the text that follows the element (its tail): it belongs to the parent.
        tail = el.tail
        previous = el.getprevious()
        parent.remove(el)
        if tail:
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail


def block_holders(root: lxml.html.HtmlElement) -> set[lxml.html.HtmlElement]:
    """Every element that has a block-level element below it, found in one pass."""
    holders: set[lxml.html.HtmlElement] = set()
    for el in root.iter(*BLOCK_TAGS):
        for parent in ancestors(el):
            if parent in holders:
                break
            holders.add(parent)
    return holders


# Chinese and Japanese write words without spaces: each character counts as a word there.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORDS = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")


def count_words(text: str) -> int:
    return len(_WORDS.findall(text))


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def inline_pieces(el: lxml.html.HtmlElement, out: list[tuple[str, bool]], in_link: bool = False) -> None:
    """The text under `el` as (piece, inside a link) pairs, in document order; <br> is a line break.

    Iterative, so that a hostile page nesting thousands of inline elements costs no recursion.
    """
    stack: list[tuple[lxml.html.HtmlElement | str, bool]] = [(el, in_link)]
    while stack:
        node, linked = stack.pop()
        if isinstance(node, str):
            out.append((node, linked))
            continue
        if tag_of(node) == "br":
            out.append(("\n", linked))
            continue
        inner = linked or tag_of(node) == "a"
        if node.text and is_element(node):
            out.append((node.text, inner))
        for child in reversed(node):
            if child.tail:
                stack.append((child.tail, inner))
            if is_element(child):
                stack.append((child, inner))


def element_text(el: lxml.html.HtmlElement) -> str:
    pieces: list[tuple[str, bool]] = []
    inline_pieces(el, pieces)
    return collapse("".join(p for p, _ in pieces))


def link_text_length(el: lxml.html.HtmlElement) -> int:
    pieces: list[tuple[str, bool]] = []
    inline_pieces(el, pieces)
    return len(collapse("".join(p for p, linked in pieces if linked)))


def has_block_child(el: lxml.html.HtmlElement) -> bool:
    return any(is_element(child) and tag_of(child) in BLOCK_TAGS for child in el)


def ancestors(el: lxml.html.HtmlElement) -> Iterator[lxml.html.HtmlElement]:
    parent = el.getparent()
    while parent is not None:
        yield parent
        parent = parent.getparent()
