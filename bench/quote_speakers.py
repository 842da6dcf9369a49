"""Quote speakers against a hand-checked set: accuracy per form (dash, guillemet) and standard (nb, nn).

    .venv/bin/python -m bench.quote_speakers                     # this checkout, with and without the parser
    .venv/bin/python -m bench.quote_speakers --baseline main     # and a git revision beside it

The set is bench/data/quote_speakers.tsv: one quote a row, as the path of a file under the shared
data folder, the document in it, the paragraph, the character offsets of the quote in that
paragraph, its form and written standard, and the speaker's name as the article gives it in full.
A paragraph is a block of the document as the folder reader gives it, its text cleaned as the
splitter cleans it. In NorNE (.conllu), which keeps sentences but not paragraphs, the paragraph
is a sentence, its text rebuilt with nyhetsflyt.nlp.norne.spaces_after; each such quote is read
in a short article made of the 40 sentences before it and a few after, where a sentence that opens
with a dash starts a paragraph that takes in the sentences after it up to the one that names the
speaker (at most four). Dash offsets run from after the dash to the end of the paragraph.

A quote counts as right when the pipeline finds a quote overlapping it and resolves its speaker to
the name in the set (case and spacing aside). A quote it does not find counts as wrong.

The whole run, split and enrichment of about 200 articles with the shipped model, takes a minute or
two; --baseline extracts that revision's package into a temporary folder and runs this same
measurement there (the model given explicitly), so both sides read the same articles.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOLD = REPO / "bench" / "data" / "quote_speakers.tsv"
NORNE_BEFORE = 40
NORNE_AFTER = 6
# Attribution verbs that close a rebuilt NorNE paragraph (the treebank lost the paragraph breaks).
_CLOSING = re.compile(
    r",\s+(?:seier|sa|fortel|fortalde|meiner|meinte|skriv|skreiv|legg|la|held|heldt|spør|spurde|svarar|"
    r"svara|understrekar|understreka|forklarar|forklarte|hevdar|hevda|påpeikar|påpeika|vedgår|avsluttar|"
    r"uttaler|ytra|stadfestar|sier|forteller|mener|skriver)\s+\S"
)


@dataclass(frozen=True, slots=True)
class GoldQuote:
    path: str
    document: int
    paragraph: int
    start: int
    end: int
    form: str
    standard: str
    speaker: str


def read_gold(path: Path = GOLD) -> list[GoldQuote]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            GoldQuote(row["path"], int(row["document"]), int(row["paragraph"]), int(row["start"]), int(row["end"]),
                      row["form"], row["standard"], row["speaker"])
            for row in csv.DictReader(handle, delimiter="\t")
        ]


def _same_name(a: str | None, b: str) -> bool:
    return a is not None and " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _sentence_text(sentence: object) -> str:
    from nyhetsflyt.nlp.norne import spaces_after

    tokens = sentence.tokens  # type: ignore[attr-defined]
    spaces = spaces_after(sentence)  # type: ignore[arg-type]
    return "".join(token.form + (" " if space else "") for token, space in zip(tokens, spaces)).strip()


def _norne_article(sentences: list[str], index: int) -> tuple[list[str], int, int]:
    """Paragraphs around sentence `index`, the paragraph that holds it, and its offset there."""
    paragraphs: list[str] = []
    where = (0, 0)
    stop = min(len(sentences), index + NORNE_AFTER)
    position = max(0, index - NORNE_BEFORE)
    while position < stop:
        text = sentences[position]
        members = [position]
        if re.match(r"[-–] ", text) and not _CLOSING.search(text):
            while (len(members) < 4 and members[-1] + 1 < len(sentences)
                   and not re.match(r"[-–] ", sentences[members[-1] + 1])
                   and sentences[members[-1] + 1].rstrip()[-1:] in ".!?»"):
                members.append(members[-1] + 1)
                if _CLOSING.search(sentences[members[-1]]):
                    break
        offset = 0
        for member in members:
            if member == index:
                where = (len(paragraphs), offset)
            offset += len(sentences[member]) + 1
        paragraphs.append(" ".join(sentences[member] for member in members))
        position = members[-1] + 1
    return paragraphs, where[0], where[1]


def _articles(gold: list[GoldQuote], shared: Path) -> tuple[list[object], dict[int, tuple[int, str, int, int]]]:
    """The articles to enrich, and for each gold quote (article, paragraph text, start, end)."""
    from nyhetsflyt.documents import Block, SourceDocument
    from nyhetsflyt.extract.split import split_document
    from nyhetsflyt.nlp.norne import read_conllu
    from nyhetsflyt.sources.folder import read_file
    from nyhetsflyt.text import clean

    articles: list[object] = []
    where: dict[int, tuple[int, str, int, int]] = {}
    by_document: dict[tuple[str, int], list[int]] = defaultdict(list)
    for index, quote in enumerate(gold):
        by_document[(quote.path, quote.document)].append(index)
    norne: dict[str, list[str]] = {}
    for (path, document), indices in sorted(by_document.items()):
        if path.endswith(".conllu"):
            if path not in norne:
                norne[path] = [_sentence_text(sentence) for sentence in read_conllu(shared / path)]
            for index in indices:
                quote = gold[index]
                paragraphs, paragraph, offset = _norne_article(norne[path], quote.paragraph)
                doc = SourceDocument(source_uri=f"{path}#{quote.paragraph}", source_format="conllu",
                                     blocks=[Block(text) for text in paragraphs], raw_text="\n\n".join(paragraphs))
                where[index] = (len(articles), clean(paragraphs[paragraph]).text,
                                offset + quote.start, offset + quote.end)
                articles.append(split_document(doc))
            continue
        source = read_file(shared / path).documents[document]
        for index in indices:
            quote = gold[index]
            where[index] = (len(articles), clean(source.blocks[quote.paragraph].text).text, quote.start, quote.end)
        articles.append(split_document(source))
    return articles, where


def _load(model: str, parser: bool) -> tuple[object, object]:
    from nyhetsflyt.nlp.model import load_nlp

    nlp, info = load_nlp(model)
    if parser or "parser" not in nlp.pipe_names:
        return nlp, info
    import spacy

    without = spacy.load(model, exclude=["parser"])
    without.add_pipe("sentencizer", first=True)
    return without, info


def measure(model: str, shared: Path, parser: bool = True) -> dict[str, object]:
    """Right and total per form and per standard, and the wrong ones, on this checkout's code."""
    from nyhetsflyt.nlp.enrich import enrich_articles

    gold = read_gold()
    articles, where = _articles(gold, shared)
    nlp, info = _load(model, parser)
    enriched = enrich_articles(articles, nlp, info)  # type: ignore[arg-type]
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong: list[str] = []
    for index, quote in enumerate(gold):
        article_index, paragraph, start, end = where[index]
        found = None
        best = 0
        for resolved in enriched[article_index].quotes:
            at = paragraph.find(resolved.text[:40])
            if at < 0:
                continue
            overlap = min(end, at + len(resolved.text)) - max(start, at)
            if overlap > best:
                best, found = overlap, resolved
        right = found is not None and _same_name(found.speaker_canonical, quote.speaker)
        for key in (quote.form, quote.standard, f"{quote.form}/{quote.standard}", "all"):
            tally[key][0] += right
            tally[key][1] += 1
        if not right:
            got = "no quote found" if found is None else f"{found.speaker!r} -> {found.speaker_canonical!r}"
            wrong.append(f"{quote.path}:{quote.paragraph} {quote.form}/{quote.standard} "
                         f"want {quote.speaker!r}, got {got}: {paragraph[start:start + 60]!r}")
    return {"tally": {key: tuple(value) for key, value in tally.items()}, "wrong": wrong}


