"""Captions and credits: the photos of the article, what they show and who took them.

A caption is read from a `<figcaption>`, from an element whose class says caption in an
image's holder, or from caption attributes (`data-caption`); its credit from an element
inside whose class says credit, copyright, photographer or source, from credit attributes,
or from the end of the caption text (`Foto: …`, `Photograph: …`, `(Name/Agency)`). JSON-LD
image captions fill in images the markup does not caption. Whom a credit names is for
`nyhetsflyt/extract/credits.py`, the one credit parser of the project.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.html

from nyhetsflyt.extract.credits import CREDIT_LINE, is_known_agency
from nyhetsflyt.extract.html.facts import ImageFact
from nyhetsflyt.extract.html.markup import (
    FURNITURE_ROLES,
    FURNITURE_TAGS,
    ancestors,
    class_matches,
    collapse,
    element_text,
    has_block_child,
    has_media_class,
    is_element,
    tag_of,
)


@dataclass(slots=True)
class CaptionFact:
    text: str  # what the photo shows, without the credit
    credit: str | None  # as written: "Photograph: Eva Manez/Reuters", "NTB"
    element: lxml.html.HtmlElement | None  # where it stands in the page (None: from JSON-LD)


_CAPTION_CLASS = re.compile(
    r"caption|bildtekst|bildetekst|billedtekst|bildtext|bildunterschrift|legend|image-?desc\w*|img-?desc\w*|"
    r"photo-?desc\w*|figure-?text|image-?text|photo-?text|media-?desc\w*|video-?desc\w*|video-?caption|"
    r"wp-caption-text", re.I)
_CREDIT_CLASS = re.compile(
    r"credit|copyright|photographer|fotograf|byline|source|attribution|kilde|quelle|rights|author|"
    r"distributor|agency|provider", re.I)
_CREDIT_ATTRS = ("data-credit", "data-photographer", "photographer", "data-copyright", "data-author",
                 "data-source", "credit")
_CAPTION_ATTRS = ("data-caption", "caption", "data-description")
# `Foto: …` and kin at the end of a caption, in the languages of the news we read.
_CREDIT_LABEL = (r"(?:Foto|FOTO|Fotos|Photo|PHOTO|Photos|Photograph|Photography|Picture|Pictures|Image|Images|"
                 r"Bild|Bilder|Bilde|Billede|Credit|Credits|Kilde|Quelle|Source|Fuente|Fonte|Crédit|Crédits|"
                 r"Illustrasjon|Illustration|Ill\.|Grafikk|Grafik|Video|Vídeo|Skjermdump|Faksimile|Arkivfoto|"
                 r"ARKIVFOTO|Copyright)")
_LABELLED_TAIL = re.compile(
    rf"(?:^|(?<=[\s.!?»”\"')]))[(\[]?\s*(?:{_CREDIT_LABEL}\s*:|{_CREDIT_LABEL}\s+by\s|©)\s*\S.*$")
_PHOTO_BY = re.compile(r"^(?:photo|photograph|picture|image|foto|bild)\s+(?:by|von|av)\s+", re.I)
# "(Fred Scheiber/SIPA)", "(Reuters)", "(Getty)" closing a caption.
_PAREN_TAIL = re.compile(r"\s*\(([^()]{2,80})\)\s*\.?\s*$")
# "[사진 출처 = Name]", "（写真提供：Name）": a bracketed source label closing a caption.
_BRACKET_TAIL = re.compile(
    r"\s*[\[（(【]\s*(?:사진|출처|写真|提供|撮影|Foto|Photo)[^\]）)】]{0,12}?[=:：]\s*([^\]）)】]{1,80})[\]）)】]\s*$")
# "（代表撮影）", "（共同提供）": who took or gave the photo, in Japanese captions.
_TAKEN_BY_TAIL = re.compile(r"[（(]([^（）()]{1,30}?)(?:撮影|提供)[）)]\s*$")
# "… gestorben. | Jörg Carstensen/dpa": a credit after a bar or a spaced slash.
_SEPARATED_TAIL = re.compile(r"\s+(?:\||/)\s+([^|]{2,120})$")
# Inside a figure these elements hold the credit, whatever their class.
_CREDIT_TAGS = frozenset({"cite", "footer"})


_NAME_WORD = re.compile(r"^[A-ZÆØÅÄÖÜÉÈÁÓÍÚÑČŠŽŁ][\w'’.-]*$")


def _is_credit_like(text: str, names: bool = False) -> bool:
    """Whether a short parenthesised or trailing text names a source rather than saying something.

    With `names`, a bare name of two to four capitalised words counts too.
    """
    body = text.strip(" .()[]|/")
    if not body or len(body.split()) > 8 or body.endswith(("?", "!")):
        return False
    if "/" in body or "©" in body:
        return True
    parts = [p.strip() for p in re.split(r"\s*(?:,|;|\||\bvia\b)\s*", body) if p.strip()]
    if parts and all(is_known_agency(p) for p in parts):
        return True
    words = body.split()
    return names and 2 <= len(words) <= 4 and all(_NAME_WORD.match(w) for w in words)


def split_credit(text: str) -> tuple[str, str | None]:
    """A caption text and the credit at its end, if it ends with one."""
    text = collapse(text)
    if match := _LABELLED_TAIL.search(text):
        caption, credit = text[: match.start()].rstrip(" |–—-"), match.group(0).strip(" ()[]")
        return caption, credit or None
    if match := _BRACKET_TAIL.search(text):
        return text[: match.start()].rstrip(), match.group(1).strip()
    if match := _TAKEN_BY_TAIL.search(text):
        return text[: match.start()].rstrip(" ＝="), match.group(1).strip()
    if (match := _SEPARATED_TAIL.search(text)) and match.start() > 0:
        tail = match.group(1).strip()
        if all(len(part.split()) <= 5 for part in re.split(r"\s*/\s*", tail)) and _is_credit_like(tail, names=True):
            return text[: match.start()].rstrip(), tail
    if (match := _PAREN_TAIL.search(text)) and _is_credit_like(match.group(1)) and match.start() > 0:
        return text[: match.start()].rstrip(), match.group(1).strip()
    return text, None


def _credit_elements(holder: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    found = [el for el in holder.iterdescendants()
             if is_element(el) and (tag_of(el) in _CREDIT_TAGS or class_matches(el, _CREDIT_CLASS))]
    # The outermost credit elements only: "credit" inside "image-credit" is one credit.
    return [el for el in found if not any(parent in found for parent in ancestors(el))]


def _text_without(holder: lxml.html.HtmlElement, skip: list[lxml.html.HtmlElement]) -> str:
    """The holder's text with the given descendants left out."""
    if not skip:
        return element_text(holder)
    parts: list[str] = []

    def walk(el: lxml.html.HtmlElement) -> None:
        if el in skip:
            if el.tail:
                parts.append(el.tail)
            return
        if tag_of(el) == "br":
            parts.append(" ")
        if el.text:
            parts.append(el.text)
        for child in el:
            if is_element(child):
                walk(child)
            elif child.tail:
                parts.append(child.tail)
        if el is not holder and el.tail:
            parts.append(el.tail)

    walk(holder)
    return collapse("".join(parts))


