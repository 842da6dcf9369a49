"""Benchmark: the HTML extractor on layouts it was not written for, beside trafilatura, in one run.

    .venv/bin/python bench/html_layouts.py [--rounds N] [--page NAME …] [--no-speed]

Three extractors read the same pages: ours with publisher rules (what the flows run), ours
with `--no-publisher-rules` (the generic layers only) and trafilatura 2 (`bare_extraction`,
default settings, with metadata). The pages: `samples/html_layouts` (Fundus test pages of 63
publishers with their expected output), the Norwegian `samples/html` with `html_expected`, and
the non-article pages under `tests/fixtures/html/non_articles/` plus the VG front page.

Per page: body token F1 against the expected summary, subheadings and paragraphs (for the TINE
page: its `with`/`without` snippets), title, day of publication, author set, caption recall
(an expected image caption is found when an extracted caption matches it with token F1 ≥ 0.7)
and credit accuracy (every word of the expected image authors appears in the found caption's
credit, photographers or agencies). Ours is measured on what is stored: the page extracted
and split, as the flows do. Then the means, the pages refused, and pages per second of each
extractor in interleaved rounds over the same pages. Writes bench/results/html_layouts.json.
"""

from __future__ import annotations

import argparse
import html as html_lib
import json
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import lxml.html

from nyhetsflyt.extract.html import NotAnArticle, UnreadablePage, extract_article
from nyhetsflyt.extract.html.measure import token_f1, word_tokens
from nyhetsflyt.extract.split import split_document
from nyhetsflyt.paths import REPO_ROOT
from nyhetsflyt.settings import Settings

SHARED = Settings().shared_data / "samples"
LAYOUTS = SHARED / "html_layouts"
NORWEGIAN = SHARED / "html"
NORWEGIAN_EXPECTED = SHARED / "html_expected"
NON_ARTICLES = REPO_ROOT / "tests" / "fixtures" / "html" / "non_articles"
RESULTS = REPO_ROOT / "bench" / "results" / "html_layouts.json"
OSLO = ZoneInfo("Europe/Oslo")
CAPTION_MATCH = 0.7


# -- the pages and what is expected of them ---------------------------------------------------------


@dataclass
class Expected:
    title: str | None = None
    body: str | None = None  # Fundus: summary, subheadings, paragraphs
    must_contain: list[str] = field(default_factory=list)  # trafilatura's `with` snippets
    must_not_contain: list[str] = field(default_factory=list)
    published: datetime | date | None = None
    authors: list[str] | None = None
    captions: list[tuple[str, list[str]]] = field(default_factory=list)  # (caption, credit names)


@dataclass
class Page:
    name: str
    group: str  # layouts | norwegian | non-article
    path: Path
    url: str
    expected: Expected | None  # None: not an article, must be refused


def _fundus(data: dict[str, Any]) -> Expected:
    exp = data["expected"]
    body = exp["body"]
    parts = [*body.get("summary", []), *(t for s in body["sections"] for t in (*s["headline"], *s["paragraphs"]))]
    captions = [(i["caption"], i.get("authors") or []) for i in exp.get("images", []) if i.get("caption")]
    published = datetime.fromisoformat(exp["publishing_date"]) if exp.get("publishing_date") else None
    return Expected(title=exp["title"], body="\n".join(parts), published=published,
                    authors=exp.get("authors") or [], captions=captions)


def _markup_captions(path: Path) -> list[tuple[str, list[str]]]:
    """Captions the Norwegian sample pages mark up (they have no expected images): figcaption
    text (its `Foto:` tail is the credit) and caption/photographer attributes."""
    tree = lxml.html.fromstring(path.read_bytes())
    found: list[tuple[str, list[str]]] = []
    for figcaption in tree.iter("figcaption"):
        text = " ".join(figcaption.text_content().split())
        caption, _, credit = text.partition(" Foto: ")
        if caption:
            found.append((caption, [credit] if credit else []))
    for el in tree.xpath("//*[@photographer]"):
        credit = re.sub(r"^Foto:\s*", "", " ".join((el.get("photographer") or "").split()))
        found.append((" ".join((el.get("caption") or "").split()), [credit] if credit else []))
    return found


