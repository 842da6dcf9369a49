"""The data that flows through the pipeline, stage by stage.

    SourceDocument  what a reader (folder file or web page) hands over: raw blocks of text
                    (and, from a news agency, its item data: WireItem, with its Pictures)
    Picture, Package  what an agency sends apart from text: a picture item, a package of items
    Article         what the splitter makes of it: typed segments, captions, quotes
    Enrichment      what the NLP stage adds: sentences, entities, speakers, keywords, language

Plain dataclasses rather than pydantic models: they are built by the thousand on the hot
path and never cross a trust boundary (flow parameters, which do, are pydantic).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

# A block's hint says what the source already knows about it (HTML markup does, plain text
# does not). The splitter trusts a hint and classifies blocks that have none.
BlockHint = Literal["title", "lede", "paragraph", "subheading", "caption", "credit", "byline", "link"]

SegmentKind = Literal[
    "title", "lede", "paragraph", "subheading", "quote", "caption", "credit", "link", "byline"
]
SEGMENT_KINDS: tuple[str, ...] = (
    "title", "lede", "paragraph", "subheading", "quote", "caption", "credit", "link", "byline"
)

# Precision of `published`: a crawl header ` date 2022-02` only knows the month.
DatePrecision = Literal["year", "month", "day", "second"]

# A news agency's publication status of an item (IPTC pubStatus): only `usable` may be shown.
PubStatus = Literal["usable", "withheld", "canceled"]


@dataclass(slots=True)
class Block:
    """One block of source text in reading order: a paragraph, a line, an HTML element."""

    text: str
    hint: BlockHint | None = None
    # For an HTML <figure>: the credit as the page marks it up (photographer="Foto: …").
    credit: str | None = None


@dataclass(slots=True)
class WireItem:
    """What a news agency states about an item beyond its words: whose it is, which version of
    it this is, whether and from when it may be shown, and the pictures it carries."""

    provider: str | None = None  # the agency: "NTB", "TT", "Reuters"
    agencies: list[str] = field(default_factory=list)  # agencies credited: ["NTB", "AFP", "DPA"]
    byline: str | None = None  # as written: "Von Christian Hollmann, dpa"
    version: str | None = None  # the agency's version label: "6"
    first_created: datetime | None = None
    version_created: datetime | None = None
    pub_status: PubStatus = "usable"
    embargo: datetime | None = None  # not to be shown before this time
    pictures: list[Picture] = field(default_factory=list)


@dataclass(slots=True)
class Picture:
    """A picture as a news agency describes it: its caption and credit are fields of their own."""

    caption: str  # "" when the agency sends none
    credit: str | None  # as the agency states it: "Foto: Amit Sharma / AP / NTB", "MARKO DJURICA / REUTERS"
    photographers: list[str]
    agencies: list[str]
    source_uri: str
    source_format: str
    item_id: str | None = None  # the agency's id of the picture (guid, uri)
    headline: str | None = None
    href: str | None = None  # where the agency serves the picture
    language: str | None = None
    wire: WireItem = field(default_factory=WireItem)

    @property
    def key(self) -> str:
        """The picture's identity: the agency's id, else its caption and credit."""
        if self.item_id:
            return self.item_id
        digest = hashlib.sha256(f"{self.caption}\x1f{self.credit or ''}".encode()).hexdigest()
        return f"sha256:{digest}"


@dataclass(slots=True)
class PackageMember:
    item_id: str  # the member's agency id (residref)
    item_class: str | None = None  # text | picture | composite | video | …
    group: str | None = None  # the package group it sits in: "main", "sidebars"


@dataclass(slots=True)
class Package:
    """A news agency's package: which of its items (text, pictures) belong together."""

    item_id: str
    source_uri: str
    source_format: str
    headline: str | None = None
    members: list[PackageMember] = field(default_factory=list)
    wire: WireItem = field(default_factory=WireItem)


@dataclass(slots=True)
class PageInfo:
    """What a web page declares about its article beyond the text (HTML sources only)."""

    canonical_url: str | None = None
    paywalled: bool | None = None  # True: the page showed only part of the article; that part is stored
    section: str | None = None  # as the page names it: "Nyheter", "sport"
    language: str | None = None  # as the page declares it: "nb-NO", "no", "nn"
    layer: str | None = None  # which extraction layer read the body: "site:nrk", "generic", …


