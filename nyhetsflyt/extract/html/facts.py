"""Page facts: what a page declares about its article, apart from the running text.

Read from JSON-LD (`NewsArticle` and its kin, also inside `@graph`), schema.org microdata,
OpenGraph and other meta tags, and `<link rel=canonical>`. Where a page declares several
articles (an infinite-scroll page), the facts are those of the article whose URL is the
page's own. Nothing here looks at the body text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html

from nyhetsflyt.extract.html.authors import clean_authors

ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "askpublicnewsarticle", "satiricalarticle",
    "blogposting", "liveblogposting", "report", "techarticle", "scholarlyarticle", "socialmediaposting",
    "advertisercontentarticle", "medicalscholarlyarticle", "posting",
})
LISTING_TYPES = frozenset({"itemlist", "collectionpage", "searchresultspage", "sitenavigationelement"})
ARTICLE_OG_TYPES = frozenset({"article", "news", "newsarticle", "blog", "blogposting", "article:news"})


@dataclass(slots=True)
class ImageFact:
    """An image the page declares (JSON-LD `image`/`associatedMedia`) with its caption and credit."""

    urls: list[str]
    caption: str | None
    credit: str | None  # creditText, else author/creator/copyrightHolder names


@dataclass(slots=True)
class PageFacts:
    headline: str | None = None  # JSON-LD headline or microdata headline
    og_title: str | None = None
    html_title: str | None = None  # <title>
    canonical_url: str | None = None
    og_url: str | None = None
    site_names: set[str] = field(default_factory=set)  # og:site_name, publisher, host: title suffixes
    description: str | None = None
    language: str | None = None  # as declared: "nb", "no", "nn-NO", "en"
    section: str | None = None
    paywalled: bool | None = None  # None: the page does not say
    published_raw: list[str] = field(default_factory=list)  # candidates, most trusted first
    modified_raw: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)  # cleaned declared names
    tags: list[str] = field(default_factory=list)
    article_body: str | None = None  # JSON-LD articleBody
    images: list[ImageFact] = field(default_factory=list)
    ld_types: set[str] = field(default_factory=set)  # every JSON-LD @type on the page, folded
    og_type: str | None = None
    declares_article: bool = False  # JSON-LD/microdata article, or og:type article
    declares_listing: str | None = None  # "JSON-LD CollectionPage", "og:type 'website'" …
    article_urls: list[str] = field(default_factory=list)  # URLs of the articles JSON-LD declares
    meta: dict[str, list[str]] = field(default_factory=dict)  # every <meta> by its folded name

    @property
    def own_urls(self) -> list[str]:
        return [u for u in (self.canonical_url, self.og_url) if u]


def dedupe(items: list[str]) -> list[str]:
    """Items in their order, each once (compared case-insensitively)."""
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if item.casefold() not in seen:
            seen.add(item.casefold())
            out.append(item)
    return out


# -- JSON-LD -------------------------------------------------------------------------------------


def _types(obj: dict[str, Any]) -> set[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.rsplit("/", 1)[-1].casefold() for v in values if isinstance(v, str)}


def _walk_ld(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every object in a JSON-LD document that has a type: top level, @graph, mainEntity."""
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk_ld(item, depth + 1)
    elif isinstance(data, dict):
        if "@type" in data:
            yield data
        for key in ("@graph", "mainEntity", "itemListElement", "hasPart"):
            if key in data and not (key == "hasPart" and _types(data) & ARTICLE_TYPES):
                yield from _walk_ld(data[key], depth + 1)


def json_ld(tree: lxml.html.HtmlElement) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        kind = (script.get("type") or "").casefold()
        if "ld+json" not in kind:
            continue
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            # Pages ship JSON-LD with raw newlines in strings or a trailing comma.
            try:
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw.replace("\n", " ")), strict=False)
            except ValueError:
                continue
        objects.extend(_walk_ld(data))
    return objects


def ld_text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        for item in value:
            if text := ld_text(item):
                return text
    if isinstance(value, dict):
        for key in ("@value", "name", "text"):
            if text := ld_text(value.get(key)):
                return text
    return None


