"""Benchmark: the HTML article extractor against the sample pages, side by side with trafilatura.

    .venv/bin/python bench/html_extract.py [--rounds N]

For each sample page: title match, body token F1 (Fundus pages) or `with`/`without` snippet hits
(trafilatura's TINE page), captions found out of those the page marks up, then pages per second.
trafilatura is installed with the project (the extractor's second reader); here it reads the pages alone.
The yardstick (expected text, page captions) is the one the tests use, imported from them.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from nyhetsflyt.extract.html import NotAnArticle, UnreadablePage, extract_article
from nyhetsflyt.extract.html.measure import body_text, token_f1
from nyhetsflyt.paths import REPO_ROOT
from nyhetsflyt.settings import Settings

SHARED_DATA = Settings().shared_data

SAMPLES = SHARED_DATA / "samples" / "html"


def _load_yardstick() -> ModuleType:
    path = REPO_ROOT / "tests" / "test_html_extract.py"
    spec = importlib.util.spec_from_file_location("html_extract_yardstick", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@dataclass
class Outcome:
    title: str | None
    body: str  # running text: what is compared with the expected paragraphs
    everything: str  # all extracted text: where boilerplate must not appear
    captions: list[tuple[str, str | None]]  # (text, credit)
    refused: str | None = None  # why the page was not taken as an article


def ours(html: bytes, url: str) -> Outcome:
    try:
        doc = extract_article(html, url)
    except (NotAnArticle, UnreadablePage) as exc:
        return Outcome(None, "", "", [], refused=str(exc))
    captions = [(b.text, b.credit) for b in doc.blocks if b.hint == "caption"]
    return Outcome(doc.title, body_text(doc), doc.raw_text, captions)


def trafilatura_extractor() -> Callable[[bytes, str], Outcome] | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def run(html: bytes, url: str) -> Outcome:
        result = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                             include_images=True)
        if result is None:
            return Outcome(None, "", "", [], refused="no extraction")
        text = result.text or ""
        return Outcome(result.title, text, text, [])

    return run


def caption_hits(y: ModuleType, outcome: Outcome, expected: list[tuple[str, str | None]]) -> int:
    """Captions found with their credit. trafilatura has no caption blocks: a caption counts as
    found when its text and its credit both appear in the extracted text."""
    hits = 0
    flat = y.squash(outcome.everything)
    for caption, credit in expected:
        if outcome.captions:
            for text, got_credit in outcome.captions:
                joined = y.squash(f"{text} {got_credit or ''}")
                if (credit is not None and y.squash(text) == caption and got_credit == credit) or (
                        credit is None and joined == caption and got_credit is not None):
                    hits += 1
                    break
        elif caption and caption in flat and (credit is None or credit in flat):
            hits += 1
    return hits


def score(y: ModuleType, page: Path, outcome: Outcome) -> str:
    expected_file = y.EXPECTED / f"{page.stem}.expected.json"
    if not expected_file.exists():
        return f"refused: {outcome.refused}" if outcome.refused else \
            f"NOT refused: {len(outcome.everything.split())} words extracted"
    if outcome.refused:
        return f"refused: {outcome.refused}"
    exp = y.load_expectation(page)
    title_ok = y.squash(outcome.title or "") == y.squash(exp.title)
    if exp.body is not None:
        body = f"F1 {token_f1(outcome.body, exp.body):.3f}"
    else:
        flat, everything = y.squash(outcome.body), y.squash(outcome.everything)
        with_hits = sum(s in flat for s in exp.must_contain)
        without_hits = sum(s in everything for s in exp.must_not_contain)
        body = f"with {with_hits}/{len(exp.must_contain)} without-leaks {without_hits}/{len(exp.must_not_contain)}"
    page_captions = y.page_captions(page.read_text("utf-8"))
    found = caption_hits(y, outcome, page_captions)
    return f"title {'ok  ' if title_ok else 'MISS'}  {body:<28}  captions {found}/{len(page_captions)}"


def page_url(y: ModuleType, page: Path) -> str:
    """The address an article page was fetched from (its publisher's rules apply), else a stand-in."""
    if (y.EXPECTED / f"{page.stem}.expected.json").exists():
        return str(y.page_url(page))
    return f"https://sample.example/{page.name}"


def pages_per_second(y: ModuleType, extract: Callable[[bytes, str], Outcome], pages: list[tuple[Path, bytes]],
                     rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for page, html in pages:
            extract(html, page_url(y, page))
    return rounds * len(pages) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the pages for the speed figure")
    args = parser.parse_args()
    if not SAMPLES.is_dir():
        print(f"sample pages not found in {SAMPLES} (set NYHETSFLYT_SHARED_DATA)")
        return 1
    y = _load_yardstick()
    pages = [(p, p.read_bytes()) for p in sorted(SAMPLES.glob("*.html"))]
    extractors: list[tuple[str, Callable[[bytes, str], Outcome]]] = [("nyhetsflyt", ours)]
    other = trafilatura_extractor()
    if other is None:
        print("trafilatura is NOT installed: no comparison (make install)\n")
    else:
        extractors.append(("trafilatura", other))

    for page, html in pages:
        print(page.name)
        for name, extract in extractors:
            print(f"  {name:<12} {score(y, page, extract(html, page_url(y, page)))}")
    print()
    for name, extract in extractors:
        rate = pages_per_second(y, extract, pages, args.rounds)
        print(f"{name:<12} {rate:6.1f} pages/s  ({args.rounds} rounds over {len(pages)} pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
