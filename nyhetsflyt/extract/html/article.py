"""Extract one news article from an HTML page: metadata, body blocks in reading order, captions.

Pure: it takes the page (text or bytes) and its URL and returns a SourceDocument. No network,
no files, so the folder source (pages on disk) and the web source (fetched pages) share it.

How it reads a page:
  1. metadata first, from <meta>, JSON-LD and markup (title, dates, authors, tags, images);
  2. invisible and never-text elements are dropped (scripts, forms, hidden parts);
  3. the body is the element holding the most paragraph text (scored on the parent and,
     at half weight, the grandparent of each paragraph, as Readability does);
  4. the article element around the body is walked in document order: inside the body every
     paragraph, subheading and figure becomes a Block; around it only the lede, the byline and
     figures do, so navigation, teasers and datelines stay out;
  5. when the page's own body is missing or much shorter than JSON-LD `articleBody`, that text
     is used instead.

A page that is a front page or section listing raises NotAnArticle with the reason.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

from nyhetsflyt.documents import Block, BlockHint, DatePrecision, SourceDocument
from nyhetsflyt.extract.credits import CREDIT_LINE, CREDIT_TAIL, as_credit

# Times a page states without an offset are Norwegian newsroom times.
NEWSROOM_TZ = ZoneInfo("Europe/Oslo")

MIN_BODY_WORDS = 20
MIN_LISTED_BODY_WORDS = 150


class NotAnArticle(Exception):
    """The page is not one article: a front page, a section listing, an empty shell."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------------------------
# Page metadata


@dataclass(slots=True)
class ImageCaption:
    """A caption known from JSON-LD, placed in the blocks by the image's URL when it can be."""

    caption: str
    credit: str | None
    urls: list[str]


@dataclass(slots=True)
class PageMetadata:
    title: str | None
    published: datetime | None
    published_precision: DatePrecision | None
    modified: datetime | None
    authors: list[str]
    tags: list[str]
    description: str | None
    og_type: str | None
    has_article_markup: bool  # og:type article, JSON-LD Article, or schema.org Article itemtype
    listing_type: str | None  # JSON-LD ItemList / CollectionPage when no Article is declared
    article_body: str | None  # JSON-LD articleBody
    image_captions: list[ImageCaption] = field(default_factory=list)


_ARTICLE_LD_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
                     "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle",
                     "blogposting", "liveblogposting", "report", "techarticle", "socialmediaposting"}
_LISTING_LD_TYPES = {"itemlist", "collectionpage", "searchresultspage"}
_ARTICLE_OG_TYPES = {"article", "news", "newsarticle", "blog", "blogposting"}


def _ld_types(obj: dict[str, Any]) -> set[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.rsplit("/", 1)[-1].casefold() for v in values if isinstance(v, str)}


def _flatten_ld(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten_ld(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _flatten_ld(data["@graph"])


def _json_ld(soup: BeautifulSoup) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for script in soup.find_all("script", attrs={"type": re.compile(r"ld\+json", re.I)}):
        raw = script.string if script.string is not None else script.get_text()
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        objects.extend(_flatten_ld(data))
    return objects


def _meta_values(soup: BeautifulSoup) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for meta in soup.find_all("meta"):
        key = meta.get("property") or meta.get("name")
        content = meta.get("content")
        if isinstance(key, str) and isinstance(content, str):
            values.setdefault(key.strip().casefold(), []).append(content)
    return values


def _first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        for value in meta.get(key, []):
            if value.strip():
                return value
    return None


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _ld_text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, list):
        for item in value:
            text = _ld_text(item)
            if text:
                return text
    return None


def _ld_names(value: Any) -> list[str]:
    """Names from a JSON-LD author/creator value: a string, a Person, or a list of them."""
    if isinstance(value, str):
        return _split_names(value)
    if isinstance(value, dict):
        name = value.get("name")
        return _split_names(name) if isinstance(name, str) else []
    if isinstance(value, list):
        return [name for item in value for name in _ld_names(item)]
    return []


def _split_names(text: str) -> list[str]:
    text = re.sub(r"^\s*(av|by|tekst)\s*:?\s+", "", _collapse(text), flags=re.I)
    parts = re.split(r"\s*(?:,|;|&|\bog\b|\band\b)\s*", text)
    return [p for p in (part.strip() for part in parts) if p and not p.startswith("http")]


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = item.casefold()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


_SITE_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|::|·|•)\s+")


