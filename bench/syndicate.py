"""Copies of articles edited the way outlets edit wire text, with the truth in a TSV.

From any folder of articles (read and split with the project's own readers and splitter), it
writes N copies, each of one original, each with a mix of edits:

    headline   a headline of the outlet's own
    intro      a local intro paragraph before the wire text
    trim       the end cut off (the last fifth to two fifths of the paragraphs)
    verbs      reporting verbs reworded (sier → forteller, opplyste → meldte, …)
    captions   photo captions dropped
    format     always: written in another file format (text ↔ JSON Lines ↔ HTML)

and `truth.tsv`: one line per copy with the copy's source URI (as the folder reader names it:
`path#N` for the Nth record of a JSON Lines file), the original's, and the edits made. The same
seed gives the same files. Copies of third-party text belong under var/ (never committed).

    .venv/bin/python -m bench.syndicate ../shared/data/samples/plain_text --out var/syndicated --copies 150
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import random
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus import GeneratedArticle, crawl_text, html_page, json_record, plain_text
from nyhetsflyt.documents import Article
from nyhetsflyt.extract.split import split_document
from nyhetsflyt.sources.folder import find_files, read_file

EDITS = ("headline", "intro", "trim", "verbs", "captions")
TRUTH = "truth.tsv"
BODY_KINDS = frozenset({"paragraph", "quote", "subheading"})

# Invented local framing, as a regional paper puts its own words before the wire text.
_PLACES = ("Fjordby", "Nordvik", "Sandnesøy", "Brekkedalen", "Innlandsbyen", "Havnevik", "Solbakken")
_PAPERS = ("Fjordposten", "Nordvik Avis", "Dalebladet", "Kysttidende", "Bygdeposten")
_INTROS = (
    "Saken har også vakt reaksjoner i {place}, der flere lesere har tatt kontakt med {paper}.",
    "{paper} har fulgt saken tett, og i {place} er mange opptatt av hva som skjer videre.",
    "Også i {place} diskuteres saken denne uken, opplyser ordføreren til {paper}.",
    "Dette skjer mens innbyggerne i {place} venter på svar fra myndighetene, skriver {paper}.",
)
_HEADLINES = ("Dette vet vi om saken", "Slik ble det", "Nå reagerer de", "Full strid", "Mener det er for sent",
              "Siste nytt", "Dette betyr det for deg")
# Reporting verbs and their rewording (present and past tense).
VERB_SWAPS = {
    "sier": "forteller", "sa": "fortalte", "opplyser": "melder", "opplyste": "meldte",
    "skriver": "melder", "skrev": "meldte", "uttaler": "sier", "uttalte": "sa",
    "mener": "synes", "mente": "syntes", "bekrefter": "stadfester", "bekreftet": "stadfestet",
    "forteller": "sier", "fortalte": "sa", "understreker": "påpeker", "understreket": "påpekte",
}
_VERB = re.compile(r"\b(" + "|".join(VERB_SWAPS) + r")\b")
FORMATS = ("plain_text", "jsonl", "html", "crawl_text")


@dataclass(slots=True)
class Copy:
    original: str  # source URI of the original
    fmt: str
    edits: list[str]
    article: GeneratedArticle
    uri: str = ""


@dataclass(slots=True)
class Original:
    source_uri: str
    source_format: str
    title: str
    paragraphs: list[str]  # lede first
    captions: list[tuple[int, str]] = field(default_factory=list)  # (before paragraph index, text)


def originals_in(folder: Path) -> list[Original]:
    """The folder's articles, as the pipeline reads and splits them."""
    found = []
    for path in find_files([folder]):
        for document in read_file(path).documents:
            found.append(_original(split_document(document)))
    return [o for o in found if len(o.paragraphs) >= 2]


def _original(article: Article) -> Original:
    paragraphs: list[str] = []
    captions: list[tuple[int, str]] = []
    for segment in article.segments:
        if segment.kind == "lede" or segment.kind in BODY_KINDS:
            paragraphs.append(segment.text)
        elif segment.kind in ("caption", "credit"):
            captions.append((len(paragraphs), " ".join(segment.raw.split())))
    return Original(article.source_uri, article.source_format, article.title or "", paragraphs, captions)


