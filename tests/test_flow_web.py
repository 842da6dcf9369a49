"""The web flow end to end: a misbehaving HTTP server on 127.0.0.1, real Prefect flow runs,
a real PostgreSQL. The acceptance runs go through the `nyhetsflyt` command."""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Iterator

import psycopg
import pytest
from test_html_extract import page_captions
from typer.testing import CliRunner
from web_server import ARTICLES, BAD_PAGES, FAULT_PATHS, RunningServer, sample_files, serve

from flows.ingest_web import ingest_web
from nyhetsflyt.app.cli import app
from nyhetsflyt.db.stats import table_counts
from nyhetsflyt.documents import Failure
from nyhetsflyt.sources.web.batch import FetchSettings
from nyhetsflyt.sources.web.discover import DiscoveredUrl
from nyhetsflyt.sources.web.limits import PrefectHostLimiter, host_limit_name
from nyhetsflyt.sources.web.pages import classify_document, fetch_failure, read_page
from nyhetsflyt.sources.web.records import FetchResult

pytestmark = pytest.mark.usefixtures("prefect_server")

# Short timeouts and waits, so every fault case ends in well under a second or two.
FAST = FetchSettings(connect_timeout_s=1.0, read_timeout_s=0.5, deadline_s=3.0, max_bytes=200_000,
                     min_host_interval_s=0.02, max_attempts=2, backoff_base_s=0.05,
                     backoff_max_s=0.2, retry_after_cap_s=0.3)


@pytest.fixture(autouse=True)
def allow_loopback() -> Iterator[None]:
    # The test server is on 127.0.0.1, which the fetcher refuses unless told otherwise.
    previous = os.environ.get("NYHETSFLYT_ALLOW_PRIVATE")
    os.environ["NYHETSFLYT_ALLOW_PRIVATE"] = "1"
    yield
    if previous is None:
        os.environ.pop("NYHETSFLYT_ALLOW_PRIVATE", None)
    else:
        os.environ["NYHETSFLYT_ALLOW_PRIVATE"] = previous


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with serve(slow_seconds=10.0) as running:
        yield running


def query(url: str, sql: str, *params):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def run_cli(*args: str) -> dict:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1])


def fetches_of_run(url: str, run_id: int) -> dict[str, tuple[str, str | None, int, int, int | None]]:
    """The run's fetch_log rows by path: (outcome, kind, attempts, elapsed_ms, status)."""
    rows = query(url, "SELECT url, outcome, kind, attempts, elapsed_ms, status FROM news.fetch_log"
                      " WHERE run_id = %s ORDER BY id", run_id)
    return {"/" + u.split("/", 3)[3]: (o, k, a, e, s) for u, o, k, a, e, s in rows}


# --- acceptance: a feed, through the command, twice ---------------------------------------