def _attribute(el: lxml.html.HtmlElement, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = el.get(name)
        if value and value.strip():
            return collapse(value)
    return None


def _in_furniture(el: lxml.html.HtmlElement, scope: lxml.html.HtmlElement,
                  body_lineage: set[lxml.html.HtmlElement]) -> bool:
    """Under navigation, an aside or a furniture class: a teaser's picture, not the article's.

    Elements around the article's body are never furniture, whatever their class says, and
    neither is a wrapper holding much text (a page-wide wrapper with a modifier class).
    """
    for parent in ancestors(el):
        if parent is scope or parent in body_lineage:
            return False
        tag = tag_of(parent)
        if tag in FURNITURE_TAGS or (parent.get("role") or "").casefold() in FURNITURE_ROLES:
            return True
        if class_matches(parent, _ELSEWHERE_CLASS) and len(parent.text_content()) < _FURNITURE_MAX_CHARS:
            return True
    return False


# Boxes of pictures that belong to other articles or to the site: teasers, related stories.
_ELSEWHERE_CLASS = re.compile(
    r"(?:^|[-_])(?:related\w*|relaterte?|recommend\w*|recirc\w*|teasers?|promo\w*|most-?read|popular|trending|"
    r"more-?stories|sidebar|comments?|kommentar\w*|newsletter|cards?|collections?|outbrain|taboola|"
    r"footer|header-?nav|navigation|menu)(?:$|[-_\d])", re.I)


# Furniture is small: a teaser box, a share bar. A wrapper with more text than this is not.
_FURNITURE_MAX_CHARS = 2000


def _last_part_credit(holder: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """A caption's last child element when it reads as a credit (`<span>Alketa Misja (dpa)</span>`)."""
    children = [c for c in holder if is_element(c) and element_text(c)]
    while len(children) == 1 and not (holder.text or "").strip() and not (children[0].tail or "").strip():
        holder = children[0]  # a wrapper around the whole caption: look inside it
        children = [c for c in holder if is_element(c) and element_text(c)]
    if len(children) < 2 and not (children and (holder.text or "").strip()):
        return None
    last = children[-1]
    text = element_text(last)
    return last if _is_credit_like(text, names=True) or text.startswith("©") else None


def _holder_unit(holder: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The figure (or image container) a caption belongs to."""
    for level, parent in enumerate(ancestors(holder)):
        if tag_of(parent) == "figure":
            return parent
        if level >= 2:
            break
    parent = holder.getparent()
    return parent if parent is not None else holder


def _clean_credit(credit: str | None) -> str | None:
    if not credit:
        return None
    credit = collapse(credit).strip(" |/–—-")
    credit = _PHOTO_BY.sub("", credit)
    return credit or None


def read_captions(scope: lxml.html.HtmlElement,
                  body_lineage: set[lxml.html.HtmlElement] | None = None) -> list[CaptionFact]:
    """Captions of the photos in the article scope, in document order, each once.

    `body_lineage`: the body container and its ancestors, which no furniture class rules out.
    """
    lineage = body_lineage or set()
    holders: list[lxml.html.HtmlElement] = []
    held: set[lxml.html.HtmlElement] = set()
    for el in scope.iter():
        if not is_element(el) or el in held:
            continue
        tag = tag_of(el)
        if tag == "figcaption" or (tag not in ("figure", "img", "picture", "body", "article", "main")
                                   and class_matches(el, _CAPTION_CLASS) and not class_matches(el, _CREDIT_CLASS)):
            holders.append(el)
            held.update(el.iterdescendants())
    for el in scope.iter():
        # An image block without caption markup: <div class="image-widget"><img><p>text</p></div>.
        if not is_element(el) or el in held or tag_of(el) in ("figure", "picture", "img") \
                or not has_media_class(el) or el.find(".//img") is None \
                or any(h in held or h is el for h in el.iterdescendants() if tag_of(h) == "figcaption"):
            continue
        if any(parent in held for parent in ancestors(el)) or any(h in el.iterdescendants() for h in holders):
            continue
        text = element_text(el)
        if 10 <= len(text) <= 600:
            holders.append(el)
            held.add(el)
            held.update(el.iterdescendants())
    holders.sort(key=_document_order(scope))
    captions: list[CaptionFact] = []
    seen: set[str] = set()
    for holder in holders:
        if _in_furniture(holder, scope, lineage):
            continue
        unit = _holder_unit(holder)
        credit_els = _credit_elements(holder)
        if not credit_els and (last := _last_part_credit(holder)) is not None:
            credit_els = [last]
        text = _text_without(holder, credit_els)
        credit = " ".join(element_text(el) for el in credit_els) or None
        if credit is None:
            # A credit beside the caption in the same figure: <figcaption>…</figcaption><span class=credit>.
            inside = set(holder.iterdescendants())
            beside = [el for el in _credit_elements(unit) if el not in inside]
            beside = beside or [el for el in unit.iter() if is_element(el) and el not in inside and el is not holder
                                and not has_block_child(el) and element_text(el).startswith("©")]
            if beside:
                credit = " ".join(element_text(el) for el in beside)
        if credit is None:
            credit = _attribute(unit, _CREDIT_ATTRS) or next(
                (c for img in unit.iter("img") if (c := _attribute(img, _CREDIT_ATTRS))), None)
        text, tail_credit = split_credit(text)
        credit = _clean_credit(credit or tail_credit)
        text = text.strip(" |–—-")
        key = text.casefold()
        if (not text and not credit) or (key and key in seen) or len(text) > 1500:
            continue
        seen.add(key)
        captions.append(CaptionFact(text=text, credit=credit, element=unit))
    for figure in scope.iter("figure"):
        # A figure without caption markup whose image carries a credit: the alt text says what it shows.
        if figure in held or any(h is figure or h in figure.iterdescendants() for h in holders) \
                or _in_furniture(figure, scope, lineage):
            continue
        img = figure.find(".//img")
        if img is None:
            continue
        title = _attribute(img, ("title",))
        credit = _attribute(img, _CREDIT_ATTRS) or _attribute(figure, _CREDIT_ATTRS) or (
            title if title and CREDIT_LINE.match(title) else None)
        alt = _attribute(img, ("alt",))
        if credit and alt and alt.casefold() not in seen:
            seen.add(alt.casefold())
            captions.append(CaptionFact(text=alt, credit=_clean_credit(credit), element=figure))
    for el in scope.iter():
        if not is_element(el) or el in held or tag_of(el) in ("figcaption",):
            continue
        caption = _attribute(el, _CAPTION_ATTRS)
        if not caption or caption.casefold() in seen or _in_furniture(el, scope, lineage):
            continue
        text, tail_credit = split_credit(caption)
        credit = _clean_credit(_attribute(el, _CREDIT_ATTRS) or tail_credit)
        seen.add(text.casefold())
        captions.append(CaptionFact(text=text, credit=credit, element=el))
    return captions


def _document_order(scope: lxml.html.HtmlElement) -> Callable[[lxml.html.HtmlElement], int]:
    order = {el: index for index, el in enumerate(scope.iter())}
    return lambda el: order.get(el, 0)


def _same_image(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return bool(pa.path) and pa.path.rstrip("/") == pb.path.rstrip("/")


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def _image_urls(el: lxml.html.HtmlElement) -> list[str]:
    urls: list[str] = []
    images = [el] if tag_of(el) == "img" else list(el.iter("img", "source"))
    for img in images:
        for name in ("src", "data-src", "srcset", "data-srcset"):
            value = img.get(name)
            if value and not value.startswith("data:"):
                urls.extend(part.split()[0] for part in value.split(",") if part.split())
    return urls


def add_declared_captions(captions: list[CaptionFact], images: list[ImageFact],
                          region: lxml.html.HtmlElement | None = None) -> list[CaptionFact]:
    """JSON-LD image captions the markup does not show, placed where the page shows the image
    (by its URL) when it does; a shown caption without credit takes the declared credit."""
    result = list(captions)
    figures = [el for el in region.iter("figure", "picture", "img")] if region is not None else []
    for image in images:
        text, tail_credit = split_credit(image.caption or "")
        credit = _clean_credit(image.credit or tail_credit)
        words = _words(text)
        match = None
        for caption in result:
            shown = _words(caption.text)
            if words and shown and len(words & shown) >= 0.7 * max(len(words), len(shown)):
                match = caption
                break
        if match is not None:
            if match.credit is None and credit:
                match.credit = credit
            continue
        if not text and not credit:
            continue
        placed: lxml.html.HtmlElement | None = next(
            (el for el in figures for url in _image_urls(el) for declared in image.urls if _same_image(url, declared)),
            None)
        result.append(CaptionFact(text=text, credit=credit, element=placed))
    return result
