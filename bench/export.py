"""Export benchmark: 100,000 articles exported to Parquet by `nyhetsflyt export`, its rows
counted against the database's and its peak memory measured.

    .venv/bin/python -m bench.export [--articles 100000] [--distinct 10000] [--seed 7] [--keep]

Loading takes a fast path that runs no NLP model on 100,000 articles, with rows made by the
pipeline's own code:
  1. `--distinct` articles of a `bench/corpus.py` corpus are read and split by the project's
     readers and splitter and loaded by its COPY loader (`load_articles`). Their NLP is the
     rule-based pipeline (`blank:nb`) run once per distinct segment text (the corpus recombines
     a few thousand sample paragraphs), assembled per article by the stage's own
     `enrich_article` (sentences, entities, canonical names, speakers, keywords, language);
  2. those articles are copied in SQL until there are `--articles`, each copy with its own id,
     content hash and URI and all its segments, captions, entities and quotes (sentences, which
     the export does not read, are not copied).
The export then runs as its own process, the command an analyst types, started from a small
launcher so that its peak RSS (`ru_maxrss` from `wait4`) is its own and not this process's; it
is shown beside the same command exporting an empty range (the floor: what the process weighs
before it reads a row) and the 500 MB target. Row counts are shown three ways: the database's,
the command's, and DuckDB's reading of the files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import psycopg

from bench.corpus import article_folders, build_corpus
from bench.infra import DEFAULT_SERVER, ThrowawayDatabases
from nyhetsflyt.db.export import TABLES, count_rows
from nyhetsflyt.db.load import load_articles
from nyhetsflyt.db.migrate import migrate
from nyhetsflyt.documents import Article, EnrichedArticle
from nyhetsflyt.extract.split import split_document
from nyhetsflyt.nlp.enrich import ENRICHED_KINDS, AnalysedSegment, article_text, credit_start, enrich_article
from nyhetsflyt.nlp.language import detect_language
from nyhetsflyt.nlp.model import load_nlp
from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.folder import find_files, read_file

TARGET_MB = 500
LOAD_BATCH = 500
SINCE = date(1990, 1, 1)


class SegmentAnalyses:
    """The rule-based pipeline's Doc of each distinct segment text, made once."""

    def __init__(self) -> None:
        self.nlp, self.info = load_nlp("blank:nb")
        self.docs: dict[str, object] = {}

    def enrich(self, articles: list[Article]) -> list[EnrichedArticle]:
        texts = {s.text for a in articles for s in a.segments if s.kind in ENRICHED_KINDS and s.text.strip()}
        new = [text for text in texts if text not in self.docs]
        for text, doc in zip(new, self.nlp.pipe(new, batch_size=256)):
            self.docs[text] = doc
        enriched = []
        for article in articles:
            segments = [AnalysedSegment(s, self.docs[s.text], credit_start(article, s))  # type: ignore[arg-type]
                        for s in article.segments if s.kind in ENRICHED_KINDS and s.text.strip()]
            language = detect_language(article_text(article))
            enriched.append(EnrichedArticle(article, enrich_article(article, segments, self.info, language)))
        return enriched


def load_corpus(folders: list[Path], url: str) -> int:
    analyses = SegmentAnalyses()
    loaded = 0
    pending: list[Article] = []
    started = time.perf_counter()

    def flush(conn: psycopg.Connection) -> None:
        nonlocal loaded, pending
        result = load_articles(conn, analyses.enrich(pending))
        loaded += len(result.new)
        pending = []
        if loaded % 10_000 < LOAD_BATCH:
            print(f"  loaded {loaded:,} articles ({time.perf_counter() - started:.0f} s, "
                  f"{len(analyses.docs):,} distinct segments analysed)", flush=True)

    with psycopg.connect(url) as conn:
        for path in find_files(folders):
            for document in read_file(path).documents:
                pending.append(split_document(document))
                if len(pending) >= LOAD_BATCH:
                    flush(conn)
        if pending:
            flush(conn)
    return loaded


# Started by a fresh small interpreter, so the child's peak RSS starts from that process's size
# and not from this one's (a child's ru_maxrss counts the memory it was forked with).
LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
output = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "seconds": time.perf_counter() - started,
                  "max_rss_kb": usage.ru_maxrss, "output": output}))
