"""Generic body: the article's running text on a page whose layout nobody wrote rules for.

How it reads a page (after page furniture and invisible parts are gone):
  1. every paragraph-like element (a <p>, a text-only <div>) is scored by its length, its
     commas and how little of it is link text, and passes its score to its parent and, at
     falling weight, to the two ancestors above (as Readability does);
  2. the best-scored element is the body; sibling containers that continue it (a body
     split around an ad or an image) join it;
  3. the article around the body is walked in document order: inside the body every
     paragraph and subheading is a block, before it only the lede (by its class, or
     because it is the page's own description).

trafilatura (`engine.py`) reads the same tree independently; `choose.py` decides which reading
the page gets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import lxml.html

from nyhetsflyt.extract.credits import CREDIT_LINE
from nyhetsflyt.extract.html.markup import (
    FURNITURE_ROLES,
    FURNITURE_TAGS,
    HEADINGS,
    ancestors,
    block_holders,
    class_matches,
    collapse,
    count_words,
    element_text,
    has_block_child,
    has_furniture_class,
    has_media_class,
    inline_pieces,
    is_element,
    is_furniture,
    link_text_length,
    tag_of,
)

BlockKind = Literal["lede", "paragraph", "subheading", "link", "credit"]


@dataclass(slots=True)
class BodyBlock:
    kind: BlockKind
    text: str
    element: lxml.html.HtmlElement | None = None  # where it was read (None: not from the tree)


@dataclass(slots=True)
class Body:
    blocks: list[BodyBlock]
    layer: str  # which layer read it: "generic", "trafilatura", "json-ld", "site:<name>"
    container: lxml.html.HtmlElement | None = None  # the best-scored element
    zone: list[lxml.html.HtmlElement] = field(default_factory=list)  # every element read as body

    @property
    def words(self) -> int:
        return sum(count_words(b.text) for b in self.blocks if b.kind in ("paragraph", "subheading", "lede"))

    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks if b.kind in ("lede", "paragraph", "subheading"))


# -- scoring ---------------------------------------------------------------------------------------

_GOOD_CONTAINER = re.compile(
    r"(?:^|[-_])(?:article|articles?-?body|body|content|entry|main|story|text|post|tekst|brodtekst|brødtekst|"
    r"artikkel|prose|rich-?text|copy|body-?copy|body-?text|article-?text|story-?body|post-?content|"
    r"entry-?content|page-?content)(?:$|[-_\d])", re.I)
_PARAGRAPH_TAGS = frozenset({"p", "pre"})
_LEAF_TEXT_TAGS = frozenset({"div", "section", "span", "font", "td", "article", "center"})
MIN_PARAGRAPH_CHARS = 25
# List items this long on average are sentences of the text; shorter ones are labels,
# product lists, navigation.
MIN_LIST_ITEM_CHARS = 60
# How many levels above the best container the body may continue in sibling containers.
ZONE_LEVELS = 5


def _paragraph_score(el: lxml.html.HtmlElement) -> float:
    pieces: list[tuple[str, bool]] = []
    inline_pieces(el, pieces)
    text = collapse("".join(p for p, _ in pieces))
    if len(text) < MIN_PARAGRAPH_CHARS:
        return 0.0
    linked = len(collapse("".join(p for p, link in pieces if link)))
    density = min(linked / len(text), 1.0)
    if density > 0.5:
        return 0.0
    # CJK text has no commas between words and few spaces; count its full stops and commas too.
    commas = text.count(",") + text.count("，") + text.count("、") + text.count("。")
    return (1 + commas + min(len(text) / 100, 3)) * (1 - density)


def _is_paragraph_like(el: lxml.html.HtmlElement) -> bool:
    tag = tag_of(el)
    if tag in _PARAGRAPH_TAGS:
        return True
    if tag in _LEAF_TEXT_TAGS and not has_block_child(el):
        # A text-only <div>: its own text, not only a wrapped link or label.
        return len((el.text or "").strip()) + sum(len((c.tail or "").strip()) for c in el) >= MIN_PARAGRAPH_CHARS \
            or any(is_element(c) and tag_of(c) in ("b", "strong", "em", "i", "span", "font") for c in el)
    return False


def _context_weight(el: lxml.html.HtmlElement, root: lxml.html.HtmlElement,
                    memo: dict[lxml.html.HtmlElement, float]) -> float:
    """0 under navigation, asides and footers or inside a link; less under furniture classes.

    `memo` holds the weight each ancestor passes down, so a page costs one look per element.
    """
    path: list[lxml.html.HtmlElement] = []
    weight = 1.0
    for parent in ancestors(el):
        if parent in memo:
            weight = memo[parent]
            break
        path.append(parent)
        if parent is root:
            break
    for parent in reversed(path):
        tag = tag_of(parent)
        if tag == "a" or tag in FURNITURE_TAGS or (parent.get("role") or "").casefold() in FURNITURE_ROLES:
            weight = 0.0
        elif weight > 0 and has_furniture_class(parent):
            weight = min(weight, 0.15)
        memo[parent] = weight
    return weight


@dataclass(slots=True)
class Scores:
    local: dict[lxml.html.HtmlElement, float]  # parent, and at falling weight two more ancestors
    total: dict[lxml.html.HtmlElement, float]  # every paragraph in the subtree, at full weight


def score_containers(root: lxml.html.HtmlElement) -> Scores:
    local: dict[lxml.html.HtmlElement, float] = {}
    total: dict[lxml.html.HtmlElement, float] = {}
    memo: dict[lxml.html.HtmlElement, float] = {}
    for el in root.iter():
        if not is_element(el) or not _is_paragraph_like(el):
            continue
        score = _paragraph_score(el)
        if score <= 0:
            continue
        score *= _context_weight(el, root, memo)
        if score <= 0:
            continue
        total[el] = total.get(el, 0.0) + score
        for level, ancestor in enumerate(ancestors(el)):
            if tag_of(ancestor) in ("html", "body"):
                break
            total[ancestor] = total.get(ancestor, 0.0) + score
            if level < 3:
                local[ancestor] = local.get(ancestor, 0.0) + score * (1.0, 0.5, 0.3)[level]
    for el in list(local):
        if class_matches(el, _GOOD_CONTAINER):
            local[el] *= 1.15
        if has_furniture_class(el):
            local[el] *= 0.5
    return Scores(local, total)


def _is_article_boundary(el: lxml.html.HtmlElement) -> bool:
    return tag_of(el) in ("article", "main") or (el.get("role") or "") == "main" \
        or bool(re.search(r"Article|BlogPosting", el.get("itemtype") or ""))


def _continues_body(sibling: lxml.html.HtmlElement, base: float, scores: Scores, before: bool) -> bool:
    tag = tag_of(sibling)
    if is_furniture(sibling) or tag in HEADINGS or tag in ("header", "figure", "table", "form"):
        return False
    if class_matches(sibling, _LEDE_CLASS):
        return False  # the standfirst: read as the lede, before the body
    if tag == "article" and scores.total.get(sibling, 0.0) < 0.5 * base:
        return False
    score = scores.total.get(sibling, 0.0)
    if score >= 0.2 * base:
        return True
    if tag in _PARAGRAPH_TAGS:
        return len(element_text(sibling)) >= 80 and _paragraph_score(sibling) > 0
    # A smaller part before the body that reads as prose (a long paragraph, few links) is
    # its opening, often kept apart as the part shown before a paywall.
    if before and score >= 0.05 * base and not has_media_class(sibling):
        text = element_text(sibling)
        longest = max((len(element_text(p)) for p in sibling.iter("p")), default=0)
        return longest >= 100 and link_text_length(sibling) < 0.2 * max(len(text), 1)
    return False


def body_zone(container: lxml.html.HtmlElement, scores: Scores,
              root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The container and the containers beside it, up to ZONE_LEVELS levels up, that carry on its
    text: a body split around ads and images, or into one block per section."""
    members = [container]
    base = scores.total.get(container, 0.0)
    current = container
    for _ in range(ZONE_LEVELS):
        parent = current.getparent()
        if parent is None or parent is root or tag_of(parent) in ("body", "html"):
            break
        siblings = [child for child in parent if is_element(child)]
        position = siblings.index(current)
        chosen = [child for index, child in enumerate(siblings)
                  if child is current or _continues_body(child, base, scores, before=index < position)]
        if len(chosen) > 1:
            # Headings between the parts are the body's subheadings.
            first, last = siblings.index(chosen[0]), siblings.index(chosen[-1])
            chosen = [child for child in siblings[first:last + 1]
                      if child in chosen or tag_of(child) in HEADINGS]
            members.extend(child for child in chosen if child is not current)
        if _is_article_boundary(parent):
            break
        current = parent
    return members


