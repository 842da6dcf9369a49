"""Stories on the sample data, in figures: what tests/test_stories_shared.py asserts, printed.

Loads, with the real loader into a throwaway database (no NLP: stories do not use it):
  1. the VG articles as crawl text and as JSON Lines (copies nobody made here): rows, stories, pairs;
  2. the 303 plain-text and 40 VG originals: merges, against the pairs read side by side
     (tests/fixtures/shared_same_story.tsv);
  3. those originals with N copies bench/syndicate.py makes of the plain text, copies first:
     pair precision and recall.

    .venv/bin/python -m bench.dedup_samples [--copies 150] [--seed 11]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections import defaultdict
from pathlib import Path

import psycopg

from bench.infra import DEFAULT_SERVER, ThrowawayDatabases
from bench.syndicate import copy_folders, read_truth, story_pairs, syndicate, true_story_pairs
from nyhetsflyt.db.load import load_articles
from nyhetsflyt.db.migrate import migrate
from nyhetsflyt.documents import EnrichedArticle, Enrichment
from nyhetsflyt.extract.split import split_document
from nyhetsflyt.paths import REPO_ROOT
from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.folder import find_files, read_file

SAMPLES = Settings().shared_data.resolve() / "samples"
SAME_STORY = REPO_ROOT / "tests" / "fixtures" / "shared_same_story.tsv"


def load(url: str, folders: list[Path]) -> dict[str, int]:
    """Every article under the folders (in the flow's order), loaded in batches of 64: URI → story."""
    migrate(url)
    items = []
    for path in find_files(folders):
        for document in read_file(path).documents:
            article = split_document(document)
            items.append(EnrichedArticle(article, Enrichment([], [], [], [], "nb", 1.0, "none", "0")))
    with psycopg.connect(url) as conn:
        for start in range(0, len(items), 64):
            load_articles(conn, items[start:start + 64])
        return dict(conn.execute("SELECT source_uri, story_id FROM news.articles").fetchall())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=150)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    with SAME_STORY.open(encoding="utf-8") as handle:
        rows = csv.DictReader([line for line in handle if not line.startswith("#")], delimiter="\t")
        same = {tuple(sorted((str(SAMPLES / r["file_a"]), str(SAMPLES / r["file_b"])))) for r in rows}
    databases = ThrowawayDatabases(DEFAULT_SERVER)
    try:
        vg = load(databases.create("vg"), [SAMPLES / "crawl_text", SAMPLES / "jsonl"])
        print(f"VG crawl text + JSON Lines: {len(vg)} rows, {len(set(vg.values()))} stories, "
              f"{len(story_pairs(vg))} pairs in one story")

        originals = load(databases.create("originals"), [SAMPLES / "plain_text", SAMPLES / "crawl_text"])
        merged = story_pairs(originals)
        print(f"303 plain text + 40 VG originals: {len(set(originals.values()))} stories; pairs merged "
              f"{len(merged)}, of them read side by side as one story {len(merged & same)} of {len(same)}; "
              f"false merges {len(merged - same)}")

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "kopier"
            made = syndicate(SAMPLES / "plain_text", out, args.copies, args.seed)
            truth = read_truth(out)
            story = load(databases.create("copies"), [SAMPLES / "plain_text", SAMPLES / "crawl_text",
                                                      *copy_folders(out)])
        found, true = story_pairs(story), true_story_pairs(story, truth, same)
        edits: dict[str, int] = defaultdict(int)
        for item in made:
            for name in item.edits:
                edits[name] += 1
        print(f"{len(made)} copies of plain text ({dict(edits)}), seed {args.seed}: pairs found {len(found)}, "
              f"true {len(true)}; precision {len(found & true) / len(found):.4f}, "
              f"recall {len(found & true) / len(true):.4f}; false merges among originals "
              f"{len(story_pairs({u: story[u] for u in story if u not in truth}) - same)}")
    finally:
        databases.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
