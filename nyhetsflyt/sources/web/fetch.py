"""A polite, fault-tolerant HTTP fetcher for news pages, feeds and sitemaps.

Polite: one identifying user agent, robots.txt honoured (fetched once per host and cached),
a minimum interval between requests to the same host, conditional GETs, Retry-After obeyed.
Fault-tolerant: every failure ends as a FetchResult with an outcome, never as an exception;
timeouts bound every wait, bodies are streamed under a byte limit and an overall deadline.
Safe: only http/https, at most a few redirects each checked like the first URL, and (unless
the setting NYHETSFLYT_ALLOW_PRIVATE) no request to a host that resolves to a private address.
"""

from __future__ import annotations

import hashlib
import ipaddress
import random
import socket
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import requests
import urllib3.exceptions

from nyhetsflyt.sources.web.records import FetchResult, Outcome, UrlState

DEFAULT_USER_AGENT = "Nyhetsflyt/0.1 (+https://github.com/nyhetsflyt/nyhetsflyt; data@nyhetsflyt.no)"
ALLOWED_SCHEMES = ("http", "https")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK_BYTES = 64 * 1024

Sleep = Callable[[float], None]
Clock = Callable[[], float]
Resolver = Callable[..., list]


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How to fetch. The web flow makes one from its FetchSettings and Settings."""

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 15.0  # longest silence between two reads
    deadline_s: float = 60.0  # longest time to download one response, however it trickles
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 3
    min_host_interval_s: float = 1.0
    max_host_concurrency: int = 2  # requests in flight to one host, across every worker
    max_attempts: int = 4
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    retry_after_cap_s: float = 60.0
    respect_robots: bool = True
    robots_ttl_s: float = 24 * 3600.0
    robots_error_ttl_s: float = 600.0  # an unreachable robots.txt is asked again sooner
    robots_max_bytes: int = 500 * 1024  # RFC 9309: parse at least the first 500 KiB
    allow_private: bool = False  # hosts that resolve to private or loopback addresses


# --- per-host rate ------------------------------------------------------------------------


class HostLimiter(Protocol):
    """Per-host politeness: a pace and a cap on requests in flight. The flow may swap in a
    shared limiter."""

    def acquire(self, host: str) -> None:
        """Block until the next request to `host` may start."""

    def hold(self, host: str) -> AbstractContextManager[object]:
        """A slot for one request to `host` in flight, held until the response is read."""


class IntervalHostLimiter:
    """At most one request per `min_interval_s` to each host, across the threads of a process.

    Each caller reserves the next free slot under a lock and then waits outside it, so callers
    for different hosts never wait for each other.
    """

    def __init__(self, min_interval_s: float, sleep: Sleep = time.sleep, clock: Clock = time.monotonic,
                 max_in_flight: int = 2):
        self.min_interval_s = min_interval_s
        self.max_in_flight = max_in_flight
        self._sleep = sleep
        self._clock = clock
        self._next_slot: dict[str, float] = {}
        self._in_flight: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def hold(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            slots = self._in_flight.setdefault(host, threading.BoundedSemaphore(self.max_in_flight))
        return slots

    def acquire(self, host: str) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = slot + self.min_interval_s
        if slot > now:
            self._sleep(slot - now)


# --- pure helpers -------------------------------------------------------------------------


def host_key(url: str) -> str:
    """The limiter's key: host and port, lower-cased."""
    return urlsplit(url).netloc.lower()


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def is_forbidden_address(address: str) -> bool:
    """True for anything but a public unicast address (private, loopback, link-local, …)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def backoff_delay(attempt: int, policy: FetchPolicy, unit_random: float) -> float:
    """Exponential backoff after the `attempt`-th failure, with jitter in its upper half."""
    ceiling = min(policy.backoff_max_s, policy.backoff_base_s * 2 ** (attempt - 1))
    return ceiling * (0.5 + 0.5 * unit_random)


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


# --- one exchange -------------------------------------------------------------------------


@dataclass(slots=True)
class _Exchange:
    """How one request (or a chain of redirects) ended, before results are assembled."""

    final_url: str
    outcome: Outcome
    status: int | None = None
    body: bytes | None = None
    bytes_read: int = 0
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    location: str | None = None  # set for a redirect response
    retryable: bool = False
    retry_after_s: float | None = None
    requests_made: int = 0
    waited_s: float = 0.0  # time spent waiting for the host's turn (politeness), not fetching


@dataclass(slots=True)
class _RobotsEntry:
    parser: RobotFileParser
    expires_at: float


class Fetcher:
    """Fetches URLs under a FetchPolicy. Safe to share between threads of one process."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        limiter: HostLimiter | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        resolver: Resolver = socket.getaddrinfo,
        random_unit: Callable[[], float] = random.random,
        session: requests.Session | None = None,
    ):
        self.policy = policy or FetchPolicy()
        self._sleep = sleep
        self._clock = clock
        self._resolver = resolver
        self._random_unit = random_unit
        self.limiter: HostLimiter = limiter or IntervalHostLimiter(
            self.policy.min_host_interval_s, sleep=sleep, clock=clock,
            max_in_flight=self.policy.max_host_concurrency
        )
        self._session = session or self._new_session()
        self._robots: dict[str, _RobotsEntry] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._robots_guard = threading.Lock()

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        # No proxies or .netrc from the environment: requests go where the URL says, nowhere else.
        session.trust_env = False
        session.headers.update({
            "User-Agent": self.policy.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
                      "application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5",
            "Accept-Language": "nb,no;q=0.9,nn;q=0.8,en;q=0.5",
        })
        return session

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- public --------------------------------------------------------------------------

    def fetch(self, url: str, state: UrlState | None = None) -> FetchResult:
        """Fetch `url`, conditionally when `state` holds validators; never raises for HTTP."""
        started = self._clock()
        attempts = 0  # tries that sent a request
        waited = 0.0
        for tries in range(1, max(1, self.policy.max_attempts) + 1):
            exchange = self._follow(url, state, check_robots=self.policy.respect_robots,
                                    max_bytes=self.policy.max_bytes, truncate_at_limit=False)
            waited += exchange.waited_s
            if exchange.requests_made:
                attempts += 1
            if not exchange.retryable or tries >= self.policy.max_attempts:
                break
            self._sleep(self._retry_wait(exchange, tries))
        # Elapsed is the fetch itself (requests, downloads, retry waits): the queue for a busy
        # host's turn says how polite we are, not how the site answered.
        return self._result(url, exchange, state, attempts, self._clock() - started - waited)

    def robots_allows(self, url: str) -> bool:
        """Whether robots.txt of the URL's host lets our user agent fetch it (cached per host)."""
        key = origin(url)
        with self._robots_guard:
            lock = self._robots_locks.setdefault(key, threading.Lock())
        with lock:
            entry = self._robots.get(key)
            if entry is None or entry.expires_at <= self._clock():
                entry = self._load_robots(key)
                self._robots[key] = entry
        return entry.parser.can_fetch(self.policy.user_agent, url)

    # --- internals -----------------------------------------------------------------------

    def _retry_wait(self, exchange: _Exchange, attempt: int) -> float:
        if exchange.retry_after_s is not None:
            return min(exchange.retry_after_s, self.policy.retry_after_cap_s)
        return backoff_delay(attempt, self.policy, self._random_unit())

    def _result(self, url: str, ex: _Exchange, state: UrlState | None, attempts: int,
                elapsed_s: float) -> FetchResult:
        outcome = ex.outcome
        content_hash = sha256_hex(ex.body) if ex.body is not None else None
        etag, last_modified = ex.etag, ex.last_modified
        if outcome == "ok" and state is not None and state.content_hash == content_hash:
            outcome = "unchanged"
        if outcome == "not_modified" and state is not None:
            # A 304 may omit validators; the stored ones still describe the stored content.
            etag = etag or state.etag
            last_modified = last_modified or state.last_modified
            content_hash = state.content_hash
        return FetchResult(
            url=url, final_url=ex.final_url, status=ex.status, outcome=outcome, body=ex.body,
            content_type=ex.content_type, etag=etag, last_modified=last_modified,
            content_hash=content_hash, bytes=ex.bytes_read, elapsed_s=elapsed_s,
            attempts=attempts, error=ex.error,
        )

    def _refusal(self, url: str, *, check_robots: bool) -> _Exchange | None:
        """Why `url` must not be requested, or None. Checked for every redirect hop."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            return _Exchange(url, "refused_scheme", error=f"scheme {parts.scheme or '(none)'!r} not allowed")
        try:
            host, port = parts.hostname, parts.port
        except ValueError as error:  # a port that is not a number
            return _Exchange(url, "connection_error", error=f"bad URL: {error}")
        if not host:
            return _Exchange(url, "connection_error", error="URL has no host")
        if not self.policy.allow_private:
            try:
                addresses = self._addresses(host, port or (443 if parts.scheme == "https" else 80))
            except OSError as error:
                return _Exchange(url, "connection_error", error=f"cannot resolve {host}: {error}",
                                 retryable=True)
            forbidden = [a for a in addresses if is_forbidden_address(a)]
            if forbidden:
                return _Exchange(url, "refused_private",
                                 error=f"{host} resolves to non-public address {forbidden[0]}")
        if check_robots and not self.robots_allows(url):
            return _Exchange(url, "robots_disallowed", error="disallowed by robots.txt")
        return None

    def _addresses(self, host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host.split("%", 1)[0]))]
        except ValueError:
            pass
        infos = self._resolver(host, port, type=socket.SOCK_STREAM)
        return sorted({info[4][0] for info in infos})

    def _follow(self, url: str, state: UrlState | None, *, check_robots: bool, max_bytes: int,
                truncate_at_limit: bool) -> _Exchange:
        """Request `url`, following redirects by hand so that every hop is checked."""
        visited: list[str] = []
        current = url
        last_status: int | None = None
        waited = 0.0
        for _hop in range(self.policy.max_redirects + 1):
            refusal = self._refusal(current, check_robots=check_robots)
            if refusal is not None:
                refusal.status = last_status
                refusal.requests_made = len(visited)
                refusal.waited_s = waited
                return refusal
            visited.append(current)
            exchange = self._request(current, state, max_bytes=max_bytes,
                                     truncate_at_limit=truncate_at_limit)
            waited += exchange.waited_s
            exchange.requests_made = len(visited)
            if exchange.location is None:
                exchange.waited_s = waited
                return exchange
            last_status = exchange.status
            current = urljoin(current, exchange.location)
            if current in visited:
                return _Exchange(current, "redirect_loop", status=last_status, waited_s=waited,
                                 error=f"redirect back to {current}", requests_made=len(visited))
        return _Exchange(current, "redirect_loop", status=last_status, waited_s=waited,
                         error=f"more than {self.policy.max_redirects} redirects",
                         requests_made=len(visited))

    def _request(self, url: str, state: UrlState | None, *, max_bytes: int,
                 truncate_at_limit: bool) -> _Exchange:
        """One GET, no redirects followed; the body streamed under the limits."""
        headers = {}
        if state is not None:
            if state.etag:
                headers["If-None-Match"] = state.etag
            if state.last_modified:
                headers["If-Modified-Since"] = state.last_modified
        host = host_key(url)
        queued = self._clock()
        # The in-flight slot first, the pace last: whatever taking the slot costs (a round trip
        # to the Prefect API) then falls before the pace is granted, not between it and the send.
        with self.limiter.hold(host):
            self.limiter.acquire(host)
            started = self._clock()
            exchange = self._get(url, headers, started, max_bytes, truncate_at_limit)
        exchange.waited_s = started - queued
        return exchange

    def _get(self, url: str, headers: dict[str, str], started: float, max_bytes: int,
             truncate_at_limit: bool) -> _Exchange:
        try:
            response = self._session.get(
                url, headers=headers, allow_redirects=False, stream=True,
                timeout=(self.policy.connect_timeout_s, self.policy.read_timeout_s),
            )
        except (requests.ConnectTimeout, requests.ReadTimeout) as error:
            return _Exchange(url, "timeout", error=_describe(error), retryable=True)
        except requests.ConnectionError as error:
            return _Exchange(url, "connection_error", error=_describe(error), retryable=True)
        except requests.RequestException as error:  # invalid URL, bad header, …
            return _Exchange(url, "connection_error", error=_describe(error))
        with response:
            return self._read_response(url, response, started, max_bytes, truncate_at_limit)

    def _read_response(self, url: str, response: requests.Response, started: float,
                       max_bytes: int, truncate_at_limit: bool) -> _Exchange:
        status = response.status_code
        ex = _Exchange(
            url, "http_error", status=status,
            content_type=response.headers.get("Content-Type"),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )
        if status in REDIRECT_STATUSES and response.headers.get("Location"):
            ex.location = response.headers["Location"]
            return ex
        if status == 304:
            ex.outcome = "not_modified"
            return ex
        if status == 404:
            ex.outcome = "not_found"
            return ex
        if status == 410:
            ex.outcome = "gone"
            return ex
        if status in (429, 503):
            ex.retryable = True
            ex.retry_after_s = parse_retry_after(response.headers.get("Retry-After"))
            ex.error = f"HTTP {status}"
            return ex
        if status >= 500:
            ex.retryable = True
            ex.error = f"HTTP {status}"
            return ex
        if not 200 <= status < 300:
            ex.error = f"HTTP {status}"
            return ex
        declared = response.headers.get("Content-Length")
        if not truncate_at_limit and declared and declared.isdigit() and int(declared) > max_bytes:
            ex.outcome = "too_large"
            ex.error = f"Content-Length {declared} exceeds {max_bytes}"
            return ex
        return self._stream_body(ex, response, started, max_bytes, truncate_at_limit)

    def _stream_body(self, ex: _Exchange, response: requests.Response, started: float,
                     max_bytes: int, truncate_at_limit: bool) -> _Exchange:
        chunks: list[bytes] = []
        received = 0
        try:
            while True:
                # read1 returns whatever arrived, so a trickling server cannot outlast the
                # deadline by feeding a large read one byte at a time.
                chunk = response.raw.read1(_CHUNK_BYTES, decode_content=True)
                if not chunk:
                    break
                received += len(chunk)
                if received > max_bytes:
                    if truncate_at_limit:
                        chunks.append(chunk[: len(chunk) - (received - max_bytes)])
                        received = max_bytes
                        break
                    ex.outcome, ex.bytes_read = "too_large", received
                    ex.error = f"body exceeds {max_bytes} bytes"
                    return ex
                chunks.append(chunk)
                if self._clock() - started > self.policy.deadline_s:
                    ex.outcome, ex.bytes_read, ex.retryable = "timeout", received, True
                    ex.error = f"download exceeded the {self.policy.deadline_s} s deadline"
                    return ex
        except urllib3.exceptions.ReadTimeoutError as error:
            ex.outcome, ex.bytes_read, ex.retryable = "timeout", received, True
            ex.error = _describe(error)
            return ex
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.IncompleteRead) as error:
            ex.outcome, ex.bytes_read, ex.retryable = "truncated", received, True
            ex.error = _describe(error)
            return ex
        except urllib3.exceptions.DecodeError as error:
            ex.outcome, ex.bytes_read = "http_error", received
            ex.error = f"undecodable body: {_describe(error)}"
            return ex
        except OSError as error:
            ex.outcome, ex.bytes_read, ex.retryable = "connection_error", received, True
            ex.error = _describe(error)
            return ex
        ex.outcome = "ok"
        ex.body = b"".join(chunks)
        ex.bytes_read = received
        return ex

    def _load_robots(self, key: str) -> _RobotsEntry:
        """Fetch and parse `<origin>/robots.txt` once; unreachable means disallow all (RFC 9309)."""
        parser = RobotFileParser(key + "/robots.txt")
        ex = self._follow(key + "/robots.txt", None, check_robots=False,
                          max_bytes=self.policy.robots_max_bytes, truncate_at_limit=True)
        ttl = self.policy.robots_ttl_s
        if ex.outcome == "ok" and ex.body is not None:
            parser.parse(ex.body.decode("utf-8", errors="replace").splitlines())
        elif ex.outcome in ("not_found", "gone", "http_error") and ex.status in (401, 403):
            # The parser's own switches, as its read() sets them (not in its type stubs).
            parser.disallow_all = True  # type: ignore[attr-defined]  # access control means no
        elif ex.outcome in ("not_found", "gone", "http_error") and ex.status is not None \
                and 400 <= ex.status < 500 and ex.status != 429:
            parser.allow_all = True  # type: ignore[attr-defined]  # no robots.txt: no restrictions
        else:  # 429, 5xx, timeout, refused hop, redirect loop: unreachable
            parser.disallow_all = True  # type: ignore[attr-defined]
            ttl = self.policy.robots_error_ttl_s
        return _RobotsEntry(parser, self._clock() + ttl)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]