def article_scope(container: lxml.html.HtmlElement, root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The article element around the body: <article>, <main>, an Article itemscope, else its parent."""
    for parent in ancestors(container):
        if parent is root or tag_of(parent) in ("body", "html"):
            break
        itemtype = parent.get("itemtype") or ""
        if tag_of(parent) in ("article", "main") or (parent.get("role") or "") == "main" \
                or re.search(r"Article|BlogPosting", itemtype):
            return parent
    parent = container.getparent()
    if parent is None or tag_of(parent) in ("body", "html"):
        return container
    return parent


# -- walking ---------------------------------------------------------------------------------------

_LEDE_CLASS = re.compile(
    r"lead(?!er)|lede|ingress|ingres|preface|standfirst|stand-?first|summary|intro|teaser-?text|kicker-?text|"
    r"article-?description|description|deck|dek|subtitle|sub-?title|sub-?headline|subline|abstract|excerpt|"
    r"chapo|chapeau|sapo|bajada|entradilla|vorspann|einleitung", re.I)
_NOISE_TEXT = frozenset({
    "vis mer", "vis flere", "les mer", "les også", "se også", "del", "del artikkelen", "del saken", "kopier lenke",
    "annonse", "annonsørinnhold", "reklame", "tips oss", "tips meg", "logg inn", "les hele saken", "kjøp abonnement",
    "publisert", "oppdatert", "lukk", "meny", "hopp til hovedinnhold", "abonner", "advertisement", "anzeige",
    "read more", "share", "share this article", "related", "werbung", "publicidad", "publicité",
})
_PAYWALL_TEXT = re.compile(
    r"^(for å lese (hele )?(denne )?(saken|artikkelen)|denne (saken|artikkelen) er (forbeholdt|kun for)|"
    r"bli abonnent|kjøp tilgang|allerede abonnent|subscribe to (continue|read)|already a subscriber)", re.I)
_LINK_LEAD = re.compile(
    r"^(les|se|hør|read|see|lesen sie auch|mehr zum thema)\s+(også|mer|hele saken|more|also)?\s*:", re.I)
# A line that is only a date and time, or a byline: page furniture written as a paragraph.
_DATE_LINE = re.compile(
    r"^(?:(?:publisert|oppdatert|published|updated|stand|aktualisiert|veröffentlicht|mis à jour|publié)\s*:?\s*)?"
    r"(?:\w+,?\s+)?\d{1,4}[./-]\s?\d{1,2}[./-]\s?\d{2,4}(?:,?\s*(?:kl\.?|um|at|à)?\s*\d{1,2}[.:]\d{2}(?:\s*uhr)?)?$",
    re.I)
_BYLINE_LINE = re.compile(r"^(?:av|by|von|par|por|tekst|text|redaktion|foto)\s*:?\s+\S", re.I)
# Elements read by other layers (captions) or never text of the article.
_NOT_TEXT_HERE = frozenset({"figure", "figcaption", "picture", "img", "form", "address", "hr"})
_INLINE_TAGS = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark",
                          "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
                          "font", "label", "del", "ins", "br", "big", "tt", "nobr"})


def _runs(pieces: list[tuple[str, bool]]) -> list[tuple[str, int]]:
    """Inline text split into paragraphs at blank lines (<br><br>): (text, linked characters)."""
    text = "".join(p for p, _ in pieces)
    linked = collapse("".join(p for p, link in pieces if link))
    chunks = [collapse(c) for c in re.split(r"\n[ \t\r\f\v]*\n", text)]
    chunks = [c for c in chunks if c]
    if len(chunks) == 1:
        return [(chunks[0], len(linked))]
    return [(c, len(c) if linked and c in linked else 0) for c in chunks]


class _Frame:
    """One element being walked: where its children stand and the inline text gathered so far."""

    __slots__ = ("children", "el", "in_body", "lede", "pieces")

    def __init__(self, el: lxml.html.HtmlElement, in_body: bool, lede: bool) -> None:
        self.el = el
        self.in_body = in_body
        self.lede = lede
        self.children = iter(el)
        self.pieces: list[tuple[str, bool]] = [(el.text, False)] if el.text else []


class _Walker:
    """Turns the article scope into blocks, in document order."""

    def __init__(self, scope: lxml.html.HtmlElement, zone: list[lxml.html.HtmlElement], scores: Scores,
                 description: str | None, headline: str | None) -> None:
        self.scope = scope
        self.scores = scores
        # Class words never overrule the text: furniture holding much of the body is the body.
        self.furniture_limit = 0.3 * max((scores.total.get(el, 0.0) for el in zone), default=0.0)
        self.zone = set(zone)
        self.zone_lineage: set[lxml.html.HtmlElement] = set(zone)
        for el in zone:
            self.zone_lineage.update(ancestors(el))
        self.description = _fold(description or "")
        self.headline = _fold(headline or "")
        self.blocks: list[BodyBlock] = []
        self.block_holders = block_holders(scope)
        self.seen_body = False
        self.seen_paragraph = False
        self.seen_texts: set[str] = set()
        # Texts before the body that may be its lede, with how sure: 3 it is the page's
        # description, 2 its own element says lede, 1 an element around it does.
        self.lede_candidates: list[tuple[int, str, lxml.html.HtmlElement]] = []

    def run(self) -> list[BodyBlock]:
        self._walk()
        if self.lede_candidates and not any(b.kind == "lede" for b in self.blocks):
            _, text, el = max(self.lede_candidates, key=lambda c: c[0])  # the first of the surest
            if _fold(text) not in self.seen_texts:
                self.blocks.insert(0, BodyBlock("lede", text, el))
        return self.blocks

    def _walk(self) -> None:
        """The scope in document order: inline runs become text blocks at each block boundary.

        An explicit stack rather than recursion: pages may nest elements hundreds deep.
        """
        stack = [_Frame(self.scope, self.scope in self.zone, False)]
        while stack:
            frame = stack[-1]
            child = next(frame.children, None)
            if child is None:
                self._flush(frame.pieces, frame.in_body, frame.lede, frame.el)
                stack.pop()
                if stack and frame.el.tail:
                    stack[-1].pieces.append((frame.el.tail, False))
                continue
            if is_element(child):
                if tag_of(child) in _INLINE_TAGS and child not in self.block_holders:
                    inline_pieces(child, frame.pieces)
                else:
                    self._flush(frame.pieces, frame.in_body, frame.lede, frame.el)
                    frame.pieces = []
                    entered = self._element(child, frame.in_body, frame.lede)
                    if entered is not None:
                        stack.append(_Frame(child, *entered))
                        continue  # the child's tail is taken when its frame closes
            if child.tail:
                frame.pieces.append((child.tail, False))

    def _emit(self, kind: BlockKind, text: str, el: lxml.html.HtmlElement) -> None:
        key = _fold(text)
        # A long text seen before is the page's second copy of it (a mobile and a desktop
        # rendering); a short one ("– Ja.") may well be said twice.
        if not key or (key in self.seen_texts and kind != "link" and len(key) >= 40):
            return
        self.seen_texts.add(key)
        self.blocks.append(BodyBlock(kind, text, el))

    def _element(self, el: lxml.html.HtmlElement, in_body: bool, lede: bool) -> tuple[bool, bool] | None:
        """Read a block element, or say how to walk into it: (in the body, in a lede)."""
        tag = tag_of(el)
        if el in self.zone:
            in_body = True
            self.seen_body = True
        if tag in HEADINGS:
            if tag != "h1" and in_body:
                text = element_text(el)
                links = sum(len(element_text(a)) for a in el.iter("a"))
                if text and links < len(text) * 0.5 and len(text) <= 200:
                    self._emit("subheading", text, el)
            return None
        if el not in self.zone_lineage:
            minor = self.scores.total.get(el, 0.0) <= self.furniture_limit
            if (minor and (is_furniture(el) or has_media_class(el))) or tag in _NOT_TEXT_HERE:
                return None
            if tag == "table" and el.find(".//p") is None:
                return None  # a data table; a table holding paragraphs is page layout, read through
            if tag == "article" and not in_body:
                return None  # an embedded teaser for another article
            if tag in ("ul", "ol", "dl") and in_body:
                self._list(el)
                return None
            if not self.seen_paragraph and class_matches(el, _LEDE_CLASS):
                lede = True
        return in_body, lede

    def _list(self, el: lxml.html.HtmlElement) -> None:
        """A list in the body: kept when its items are sentences, not links or labels."""
        items = [element_text(li) for li in el if is_element(li) and tag_of(li) in ("li", "dt", "dd")]
        items = [i for i in items if i]
        if not items:
            return
        linked = sum(len(element_text(a)) for a in el.iter("a"))
        total = sum(len(i) for i in items)
        if total == 0 or linked > 0.5 * total or total / len(items) < MIN_LIST_ITEM_CHARS:
            return
        for item in items:
            self._emit("paragraph", item, el)
        self.seen_paragraph = True

    def _flush(self, pieces: list[tuple[str, bool]], in_body: bool, lede: bool, el: lxml.html.HtmlElement) -> None:
        if not pieces:
            return
        for text, linked in _runs(pieces):
            folded = _fold(text)
            if folded in _NOISE_TEXT or _PAYWALL_TEXT.match(text) or folded == self.headline:
                continue
            if _DATE_LINE.match(text):
                continue
            if _BYLINE_LINE.match(text) and len(text) < 100 and not self.seen_paragraph:
                continue
            if in_body and lede and not self.seen_paragraph:
                # The first sentence-long text of a lede element; dates and labels beside it go.
                if not any(b.kind == "lede" for b in self.blocks):
                    if len(text) >= 40:
                        self._emit("lede", text, el)
                elif len(text) >= 80:
                    self._emit("paragraph", text, el)
            elif in_body:
                if CREDIT_LINE.match(text) and len(text) < 120:
                    self._emit("credit", text, el)
                elif _LINK_LEAD.match(text) or linked >= 0.8 * len(text):
                    self._emit("link", text, el)
                else:
                    self._emit("paragraph", text, el)
                    self.seen_paragraph = True
            elif not self.seen_body and len(text) >= 20 and linked < 0.5 * len(text):
                if self.description and _similar(folded, self.description):
                    self.lede_candidates.append((3, text, el))
                elif lede and len(text) >= 40:
                    self.lede_candidates.append((2 if class_matches(el, _LEDE_CLASS) else 1, text, el))


def _fold(text: str) -> str:
    return collapse(text).casefold().strip(" .:!…›»>«\"'")


def _similar(a: str, b: str) -> bool:
    """The same sentence, give or take an ellipsis where the description was cut."""
    if a == b:
        return True
    shorter, longer = sorted((a.rstrip("…. "), b.rstrip("…. ")), key=len)
    return len(shorter) >= 40 and longer.startswith(shorter)


def caption_region(container: lxml.html.HtmlElement, root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """Where the article's photos are: the article scope, widened to take in its headline
    (lead photos often stand between the headline and the article element)."""
    scope = article_scope(container, root)
    region = scope
    for parent in [scope, *ancestors(scope)]:
        if parent.find(".//h1") is not None:
            region = parent
            break
        if parent is root or tag_of(parent) in ("body", "html"):
            break
    return region


def find_description(root: lxml.html.HtmlElement, description: str | None) -> lxml.html.HtmlElement | None:
    """The element showing the page's own description (the standfirst), if the page shows it."""
    wanted = _fold(description or "")
    if len(wanted) < 20:
        return None
    opening = wanted[:20]
    for el in root.iter("p", "h2", "h3", "div", "span", "header", "section", "strong", "em", "b"):
        own = _fold(el.text or "")
        if not own or not (own.startswith(opening) or opening.startswith(own[:20])):
            continue
        if _similar(_fold(element_text(el)), wanted):
            return el
    return None


def read_body_in(containers: list[lxml.html.HtmlElement], description: str | None,
                 headline: str | None) -> Body:
    """The body read from containers a publisher's rules name, walked like the generic body."""
    first = containers[0]
    scores = score_containers(first.getparent() if first.getparent() is not None else first)
    scope = article_scope(first, first.getroottree().getroot())
    blocks = _Walker(scope, containers, scores, description, headline).run()
    return Body(blocks, "site", container=first, zone=list(containers))


def read_generic_body(root: lxml.html.HtmlElement, description: str | None, headline: str | None) -> Body:
    """The body as this module reads it (see the module docstring); an empty Body when none is found."""
    scores = score_containers(root)
    if not scores.local:
        return Body([], "generic")
    container = max(scores.local, key=lambda el: scores.local[el])
    zone = body_zone(container, scores, root)
    scope = article_scope(container, root)
    blocks = _Walker(scope, zone, scores, description, headline).run()
    lede = next((b for b in blocks if b.kind == "lede"), None)
    wanted = _fold(description or "")
    if wanted and (lede is None or not _similar(_fold(lede.text), wanted)):
        # The standfirst may stand outside the article element: found by the page's description.
        shown = find_description(root, description)
        if shown is not None and not any(_fold(b.text) == _fold(element_text(shown)) for b in blocks):
            blocks = [BodyBlock("lede", element_text(shown), shown)] + [b for b in blocks if b.kind != "lede"]
    return Body(blocks, "generic", container=container, zone=zone)
