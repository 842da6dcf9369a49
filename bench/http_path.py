"""The HTTP path: fetch article pages from a loopback server and extract them, ours against trafilatura.

The real sample pages are served by `python -m http.server` in its own process (so the server
does not share this process's interpreter), each under several URLs. Both extractors get the
bodies the project's Fetcher returned (robots.txt, size limit, all of it; no pacing between
requests to the one loopback host), so only extraction differs between them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.html_extract import Outcome, ours, trafilatura_extractor
from nyhetsflyt.app.stack import free_port, stop_process_tree
from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.web.fetch import Fetcher, FetchPolicy

SHARED_DATA = Settings().shared_data

SAMPLE_PAGES = SHARED_DATA / "samples" / "html"


@dataclass
class HttpFigures:
    pages: int
    fetch_s: float
    extract_s: dict[str, float]  # extractor -> seconds for all pages
    words: dict[str, int]  # extractor -> words of running text extracted

    def pages_per_s(self, extractor: str) -> float:
        """Fetch and extract, end to end."""
        return self.pages / (self.fetch_s + self.extract_s[extractor])


def _serve(folder: Path, port: int, log: Path) -> subprocess.Popen:
    with log.open("ab") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)],
            stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )


def _wait_for(url: str, timeout: float = 30.0) -> None:
    """Before the Fetcher asks: it would remember an unreachable robots.txt for a while."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the loopback page server did not answer at {url}")


def measure_http(work_dir: Path, rounds: int = 10, pages_dir: Path = SAMPLE_PAGES) -> HttpFigures | None:
    pages = sorted(pages_dir.glob("*.html"))
    if not pages:
        return None
    site = work_dir / "site"
    if site.exists():
        shutil.rmtree(site)
    (site / "news").mkdir(parents=True)
    for page in pages:  # a temporary copy to serve: never inside the repository
        shutil.copyfile(page, site / "news" / page.name)
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n", "utf-8")
    port = free_port()
    server = _serve(site, port, work_dir / "page-server.log")
    extractors: list[tuple[str, Callable[[bytes, str], Outcome]]] = [("nyhetsflyt", ours)]
    other = trafilatura_extractor()
    if other is not None:
        extractors.append(("trafilatura", other))
    try:
        policy = FetchPolicy(min_host_interval_s=0.0, allow_private=True, max_attempts=1)
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/robots.txt")
        with Fetcher(policy) as fetcher:
            urls = [f"{base}/news/{page.name}?r={r}" for r in range(rounds) for page in pages]
            started = time.perf_counter()
            bodies = []
            for url in urls:
                result = fetcher.fetch(url)
                if result.outcome != "ok" or result.body is None:
                    raise RuntimeError(f"fetching {url} gave {result.outcome}: {result.error}")
                bodies.append((url, result.body))
            fetch_s = time.perf_counter() - started
        extract_s: dict[str, float] = {}
        extracted_words: dict[str, int] = {}
        for name, extract in extractors:
            started = time.perf_counter()
            outcomes = [extract(body, url) for url, body in bodies]
            extract_s[name] = time.perf_counter() - started
            extracted_words[name] = sum(len(outcome.body.split()) for outcome in outcomes)
    finally:
        stop_process_tree(server.pid)
    return HttpFigures(len(urls), fetch_s, extract_s, extracted_words)