def ld_names(value: Any) -> list[str]:
    """Names in a JSON-LD author/creator value: a string, a Person/Organization, or a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str):
            return [name]
        if isinstance(name, list):
            return [n for n in name if isinstance(n, str)]
        given, family = value.get("givenName"), value.get("familyName")
        if isinstance(given, str) and isinstance(family, str):
            return [f"{given} {family}"]
        return []
    if isinstance(value, list):
        return [name for item in value for name in ld_names(item)]
    return []


def _ld_url(obj: dict[str, Any]) -> str | None:
    for key in ("url", "@id", "mainEntityOfPage"):
        value = obj.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str)), None)
        if isinstance(value, str) and value.startswith(("http://", "https://", "/")):
            return value
    return None


def same_page(a: str | None, b: str | None) -> bool:
    """Two URLs of the same page: scheme, www., query, fragment and a trailing slash aside."""
    if not a or not b:
        return False
    pa, pb = urlsplit(a.strip()), urlsplit(b.strip())
    host_a = (pa.hostname or "").removeprefix("www.")
    host_b = (pb.hostname or "").removeprefix("www.")
    if host_a and host_b and host_a != host_b:
        return False
    return pa.path.rstrip("/") == pb.path.rstrip("/") and bool(pa.path.strip("/"))


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().casefold() == "false")


def _ld_paywalled(article: dict[str, Any]) -> bool | None:
    """Whether the article, or a part of it (`hasPart`), is declared not free to read."""
    parts = article.get("hasPart")
    stated = [p.get("isAccessibleForFree") for p in (parts if isinstance(parts, list) else [parts])
              if isinstance(p, dict) and "isAccessibleForFree" in p]
    if "isAccessibleForFree" in article:
        stated.insert(0, article["isAccessibleForFree"])
    stated = [value for value in stated if value is not None]
    if not stated:
        return None
    return any(_is_false(value) for value in stated)


def _ld_images(article: dict[str, Any], base: str) -> list[ImageFact]:
    images: list[ImageFact] = []
    for key in ("image", "associatedMedia", "primaryImageOfPage"):
        values = article.get(key)
        for image in values if isinstance(values, list) else [values]:
            if not isinstance(image, dict):
                continue
            caption = ld_text(image.get("caption")) or ld_text(image.get("description"))
            credit = ld_text(image.get("creditText"))
            if not credit:
                names = [*ld_names(image.get("author")), *ld_names(image.get("creator"))]
                names = names or ld_names(image.get("copyrightHolder"))
                credit = ", ".join(n.strip() for n in names if n.strip()) or None
            urls = [urljoin(base, u) for u in (image.get("url"), image.get("contentUrl"))
                    if isinstance(u, str) and u.strip()]
            if caption or credit:
                images.append(ImageFact(urls=urls, caption=caption, credit=credit))
    return images


# -- meta tags and microdata ----------------------------------------------------------------------


def meta_values(tree: lxml.html.HtmlElement) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv")
        content = meta.get("content")
        if key and content and content.strip():
            values.setdefault(key.strip().casefold(), []).append(content.strip())
    return values


def _first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        for value in meta.get(key, []):
            if value.strip():
                return value.strip()
    return None


def _itemprop_value(el: lxml.html.HtmlElement) -> str | None:
    for attr in ("content", "datetime", "href", "src"):
        value = el.get(attr)
        if value and value.strip():
            return value.strip()
    text = el.text_content().strip()
    return text or None


_MICRODATA_ARTICLE = re.compile(r"schema\.org/\w*(?:Article|BlogPosting|Posting|Report)\b", re.I)


def _microdata_article(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    for el in tree.iter():
        itemtype = el.get("itemtype") if isinstance(el.tag, str) else None
        if itemtype and el.get("itemscope") is not None and _MICRODATA_ARTICLE.search(itemtype):
            return el
    return None


def _microdata(scope: lxml.html.HtmlElement, prop: str) -> list[lxml.html.HtmlElement]:
    return [el for el in scope.iter() if isinstance(el.tag, str) and prop in (el.get("itemprop") or "").split()]


# -- putting it together ---------------------------------------------------------------------------


def _main_article(articles: list[dict[str, Any]], own: list[str], url: str) -> dict[str, Any] | None:
    """The declared article that is this page: matching URL first, else the first with a headline."""
    for candidate in (*own, url):
        for article in articles:
            if same_page(_ld_url(article), candidate):
                return article
    with_headline = [a for a in articles if ld_text(a.get("headline"))]
    chosen = with_headline or articles
    return chosen[0] if chosen else None


def _language(tree: lxml.html.HtmlElement, meta: dict[str, list[str]], article: dict[str, Any] | None) -> str | None:
    declared = ld_text(article.get("inLanguage")) if article else None
    declared = declared or tree.get("lang") or tree.get("xml:lang")
    declared = declared or _first(meta, "content-language", "og:locale", "dc.language", "language")
    if not declared:
        return None
    code = declared.strip().replace("_", "-")
    return code if re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", code) else None


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    if isinstance(value, list):
        return [t.strip() for t in value if isinstance(t, str) and t.strip()]
    return []


def read_facts(tree: lxml.html.HtmlElement, url: str) -> PageFacts:
    """Everything the page declares about its article."""
    facts = PageFacts()
    meta = meta_values(tree)
    facts.meta = meta
    ld = json_ld(tree)
    for obj in ld:
        facts.ld_types |= _types(obj)
    articles = [obj for obj in ld if _types(obj) & ARTICLE_TYPES]

    head = tree.find("head")
    canonical = None
    for link in (head if head is not None else tree).iter("link"):
        if "canonical" in (link.get("rel") or "").casefold().split() and link.get("href"):
            canonical = urljoin(url, link.get("href", "").strip())
            break
    facts.canonical_url = canonical
    og_url = _first(meta, "og:url")
    facts.og_url = urljoin(url, og_url) if og_url else None
    facts.article_urls = [urljoin(url, u) for a in articles if (u := _ld_url(a))]

    article = _main_article(articles, facts.own_urls, url)
    micro = _microdata_article(tree)

    facts.og_title = _first(meta, "og:title", "twitter:title")
    facts.headline = ld_text(article.get("headline")) if article else None
    if not facts.headline and micro is not None:
        found = _microdata(micro, "headline")
        facts.headline = _itemprop_value(found[0]) if found else None
    title = tree.find(".//title")
    facts.html_title = title.text_content().strip() if title is not None and title.text_content() else None

    names = {v.casefold() for k in ("og:site_name", "application-name", "twitter:site", "apple-mobile-web-app-title")
             for v in meta.get(k, [])}
    for obj in ld:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.add(publisher["name"].strip().casefold())
        if _types(obj) & {"website", "organization", "newsmediaorganization"} and isinstance(obj.get("name"), str):
            names.add(obj["name"].strip().casefold())
    host = (urlsplit(url).hostname or "").casefold()
    if host:
        bare = host.removeprefix("www.")
        names |= {host, bare, bare.split(".")[0]}
    facts.site_names = {n.lstrip("@").strip() for n in names if n.strip()}

    facts.description = (_first(meta, "og:description", "description", "twitter:description")
                         or (ld_text(article.get("description")) if article else None))
    facts.language = _language(tree, meta, article)
    facts.section = (_first(meta, "article:section", "section", "parsely-section", "sailthru.section")
                     or (ld_text(article.get("articleSection")) if article else None))

    paywalled = _ld_paywalled(article) if article else None
    if paywalled is None and micro is not None:
        found = _microdata(micro, "isAccessibleForFree")
        if found:
            paywalled = _is_false(_itemprop_value(found[0]))
    tier = (_first(meta, "article:content_tier", "content_tier") or "").casefold()
    if paywalled is None and tier:
        paywalled = tier in ("locked", "metered", "premium", "paid")
    facts.paywalled = paywalled

    published: list[str] = []
    modified: list[str] = []
    if article:
        published += [t for t in (ld_text(article.get("datePublished")), ld_text(article.get("dateCreated"))) if t]
        modified += [t for t in (ld_text(article.get("dateModified")),) if t]
    published += [v for k in ("article:published_time", "og:published_time", "published_time", "article.published",
                              "datepublished", "pubdate", "publishdate", "publish-date", "parsely-pub-date",
                              "sailthru.date", "dc.date.issued", "dcterms.created", "dc.date", "date",
                              "article:published", "publication_date", "date.release")
                  for v in meta.get(k, [])]
    modified += [v for k in ("article:modified_time", "og:updated_time", "modified_time", "datemodified",
                             "last-modified", "dcterms.modified")
                 for v in meta.get(k, [])]
    if micro is not None:
        published += [v for el in _microdata(micro, "datePublished") if (v := _itemprop_value(el))]
        modified += [v for el in _microdata(micro, "dateModified") if (v := _itemprop_value(el))]
    facts.published_raw = published
    facts.modified_raw = modified

    raw_authors: list[str] = []
    if article:
        raw_authors = ld_names(article.get("author")) or ld_names(article.get("creator"))
    if not raw_authors:
        raw_authors = [v for k in ("author", "article:author", "dc.creator", "parsely-author", "byl", "sailthru.author")
                       for v in meta.get(k, []) if not v.startswith(("http://", "https://"))]
    if not raw_authors and micro is not None:
        for el in _microdata(micro, "author"):
            names_in = _microdata(el, "name")
            raw_authors.append((_itemprop_value(names_in[0]) if names_in else el.text_content()) or "")
    facts.authors = clean_authors(a for a in raw_authors if a)

    tags: list[str] = []
    for key in ("article:tag", "news_keywords", "keywords"):
        for value in meta.get(key, []):
            tags.extend(_keywords(value))
    if article:
        tags.extend(_keywords(article.get("keywords")))
    facts.tags = dedupe(tags)

    facts.article_body = ld_text(article.get("articleBody")) if article else None
    facts.images = _ld_images(article, url) if article else []

    facts.og_type = (_first(meta, "og:type") or "").casefold() or None
    facts.declares_article = bool(articles) or facts.og_type in ARTICLE_OG_TYPES or micro is not None
    if not facts.declares_article:
        listing = sorted(facts.ld_types & LISTING_TYPES)
        if listing:
            facts.declares_listing = f"JSON-LD {listing[0]}"
        elif facts.og_type:
            facts.declares_listing = f"og:type {facts.og_type!r}"
    return facts