def _clean_title(raw: str | None, site_names: set[str]) -> str | None:
    if not raw:
        return None
    title = _collapse(raw)
    parts = _SITE_SEPARATOR.split(title)
    if len(parts) > 1 and parts[-1].casefold() in site_names:
        title = title[: title.rfind(parts[-1])].rstrip(" |-–—:·•")
    elif len(parts) > 1 and parts[0].casefold() in site_names:
        title = title[len(parts[0]):].lstrip(" |-–—:·•")
    return title.strip() or None


def _site_names(meta: dict[str, list[str]], ld: list[dict[str, Any]], url: str) -> set[str]:
    names = {v.strip().casefold() for k in ("og:site_name", "application-name", "twitter:site")
             for v in meta.get(k, []) if v.strip()}
    names |= {n.lstrip("@") for n in names}
    for obj in ld:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.add(publisher["name"].strip().casefold())
    host = (urlsplit(url).hostname or "").casefold()
    if host:
        bare = host.removeprefix("www.")
        names |= {host, bare, bare.split(".")[0]}
    return {n for n in names if n}


def parse_page_datetime(value: str) -> tuple[datetime, DatePrecision] | None:
    """A date as pages write it (ISO 8601, RFC 2822, 04.08.2024 kl. 01.38) → aware datetime."""
    text = value.strip()
    if not text:
        return None
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        try:
            return datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=NEWSROOM_TZ), "day"
        except ValueError:
            return None
    iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace("Z", "+00:00").replace("z", "+00:00"))
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        parsed = None
    if parsed is None and re.match(r"^[A-Za-z]{3},?\s+\d", text):
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)  # "-0000": UTC of unknown origin
    if parsed is None and (m := re.match(
            r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\D+(\d{1,2})[.:](\d{2}))?", text)):
        try:
            parsed = datetime(int(m[3]), int(m[2]), int(m[1]), int(m[4] or 0), int(m[5] or 0))
        except ValueError:
            return None
        if m[4] is None:
            return parsed.replace(tzinfo=NEWSROOM_TZ), "day"
    if parsed is None or parsed.year < 1900:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=NEWSROOM_TZ)
    return parsed.replace(microsecond=0), "second"


def _markup_date(soup: BeautifulSoup, itemprop: str) -> str | None:
    for el in soup.find_all(itemprop=itemprop):
        value = el.get("datetime") or el.get("content")
        if isinstance(value, str) and value.strip():
            return value
    return None


def _first_date(candidates: Iterable[str | None]) -> tuple[datetime, DatePrecision] | None:
    for candidate in candidates:
        if candidate and (parsed := parse_page_datetime(candidate)):
            return parsed
    return None


def _time_elements(soup: BeautifulSoup) -> Iterator[str]:
    scope = soup.find("article") or soup
    for el in scope.find_all("time"):
        value = el.get("datetime")
        if isinstance(value, str) and len(value.strip()) >= 10:
            yield value


def _image_captions(articles: list[dict[str, Any]]) -> list[ImageCaption]:
    captions: list[ImageCaption] = []
    for article in articles:
        for key in ("image", "associatedMedia"):
            images = article.get(key)
            for image in images if isinstance(images, list) else [images]:
                if not isinstance(image, dict):
                    continue
                caption = _ld_text(image.get("caption")) or _ld_text(image.get("description"))
                credit_raw = (_ld_text(image.get("creditText"))
                              or ", ".join(_ld_names(image.get("author")))
                              or ", ".join(_ld_names(image.get("copyrightHolder"))))
                if not caption and not credit_raw:
                    continue
                urls = [u for u in (image.get("url"), image.get("contentUrl")) if isinstance(u, str)]
                captions.append(ImageCaption(_collapse(caption or ""), as_credit(credit_raw), urls))
    return captions