def load_pages() -> list[Page]:
    pages: list[Page] = []
    for path in sorted(LAYOUTS.glob("*.html")):
        data = json.loads((LAYOUTS / f"{path.stem}.expected.json").read_text("utf-8"))
        pages.append(Page(path.stem, "layouts", path, data["source_meta"]["url"], _fundus(data)))
    for path in sorted(NORWEGIAN.glob("*.html")):
        expected_file = NORWEGIAN_EXPECTED / f"{path.stem}.expected.json"
        if not expected_file.exists():
            pages.append(Page(path.stem, "non-article", path, "http://www.vg.no/", None))
            continue
        data = json.loads(expected_file.read_text("utf-8"))
        if "expected" in data:
            exp = _fundus(data)
            url = data["source_meta"]["url"]
        else:
            exp = Expected(title=data["title"], must_contain=data["with"], must_not_contain=data["without"],
                           published=date.fromisoformat(data["date"]),
                           authors=[data["author"]] if data["author"] else [])
            url = data["url"]
        exp.captions = _markup_captions(path)
        pages.append(Page(path.stem, "norwegian", path, url, exp))
    sources = NON_ARTICLES / "SOURCES.tsv"
    if sources.exists():
        for line in sources.read_text("utf-8").splitlines()[1:]:
            name, url = line.split("\t")[:2]
            pages.append(Page(Path(name).stem, "non-article", NON_ARTICLES / name, url, None))
    return pages


# -- what an extractor gives back --------------------------------------------------------------------


@dataclass
class Caption:
    text: str
    credit_fields: str  # credit as written, photographers, agencies


@dataclass
class Outcome:
    refused: str | None = None
    title: str | None = None
    body: str = ""
    everything: str = ""
    published: datetime | date | None = None
    authors: list[str] = field(default_factory=list)
    captions: list[Caption] | None = None  # None: the extractor has no captions
    layer: str = ""


def ours(publisher_rules: bool) -> Callable[[bytes, str], Outcome]:
    def run(data: bytes, url: str) -> Outcome:
        try:
            document = extract_article(data, url, publisher_rules=publisher_rules)
        except (NotAnArticle, UnreadablePage) as refusal:
            return Outcome(refused=refusal.reason)
        article = split_document(document)
        captions = [Caption(c.text, " ".join([c.credit_raw or "", *c.photographers, *c.agencies]))
                    for c in article.captions]
        return Outcome(title=article.title, body=article.body, everything=document.raw_text,
                       published=article.published, authors=list(article.authors), captions=captions,
                       layer=document.page.layer if document.page and document.page.layer else "")
    return run


def trafilatura_run(data: bytes, url: str) -> Outcome:
    import trafilatura

    result = trafilatura.bare_extraction(data, url=url, with_metadata=True, include_comments=False)
    if result is None or not getattr(result, "text", None):
        return Outcome(refused="no extraction")
    published = None
    if result.date:
        try:
            published = date.fromisoformat(result.date[:10])
        except ValueError:
            published = None
    authors = [a.strip() for a in (result.author or "").split(";") if a.strip()]
    return Outcome(title=result.title, body=result.text or "", everything=result.text or "",
                   published=published, authors=authors, captions=None, layer="trafilatura")


EXTRACTORS: dict[str, Callable[[bytes, str], Outcome]] = {
    "ours": ours(publisher_rules=True),
    "generic": ours(publisher_rules=False),
    "trafilatura": trafilatura_run,
}


# -- scoring -----------------------------------------------------------------------------------------


def same_title(got: str | None, want: str | None) -> bool:
    """The same headline, typography aside: entities, soft hyphens, quote and dash forms, spaces."""
    def key(text: str | None) -> str:
        text = unicodedata.normalize("NFKC", html_lib.unescape(text or "")).replace("\xad", "")
        return " ".join(re.sub(r"[\"'“”„‘’«»‹›]", "", text).replace("–", "-").replace("—", "-").split()).casefold()
    return bool(want) and key(got) == key(want)


def same_day(got: datetime | date | None, want: datetime | date | None) -> bool:
    if got is None or want is None:
        return False
    if isinstance(want, datetime):
        if isinstance(got, datetime):
            zone = want.tzinfo or OSLO
            return got.astimezone(zone).date() == want.date()
        return got == want.date()
    got_day = got.astimezone(OSLO).date() if isinstance(got, datetime) else got
    return got_day == want


