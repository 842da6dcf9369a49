"""The Fetcher against a real, misbehaving HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import itertools
import socket
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from web_server import ETAG, LAST_MODIFIED, STATIC_BODY, serve

from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.web.batch import FetchSettings
from nyhetsflyt.sources.web.fetch import (
    DEFAULT_USER_AGENT,
    Fetcher,
    FetchPolicy,
    IntervalHostLimiter,
    backoff_delay,
    is_forbidden_address,
    parse_retry_after,
)
from nyhetsflyt.sources.web.records import UrlState

READ_TIMEOUT_S = 0.5
SLOW_SECONDS = 3.0


@pytest.fixture(scope="module")
def server():
    with serve(slow_seconds=SLOW_SECONDS) as running:
        yield running


@pytest.fixture(autouse=True)
def loopback_allowed(monkeypatch):
    monkeypatch.setenv("NYHETSFLYT_ALLOW_PRIVATE", "1")
    monkeypatch.delenv("NYHETSFLYT_USER_AGENT", raising=False)


class SleepRecorder:
    """Stands in for time.sleep: remembers every requested wait, waits for none."""

    def __init__(self):
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_fetcher(**overrides) -> tuple[Fetcher, SleepRecorder]:
    settings = dict(connect_timeout_s=0.5, read_timeout_s=READ_TIMEOUT_S, deadline_s=2.0,
                    min_host_interval_s=0.0, max_attempts=3, backoff_base_s=0.1, backoff_max_s=1.0)
    settings.update(overrides)
    sleep = SleepRecorder()
    return Fetcher(_policy(settings), sleep=sleep), sleep


def _policy(fields: dict) -> FetchPolicy:
    """A policy with these fields, its user agent and private-address switch from the settings."""
    base = FetchSettings().policy(Settings())
    return FetchPolicy(**{"user_agent": base.user_agent, "allow_private": base.allow_private, **fields})


# --- success, identity, validators -----------------------------------------------------------


def test_ok_page_with_hash_and_our_user_agent(server):
    fetcher, sleep = make_fetcher()
    result = fetcher.fetch(server.url("/artikler/ferje-innstilt.html"))
    assert result.outcome == "ok" and result.status == 200
    assert "Ferja til Stord innstilt i kveld" in result.body.decode("utf-8")
    assert result.content_hash == hashlib.sha256(result.body).hexdigest()
    assert result.bytes == len(result.body)
    assert result.attempts == 1 and result.error is None
    assert result.content_type.startswith("text/html")
    sent = server.state.requests_for("/artikler/ferje-innstilt.html")[-1]
    assert sent.headers["User-Agent"] == DEFAULT_USER_AGENT
    assert sleep.waits == []


def test_user_agent_from_environment(server, monkeypatch):
    monkeypatch.setenv("NYHETSFLYT_USER_AGENT", "Nyhetsflyt-test/9 (drift@example.no)")
    fetcher, _ = make_fetcher()
    assert fetcher.fetch(server.url("/artikler/skolemat.html")).outcome == "ok"
    sent = server.state.requests_for("/artikler/skolemat.html")[-1]
    assert sent.headers["User-Agent"] == "Nyhetsflyt-test/9 (drift@example.no)"


def test_etag_conditional_get_gives_not_modified(server):
    fetcher, _ = make_fetcher()
    first = fetcher.fetch(server.url("/etag"))
    assert first.outcome == "ok"
    assert (first.etag, first.last_modified) == (ETAG, LAST_MODIFIED)
    state = UrlState(url=first.url, etag=first.etag, last_modified=first.last_modified,
                     content_hash=first.content_hash)
    second = fetcher.fetch(server.url("/etag"), state)
    assert second.outcome == "not_modified" and second.status == 304
    assert second.body is None
    assert second.content_hash == first.content_hash and second.etag == ETAG
    sent = server.state.requests_for("/etag")[-1].headers
    assert sent["If-None-Match"] == ETAG and sent["If-Modified-Since"] == LAST_MODIFIED


def test_same_body_again_is_unchanged(server):
    fetcher, _ = make_fetcher()
    first = fetcher.fetch(server.url("/static"))
    assert first.outcome == "ok" and first.body == STATIC_BODY
    second = fetcher.fetch(server.url("/static"), UrlState(first.url, content_hash=first.content_hash))
    assert second.outcome == "unchanged" and second.status == 200
    different = fetcher.fetch(server.url("/static"), UrlState(first.url, content_hash="0" * 64))
    assert different.outcome == "ok"


# --- not found, gone: recorded, never retried ------------------------------------------------


@pytest.mark.parametrize(("path", "outcome", "status"), [("/missing", "not_found", 404),
                                                        ("/removed", "gone", 410)])
def test_404_and_410_are_not_retried(server, path, outcome, status):
    fetcher, sleep = make_fetcher(max_attempts=4)
    before = len(server.state.requests_for(path))
    result = fetcher.fetch(server.url(path))
    assert (result.outcome, result.status, result.attempts) == (outcome, status, 1)
    assert len(server.state.requests_for(path)) == before + 1
    assert sleep.waits == []


# --- timeouts ----------------------------------------------------------------------------------


def test_slow_server_times_out_instead_of_hanging(server):
    fetcher, sleep = make_fetcher(max_attempts=2)
    started = time.monotonic()
    result = fetcher.fetch(server.url("/slow"))
    elapsed = time.monotonic() - started
    assert result.outcome == "timeout" and result.status is None
    assert result.attempts == 2 and len(sleep.waits) == 1
    # Two attempts bounded by the 0.5 s read timeout end long before the server's 3 s sleep.
    assert elapsed < SLOW_SECONDS


def test_trickling_body_is_cut_at_the_deadline(server):
    fetcher, _ = make_fetcher(max_attempts=1, deadline_s=0.5)
    started = time.monotonic()
    result = fetcher.fetch(server.url("/trickle"))
    elapsed = time.monotonic() - started
    assert result.outcome == "timeout" and result.status == 200
    assert "deadline" in result.error and result.body is None
    assert 0 < result.bytes < 600  # some dots arrived, far from all of them
    assert elapsed < 0.5 + READ_TIMEOUT_S + 1.0


# --- retries -----------------------------------------------------------------------------------


def test_500s_then_success_with_exponential_backoff(server):
    fetcher, sleep = make_fetcher(max_attempts=4, backoff_base_s=0.1)
    result = fetcher.fetch(server.url("/flaky/backoff?fail=2"))
    assert result.outcome == "ok" and result.body == b"recovered"
    assert result.attempts == 3
    assert len(server.state.requests_for("/flaky/backoff?fail=2")) == 3
    first, second = sleep.waits
    assert 0.05 <= first <= 0.1 and 0.1 <= second <= 0.2


def test_backoff_jitter_stays_in_the_upper_half_and_under_the_cap():
    policy = FetchPolicy(backoff_base_s=1.0, backoff_max_s=5.0)
    assert backoff_delay(1, policy, 0.0) == 0.5 and backoff_delay(1, policy, 1.0) == 1.0
    assert backoff_delay(3, policy, 0.0) == 2.0 and backoff_delay(3, policy, 1.0) == 4.0
    assert backoff_delay(10, policy, 1.0) == 5.0


def test_persistent_500_gives_http_error_after_max_attempts(server):
    fetcher, sleep = make_fetcher(max_attempts=3)
    before = len(server.state.requests_for("/always-500"))
    result = fetcher.fetch(server.url("/always-500"))
    assert (result.outcome, result.status, result.attempts) == ("http_error", 500, 3)
    assert len(server.state.requests_for("/always-500")) == before + 3
    assert len(sleep.waits) == 2


def test_429_honours_retry_after_seconds(server):
    fetcher, sleep = make_fetcher()
    result = fetcher.fetch(server.url("/ratelimited/seconds"))
    assert result.outcome == "ok" and result.attempts == 2
    assert sleep.waits == [1.0]


def test_retry_after_is_capped(server):
    fetcher, sleep = make_fetcher(retry_after_cap_s=60.0)
    result = fetcher.fetch(server.url("/ratelimited-long/capped"))
    assert result.outcome == "ok"
    assert sleep.waits == [60.0]


def test_503_honours_retry_after_http_date(server):
    fetcher, sleep = make_fetcher()
    result = fetcher.fetch(server.url("/unavailable/date"))
    assert result.outcome == "ok" and result.body == b"back" and result.attempts == 2
    (wait,) = sleep.waits
    # The server asked for "now + 2 s" at one-second resolution.
    assert 0.0 < wait <= 3.0


def test_parse_retry_after_forms():
    now = datetime(2024, 3, 4, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now) == 0.0
    assert parse_retry_after("snart", now) is None
    assert parse_retry_after(None, now) is None


def test_connection_refused_is_retried_then_reported(server):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    fetcher, sleep = make_fetcher(max_attempts=2, respect_robots=False)
    result = fetcher.fetch(f"http://127.0.0.1:{closed_port}/artikkel")
    assert result.outcome == "connection_error" and result.status is None
    assert result.attempts == 2 and len(sleep.waits) == 1 and result.error


# --- size and integrity ------------------------------------------------------------------------


def test_truncated_body(server):
    fetcher, _ = make_fetcher(max_attempts=2)
    result = fetcher.fetch(server.url("/truncated"))
    assert result.outcome == "truncated" and result.body is None
    assert result.attempts == 2
    assert result.bytes <= 100


def test_declared_size_over_limit_is_not_downloaded(server):
    fetcher, _ = make_fetcher(max_bytes=10_000)
    result = fetcher.fetch(server.url("/large?bytes=50000"))
    assert result.outcome == "too_large" and result.body is None
    assert result.bytes == 0 and result.attempts == 1


def test_undeclared_size_over_limit_is_stopped_while_streaming(server):
    fetcher, _ = make_fetcher(max_bytes=10_000)
    result = fetcher.fetch(server.url("/large-unsized?bytes=500000"))
    assert result.outcome == "too_large" and result.body is None
    assert 10_000 < result.bytes < 500_000
    within = fetcher.fetch(server.url("/large-unsized?bytes=9000"))
    assert within.outcome == "ok" and len(within.body) == 9000


# --- redirects ---------------------------------------------------------------------------------


def test_redirect_loop(server):
    fetcher, _ = make_fetcher()
    result = fetcher.fetch(server.url("/loop/a"))
    assert result.outcome == "redirect_loop" and result.attempts == 1
    assert result.final_url == server.url("/loop/a")


def test_three_redirects_are_followed_four_are_not(server):
    fetcher, _ = make_fetcher(max_redirects=3)
    followed = fetcher.fetch(server.url("/chain/3"))
    assert followed.outcome == "ok" and followed.final_url == server.url("/chain/0")
    too_many = fetcher.fetch(server.url("/chain/4"))
    assert too_many.outcome == "redirect_loop" and "more than 3" in too_many.error
    assert too_many.final_url == server.url("/chain/0")
    assert len(server.state.requests_for("/chain/0")) == 1  # only from the first fetch


def test_redirect_to_file_scheme_is_refused(server):
    fetcher, _ = make_fetcher()
    result = fetcher.fetch(server.url("/redirect-file"))
    assert result.outcome == "refused_scheme" and result.status == 302
    assert result.final_url == "file:///etc/passwd" and result.body is None


def test_non_http_scheme_is_never_requested():
    fetcher, _ = make_fetcher()
    result = fetcher.fetch("ftp://127.0.0.1/nyheter.txt")
    assert result.outcome == "refused_scheme" and result.attempts == 0


# --- robots.txt ----------------------------------------------------------------------------------


def test_robots_disallowed_path_is_never_requested_and_robots_fetched_once(server):
    fetcher, _ = make_fetcher()
    robots_before = len(server.state.requests_for("/robots.txt"))
    blocked = fetcher.fetch(server.url("/private/lonnsliste"))
    assert blocked.outcome == "robots_disallowed" and blocked.attempts == 0 and blocked.status is None
    assert fetcher.fetch(server.url("/artikler/nytt-bibliotek.html")).outcome == "ok"
    assert fetcher.fetch(server.url("/private/lonnsliste")).outcome == "robots_disallowed"
    assert not any(path.startswith("/private/") for path in server.state.paths())
    assert len(server.state.requests_for("/robots.txt")) == robots_before + 1


def test_robots_ignored_only_when_policy_says_so(server):
    fetcher, _ = make_fetcher(respect_robots=False)
    assert fetcher.fetch(server.url("/private/tillatt")).outcome == "ok"


# --- private addresses ---------------------------------------------------------------------------


def test_loopback_refused_without_the_environment_switch(server, monkeypatch):
    monkeypatch.delenv("NYHETSFLYT_ALLOW_PRIVATE")
    fetcher, _ = make_fetcher()
    assert fetcher.policy.allow_private is False
    requests_before = len(server.state.paths())
    for url in (server.url("/artikler/skolemat.html"),
                server.url("/artikler/skolemat.html").replace("127.0.0.1", "localhost")):
        result = fetcher.fetch(url)
        assert result.outcome == "refused_private" and result.attempts == 0
    assert len(server.state.paths()) == requests_before  # nothing reached the server


def test_redirect_hop_to_private_address_is_refused(server, monkeypatch):
    monkeypatch.delenv("NYHETSFLYT_ALLOW_PRIVATE")

    def resolver_calling_localhost_public(host, port, **kwargs):
        # Lets the first hop through the check; the socket itself still goes to 127.0.0.1.
        assert host == "localhost"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    fetcher = Fetcher(FetchPolicy(connect_timeout_s=0.5, read_timeout_s=0.5, min_host_interval_s=0),
                      sleep=SleepRecorder(), resolver=resolver_calling_localhost_public)
    url = server.url("/redirect-private").replace("127.0.0.1", "localhost")
    result = fetcher.fetch(url)
    assert result.outcome == "refused_private" and result.status == 302
    assert result.final_url == "http://10.255.255.1/"


@pytest.mark.parametrize(("address", "forbidden"), [
    ("127.0.0.1", True), ("10.1.2.3", True), ("172.16.0.9", True), ("192.168.1.1", True),
    ("169.254.169.254", True), ("::1", True), ("fe80::1", True), ("fd00::1", True),
    ("::ffff:127.0.0.1", True), ("0.0.0.0", True), ("100.64.0.1", True),
    ("93.184.216.34", False), ("2606:4700:4700::1111", False), ("151.101.1.140", False),
])
def test_forbidden_addresses(address, forbidden):
    assert is_forbidden_address(address) is forbidden


# --- per-host interval ---------------------------------------------------------------------------


def test_interval_limiter_spaces_one_host_and_not_others():
    now = [100.0]
    waits: list[float] = []
    limiter = IntervalHostLimiter(2.0, sleep=waits.append, clock=lambda: now[0])
    limiter.acquire("vg.no")
    limiter.acquire("nrk.no")
    limiter.acquire("vg.no")
    now[0] += 0.5
    limiter.acquire("vg.no")
    assert waits == [2.0, 3.5]


def test_requests_to_one_host_are_spaced_by_the_minimum_interval(server):
    interval = 0.2
    fetcher = Fetcher(FetchPolicy(connect_timeout_s=0.5, read_timeout_s=0.5,
                                  min_host_interval_s=interval, allow_private=True))
    paths = ["/artikler/ferje-innstilt.html", "/artikler/nytt-bibliotek.html", "/artikler/skolemat.html"]
    for path in paths:
        assert fetcher.fetch(server.url(path)).outcome == "ok"
    arrivals = [server.state.requests_for(path)[-1].at for path in paths]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    # Server-side arrival times carry scheduling jitter on a loaded machine; without the limiter the
    # gaps are a few milliseconds, far below this bound.
    assert all(gap >= interval - 0.05 for gap in gaps), gaps


# --- the real sample pages -----------------------------------------------------------------------


@pytest.mark.shared
def test_feed_items_lead_to_the_sample_pages(server):
    from nyhetsflyt.settings import Settings
    SHARED_DATA = Settings().shared_data
    from nyhetsflyt.sources.web.discover import parse_feed

    fetcher, _ = make_fetcher()
    feed = fetcher.fetch(server.url("/feed.xml"))
    assert feed.outcome == "ok"
    sample_urls = [d.url for d in parse_feed(feed.body, feed.final_url) if "/samples/html/" in d.url]
    samples = sorted((SHARED_DATA / "samples" / "html").glob("*.html"))
    assert len(sample_urls) == len(samples) > 0
    for url, path in zip(sample_urls, samples):
        page = fetcher.fetch(url)
        assert page.outcome == "ok" and page.body == path.read_bytes()


def test_unresolvable_host_is_retried_a_bounded_number_of_times(monkeypatch):
    monkeypatch.delenv("NYHETSFLYT_ALLOW_PRIVATE")

    def failing_resolver(host, port, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    sleep = SleepRecorder()
    fetcher = Fetcher(FetchPolicy(max_attempts=3, backoff_base_s=0.1), sleep=sleep,
                      resolver=failing_resolver)
    result = fetcher.fetch("https://finnes-ikke.example/nyhet")
    assert result.outcome == "connection_error" and "cannot resolve" in result.error
    assert result.attempts == 0 and len(sleep.waits) == 2


def test_requests_in_flight_to_one_host_are_capped(server):
    """Six threads share one fetcher; the server never answers more than two at a time."""
    from concurrent.futures import ThreadPoolExecutor

    server.state.max_in_flight = 0
    fetcher = Fetcher(FetchPolicy(min_host_interval_s=0, max_host_concurrency=2, respect_robots=False,
                                  allow_private=True))
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(lambda i: fetcher.fetch(server.url(f"/pause?s=0.3&n={i}")).outcome, range(6)))
    assert outcomes == ["ok"] * 6
    assert server.state.max_in_flight == 2