def extract_metadata(soup: BeautifulSoup, url: str) -> PageMetadata:
    """Everything a page states about its article apart from the body text."""
    meta = _meta_values(soup)
    ld = _json_ld(soup)
    articles = [obj for obj in ld if _ld_types(obj) & _ARTICLE_LD_TYPES]
    listing = next((t for obj in ld for t in _ld_types(obj) if t in _LISTING_LD_TYPES), None)
    og_type = (_first(meta, "og:type") or "").strip().casefold() or None
    itemtype_article = soup.find(itemtype=re.compile(r"schema\.org/\w*(Article|BlogPosting)", re.I))

    site_names = _site_names(meta, ld, url)
    h1 = None
    for scope in (soup.find("article"), soup):
        heading = scope.find("h1") if scope else None
        if heading and heading.get_text(strip=True):
            h1 = heading.get_text(" ")
            break
    title_tag = soup.find("title")
    title = None
    for candidate in (_first(meta, "og:title", "twitter:title"),
                      *(_ld_text(a.get("headline")) for a in articles),
                      h1, title_tag.get_text() if title_tag else None):
        if title := _clean_title(candidate, site_names):
            break

    published = _first_date([
        _first(meta, "article:published_time", "og:published_time", "published_time",
               "datepublished", "pubdate", "publishdate", "publish-date", "parsely-pub-date",
               "sailthru.date"),
        *(_ld_text(a.get("datePublished")) for a in articles),
        _markup_date(soup, "datePublished"),
        *_time_elements(soup),
        _first(meta, "dc.date.issued", "dcterms.created", "dc.date", "date", "publisheddate"),
    ])
    modified = _first_date([
        _first(meta, "article:modified_time", "og:updated_time", "modified_time", "datemodified"),
        *(_ld_text(a.get("dateModified")) for a in articles),
        _markup_date(soup, "dateModified"),
    ])

    authors: list[str] = [n for a in articles for n in _ld_names(a.get("author"))]
    if not authors:
        authors = [n for k in ("author", "article:author", "dc.creator", "parsely-author", "byl")
                   for v in meta.get(k, []) for n in _split_names(v)]
    if not authors:
        for el in soup.find_all(itemprop="author"):
            name_el = el.find(itemprop="name") or el
            authors.extend(_split_names(name_el.get_text(" ")))
        for el in soup.find_all("a", rel="author"):
            authors.extend(_split_names(el.get_text(" ")))

    tags: list[str] = []
    for key in ("article:tag", "keywords", "news_keywords"):
        for value in meta.get(key, []):
            tags.extend(t.strip() for t in value.split(","))
    for article in articles:
        keywords = article.get("keywords")
        if isinstance(keywords, str):
            tags.extend(t.strip() for t in keywords.split(","))
        elif isinstance(keywords, list):
            tags.extend(t.strip() for t in keywords if isinstance(t, str))

    article_body = next((b for a in articles if (b := _ld_text(a.get("articleBody")))), None)
    description = (_first(meta, "og:description", "description", "twitter:description")
                   or next((d for a in articles if (d := _ld_text(a.get("description")))), None))
    return PageMetadata(
        title=title,
        published=published[0] if published else None,
        published_precision=published[1] if published else None,
        modified=modified[0] if modified else None,
        authors=_dedupe(_collapse(a) for a in authors if _collapse(a)),
        tags=_dedupe(t for t in tags if t),
        description=_collapse(description) if description else None,
        og_type=og_type,
        has_article_markup=bool(articles) or og_type in _ARTICLE_OG_TYPES or itemtype_article is not None,
        listing_type=listing if not articles else None,
        article_body=article_body,
        image_captions=_image_captions(articles),
    )


# --------------------------------------------------------------------------------------------
# Cleaning

_NEVER_TEXT = ["script", "style", "noscript", "template", "svg", "iframe", "object", "embed",
               "form", "button", "input", "select", "textarea", "canvas", "video", "audio",
               "dialog", "link", "head"]