@dataclass(slots=True)
class SourceDocument:
    """A document as read from its source, before any cleaning."""

    source_uri: str  # file path (with #N for the Nth record of a JSON Lines file) or URL
    source_format: str  # crawl_text | plain_text | jsonl | html | nitf | newsmlg2 | ninjs
    blocks: list[Block]
    raw_text: str  # the decoded original, kept verbatim
    title: str | None = None  # when the source states it apart from the blocks
    published: datetime | None = None
    published_precision: DatePrecision | None = None
    modified: datetime | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    external_id: str | None = None
    encoding: str = "utf-8"
    language: str | None = None  # as the source declares it, ISO 639-1: "nb", "nn", "en"; None if unsaid
    wire: WireItem | None = None  # set by the news-agency formats (NITF, NewsML-G2, ninjs)
    page: PageInfo | None = None  # set by the HTML extractor (web pages, saved pages)


@dataclass(slots=True)
class Segment:
    position: int  # 0-based reading order within the article
    kind: SegmentKind
    text: str  # cleaned: NFC, single spaces, no soft hyphens or no-break spaces
    raw: str  # as it stood in the source


@dataclass(slots=True)
class Caption:
    position: int  # the caption's (or credit's) segment position
    label: str | None  # MØTE in "MØTE: Russlands president …"
    text: str  # the caption without label and credit; "" for a bare credit line
    photographers: list[str]  # "Ekornesvåg, Svein Ove" is stored as "Svein Ove Ekornesvåg"
    agencies: list[str]  # ["AP", "NTB"]
    credit_raw: str | None  # "Foto: Mikhail Klimentyev / AP / NTB"


@dataclass(slots=True)
class Quote:
    position: int  # segment position of the quote
    text: str  # the quoted words, without the dash and the attribution
    speaker: str | None  # as written: "Putin", "han", "seniorrådgiver Martin Bernsen"
    # Where the quoted words are in the segment's text, when the splitter knows it.
    start: int | None = None
    end: int | None = None


@dataclass(slots=True)
class Article:
    source_uri: str
    source_format: str
    title: str | None
    lede: str | None
    body: str  # paragraphs, subheadings and quotes joined by blank lines; no captions or credits
    segments: list[Segment]
    captions: list[Caption]
    quotes: list[Quote]
    raw_text: str
    published: datetime | None = None
    published_precision: DatePrecision | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    external_id: str | None = None
    extractor_version: str = ""
    language: str | None = None  # as the source declares it (SourceDocument.language)
    wire: WireItem | None = None  # the news agency's item data, for the loader (SourceDocument.wire)
    page: PageInfo | None = None  # what the web page declares, for the loader (SourceDocument.page)

    @property
    def content_hash(self) -> str:
        """Identity of an article: the same words make the same article, wherever they came from."""
        return content_hash(self.title, self.body)

    @property
    def word_count(self) -> int:
        return len(self.body.split()) + len((self.title or "").split())


def content_hash(title: str | None, body: str) -> str:
    return hashlib.sha256(f"{title or ''}\x1f{body}".encode()).hexdigest()


@dataclass(slots=True)
class Sentence:
    segment_position: int
    index: int  # 0-based within the article
    start: int  # character offsets within the segment text
    end: int
    text: str
    tokens: list[str]
    lemmas: list[str]
    pos: list[str]


@dataclass(slots=True)
class Entity:
    segment_position: int
    segment_kind: str
    text: str  # as written: "Russlands", "Vladimir Puting"
    label: str  # NorNE: PER ORG LOC GPE_LOC GPE_ORG PROD EVT DRV MISC
    canonical: str  # within the article: "Russland", "Vladimir Putin"
    start: int  # character offsets within the segment text
    end: int
    sentence_index: int


@dataclass(slots=True)
class ResolvedQuote:
    position: int
    text: str
    speaker: str | None  # as written
    speaker_canonical: str | None  # the person it resolves to within the article


@dataclass(slots=True)
class Enrichment:
    sentences: list[Sentence]
    entities: list[Entity]
    quotes: list[ResolvedQuote]
    keywords: list[str]
    language: str  # nb | nn | da | sv | en | other
    language_confidence: float
    model_name: str
    model_version: str
    ner_degraded: bool = False
    ner_run: bool = True  # False: a language the model does not read; no sentences, entities, keywords


@dataclass(slots=True)
class EnrichedArticle:
    article: Article
    enrichment: Enrichment


@dataclass(slots=True)
class Failure:
    """Something that could not become an article, and why. Goes to news.ingest_failures."""

    source_uri: str
    stage: str  # read | split | enrich | load
    reason: str
