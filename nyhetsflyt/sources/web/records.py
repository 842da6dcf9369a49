"""What a fetch produces and what is remembered about a URL between fetches."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Outcome = Literal[
    "ok",  # 200 with a body we had not seen
    "not_modified",  # 304 to our conditional GET
    "unchanged",  # 200, but the body hashes to what we stored
    "not_found",  # 404
    "gone",  # 410
    "robots_disallowed",  # robots.txt forbids it for our user agent; never requested
    "too_large",  # body (declared or streamed) past the byte limit
    "timeout",  # connect or read timeout, or the whole download past its deadline
    "http_error",  # any other status, or 429/5xx still failing after the last attempt
    "connection_error",  # refused, reset, DNS failure
    "redirect_loop",  # a redirect back to a URL already visited, or too many hops
    "refused_scheme",  # not http/https (also on a redirect hop)
    "refused_private",  # host resolves to a private, loopback or link-local address
    "truncated",  # connection closed before the declared Content-Length arrived
]
OUTCOMES: tuple[str, ...] = (
    "ok", "not_modified", "unchanged", "not_found", "gone", "robots_disallowed", "too_large",
    "timeout", "http_error", "connection_error", "redirect_loop", "refused_scheme",
    "refused_private", "truncated",
)

# Outcomes after which the page's current content is known (and its validators worth keeping).
CONTENT_OUTCOMES: frozenset[str] = frozenset({"ok", "unchanged"})


@dataclass(frozen=True, slots=True)
class UrlState:
    """What we remember about a URL from its last fetch: enough for a conditional GET."""

    url: str
    etag: str | None = None
    last_modified: str | None = None  # the server's HTTP-date, kept verbatim to echo back
    content_hash: str | None = None  # sha256 hex of the last body
    last_status: int | None = None
    last_outcome: str | None = None
    last_fetched_at: datetime | None = None
    article_id: int | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # as asked for
    final_url: str  # after redirects
    status: int | None  # last HTTP status; None when no response came
    outcome: Outcome
    # builtins.bytes because the field `bytes` below shadows the name inside the class.
    body: builtins.bytes | None
    content_type: str | None
    etag: str | None
    last_modified: str | None
    content_hash: str | None  # sha256 hex of body
    bytes: int  # body bytes read (decoded)
    elapsed_s: float
    attempts: int  # HTTP attempts at the URL, not counting robots.txt
    error: str | None = None