def _author_key(name: str) -> str:
    # Fundus keeps NRK's role ("Einar Torkelsen / Journalist"): the name is what is compared.
    return " ".join(name.split(" / ")[0].split()).casefold()


def same_authors(got: list[str], want: list[str] | None) -> bool:
    return {_author_key(a) for a in got} == {_author_key(a) for a in (want or [])}


@dataclass
class Score:
    refused: str | None
    body_f1: float | None = None
    snippets: str | None = None  # TINE: "with 3/3 leaks 0/2"
    title: bool = False
    day: bool = False
    authors: bool = False
    captions_found: int = 0
    captions_expected: int = 0
    credits_right: int = 0
    credits_expected: int = 0
    layer: str = ""


def score(page: Page, outcome: Outcome) -> Score:
    exp = page.expected
    if exp is None:
        return Score(refused=outcome.refused, layer=outcome.layer)
    result = Score(refused=outcome.refused, layer=outcome.layer)
    if outcome.refused:
        result.body_f1 = 0.0 if exp.body is not None else None
        return result
    if exp.body is not None:
        result.body_f1 = token_f1(outcome.body, exp.body)
    else:
        flat = " ".join(outcome.body.split())
        everything = " ".join(outcome.everything.split())
        hits = sum(s in flat for s in exp.must_contain)
        leaks = sum(s in everything for s in exp.must_not_contain)
        result.snippets = f"with {hits}/{len(exp.must_contain)} leaks {leaks}/{len(exp.must_not_contain)}"
    result.title = same_title(outcome.title, exp.title)
    result.day = same_day(outcome.published, exp.published)
    result.authors = same_authors(outcome.authors, exp.authors)
    if outcome.captions is not None:
        for caption, credit_names in exp.captions:
            result.captions_expected += 1
            best = max(outcome.captions, key=lambda c: token_f1(c.text, caption), default=None)
            if best is None or token_f1(best.text, caption) < CAPTION_MATCH:
                continue
            result.captions_found += 1
            if credit_names:
                result.credits_expected += 1
                fields = set(word_tokens(best.credit_fields))
                if all(set(word_tokens(name)) <= fields for name in credit_names):
                    result.credits_right += 1
    return result


# -- running -----------------------------------------------------------------------------------------


def pages_per_second(pages: list[Page], rounds: int) -> dict[str, float]:
    """Each extractor over the same article pages, rounds interleaved so a busy moment of a
    shared machine falls on all of them alike; the median round counts."""
    data = [(p.path.read_bytes(), p.url) for p in pages]
    times: dict[str, list[float]] = {name: [] for name in EXTRACTORS}
    for _ in range(rounds):
        for name, extract in EXTRACTORS.items():
            start = time.perf_counter()
            for raw, url in data:
                extract(raw, url)
            times[name].append(time.perf_counter() - start)
    return {name: len(data) / statistics.median(spent) for name, spent in times.items()}


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarise(pages: list[Page], scores: dict[str, dict[str, Score]], group: str) -> dict[str, Any]:
    chosen = [p for p in pages if p.group == group]
    summary: dict[str, Any] = {}
    for name in EXTRACTORS:
        s = [scores[p.name][name] for p in chosen]
        f1 = [x.body_f1 for x in s if x.body_f1 is not None]
        summary[name] = {
            "pages": len(s),
            "mean_body_f1": _mean(f1),
            "pages_under_0.80": sum(1 for v in f1 if v < 0.8),
            "refused": sum(1 for x in s if x.refused),
            "titles_right": sum(x.title for x in s),
            "days_right": sum(x.day for x in s),
            "authors_right": sum(x.authors for x in s),
            "captions_found": sum(x.captions_found for x in s),
            "captions_expected": sum(x.captions_expected for x in s),
            "credits_right": sum(x.credits_right for x in s),
            "credits_expected": sum(x.credits_expected for x in s),
        }
    return summary


def _cell(score: Score) -> str:
    if score.refused:
        return "REFUSED"
    if score.body_f1 is not None:
        return f"{score.body_f1:.3f}"
    return score.snippets or ""


def _flags(score: Score) -> str:
    return "".join(("T" if score.title else "-", "D" if score.day else "-", "A" if score.authors else "-"))