@pytest.mark.shared
def test_fetch_feed_ingests_every_article_with_captions_then_conditional_get_adds_nothing(
        empty_db, server, shared_data):
    feed = server.url("/feed.xml")
    first = run_cli("fetch", "--feed", feed, "--json", "--host-interval", "0.05")

    pages = sample_files("html")
    articles = len(ARTICLES) + len(pages) - 1  # every linked page but the VG front page
    assert first["failed"] == 0, first["failures"]
    assert first["articles_new"] == articles
    assert first["skipped"] == 1 and "vg_frontpage" in first["failures"][0]["source"]
    assert "not an article: front page" in first["failures"][0]["reason"]
    assert first["fetch_outcomes"] == {"feed": {"ok": 1}, "page": {"ok": articles + 1}}

    # The same tables as the folder source, and every page linked to its article.
    linked = dict(query(empty_db, "SELECT u.url, a.source_uri FROM news.url_state u"
                                  " JOIN news.articles a ON a.id = u.article_id"))
    assert len(linked) == articles and all(url == uri for url, uri in linked.items())
    for page in pages:
        if page.name.startswith("vg_frontpage"):
            continue
        expected = page_captions(page.read_text("utf-8"))
        stored = query(empty_db, "SELECT c.text, c.credit_raw, c.photographers FROM news.captions c"
                                 " JOIN news.articles a ON a.id = c.article_id"
                                 " WHERE a.source_uri = %s", server.url(f"/samples/html/{page.name}"))
        assert len(stored) == len(expected), page.name
        credits = {credit for _, credit, _ in stored}
        for caption, credit in expected:
            if credit is not None:
                assert credit in credits, (page.name, credit)
            elif "Foto:" in caption:  # a figcaption ending in its credit: split off and kept
                assert any(c and c in caption for c in credits), (page.name, caption)
    assert sum(1 for p in pages for _ in page_captions(p.read_text("utf-8"))) > 0
    counts = table_counts(empty_db)

    requests_before = len(server.state.log)
    second = run_cli("fetch", "--feed", feed, "--json", "--host-interval", "0.05")
    assert second["articles_new"] == 0 and second["failed"] == 0
    assert second["not_modified"] == articles + 1 and second["articles_seen"] == 0
    assert table_counts(empty_db) == counts
    page_requests = [r for r in server.state.log[requests_before:]
                     if r.path.startswith(("/artikler/", "/samples/html/"))]
    assert len(page_requests) == articles + 1
    assert all(r.headers.get("If-None-Match") and r.headers.get("If-Modified-Since")
               for r in page_requests)
    logged = fetches_of_run(empty_db, second["run_id"])
    assert logged["/feed.xml"][:2] == ("unchanged", "feed")
    assert {row[0] for path, row in logged.items() if path != "/feed.xml"} == {"not_modified"}
    assert {row[4] for path, row in logged.items() if path != "/feed.xml"} == {304}
    runs = query(empty_db, "SELECT state, articles_new FROM news.ingest_runs ORDER BY id")
    assert runs == [("completed", articles), ("completed", 0)]


# --- fault cases, healthy URLs in the same run --------------------------------------------


def test_each_fault_ends_as_the_policy_says_and_healthy_pages_complete(empty_db, server):
    summary = ingest_web(urls=[server.url("/faults.txt")], kind="urls", fetch=FAST)

    assert summary.articles_new == len(ARTICLES)  # the healthy pages in the same run
    logged = fetches_of_run(empty_db, summary.run_id)
    assert logged["/faults.txt"][:2] == ("ok", "urls")
    for path, outcome in FAULT_PATHS.items():
        assert logged[path][0] == outcome, (path, logged[path])
        assert logged[path][1] == "page"
    for slug in ARTICLES:
        assert logged[f"/artikler/{slug}.html"][0] == "ok"

    paths = server.state.paths()
    assert not any(p.startswith("/private/") for p in paths)  # robots.txt said no
    assert paths.count("/missing") == 1 and paths.count("/removed") == 1  # never retried
    assert logged["/missing"][2] == 1 and logged["/removed"][2] == 1
    assert paths.count("/always-500") == FAST.max_attempts  # retried, then given up
    assert paths.count("/ratelimited-long/side") == 2  # Retry-After: 3600 capped, then fine
    # The slow page answers after 10 s; each attempt gives up at the read timeout instead.
    assert logged["/slow"][3] < 10_000 / 2

    summary_by_path = {f["source"].split("/", 3)[3]: f for f in summary.failures}
    assert summary_by_path["private/hemmelig.html"]["outcome"] == "skipped"
    # The recovered pages answer a word of plain text as text/html: fetched fine, then refused
    # by the extractor as no HTML page.
    recovered = {p.lstrip("/") for p, o in FAULT_PATHS.items() if o == "ok"}
    for path in recovered:
        assert summary_by_path[path]["reason"] == "unreadable page: no markup at all: not an HTML page"
    failures = query(empty_db, "SELECT source, stage, outcome FROM news.ingest_failures"
                               " WHERE run_id = %s", summary.run_id)
    failed = {s.split("/", 3)[3]: stage for s, stage, o in failures if o == "failed"}
    assert {p for p, stage in failed.items() if stage == "fetch"} == {
        p.lstrip("/") for p, o in FAULT_PATHS.items() if o not in ("ok", "robots_disallowed")}
    assert {p for p, stage in failed.items() if stage == "extract"} == recovered
    assert query(empty_db, "SELECT state FROM news.ingest_runs WHERE id = %s", summary.run_id) == [
        ("completed",)]