"""


def run_export(url: str, out: Path, since: date, until: date | None = None) -> tuple[dict, float, float]:
    """(the command's JSON, its wall seconds, its peak RSS in MB), measured as a child process."""
    command = [str(Path(sys.executable).parent / "nyhetsflyt"), "export", "--format", "parquet",
               "--since", since.isoformat(), "--out", str(out), "--database-url", url, "--json"]
    if until:
        command += ["--until", until.isoformat()]
    done = subprocess.run([sys.executable, "-c", LAUNCHER, *command], capture_output=True, text=True, check=True)
    measured = json.loads(done.stdout)
    if measured["code"] != 0:
        raise RuntimeError(f"export failed ({measured['code']}): {measured['output'][-2000:]}")
    exported = json.loads(measured["output"].strip().splitlines()[-1])
    return exported, measured["seconds"], measured["max_rss_kb"] / 1024


COPY_ARTICLES = """
CREATE TEMP TABLE copies AS
SELECT a.id AS old_id, n AS copy, nextval(pg_get_serial_sequence('news.articles', 'id')) AS new_id
FROM news.articles a CROSS JOIN generate_series(1, %(copies)s) AS n
ORDER BY n, a.id
LIMIT %(wanted)s;
INSERT INTO news.articles (id, content_hash, source_uri, source_format, external_id, title, lede, body,
    raw_text, published, published_precision, authors, tags, language, language_confidence, word_count,
    keywords, model_name, model_version, ner_degraded, extractor_version, ingested_at)
OVERRIDING SYSTEM VALUE
SELECT c.new_id, a.content_hash || '.' || c.copy, a.source_uri || '?kopi=' || c.copy, a.source_format,
    a.external_id, a.title, a.lede, a.body, a.raw_text, a.published, a.published_precision, a.authors, a.tags,
    a.language, a.language_confidence, a.word_count, a.keywords, a.model_name, a.model_version,
    a.ner_degraded, a.extractor_version, a.ingested_at
FROM copies c JOIN news.articles a ON a.id = c.old_id;
INSERT INTO news.segments SELECT c.new_id, s.position, s.kind, s.text, s.raw
FROM copies c JOIN news.segments s ON s.article_id = c.old_id;
INSERT INTO news.captions SELECT c.new_id, x.position, x.label, x.text, x.photographers, x.agencies, x.credit_raw
FROM copies c JOIN news.captions x ON x.article_id = c.old_id;
INSERT INTO news.entities SELECT c.new_id, e.segment_position, e.segment_kind, e.text, e.label, e.canonical,
    e.char_start, e.char_end, e.sentence_index
FROM copies c JOIN news.entities e ON e.article_id = c.old_id;
INSERT INTO news.quotes SELECT c.new_id, q.position, q.quote_index, q.text, q.speaker, q.speaker_canonical
FROM copies c JOIN news.quotes q ON q.article_id = c.old_id;
DROP TABLE copies;
"""


def copy_articles(url: str, wanted: int) -> int:
    """Copy the stored articles, with all their exported parts, until there are `wanted`."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM news.articles").fetchone()
        have = int(row[0]) if row else 0
        if wanted > have:
            copies = -(-(wanted - have) // have)
            conn.execute(COPY_ARTICLES.replace("%(copies)s", str(copies)).replace("%(wanted)s", str(wanted - have)))
            conn.commit()
        conn.execute("ANALYZE")
        row = conn.execute("SELECT count(*) FROM news.articles").fetchone()
        return int(row[0]) if row else 0


def duckdb_counts(out: Path) -> dict[str, int]:
    counts = {}
    with duckdb.connect() as db:
        for table in TABLES:
            row = db.execute(f"SELECT count(*) FROM read_parquet('{out}/{table.name}/*/*.parquet', "
                             "hive_partitioning = true)").fetchone()
            counts[table.name] = int(row[0]) if row else 0
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles in the database")
    parser.add_argument("--distinct", type=int, default=10_000, help="of which read from the corpus")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server for a throwaway database")
    parser.add_argument("--keep", action="store_true", help="keep the database and the files")
    args = parser.parse_args()

    work = Settings().var_dir / "bench" / f"export-{args.articles}"
    distinct = min(args.distinct, args.articles)
    print(f"Corpus of {distinct:,} articles (bench/corpus.py, seed {args.seed}) …", flush=True)
    corpus, manifest = build_corpus(distinct, args.seed)
    databases = ThrowawayDatabases(args.server)
    try:
        url = databases.create("export")
        migrate(url)
        started = time.perf_counter()
        loaded = load_corpus(article_folders(corpus), url)
        print(f"Loaded {loaded:,} corpus articles in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        total = copy_articles(url, args.articles)
        print(f"Copied them to {total:,} articles in {time.perf_counter() - started:.0f} s", flush=True)

        floor_json, _, floor_mb = run_export(url, work / "empty", date(2999, 1, 1))
        assert sum(floor_json["rows"].values()) == 0
        # The first tenth of the articles by day: memory should not grow with the export's size.
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT percentile_disc(0.1) WITHIN GROUP (ORDER BY news.article_day("
                               "published, ingested_at)) FROM news.articles").fetchone()
            tenth_day = row[0] if row else SINCE
        tenth_json, _, tenth_mb = run_export(url, work / "tenth", SINCE, tenth_day)
        if (work / "files").exists():
            shutil.rmtree(work / "files")
        exported, seconds, peak_mb = run_export(url, work / "files", SINCE)
        database = count_rows(url, since=SINCE)
        read_back = duckdb_counts(work / "files")
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            size_mb = (row[0] if row else 0) / 1e6
    finally:
        if not args.keep:
            databases.close()

    files = sum(exported["files"].values())
    size_files = sum(p.stat().st_size for p in (work / "files").rglob("*") if p.is_file()) / 1e6
    print()
    print(f"Export of {total:,} articles ({manifest.articles:,} from the corpus, the rest copies; "
          f"{size_mb:,.0f} MB of database) to Parquet: {files:,} files, {size_files:,.0f} MB, {seconds:.0f} s")
    print(f"{'table':10} {'database':>12} {'exported':>12} {'DuckDB':>12}  equal")
    for table in TABLES:
        name = table.name
        same = database[name] == exported["rows"][name] == read_back[name]
        print(f"{name:10} {database[name]:>12,} {exported['rows'][name]:>12,} {read_back[name]:>12,}  {same}")
    verdict = "met" if peak_mb < TARGET_MB else "NOT met"
    print(f"{'peak RSS':10} {peak_mb:>9,.0f} MB  (target < {TARGET_MB} MB: {verdict});"
          f" the same command exporting {tenth_json['rows']['articles']:,} articles (the first tenth by day):"
          f" {tenth_mb:,.0f} MB, exporting nothing: {floor_mb:,.0f} MB")
    ok = all(database[t.name] == exported["rows"][t.name] == read_back[t.name] for t in TABLES)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok and peak_mb < TARGET_MB and database["articles"] == total == args.articles else 1


if __name__ == "__main__":
    raise SystemExit(main())
