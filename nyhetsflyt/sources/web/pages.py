"""What a fetch means for the pipeline: which kind of document came back, whether a page is an
article to ingest, and which outcomes are failures to report.

Pure functions over FetchResults; the flow `flows/ingest_web.py` strings them together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from nyhetsflyt.documents import Failure, SourceDocument
from nyhetsflyt.extract.html import NotAnArticle, PageExtraction, UnreadablePage, extract_page
from nyhetsflyt.sources.web.discover import DiscoveredUrl, SourceKind, sniff_kind
from nyhetsflyt.sources.web.records import FetchResult

DocumentKind = Literal["feed", "sitemap", "urls", "page"]
Verdict = Literal["failed", "skipped"]  # how a fetch that brought no content is recorded

# Outcomes that are neither content nor a failure: nothing new, or not ours to fetch.
QUIET_OUTCOMES = frozenset({"not_modified", "unchanged"})
SKIP_OUTCOMES = frozenset({"robots_disallowed"})

_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


def _looks_like_html(body: bytes, content_type: str | None) -> bool:
    if content_type and ("html" in content_type.lower()):
        return True
    return bool(_HTML_START.match(body[:4096].lstrip(b"\xef\xbb\xbf")))


def classify_document(result: FetchResult, requested: SourceKind | None) -> DocumentKind | None:
    """The kind of document fetched: as requested, or sniffed (an HTML page is an article page).

    None when there is no body to look at (a failure, a 304).
    """
    if requested is not None:
        return requested
    if result.body is None:
        return None
    if _looks_like_html(result.body, result.content_type):
        return "page"
    return sniff_kind(result.body, result.content_type)


def fetch_failure(result: FetchResult, kind: DocumentKind | None) -> tuple[Failure, Verdict] | None:
    """The ingest failure a fetch outcome amounts to, with its record outcome (failed/skipped)."""
    if result.outcome == "ok" or result.outcome in QUIET_OUTCOMES:
        return None
    detail = result.error or (f"HTTP {result.status}" if result.status else "no response")
    reason = f"{result.outcome}: {detail}"
    if kind and kind != "page":
        reason = f"{kind} {reason}"
    verdict: Verdict = "skipped" if result.outcome in SKIP_OUTCOMES else "failed"
    return Failure(result.url, "fetch", reason[:2000]), verdict


@dataclass(slots=True)
class PageRead:
    """What an article page fetch became: a document to ingest, a page skipped, or a failure."""

    url: str
    document: SourceDocument | None = None
    skipped: Failure | None = None  # not an article (front page, not HTML): skipped on purpose
    failure: Failure | None = None  # the page could not be read


def _charset(content_type: str | None) -> str | None:
    match = _CHARSET.search(content_type or "")
    return match.group(1) if match else None


def extract_fetched(body: bytes, url: str, content_type: str | None, *,
                    publisher_rules: bool = True) -> PageExtraction:
    """The article on fetched page bytes: what the web flow and `nyhetsflyt extract` both run.

    HTTP's charset is used only for bytes that are not UTF-8 (see `decode_page`). Raises
    NotAnArticle or UnreadablePage with the reason.
    """
    return extract_page(body, url, publisher_rules=publisher_rules, charset=_charset(content_type))


def read_page(result: FetchResult, hint: DiscoveredUrl | None = None, *, publisher_rules: bool = True) -> PageRead:
    """Extract the article from a fetched page (`result.outcome == "ok"`).

    The feed or sitemap entry that led to the page fills in a title or date the page lacks.
    A page that is not an article is skipped with the reason; one that cannot be read (binary,
    cut off, too large) is a failure with the reason.
    """
    url = result.final_url or result.url
    if result.body is None:
        return PageRead(result.url, failure=Failure(url, "extract", "no body to read"))
    if not _looks_like_html(result.body, result.content_type):
        reason = f"not an HTML page: {result.content_type or 'no content type'}"
        return PageRead(result.url, skipped=Failure(url, "extract", reason))
    try:
        document = extract_fetched(result.body, url, result.content_type, publisher_rules=publisher_rules).to_document()
    except NotAnArticle as error:
        return PageRead(result.url, skipped=Failure(url, "extract", f"not an article: {error.reason}"))
    except UnreadablePage as error:
        return PageRead(result.url, failure=Failure(url, "extract", f"unreadable page: {error.reason}"[:2000]))
    except Exception as error:  # one broken page must not sink the batch
        return PageRead(result.url, failure=Failure(url, "extract", f"{type(error).__name__}: {error}"[:2000]))
    if hint is not None:
        if document.published is None and hint.published is not None:
            document.published, document.published_precision = hint.published, "second"
        if not document.title and hint.title:
            document.title = hint.title
    return PageRead(result.url, document=document)


def newest_first(found: list[DiscoveredUrl]) -> list[DiscoveredUrl]:
    """Discovered URLs, newest first (undated ones last, in their source order)."""
    dated = sorted((d for d in found if d.published), key=lambda d: d.published or datetime.min, reverse=True)
    return dated + [d for d in found if not d.published]