# --- sitemaps -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sitemap", None])
def test_sitemap_index_and_news_sitemap_discovery(empty_db, server, kind):
    summary = ingest_web(urls=[server.url("/sitemap_index.xml")], kind=kind, fetch=FAST)
    assert summary.sources == 3 and summary.urls_discovered == len(ARTICLES)
    assert summary.articles_new == len(ARTICLES) and summary.failed == 0
    logged = fetches_of_run(empty_db, summary.run_id)
    assert {p: row[1] for p, row in logged.items() if "sitemap" in p} == {
        "/sitemap_index.xml": "sitemap", "/sitemap-artikler.xml": "sitemap",
        "/sitemap-nyheter.xml": "sitemap"}
    published = dict(query(empty_db, "SELECT title, published FROM news.articles"))
    assert {title for title in published} == {title for title, _, _ in ARTICLES.values()}


def test_article_pages_given_directly_are_ingested(empty_db, server):
    urls = [server.url(f"/artikler/{slug}.html") for slug in ARTICLES]
    summary = ingest_web(urls=urls, fetch=FAST)
    assert summary.articles_new == len(ARTICLES) and summary.sources == 0
    assert summary.fetch_outcomes == {"page": {"ok": len(ARTICLES)}}
    again = ingest_web(urls=urls, fetch=FAST)
    assert again.articles_new == 0 and again.fetch_outcomes == {"page": {"not_modified": len(ARTICLES)}}


def test_bad_pages_are_refused_with_the_reason_and_nothing_of_them_is_stored(empty_db, server):
    """Cut off, binary, 20 MB: an extract failure with the reason each; a wrong or missing
    charset is read right. The fetch limit is raised so the 20 MB page reaches the extractor."""
    roomy = FAST.model_copy(update={"max_bytes": 32 * 1024 * 1024, "read_timeout_s": 5.0, "deadline_s": 20.0})
    urls = [server.url(f"/bad/{kind}.html") for kind in BAD_PAGES]
    summary = ingest_web(urls=urls, fetch=roomy)

    read = {kind for kind, reason in BAD_PAGES.items() if reason == "read"}
    assert summary.articles_new == len(read)
    failures = query(empty_db, "SELECT source, stage, outcome, reason FROM news.ingest_failures"
                               " WHERE run_id = %s", summary.run_id)
    by_kind = {source.rsplit("/", 1)[1].removesuffix(".html"): row for source, *row in failures}
    assert set(by_kind) == set(BAD_PAGES) - read
    for kind, (stage, outcome, reason) in by_kind.items():
        assert (stage, outcome) == ("extract", "failed") and reason.startswith(BAD_PAGES[kind]), kind
    stored = query(empty_db, "SELECT source_uri, title, body FROM news.articles")
    assert {uri.rsplit("/", 1)[1].removesuffix(".html") for uri, _, _ in stored} == read
    for _, title, body in stored:
        assert title == "Ferja til Stord innstilt i kveld" and "går som normalt" in body and "Ã" not in body
    assert query(empty_db, "SELECT state FROM news.ingest_runs WHERE id = %s", summary.run_id) == [
        ("completed",)]


# --- sources in the database ----------------------------------------------------------------