_HIDDEN_CLASSES = {"sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text",
                   "screen-reader-only", "hidden", "is-hidden", "u-hidden", "hide"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _drop_invisible(soup: BeautifulSoup) -> None:
    for el in soup.find_all(_NEVER_TEXT):
        el.decompose()
    for node in soup.find_all(string=lambda s: isinstance(s, (Comment, CData, Declaration, Doctype,
                                                                  ProcessingInstruction))):
        node.extract()
    for el in soup.find_all(True):
        # Not `el.decomposed`: on a live Tag that property falls through to a search of every
        # descendant (Tag.__getattr__), which makes deep pages quadratic.
        if vars(el).get("_decomposed") or el.attrs is None:
            continue
        classes: list[str] = list(el.get_attribute_list("class") or [])
        style = el.get("style")
        if (el.has_attr("hidden") or set(classes) & _HIDDEN_CLASSES
                or (isinstance(style, str) and _HIDDEN_STYLE.search(style))):
            el.decompose()


# Class or id words that mark page furniture rather than article text.
_BOILERPLATE = re.compile(
    r"(?:^|[-_])(?:ads?|advert\w*|annonse\w*|banner|sponsor\w*|skyscraper|netboard|topboard|bazaar"
    r"|share|sharing|social|some|related|recommend\w*|read-?more|les-?ogsaa?"
    r"|newsletter|nyhetsbrev|subscribe|subscription|paywall|teaser|promo\w*|cookie\w*|consent|gdpr"
    r"|comments?|kommentar\w*|disqus|breadcrumbs?|pagination|navigation|navbar|menu|login|signup"
    r"|popup|modal|toolbar|tags?|footer|masthead|smartembed|embed)(?:$|[-_])",
    re.I)
_FURNITURE_TAGS = {"nav", "aside", "footer", "menu"}


def _is_furniture(el: Tag) -> bool:
    if el.name in _FURNITURE_TAGS or re.search(r"(?:^|-)ads?$", el.name):
        return True
    if el.get("role") in ("navigation", "complementary", "banner", "search"):
        return True
    words = [*(el.get("class") or []), el.get("id") or ""]
    return any(isinstance(w, str) and _BOILERPLATE.search(w) for w in words)


# --------------------------------------------------------------------------------------------
# Text of inline content

_INLINE_TAGS = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd",
                "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u",
                "var", "wbr", "font", "label", "del", "ins", "br", "big", "tt"}
_BLOCKISH = ["p", "div", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
             "li", "figure", "table", "blockquote", "header", "footer", "aside", "nav", "img"]


def _is_inline(el: Tag) -> bool:
    return el.name in _INLINE_TAGS and el.find(_BLOCKISH) is None


def _inline_pieces(node: Tag | NavigableString, in_link: bool, out: list[tuple[str, bool]]) -> None:
    if isinstance(node, NavigableString):
        out.append((str(node), in_link))
    elif node.name == "br":
        out.append(("\n", in_link))
    else:
        for child in node.children:
            if isinstance(child, (Tag, NavigableString)):
                _inline_pieces(child, in_link or node.name == "a", out)


@dataclass(slots=True)
class _Run:
    text: str
    link_chars: int


def _runs_from(pieces: list[tuple[str, bool]]) -> list[_Run]:
    """Inline text split into paragraphs at blank lines (<br><br>), whitespace collapsed."""
    text = "".join(p for p, _ in pieces)
    link_text = _collapse("".join(p for p, linked in pieces if linked))
    chunks = [_collapse(c) for c in re.split(r"\n[ \t\r\f\v]*\n", text)]
    chunks = [c for c in chunks if c]
    if len(chunks) == 1:
        return [_Run(chunks[0], len(link_text))]
    # Links are rare in split chunks; attribute link text to the chunks that contain it.
    return [_Run(c, len(c) if link_text and c in link_text else 0) for c in chunks]


def _element_text(el: Tag) -> str:
    pieces: list[tuple[str, bool]] = []
    _inline_pieces(el, False, pieces)
    return _collapse("".join(p for p, _ in pieces))


