"""Stories at scale: 10,000 and 100,000 articles with 20 % copies, through the real loader.

For each size, a corpus of distinct originals (written from the sample articles' sentences, see
`Corpus`) plus edited copies of some of them (bench/syndicate.py's edits: new headline, local
intro, trimmed end, reworded verbs, captions dropped), in a shuffled order, is loaded with
`load_articles` in batches of 64, in a throwaway database, as the pipeline's load stage does
(with no NLP output, which stories do not use). It prints, per size, side by side:

    ms per article spent finding stories (fingerprint, band keys, index look-up, checks), over the
    whole run and over its last tenth (when the index is largest), and the load's total per article
    pair precision and recall (pairs of articles in one story, against the truth)
    peak RSS of this process, the band table's rows and size on disk, and the print table's size

and the ratio of the last tenth's cost at the largest size to that at the smallest: an index
look-up stays flat where a scan would grow with the index.

Loads minutes apart on a shared machine meet different loads from other work, so the sizes are
also compared side by side: once every size is loaded (and analysed, as autovacuum would have),
probe batches of 64 new articles (20 % copies of stored originals, the rest new originals) are
loaded into each database in turn, alternating which goes first, each in a transaction that is
rolled back, and the median batch's cost per article is compared across sizes.

    .venv/bin/python -m bench.dedup                  # 10,000 and 100,000
    .venv/bin/python -m bench.dedup --sizes 2000     # a quick look
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import resource
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

import psycopg

from bench.corpus import GeneratedArticle, collect_pools
from bench.infra import DEFAULT_SERVER, ThrowawayDatabases
from bench.syndicate import Original, edit
from nyhetsflyt.db.load import load_articles
from nyhetsflyt.db.migrate import migrate
from nyhetsflyt.documents import Article, EnrichedArticle, Enrichment
from nyhetsflyt.fingerprint import fingerprint
from nyhetsflyt.paths import REPO_ROOT

BATCH = 64
RESULTS = REPO_ROOT / "bench" / "results" / "dedup.json"


_SENTENCE_END = re.compile(r"(?<=[.!?»])\s+(?=[A-ZÆØÅ–«])")


class Corpus:
    """Distinct originals written sentence by sentence, and edited copies of some of them.

    Each original draws its paragraphs' sentences from every sentence of the sample articles (and
    its shape from a real article's), so two originals share a sentence or two now and then, as
    two stories on one topic do, but never most of their text. Recombining whole paragraphs, as
    bench/corpus.py does for the pipeline benchmark, would give tens of thousands of "originals"
    that repeat one another's ledes and paragraphs: copies, by any measure. Articles are made
    from their index on demand, so memory does not grow with the corpus.
    """

    def __init__(self, total: int, copy_share: float, seed: int):
        pools = collect_pools()
        self.titles = pools.titles
        self.captions = pools.captions
        self.shapes = pools.shapes
        self.sentences = sorted({s for text in (*pools.ledes, *pools.body) for s in _SENTENCE_END.split(text)
                                 if len(s.split()) >= 4})
        self.seed = seed
        rng = random.Random(seed)
        self.copies = round(total * copy_share)
        self.originals = total - self.copies
        self.copy_of = [rng.randrange(self.originals) for _ in range(self.copies)]
        self.order = [("original", i) for i in range(self.originals)] + [("copy", n) for n in range(self.copies)]
        rng.shuffle(self.order)

    def original(self, index: int) -> GeneratedArticle:
        rng = random.Random(self.seed * 1_000_003 + index)
        n_body, n_captions = rng.choice(self.shapes)

        def paragraph() -> str:
            return " ".join(rng.choice(self.sentences) for _ in range(rng.randint(1, 3)))

        blocks = [("body", paragraph()) for _ in range(n_body)]
        for _ in range(n_captions if self.captions else 0):
            blocks.insert(rng.randint(1, len(blocks)), ("caption", rng.choice(self.captions)))
        return GeneratedArticle(index, rng.choice(self.titles), paragraph(), blocks, "2024-01-01", [])

    def probe(self, count: int, seed: int) -> list[EnrichedArticle]:
        """New articles for a loaded corpus: copies of its originals (at its share of copies) and
        originals it does not hold."""
        rng = random.Random(seed)
        share = self.copies / (self.copies + self.originals)
        items = []
        for k in range(count):
            if rng.random() < share:
                copy, _ = edit(_original(self.original(rng.randrange(self.originals))), rng, self.copies + k)
                items.append(_enriched(f"https://probe-copy.example/{seed}/{k}", copy))
            else:
                fresh = self.original(self.originals + rng.randrange(10 * (self.originals + self.copies)))
                items.append(_enriched(f"https://probe.example/{seed}/{k}", fresh))
        return items

    def item(self, kind: str, n: int) -> tuple[EnrichedArticle, int]:
        """The article and the index of the original it tells (its own for an original)."""
        if kind == "original":
            return _enriched(f"https://original-{n % 97}.example/{n}", self.original(n)), n
        origin = self.copy_of[n]
        copy, _ = edit(_original(self.original(origin)), random.Random(self.seed * 7_000_003 + n), n)
        return _enriched(f"https://copy-{n % 89}.example/{n}", copy), origin


def _original(article: GeneratedArticle) -> Original:
    paragraphs = [article.lede]
    captions = []
    for role, text in article.blocks:
        if role == "caption":
            captions.append((len(paragraphs), text))
        else:
            paragraphs.append(text)
    return Original(f"bench://original/{article.index}", "plain_text", article.title, paragraphs, captions)


def _enriched(uri: str, article: GeneratedArticle) -> EnrichedArticle:
    body = "\n\n".join([article.lede, *(text for role, text in article.blocks if role == "body")])
    return EnrichedArticle(
        Article(source_uri=uri, source_format="plain_text", title=article.title, lede=article.lede, body=body,
                segments=[], captions=[], quotes=[], raw_text=body, extractor_version="bench"),
        Enrichment(sentences=[], entities=[], quotes=[], keywords=[], language="nb", language_confidence=1.0,
                   model_name="none", model_version="0"),
    )


def pair_scores(url: str, truth: dict[str, int]) -> dict[str, float]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT source_uri, story_id FROM news.articles").fetchall()
    by_story: dict[int, list[str]] = defaultdict(list)
    by_origin: dict[int, list[str]] = defaultdict(list)
    for uri, story in rows:
        by_story[story].append(uri)
        by_origin[truth[uri]].append(uri)

    def pairs(groups: dict[int, list[str]]) -> set[tuple[str, str]]:
        return {tuple(sorted(p)) for g in groups.values() for p in itertools.combinations(g, 2)}  # type: ignore[misc]

    found, true = pairs(by_story), pairs(by_origin)
    hits = len(found & true)
    return {"pairs_found": len(found), "pairs_true": len(true), "precision": hits / len(found) if found else 1.0,
            "recall": hits / len(true) if true else 1.0, "stories": len(by_story), "originals": len(by_origin)}


def run(size: int, corpus: Corpus, url: str) -> dict[str, object]:
    truth: dict[str, int] = {}
    migrate(url)
    story_s: list[float] = []
    load_s = 0.0
    wall = time.perf_counter()
    with psycopg.connect(url) as conn:
        for start in range(0, len(corpus.order), BATCH):
            batch = []
            for kind, n in corpus.order[start:start + BATCH]:
                item, origin = corpus.item(kind, n)
                truth[item.article.source_uri] = origin
                batch.append(item)
            started = time.perf_counter()
            result = load_articles(conn, batch)
            load_s += time.perf_counter() - started
            story_s.append(result.story_seconds)
        wall = time.perf_counter() - wall
        bands, band_bytes = conn.execute(
            "SELECT count(*), pg_total_relation_size('news.story_bands') FROM news.story_bands").fetchone()
        article_bytes = conn.execute("SELECT pg_total_relation_size('news.articles')").fetchone()[0]
        print_bytes = conn.execute("SELECT pg_total_relation_size('news.story_prints')").fetchone()[0]
    tenth = max(1, len(story_s) // 10)
    tail = story_s[-tenth:]
    tail_articles = min(size, len(tail) * BATCH)
    # Medians of batches resist the bursts of other work on a shared machine.
    points = {f"story_ms_median_at_{n}": 1000 * statistics.median(story_s[max(0, n // BATCH - tenth):n // BATCH])
              / BATCH for n in (10_000, size) if n <= size}
    return {
        "articles": size, "copies": corpus.copies, "wall_s": wall,
        "story_ms_per_article": 1000 * sum(story_s) / size,
        "story_ms_per_article_last_tenth": 1000 * sum(tail) / tail_articles,
        **points,
        "load_ms_per_article": 1000 * load_s / size,
        **pair_scores(url, truth),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "band_rows": bands, "band_table_bytes": band_bytes, "print_table_bytes": print_bytes,
        "articles_table_bytes": article_bytes,
    }


def probe(databases: dict[int, tuple[Corpus, str]], rounds: int, seed: int) -> dict[int, list[float]]:
    """Milliseconds per article spent finding stories, per probe batch, for each loaded size: the
    sizes in turn (alternating the order), each batch rolled back, so every size meets the same
    moments of the machine's other work and the same kind of new articles."""
    costs: dict[int, list[float]] = {size: [] for size in databases}
    connections = {size: psycopg.connect(url) for size, (_, url) in databases.items()}
    try:
        for conn in connections.values():
            with conn.transaction():
                conn.execute("ANALYZE")
        for r in range(rounds):
            order = sorted(databases) if r % 2 == 0 else sorted(databases, reverse=True)
            for size in order:
                corpus, _ = databases[size]
                batch = corpus.probe(BATCH, seed * 1_000 + r)
                conn = connections[size]
                with conn.transaction(force_rollback=True):
                    result = load_articles(conn, batch)
                costs[size].append(1000 * result.story_seconds / len(batch))
    finally:
        for conn in connections.values():
            conn.close()
    return costs