def edit(original: Original, rng: random.Random, index: int) -> tuple[GeneratedArticle, list[str]]:
    """One copy of the original with a random, non-empty mix of edits."""
    edits = [name for name in EDITS if rng.random() < 0.5]
    if not original.captions and "captions" in edits:
        edits.remove("captions")
    if not edits:
        edits = [rng.choice(EDITS[:4])]
    paragraphs = list(original.paragraphs)
    captions = [] if "captions" in edits else list(original.captions)
    if "trim" in edits and len(paragraphs) >= 4:
        keep = max(2, round(len(paragraphs) * rng.uniform(0.6, 0.8)))
        paragraphs = paragraphs[:keep]
        captions = [c for c in captions if c[0] < keep]
    elif "trim" in edits:
        edits.remove("trim")
    if "verbs" in edits:
        paragraphs = [_VERB.sub(lambda m: VERB_SWAPS[m.group(1)] if rng.random() < 0.7 else m.group(1), p)
                      for p in paragraphs]
    title = original.title
    if "headline" in edits or not title:
        lede_words = paragraphs[0].split()[:rng.randint(4, 7)]
        title = f"{rng.choice(_HEADLINES)}: {' '.join(lede_words).rstrip('.,:;')}"
    if "intro" in edits:
        intro = rng.choice(_INTROS).format(place=rng.choice(_PLACES), paper=rng.choice(_PAPERS))
        paragraphs.insert(0, intro)
        captions = [(i + 1, text) for i, text in captions]
    blocks: list[tuple[str, str]] = [("body", p) for p in paragraphs[1:]]
    for position, text in sorted(captions, reverse=True):
        # A caption never opens the text: after the first body block at the earliest.
        blocks.insert(max(1, min(position - 1, len(blocks))), ("caption", text))
    article = GeneratedArticle(index=index, title=title, lede=paragraphs[0], blocks=blocks,
                               published=f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", tags=[])
    return article, edits


def other_format(source_format: str, rng: random.Random) -> str:
    return rng.choice([f for f in FORMATS if f != source_format])


def syndicate(folder: Path, out: Path, copies: int, seed: int = 11) -> list[Copy]:
    """Write `copies` edited copies of the folder's articles under `out`, and out/truth.tsv."""
    rng = random.Random(seed)
    out = out.resolve()
    originals = originals_in(folder)
    if not originals:
        raise ValueError(f"no articles with at least two paragraphs under {folder}")
    # Each original once before any is copied twice.
    chosen: list[Original] = []
    while len(chosen) < copies:
        chosen.extend(rng.sample(originals, min(len(originals), copies - len(chosen))))
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    made: list[Copy] = []
    records: list[Copy] = []
    for index, original in enumerate(chosen):
        article, edits = edit(original, rng, index)
        item = Copy(original.source_uri, other_format(original.source_format, rng), [*edits, "format"], article)
        if item.fmt == "jsonl":
            records.append(item)
        else:
            path = out / item.fmt / f"kopi-{index:05d}{'.html' if item.fmt == 'html' else '.txt'}"
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = {"plain_text": plain_text, "crawl_text": crawl_text, "html": html_page}[item.fmt]
            path.write_text(writer(article), "utf-8")
            item.uri = str(path)
        made.append(item)
    if records:
        path = out / "jsonl" / "kopier.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = []
        for number, item in enumerate(records, start=1):
            lines.append(json.dumps(json_record(item.article), ensure_ascii=False))
            item.uri = f"{path}#{number}"
        path.write_text("\n".join(lines) + "\n", "utf-8")
    with (out / TRUTH).open("w", encoding="utf-8", newline="") as handle:
        writer_ = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer_.writerow(["copy", "original", "edits"])
        for item in made:
            writer_.writerow([item.uri, item.original, ",".join(item.edits)])
    return made


def copy_folders(out: Path) -> list[Path]:
    """The folders of copies to point the pipeline at (truth.tsv lies beside them, not in them)."""
    return [out / name for name in FORMATS if (out / name).is_dir()]


def read_truth(out: Path) -> dict[str, str]:
    """copy source URI → original source URI, from a folder `syndicate` wrote."""
    with (out / TRUTH).open(encoding="utf-8", newline="") as handle:
        return {row["copy"]: row["original"] for row in csv.DictReader(handle, delimiter="\t")}


def story_pairs(by: dict[str, object]) -> set[tuple[str, str]]:
    """Pairs of URIs that share a key (a story id, or a group of the truth)."""
    members: dict[object, list[str]] = defaultdict(list)
    for uri, key in by.items():
        members[key].append(uri)
    return {tuple(sorted(p)) for m in members.values() for p in itertools.combinations(m, 2)}  # type: ignore[misc]


def true_story_pairs(story: dict[str, object], truth: dict[str, str],
                     same: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The pairs that should share a story: each original is one, its copies belong to it, and so
    do the pairs of originals known to be one story (`same`)."""
    group = {uri: uri for uri in story if uri not in truth}
    for a, b in same:
        group[b] = a
    for copy, original in truth.items():
        group[copy] = group[original]
    return story_pairs(group)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a folder of articles (any of the folder formats)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--copies", type=int, default=150)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    made = syndicate(args.folder, args.out, args.copies, args.seed)
    counts: dict[str, int] = {}
    for item in made:
        for name in item.edits:
            counts[name] = counts.get(name, 0) + 1
    print(f"{len(made)} copies under {args.out} (truth: {args.out / TRUTH}); edits: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