def _baseline(revision: str, model: str, shared: Path) -> dict[str, object]:
    """This measurement on another revision's package, in a subprocess that imports it first."""
    with tempfile.TemporaryDirectory(prefix="quote-baseline-") as folder:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "nyhetsflyt"],
                                 check=True, capture_output=True).stdout
        tar_path = Path(folder) / "code.tar"
        tar_path.write_bytes(archive)
        with tarfile.open(tar_path) as tar:
            tar.extractall(folder, filter="data")
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join([folder, str(REPO)])}
        script = (
            "import json, sys; from pathlib import Path; from bench.quote_speakers import measure; "
            f"print(json.dumps(measure({model!r}, Path({str(shared)!r}))))"
        )
        result = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True,
                                env=environment, cwd=folder)
        return json.loads(result.stdout.strip().splitlines()[-1])


def _row(label: str, runs: list[tuple[str, dict[str, object]]]) -> str:
    cells = []
    for _, run in runs:
        right, total = run["tally"].get(label, (0, 0))  # type: ignore[attr-defined]
        cells.append(f"{right:>4}/{total:<4} {right / total:6.1%}" if total else f"{'-':>17}")
    return f"{label:<16}" + "".join(f"{cell:>20}" for cell in cells)


def main() -> None:
    from nyhetsflyt.paths import SHIPPED_MODEL
    from nyhetsflyt.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", help="a git revision to measure beside this checkout (e.g. main)")
    parser.add_argument("--model", default=str(SHIPPED_MODEL))
    parser.add_argument("--show-wrong", action="store_true", help="list the quotes this checkout gets wrong")
    args = parser.parse_args()
    shared = Settings().shared_data
    runs: list[tuple[str, dict[str, object]]] = []
    if args.baseline:
        runs.append((f"{args.baseline} (parse)", _baseline(args.baseline, args.model, shared)))
    runs.append(("this (parse)", measure(args.model, shared, parser=True)))
    runs.append(("this (no parse)", measure(args.model, shared, parser=False)))
    print(f"Quote speakers right, {GOLD.relative_to(REPO)}, model {args.model}")
    print(f"{'':<16}" + "".join(f"{name:>20}" for name, _ in runs))
    for label in ("dash", "guillemet", "nb", "nn", "dash/nb", "dash/nn", "guillemet/nb", "guillemet/nn", "all"):
        print(_row(label, runs))
    if args.show_wrong:
        for line in runs[-2][1]["wrong"]:  # type: ignore[index]
            print("  ", line)


if __name__ == "__main__":
    main()