def test_sources_commands_and_polling_every_active_source(empty_db, server):
    runner = CliRunner()
    for args in (["sources", "add", server.url("/atom.xml"), "--kind", "feed", "--name", "Lokalt"],
                 ["sources", "add", server.url("/faults.txt"), "--kind", "urls", "--inactive"]):
        result = runner.invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    listed = json.loads(runner.invoke(app, ["sources", "list", "--all", "--json"]).stdout)
    assert [(s["kind"], s["active"], s["last_polled_at"]) for s in listed] == [
        ("feed", True, None), ("urls", False, None)]

    summary = ingest_web(fetch=FAST)  # no parameters: every active source, as scheduled
    assert summary.sources == 1 and summary.articles_new == len(ARTICLES)
    assert "/faults.txt" not in server.state.paths()
    polled = json.loads(runner.invoke(app, ["sources", "list", "--all", "--json"]).stdout)
    assert polled[0]["last_polled_at"] is not None and polled[1]["last_polled_at"] is None

    removed = runner.invoke(app, ["sources", "remove", str(listed[0]["id"])])
    assert removed.exit_code == 0 and "removed" in removed.stdout
    assert runner.invoke(app, ["sources", "remove", str(listed[0]["id"])]).exit_code == 1
    bad = runner.invoke(app, ["sources", "add", "ftp://example.no/feed", "--kind", "feed"])
    assert bad.exit_code != 0


# --- shared per-host pace, and the schema link ----------------------------------------------


def test_host_rate_limit_is_shared_through_prefect(server):
    from prefect.client.orchestration import get_client

    from nyhetsflyt.sources.web.fetch import Fetcher, FetchPolicy

    policy = FetchPolicy(min_host_interval_s=1.0, respect_robots=False, allow_private=True)
    # Two fetchers with limiters of their own, as two workers would have.
    workers = [Fetcher(policy, limiter=PrefectHostLimiter(1.0)) for _ in range(2)]
    for index in range(6):
        assert workers[index % 2].fetch(server.url("/static")).outcome == "ok"
    # Had the API failed, each worker would have kept its own pace, and the gaps tell nothing.
    assert not any(w.limiter.fallen_back for w in workers)
    arrivals = [r.at for r in server.state.requests_for("/static")]
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    # One request per interval, whichever worker asks. Limiters of their own would let every
    # other request through at once (gaps near 0); the margin is for the time between a slot
    # being granted and the request reaching the server, which a busy machine stretches.
    assert min(gaps) >= 0.6, gaps
    name = host_limit_name(server.base_url.split("//", 1)[1])
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(name)
    assert limit.limit == 1 and limit.slot_decay_per_second == pytest.approx(1 / 1.0)


def test_requests_in_flight_to_one_host_are_capped_across_workers(server):
    """Two fetchers (two workers) with three threads each: two requests in flight at most."""
    from concurrent.futures import ThreadPoolExecutor

    from nyhetsflyt.sources.web.fetch import Fetcher, FetchPolicy

    policy = FetchPolicy(min_host_interval_s=0.01, max_host_concurrency=2, respect_robots=False, allow_private=True)
    workers = [Fetcher(policy, limiter=PrefectHostLimiter(0.01, max_in_flight=2)) for _ in range(2)]
    server.state.max_in_flight = 0
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(
            lambda i: workers[i % 2].fetch(server.url(f"/pause?s=0.4&n={i}")).outcome, range(6)))
    assert outcomes == ["ok"] * 6
    assert server.state.max_in_flight <= 2
    assert not any(w.limiter.fallen_back for w in workers)


def test_host_limiter_falls_back_to_the_process_when_prefect_fails(monkeypatch):
    limiter = PrefectHostLimiter(0.01)

    def unavailable(name: str) -> None:
        raise ConnectionError("no API")

    monkeypatch.setattr(limiter, "_ensure", unavailable)
    limiter.acquire("nyheter.example:443")
    limiter.acquire("nyheter.example:443")
    assert limiter.fallen_back == {host_limit_name("nyheter.example:443")}