# --------------------------------------------------------------------------------------------
# Finding the body


def _under_furniture(el: Tag) -> bool:
    for parent in el.parents:
        if parent.name in ("a", "[document]"):
            return parent.name == "a"
        if isinstance(parent, Tag) and _is_furniture(parent):
            return True
    return False


def _paragraph_score(el: Tag) -> float:
    pieces: list[tuple[str, bool]] = []
    _inline_pieces(el, False, pieces)
    text = _collapse("".join(p for p, _ in pieces))
    if len(text) < 25:
        return 0.0
    link = len(_collapse("".join(p for p, linked in pieces if linked)))
    density = min(link / len(text), 1.0)
    return (1 + text.count(",") + min(len(text) / 100, 3)) * (1 - density)


def _find_body(root: Tag) -> Tag | None:
    scores: dict[int, float] = {}
    nodes: dict[int, Tag] = {}
    for el in root.find_all(["p", "pre"]):
        if _under_furniture(el):
            continue
        score = _paragraph_score(el)
        if score <= 0:
            continue
        for weight, ancestor in zip((1.0, 0.5), el.parents):
            if not isinstance(ancestor, Tag) or ancestor.name in ("[document]", "html"):
                break
            nodes[id(ancestor)] = ancestor
            scores[id(ancestor)] = scores.get(id(ancestor), 0.0) + score * weight
    if not scores:
        return None
    return nodes[max(scores, key=lambda key: scores[key])]


def _body_siblings(body: Tag) -> list[Tag]:
    """Containers beside the body that continue it (a body split around an ad or image)."""
    extra: list[Tag] = []
    for sibling in body.find_next_siblings(True):
        if _is_furniture(sibling) or sibling.name in ("h1", "article"):
            continue
        paragraphs = [p for p in sibling.find_all("p") if not _under_furniture(p)]
        text = " ".join(_element_text(p) for p in paragraphs)
        links = sum(len(_element_text(a)) for p in paragraphs for a in p.find_all("a"))
        if len(text) >= 100 and links / len(text) < 0.3:
            extra.append(sibling)
    return extra


def _article_container(body: Tag) -> Tag:
    for parent in body.parents:
        if not isinstance(parent, Tag) or parent.name in ("[document]", "html", "body"):
            break
        itemtype = parent.get("itemtype") or ""
        if parent.name in ("article", "main") or parent.get("role") == "main" or (
                isinstance(itemtype, str) and re.search(r"Article|BlogPosting", itemtype)):
            return parent
    return body.parent if isinstance(body.parent, Tag) and body.parent.name != "[document]" else body


# --------------------------------------------------------------------------------------------
# Captions

_CREDIT_CLASS = re.compile(r"credit|photographer|copyright|byline|source|attribution", re.I)


def _attr(el: Tag, *names: str) -> str | None:
    for name in names:
        value = el.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _image_urls(el: Tag) -> list[str]:
    urls: list[str] = []
    images = [el] if el.name == "img" else el.find_all(["img", "source", "meta"])
    for img in images:
        for name in ("src", "data-src", "srcset", "data-srcset", "content"):
            value = img.get(name)
            if isinstance(value, str) and not value.startswith("data:"):
                urls.extend(part.split()[0] for part in value.split(",") if part.split())
    return urls