def count_candidates(size: int, copy_share: float, seed: int) -> None:
    """Candidate stories per new article as the index grows, counted in memory (no database): the
    first holder of each band key, as in news.story_bands."""
    corpus = Corpus(size, copy_share, seed)
    holder: dict[int, int] = {}
    window: list[tuple[int, int]] = []
    for index, (kind, n) in enumerate(corpus.order, start=1):
        item, _ = corpus.item(kind, n)
        keys = fingerprint(item.article.body).band_keys
        shared = Counter(holder[k] for k in keys if k in holder)
        window = [*window[-4999:], (len(shared), sum(1 for c in shared.values() if c >= 2))]
        for key in keys:
            holder.setdefault(key, index)
        if index % (size // 10) == 0:
            print(f"{index:>9,} articles: candidates per new article (last {len(window):,}): "
                  f"{sum(a for a, _ in window) / len(window):.3f}, "
                  f"sharing two keys or more {sum(b for _, b in window) / len(window):.3f}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--copies", type=float, default=0.2, help="share of the articles that are copies")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-server", default=DEFAULT_SERVER)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--probe-rounds", type=int, default=40,
                        help="probe batches per size, loaded side by side after every size is loaded")
    parser.add_argument("--count-candidates", action="store_true",
                        help="only count candidate stories per article as the index grows (largest size, no database)")
    args = parser.parse_args()
    if args.count_candidates:
        count_candidates(max(args.sizes), args.copies, args.seed)
        return 0
    databases = ThrowawayDatabases(args.database_server)
    results = []
    loaded: dict[int, tuple[Corpus, str]] = {}
    try:
        for size in args.sizes:
            print(f"{size:,} articles …", flush=True)
            corpus = Corpus(size, args.copies, args.seed)
            loaded[size] = (corpus, databases.create(f"dedup{size}"))
            results.append(run(size, corpus, loaded[size][1]))
        print(f"probing every size side by side, {args.probe_rounds} batches each …", flush=True)
        probes = probe(loaded, args.probe_rounds, args.seed)
    finally:
        databases.close()
    for result in results:
        costs = probes[result["articles"]]  # type: ignore[index]
        result["probe_story_ms"] = costs
        result["probe_story_ms_median"] = statistics.median(costs)
    rows = [
        ("articles (copies)", lambda r: f"{r['articles']:,} ({r['copies']:,})"),
        ("stories found / originals", lambda r: f"{r['stories']:,} / {r['originals']:,}"),
        ("stories: ms per article", lambda r: f"{r['story_ms_per_article']:.3f}"),
        ("  … over the last tenth", lambda r: f"{r['story_ms_per_article_last_tenth']:.3f}"),
        ("  … median batch, last tenth", lambda r: f"{r['story_ms_median_at_' + str(r['articles'])]:.3f}"),
        ("  … median batch, tenth before 10,000",
         lambda r: f"{r['story_ms_median_at_10000']:.3f}" if "story_ms_median_at_10000" in r else "–"),
        ("  … probes side by side, median batch", lambda r: f"{r['probe_story_ms_median']:.3f}"),
        ("whole load: ms per article", lambda r: f"{r['load_ms_per_article']:.3f}"),
        ("pair precision", lambda r: f"{r['precision']:.4f}"),
        ("pair recall", lambda r: f"{r['recall']:.4f}"),
        ("pairs found / true", lambda r: f"{r['pairs_found']:,} / {r['pairs_true']:,}"),
        ("peak RSS", lambda r: f"{r['peak_rss_bytes'] / 1e6:,.0f} MB"),
        ("band table rows", lambda r: f"{r['band_rows']:,}"),
        ("band table size", lambda r: f"{r['band_table_bytes'] / 1e6:,.1f} MB"),
        ("print table size", lambda r: f"{r['print_table_bytes'] / 1e6:,.1f} MB"),
        ("articles table size", lambda r: f"{r['articles_table_bytes'] / 1e6:,.1f} MB"),
        ("wall time of the load", lambda r: f"{r['wall_s']:,.0f} s"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"\n{'':{width}}  " + "  ".join(f"{r['articles']:>14,}" for r in results))
    for name, show in rows:
        print(f"{name:{width}}  " + "  ".join(f"{show(r):>14}" for r in results))
    last = results[-1]
    if last["articles"] > 10_000:
        within = last[f"story_ms_median_at_{last['articles']}"] / last["story_ms_median_at_10000"]
        print(f"\ncost per article (median batch), in the {last['articles']:,} run: its last tenth ÷ the tenth "
              f"before 10,000: {within:.2f} (target ≤ 1.5)")
    if len(results) > 1:
        first = results[0]
        ratio = last["story_ms_per_article_last_tenth"] / first["story_ms_per_article_last_tenth"]
        medians = (last[f"story_ms_median_at_{last['articles']}"]
                   / first[f"story_ms_median_at_{first['articles']}"])
        print(f"cost per article, last tenth, {last['articles']:,} run ÷ {first['articles']:,} run: mean {ratio:.2f}, "
              f"median batch {medians:.2f} (target ≤ 1.5)")
        side = last["probe_story_ms_median"] / first["probe_story_ms_median"]
        print(f"cost per article, probes side by side, {last['articles']:,} ÷ {first['articles']:,}: "
              f"median batch {side:.2f} (target ≤ 1.5)")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2), "utf-8")
    print(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