def test_host_limiter_tries_the_shared_limit_again_after_a_while(monkeypatch):
    limiter = PrefectHostLimiter(0.01, retry_shared_after_s=0.05)
    tried: list[str] = []

    def unavailable(name: str) -> None:
        tried.append(name)
        raise ConnectionError("no API")

    monkeypatch.setattr(limiter, "_ensure", unavailable)
    limiter.acquire("nyheter.example:443")
    limiter.acquire("nyheter.example:443")  # within the while: paced locally, API left alone
    assert len(tried) == 1
    time.sleep(0.06)
    assert limiter.fallen_back == set()
    limiter.acquire("nyheter.example:443")
    assert len(tried) == 2


def test_deleting_an_article_unlinks_its_url(empty_db, server):
    summary = ingest_web(urls=[server.url("/artikler/skolemat.html")], fetch=FAST)
    assert summary.articles_new == 1
    ((article_id,),) = query(empty_db, "SELECT article_id FROM news.url_state WHERE article_id IS NOT NULL")
    with psycopg.connect(empty_db) as conn:
        conn.execute("DELETE FROM news.articles WHERE id = %s", (article_id,))
    assert query(empty_db, "SELECT article_id FROM news.url_state") == [(None,)]


# --- pure parts -----------------------------------------------------------------------------


def fetched(body: bytes | None, content_type: str | None = "text/html", outcome: str = "ok",
            status: int | None = 200, error: str | None = None) -> FetchResult:
    return FetchResult(url="https://nyheter.example/a", final_url="https://nyheter.example/a",
                       status=status, outcome=outcome, body=body, content_type=content_type,
                       etag=None, last_modified=None, content_hash=None,
                       bytes=len(body or b""), elapsed_s=0.1, attempts=1, error=error)


def test_documents_are_sniffed_unless_a_kind_is_given():
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>'
    assert classify_document(fetched(rss, "application/rss+xml"), None) == "feed"
    assert classify_document(fetched(b"<urlset></urlset>", "application/xml"), None) == "sitemap"
    assert classify_document(fetched(b"\n<!DOCTYPE html><html></html>", None), None) == "page"
    assert classify_document(fetched(b"https://nyheter.example/a\n", "text/plain"), None) == "urls"
    assert classify_document(fetched(rss, "text/html"), "feed") == "feed"
    assert classify_document(fetched(None, outcome="not_modified", status=304), None) is None


def test_fetch_outcomes_become_failures_or_skips():
    assert fetch_failure(fetched(b"x"), "page") is None
    assert fetch_failure(fetched(None, outcome="not_modified", status=304), "page") is None
    failure, verdict = fetch_failure(fetched(None, outcome="not_found", status=404), "feed")
    assert verdict == "failed" and failure == Failure("https://nyheter.example/a", "fetch",
                                                      "feed not_found: HTTP 404")
    _, verdict = fetch_failure(fetched(None, outcome="robots_disallowed", status=None,
                                       error="disallowed by robots.txt"), "page")
    assert verdict == "skipped"


def test_page_reading_uses_the_http_charset_and_the_feed_entry():
    from datetime import datetime, timezone

    words = "Ordføreren i Ålesund lovet å bygge ny skole på Åse før valget neste høst, " * 3
    html = f"<html><body><article><p>{words}</p></article></body></html>".encode("cp1252")
    hint = DiscoveredUrl("https://nyheter.example/a", datetime(2024, 3, 4, tzinfo=timezone.utc),
                         "Ny skole på Åse")
    read = read_page(fetched(html, "text/html; charset=windows-1252"), hint)
    assert read.document is not None and "Ordføreren i Ålesund" in read.document.raw_text
    assert read.document.title == "Ny skole på Åse"
    assert read.document.published == hint.published
    skipped = read_page(fetched(b"%PDF-1.4 ...", "application/pdf"))
    assert skipped.document is None and "not an HTML page" in skipped.skipped.reason
