"""Stories on the real sample data, through the real folder flow (rule-based NLP: stories do not
depend on it). Copies made by bench/syndicate.py, and copies nobody made here: the VG articles
that reach us both as crawl text and as JSON Lines."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

import psycopg
import pytest

from bench.syndicate import copy_folders, read_truth, story_pairs, syndicate, true_story_pairs
from flows.ingest_folder import ingest_folder
from nyhetsflyt.nlp.model import DEGRADED_NAME

pytestmark = [pytest.mark.shared, pytest.mark.usefixtures("prefect_server")]

SAME_STORY = Path(__file__).parent / "fixtures" / "shared_same_story.tsv"


def rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_the_vg_articles_in_crawl_text_and_json_lines_are_40_stories_in_80_rows(empty_db, shared_data):
    samples = shared_data / "samples"
    summary = ingest_folder(paths=[str(samples / "crawl_text"), str(samples / "jsonl")], model=DEGRADED_NAME)
    assert summary.failed == 0 and summary.articles_new == 80 and summary.copies == 40
    stored = rows(empty_db, "SELECT source_uri, external_id, story_id FROM news.articles")
    assert len(stored) == 80 and len({story for *_, story in stored}) == 40
    by_id: dict[str, set[int]] = defaultdict(set)
    for uri, external_id, story in stored:
        key = external_id or re.search(r"_([^_]+)\.txt$", uri).group(1)  # vg_<date>_<id>.txt
        by_id[key].add(story)
    assert len(by_id) == 40 and all(len(stories) == 1 for stories in by_id.values())
    assert rows(empty_db, "SELECT count(*), min(copies), max(copies) FROM news.stories") == [(40, 2, 2)]


def test_the_seed_with_two_words_changed_is_the_same_story(empty_db, seed_path, tmp_path):
    text = seed_path.read_text("utf-8")
    changed = text.replace("ønsker", "vil ha", 1).replace("samtaler", "forhandlinger", 1)
    assert changed.count("\n") == text.count("\n") and changed != text
    (tmp_path / "endret.txt").write_text(changed, "utf-8")
    summary = ingest_folder(paths=[str(seed_path), str(tmp_path / "endret.txt")], model=DEGRADED_NAME)
    assert summary.articles_new == 2 and summary.copies == 1
    assert rows(empty_db, "SELECT count(*), count(DISTINCT story_id) FROM news.articles") == [(2, 1)]


def same_story_pairs(samples: Path) -> set[tuple[str, str]]:
    """The pairs of sample files read side by side and found to be one story (as source URIs)."""
    with SAME_STORY.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return {tuple(sorted((str((samples / r["file_a"]).resolve()), str((samples / r["file_b"]).resolve()))))
            for r in csv.DictReader(lines, delimiter="\t")}  # type: ignore[misc]


def test_no_two_of_the_343_originals_merge_but_those_that_are_one_story(empty_db, shared_data):
    samples = shared_data / "samples"
    summary = ingest_folder(paths=[str(samples / "plain_text"), str(samples / "crawl_text")], model=DEGRADED_NAME)
    assert summary.failed == 0 and summary.articles_new == 343
    story = dict(rows(empty_db, "SELECT source_uri, story_id FROM news.articles"))
    assert story_pairs(story) == same_story_pairs(samples)


def test_copies_of_plain_text_are_found_with_their_originals(empty_db, shared_data, tmp_path):
    samples = shared_data / "samples"
    out = tmp_path / "kopier"
    syndicate(samples / "plain_text", out, copies=150, seed=11)
    truth = read_truth(out)
    originals = [samples / "plain_text", samples / "crawl_text"]
    summary = ingest_folder(paths=[str(p) for p in [*originals, *copy_folders(out)]], model=DEGRADED_NAME)
    assert summary.failed == 0 and summary.articles_new == 303 + 40 + 150
    story = dict(rows(empty_db, "SELECT source_uri, story_id FROM news.articles"))
    assert set(truth) <= set(story)

    # The truth: each original is a story, its copies belong to it, and so do the pairs of
    # originals that were read side by side and found to be one story.
    same = same_story_pairs(samples)
    found, true = story_pairs(story), true_story_pairs(story, truth, same)
    precision, recall = len(found & true) / len(found), len(found & true) / len(true)
    assert precision >= 0.99 and recall >= 0.95, (precision, recall, sorted(found - true)[:5], sorted(true - found)[:5])
    # Copies loaded first (the copies' folder sorts before the samples) change nothing for the
    # originals: none of them is merged with another that is not its story.
    assert story_pairs({uri: story[uri] for uri in story if uri not in truth}) <= same
