"""Words per second of the shipped Norwegian pipeline on real news text.

Reads the articles in ``<shared data>/samples/plain_text`` and ``crawl_text`` at run
time and times ``nlp.pipe`` over them for each batch size and process count.

    python bench/nlp_speed.py --batch-size 32 --batch-size 128 --n-process 1 --n-process 2
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import spacy
import typer
from rich.console import Console
from rich.table import Table

from nyhetsflyt.paths import SHIPPED_MODEL
from nyhetsflyt.settings import Settings

SHARED_DATA = Settings().shared_data

SAMPLE_FOLDERS = ("plain_text", "crawl_text")


def read_articles(shared_data: Path = SHARED_DATA) -> list[str]:
    articles: list[str] = []
    for folder in SAMPLE_FOLDERS:
        for path in sorted((shared_data / "samples" / folder).glob("*.txt")):
            text = path.read_text(encoding="utf-8").strip()
            if text:
                articles.append(text)
    return articles


def words_per_second(nlp: spacy.Language, texts: list[str], *, batch_size: int, n_process: int) -> tuple[int, float]:
    started = time.perf_counter()
    words = sum(len(doc) for doc in nlp.pipe(texts, batch_size=batch_size, n_process=n_process))
    return words, time.perf_counter() - started


def main(
    model: Annotated[Path, typer.Option(help="Pipeline folder.")] = SHIPPED_MODEL,
    batch_size: Annotated[list[int] | None, typer.Option(help="Documents per batch (repeatable).")] = None,
    n_process: Annotated[list[int] | None, typer.Option(help="Worker processes (repeatable).")] = None,
    repeat: Annotated[int, typer.Option(help="Timed runs per setting; the best is reported.")] = 2,
) -> None:
    console = Console()
    nlp = spacy.load(model)
    texts = read_articles()
    # Warm up caches and lazily built tables before timing.
    list(nlp.pipe(texts[:20]))
    console.print(f"{nlp.meta.get('name')} {nlp.meta.get('version')}: {len(texts)} articles, pipeline {nlp.pipe_names}")
    table = Table(title="nlp.pipe throughput (whole pipeline)")
    for column in ("batch size", "processes", "tokens", "seconds", "words/s"):
        table.add_column(column, justify="right")
    for procs in n_process or [1, 2]:
        for size in batch_size or [16, 64]:
            runs = [words_per_second(nlp, texts, batch_size=size, n_process=procs) for _ in range(repeat)]
            words, seconds = min(runs, key=lambda run: run[1])
            table.add_row(str(size), str(procs), f"{words:,}", f"{seconds:.1f}", f"{words / seconds:,.0f}")
    console.print(table)


if __name__ == "__main__":
    typer.run(main)