def print_table(pages: list[Page], scores: dict[str, dict[str, Score]]) -> None:
    print(f"{'page':<38} {'ours':>7} {'generic':>7} {'trafil.':>7}  {'T D A o/g/t':<14} {'captions o/g':<13} "
          f"{'credits o/g':<12} layer")
    for page in pages:
        row = scores[page.name]
        if page.expected is None:
            cells = [("refused" if row[n].refused else "READ") for n in EXTRACTORS]
            print(f"{page.name[:38]:<38} {cells[0]:>7} {cells[1]:>7} {cells[2]:>7}  (not an article) "
                  f"{(row['ours'].refused or '')[:70]}")
            continue
        o, g, t = row["ours"], row["generic"], row["trafilatura"]
        flags = f"{_flags(o)}/{_flags(g)}/{_flags(t)}"
        caps = f"{o.captions_found}/{o.captions_expected} {g.captions_found}/{g.captions_expected}"
        creds = f"{o.credits_right}/{o.credits_expected} {g.credits_right}/{g.credits_expected}"
        print(f"{page.name[:38]:<38} {_cell(o):>7} {_cell(g):>7} {_cell(t):>7}  {flags:<14} {caps:<13} "
              f"{creds:<12} {o.layer}")


def print_summary(title: str, summary: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(f"  {'':<34}" + "".join(f"{name:>16}" for name in EXTRACTORS))
    rows = [
        ("pages", "pages", "{}"),
        ("mean body token F1", "mean_body_f1", "{:.3f}"),
        ("pages under 0.80", "pages_under_0.80", "{}"),
        ("real articles refused", "refused", "{}"),
        ("titles right", "titles_right", "{}"),
        ("day of publication right", "days_right", "{}"),
        ("author sets right", "authors_right", "{}"),
    ]
    for label, key, fmt in rows:
        values = [summary[n][key] for n in EXTRACTORS]
        print(f"  {label:<34}" + "".join(f"{('–' if v is None else fmt.format(v)):>16}" for v in values))
    for label, num, den in (("captions found", "captions_found", "captions_expected"),
                            ("credits right of those found", "credits_right", "credits_expected")):
        cells = []
        for name in EXTRACTORS:
            s = summary[name]
            cells.append("–" if name == "trafilatura" or not s[den] else f"{s[num]}/{s[den]} {s[num] / s[den]:.1%}")
        print(f"  {label:<34}" + "".join(f"{c:>16}" for c in cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds over the article pages")
    parser.add_argument("--page", action="append", default=[], help="only pages whose name contains this")
    parser.add_argument("--no-speed", action="store_true", help="skip the timing rounds")
    args = parser.parse_args()
    if not LAYOUTS.is_dir():
        print(f"sample pages not found in {LAYOUTS} (set NYHETSFLYT_SHARED_DATA)")
        return 1
    pages = [p for p in load_pages() if not args.page or any(part in p.name for part in args.page)]
    scores: dict[str, dict[str, Score]] = {}
    for page in pages:
        data = page.path.read_bytes()
        scores[page.name] = {name: score(page, extract(data, page.url)) for name, extract in EXTRACTORS.items()}
    print_table(pages, scores)
    result: dict[str, Any] = {
        "run": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "pages": {p.name: {"group": p.group, **{n: asdict(s) for n, s in scores[p.name].items()}} for p in pages},
    }
    for group, title in (("layouts", "html_layouts (64 pages, 63 publishers)"),
                         ("norwegian", "Norwegian samples (html, html_expected)")):
        if any(p.group == group for p in pages):
            result[group] = summarise(pages, scores, group)
            print_summary(title, result[group])
    non_articles = [p for p in pages if p.group == "non-article"]
    if non_articles:
        refused = {n: sum(1 for p in non_articles if scores[p.name][n].refused) for n in EXTRACTORS}
        result["non_articles"] = {"pages": len(non_articles), "refused": refused}
        print(f"\nnon-article pages refused ({len(non_articles)}): "
              + ", ".join(f"{n} {refused[n]}" for n in EXTRACTORS))
    if not args.no_speed:
        articles = [p for p in pages if p.expected is not None]
        rate = pages_per_second(articles, args.rounds)
        result["pages_per_second"] = rate
        print(f"\npages per second over {len(articles)} article pages, median of {args.rounds} interleaved rounds: "
              + ", ".join(f"{n} {v:.1f}" for n, v in rate.items()))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str), "utf-8")
    print(f"wrote {RESULTS.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