def _same_image(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return bool(pa.path) and pa.path.rstrip("/") == pb.path.rstrip("/")


def _caption_block(el: Tag) -> Block | None:
    """A caption Block from a <figure>, an image element with caption attributes, or an <img>."""
    credit = _attr(el, "photographer", "data-photographer", "data-credit", "credit")
    text = ""
    figcaption = el.find("figcaption") if el.name != "img" else None
    if figcaption is not None:
        for part in figcaption.find_all(class_=_CREDIT_CLASS):
            credit = credit or _element_text(part)
            part.extract()
        text = _element_text(figcaption)
    if not text:
        holder = el if _attr(el, "caption", "data-caption") else el.find(
            lambda t: isinstance(t, Tag) and _attr(t, "caption", "data-caption") is not None)
        if holder is not None:
            text = _collapse(_attr(holder, "caption", "data-caption") or "")
            credit = credit or _attr(holder, "photographer", "data-photographer", "data-credit")
    images = [el] if el.name == "img" else el.find_all("img")
    for img in images:
        title = _attr(img, "title")
        if title and CREDIT_LINE.match(title.strip()):
            credit = credit or title
        elif not text and title:
            text = _collapse(title)
    if not text and images:
        text = _collapse(_attr(images[0], "alt") or "")
    if not credit and (m := CREDIT_TAIL.search(text)):
        credit, text = m[1], text[: m.start()].strip()
    credit = as_credit(credit)
    if text and CREDIT_LINE.match(text) and credit is None:
        return Block(text=text, hint="credit")
    if not text:
        return Block(text=credit, hint="credit") if credit else None
    return Block(text=text, hint="caption", credit=credit)


def _is_image_holder(el: Tag) -> bool:
    if el.name in ("figure", "picture"):
        return True
    if _attr(el, "photographer", "data-photographer") is not None:
        return True
    return "image" in el.name and _attr(el, "caption", "data-caption") is not None


# --------------------------------------------------------------------------------------------
# Walking the article

_LEDE_CLASS = re.compile(r"lead(?!erboard)|lede|ingress|preface|standfirst|summary|intro-?text|"
                         r"kicker-text|article-?description", re.I)
_BYLINE_CLASS = re.compile(r"byline|author|forfatter|journalist", re.I)
_NAME_CLASS = re.compile(r"name|byline-author", re.I)
_NOISE_TEXT = {"vis mer", "vis flere", "les mer", "les også", "se også", "del", "del artikkelen",
               "del saken", "kopier lenke", "annonse", "annonsørinnhold", "reklame", "tips oss",
               "tips meg", "logg inn", "les hele saken", "kjøp abonnement", "publisert", "oppdatert",
               "lukk", "meny", "hopp til hovedinnhold", "abonner"}
_PAYWALL_TEXT = re.compile(r"^(for å lese (hele )?(denne )?(saken|artikkelen)|denne (saken|artikkelen) "
                           r"er (forbeholdt|kun for)|bli abonnent|kjøp tilgang|allerede abonnent)", re.I)
_LINK_LEAD = re.compile(r"^(les|se|hør) (også|mer|hele saken)\s*:", re.I)


def _classes_match(el: Tag, pattern: re.Pattern[str]) -> bool:
    words = [*(el.get("class") or []), el.get("id") or ""]
    return any(isinstance(w, str) and pattern.search(w) for w in words)


def _is_byline(el: Tag) -> bool:
    if el.get("itemprop") == "author" or "author" in (el.get("rel") or []):
        return True
    return _classes_match(el, _BYLINE_CLASS) and len(el.get_text(" ", strip=True)) <= 300


def _byline_text(el: Tag) -> str:
    names = el.find_all(lambda t: isinstance(t, Tag) and (
        t.get("itemprop") == "name" or _classes_match(t, _NAME_CLASS)))
    if names:
        texts = _dedupe(_element_text(n) for n in names if _element_text(n))
        return ", ".join(texts)
    for link in el.find_all("a", href=re.compile(r"^mailto:")):
        link.extract()
    return _element_text(el)


class _Walker:
    """Turns the article element into Blocks, in document order."""

    def __init__(self, article: Tag, body_parts: list[Tag], description: str | None) -> None:
        self.article = article
        self.body_ids = {id(b) for b in body_parts}
        self.body_lineage = {id(p) for b in body_parts for p in b.parents} | self.body_ids
        self.description = (description or "").casefold()
        self.blocks: list[Block] = []
        self.image_slots: list[tuple[int, list[str]]] = []  # uncaptioned images, for JSON-LD captions
        self.seen_body = False
        self.seen_paragraph = False
        self.seen_byline = False

    def run(self) -> list[Block]:
        self._walk(self.article, in_body=id(self.article) in self.body_ids, lede=False)
        return self.blocks

    def _emit(self, text: str, hint: BlockHint, credit: str | None = None) -> None:
        if text:
            self.blocks.append(Block(text=text, hint=hint, credit=credit))

    def _walk(self, el: Tag, in_body: bool, lede: bool) -> None:
        pieces: list[tuple[str, bool]] = []
        for child in el.children:
            if isinstance(child, NavigableString):
                pieces.append((str(child), False))
            elif isinstance(child, Tag) and _is_inline(child):
                _inline_pieces(child, child.name == "a", pieces)
            elif isinstance(child, Tag):
                self._flush(pieces, in_body, lede)
                pieces = []
                self._element(child, in_body, lede)
        self._flush(pieces, in_body, lede)

    def _element(self, el: Tag, in_body: bool, lede: bool) -> None:
        contains_body = id(el) in self.body_lineage
        if id(el) in self.body_ids:
            in_body = True
            self.seen_body = True
        if not contains_body:
            if _is_byline(el):
                if not self.seen_byline:
                    self._emit(_byline_text(el), "byline")
                    self.seen_byline = True
                return
            if _is_furniture(el) or el.name == "h1":
                return
            if el.name == "article" or (el.name == "a" and el.find(["h2", "h3", "h4"])):
                return  # an embedded teaser for another article
            if _is_image_holder(el) or (el.name == "img" and in_body):
                self._caption(el)
                return
            if el.name in ("h2", "h3", "h4", "h5", "h6"):
                if in_body:
                    text = _element_text(el)
                    links = sum(len(_element_text(a)) for a in el.find_all("a"))
                    if text and links < len(text) * 0.8:
                        self._emit(text, "subheading")
                return
            if not self.seen_paragraph and _classes_match(el, _LEDE_CLASS):
                lede = True
        self._walk(el, in_body, lede)

    def _caption(self, el: Tag) -> None:
        block = _caption_block(el)
        if block is None:
            self.image_slots.append((len(self.blocks), _image_urls(el)))
            return
        if any(b.hint == block.hint and b.text == block.text for b in self.blocks):
            return
        self.blocks.append(block)

    def _flush(self, pieces: list[tuple[str, bool]], in_body: bool, lede: bool) -> None:
        if not pieces:
            return
        for run in _runs_from(pieces):
            text = run.text
            folded = text.casefold().strip(" .:!…›»>")
            if folded in _NOISE_TEXT or _PAYWALL_TEXT.match(text):
                continue
            if in_body and lede and not self.seen_paragraph:
                self._emit(text, "lede")
            elif in_body:
                if CREDIT_LINE.match(text) and len(text) < 120:
                    self._emit(text, "credit")
                elif _LINK_LEAD.match(text) or run.link_chars >= 0.8 * len(text):
                    self._emit(text, "link")
                else:
                    self._emit(text, "paragraph")
                    self.seen_paragraph = True
            elif (not self.seen_body
                  and (lede or (self.description and folded == self.description.strip(" .:!…›»>")))
                  and not any(b.hint == "lede" and b.text == text for b in self.blocks)):
                self._emit(text, "lede")


def _place_ld_captions(blocks: list[Block], slots: list[tuple[int, list[str]]],
                       captions: list[ImageCaption]) -> list[Block]:
    known = {_collapse(b.text).casefold() for b in blocks if b.hint == "caption"}
    first_body = next((i for i, b in enumerate(blocks) if b.hint in ("paragraph", "subheading")),
                      len(blocks))
    inserts: list[tuple[int, Block]] = []
    for caption in captions:
        if caption.caption.casefold() in known or (not caption.caption and not caption.credit):
            continue
        known.add(caption.caption.casefold())
        position = next((pos for pos, urls in slots
                         if any(_same_image(u, c) for u in urls for c in caption.urls)), first_body)
        block = (Block(text=caption.caption, hint="caption", credit=caption.credit) if caption.caption
                 else Block(text=caption.credit or "", hint="credit"))
        inserts.append((position, block))
    result = list(blocks)
    for position, block in sorted(inserts, key=lambda item: item[0], reverse=True):
        result.insert(position, block)
    return result


# --------------------------------------------------------------------------------------------
# Front pages

def _linked_headlines(root: Tag) -> int:
    count = 0
    for heading in root.find_all(["h2", "h3", "h4"]):
        if heading.find("a") is not None or heading.find_parent("a") is not None:
            count += 1
    return count + len(root.find_all("article"))


_BODY_HINTS = ("paragraph", "subheading")


def _body_words(blocks: list[Block]) -> int:
    return sum(len(b.text.split()) for b in blocks if b.hint in _BODY_HINTS)


def _article_body_blocks(text: str) -> list[Block]:
    paragraphs = [_collapse(p) for p in re.split(r"\n\s*\n|\n", text)]
    return [Block(text=p, hint="paragraph") for p in paragraphs if p]


# --------------------------------------------------------------------------------------------
# Entry point


def extract_article(html: str | bytes, url: str) -> SourceDocument:
    """The article on an HTML page as a SourceDocument; NotAnArticle when the page is not one."""
    soup = BeautifulSoup(html, "lxml")
    encoding = (soup.original_encoding or "utf-8") if isinstance(html, bytes) else "utf-8"
    meta = extract_metadata(soup, url)
    links = len(soup.find_all("a", href=True))
    listing = None
    if not meta.has_article_markup and (meta.listing_type or meta.og_type):
        listing = f"JSON-LD {meta.listing_type}" if meta.listing_type else f"og:type {meta.og_type!r}"

    _drop_invisible(soup)
    root = soup.body or soup
    body = _find_body(root)
    blocks: list[Block] = []
    slots: list[tuple[int, list[str]]] = []
    if body is not None:
        headlines = _linked_headlines(body)
        if headlines >= 4 and not meta.has_article_markup:
            raise NotAnArticle(f"front page: {headlines} linked headlines in the main text block, "
                               f"{links} links")
        walker = _Walker(_article_container(body), [body, *_body_siblings(body)], meta.description)
        blocks = walker.run()
        slots = walker.image_slots

    body_words = _body_words(blocks)
    ld_words = len(meta.article_body.split()) if meta.article_body else 0
    if ld_words >= MIN_BODY_WORDS and body_words < 0.5 * ld_words:
        head = [b for b in blocks if b.hint not in _BODY_HINTS and b.hint != "link"]
        blocks = head + _article_body_blocks(meta.article_body or "")
        slots = []
        body_words = _body_words(blocks)
    # A page calling itself a website or a listing is one unless it holds a long body.
    if listing and body_words < MIN_LISTED_BODY_WORDS:
        raise NotAnArticle(f"front page: {listing}, no article markup, {body_words} words of "
                           f"paragraph text, {links} links")
    if body_words < MIN_BODY_WORDS:
        raise NotAnArticle(f"no article body: {body_words} words of paragraph text, {links} links")

    blocks = _place_ld_captions(blocks, slots, meta.image_captions)
    raw_text = "\n\n".join([*([meta.title] if meta.title else []), *(b.text for b in blocks)])
    return SourceDocument(
        source_uri=url,
        source_format="html",
        blocks=blocks,
        raw_text=raw_text,
        title=meta.title,
        published=meta.published,
        published_precision=meta.published_precision,
        authors=meta.authors,
        tags=meta.tags,
        encoding=encoding,
    )


# --------------------------------------------------------------------------------------------
# Measuring extraction against expected text


def body_text(document: SourceDocument) -> str:
    """The article's running text: lede, subheadings and paragraphs, without captions or bylines."""
    return "\n\n".join(b.text for b in document.blocks if b.hint in ("lede", "subheading", "paragraph"))


def word_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).replace("\xad", "").casefold()
    return re.findall(r"\w+", text)


def token_f1(predicted: str, expected: str) -> float:
    """Bag-of-words F1 between two texts (1.0 when both are empty)."""
    got, want = Counter(word_tokens(predicted)), Counter(word_tokens(expected))
    if not got and not want:
        return 1.0
    overlap = sum((got & want).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)
