"""Words per second of the Norwegian pipeline on real news text, old and new model side by side.

Reads the articles in ``<shared data>/samples/plain_text`` and ``crawl_text`` at run time. The
baseline model is taken from git (``--baseline-rev``, by default the last commit holding model
1.2.0) into a temporary folder, so both models are timed in the same run on the same machine
state; their runs alternate, and the best of ``--repeat`` runs counts for each.

    python bench/nlp_speed.py                       # nlp.pipe, one process, old vs new
    python bench/nlp_speed.py --per-component       # plus words/s and share of time per component
    python bench/nlp_speed.py --n-process 1 --n-process 2 --workers 2
        # nlp.pipe(n_process=2) against two worker processes that each load the model once
"""

from __future__ import annotations

import io
import multiprocessing
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Annotated

import spacy
import typer
from rich.console import Console
from rich.table import Table

from nyhetsflyt.paths import REPO_ROOT, SHIPPED_MODEL
from nyhetsflyt.settings import Settings

SHARED_DATA = Settings().shared_data

SAMPLE_FOLDERS = ("plain_text", "crawl_text")
# The last commit that ships model 1.2.0 (the release before Nynorsk and the speed work).
BASELINE_REV = "1864d4e04adff64bfc047148ced57aa81d7c639d"
MODEL_IN_REPO = "model/nb_nyhetsflyt"


def read_articles(shared_data: Path = SHARED_DATA) -> list[str]:
    articles: list[str] = []
    for folder in SAMPLE_FOLDERS:
        for path in sorted((shared_data / "samples" / folder).glob("*.txt")):
            text = path.read_text(encoding="utf-8").strip()
            if text:
                articles.append(text)
    return articles


def model_from_git(rev: str, destination: Path, repo: Path = REPO_ROOT) -> Path:
    """Unpack ``model/nb_nyhetsflyt`` as committed at ``rev`` into ``destination``; returns its folder."""
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", rev, MODEL_IN_REPO],
        check=True, capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(destination, filter="data")
    return destination / MODEL_IN_REPO


def words_per_second(nlp: spacy.Language, texts: list[str], *, batch_size: int, n_process: int) -> tuple[int, float]:
    started = time.perf_counter()
    words = sum(len(doc) for doc in nlp.pipe(texts, batch_size=batch_size, n_process=n_process))
    return words, time.perf_counter() - started


def component_seconds(nlp: spacy.Language, texts: list[str], *, batch_size: int) -> tuple[int, dict[str, float]]:
    """Seconds spent in the tokenizer and in each component, running them one after the other."""
    started = time.perf_counter()
    docs = [nlp.make_doc(text) for text in texts]
    seconds = {"tokenizer": time.perf_counter() - started}
    for name, proc in nlp.pipeline:
        started = time.perf_counter()
        docs = list(proc.pipe(docs, batch_size=batch_size)) if hasattr(proc, "pipe") else [proc(doc) for doc in docs]
        seconds[name] = time.perf_counter() - started
    return sum(len(doc) for doc in docs), seconds


_WORKER_NLP: spacy.Language | None = None


def _worker_init(model: str) -> None:
    global _WORKER_NLP
    _WORKER_NLP = spacy.load(model)
    list(_WORKER_NLP.pipe(["Oppvarming av modellen."]))


def _worker_run(args: tuple[list[str], int]) -> int:
    texts, batch_size = args
    assert _WORKER_NLP is not None
    return sum(len(doc) for doc in _WORKER_NLP.pipe(texts, batch_size=batch_size))


def worker_processes(model: Path, texts: list[str], *, workers: int, batch_size: int) -> tuple[int, float]:
    """Words and seconds with ``workers`` processes that each load the model and take a share of the texts
    (the way the pipeline's own workers run), timed after the models are loaded."""
    shares = [(texts[i::workers], batch_size) for i in range(workers)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_worker_init, initargs=(str(model),)) as pool:
        pool.map(_worker_run, [(["Klar."], 1)] * workers)  # every worker has loaded its model
        started = time.perf_counter()
        words = sum(pool.map(_worker_run, shares, chunksize=1))
        return words, time.perf_counter() - started


def _label(nlp: spacy.Language) -> str:
    return f"{nlp.meta.get('name')} {nlp.meta.get('version')}"


def main(
    model: Annotated[Path, typer.Option(help="Pipeline folder (the new model).")] = SHIPPED_MODEL,
    baseline_rev: Annotated[str, typer.Option(help="Git revision whose model/nb_nyhetsflyt is the baseline; "
                                              "'none' times the new model alone.")] = BASELINE_REV,
    batch_size: Annotated[list[int] | None, typer.Option(help="Documents per batch (repeatable).")] = None,
    n_process: Annotated[list[int] | None, typer.Option(help="nlp.pipe processes (repeatable).")] = None,
    workers: Annotated[int, typer.Option(help="Also time this many worker processes, each with its own "
                                         "model (0: skip).")] = 0,
    per_component: Annotated[bool, typer.Option(help="Words/s and share of time of each component.")] = False,
    repeat: Annotated[int, typer.Option(help="Timed runs per setting; the best is reported.")] = 2,
    limit: Annotated[int | None, typer.Option(help="Only the first N articles.")] = None,
) -> None:
    console = Console()
    texts = read_articles()[:limit]
    with tempfile.TemporaryDirectory(prefix="nlp-speed-") as tmp:
        folders = [model]
        if baseline_rev.lower() != "none":
            folders.insert(0, model_from_git(baseline_rev, Path(tmp)))
        models = [(folder, spacy.load(folder)) for folder in folders]
        for _, nlp in models:
            list(nlp.pipe(texts[:20]))  # warm up caches and lazily built tables before timing
            console.print(f"{_label(nlp)}: pipeline {nlp.pipe_names}")
        console.print(f"{len(texts)} articles from {', '.join(SAMPLE_FOLDERS)}")

        table = Table(title="nlp.pipe throughput (whole pipeline), models side by side")
        for column in ("model", "batch size", "processes", "tokens", "seconds", "words/s", "× first model"):
            table.add_column(column, justify="right")
        for procs in n_process or [1]:
            for size in batch_size or [64]:
                best: dict[int, tuple[int, float]] = {}
                for _ in range(repeat):
                    for index, (_, nlp) in enumerate(models):  # alternate, so both see the same machine
                        run = words_per_second(nlp, texts, batch_size=size, n_process=procs)
                        if index not in best or run[1] < best[index][1]:
                            best[index] = run
                floor = best[0][0] / best[0][1]
                for index, (_, nlp) in enumerate(models):
                    words, seconds = best[index]
                    rate = words / seconds
                    table.add_row(_label(nlp), str(size), str(procs), f"{words:,}", f"{seconds:.1f}",
                                  f"{rate:,.0f}", f"{rate / floor:.2f}")
        console.print(table)

        if workers:
            size = (batch_size or [64])[0]
            table = Table(title=f"Using {workers} cores: nlp.pipe(n_process={workers}) against {workers} worker "
                                "processes (one model each)")
            for column in ("model", "how", "words/s", "× one process"):
                table.add_column(column, justify="right")
            for folder, nlp in models:
                one = min((words_per_second(nlp, texts, batch_size=size, n_process=1) for _ in range(repeat)),
                          key=lambda run: run[1])
                multi = min((words_per_second(nlp, texts, batch_size=size, n_process=workers) for _ in range(repeat)),
                            key=lambda run: run[1])
                own = min((worker_processes(folder, texts, workers=workers, batch_size=size) for _ in range(repeat)),
                          key=lambda run: run[1])
                base = one[0] / one[1]
                for how, (words, seconds) in (("nlp.pipe, 1 process", one),
                                              (f"nlp.pipe(n_process={workers})", multi),
                                              (f"{workers} worker processes", own)):
                    table.add_row(_label(nlp), how, f"{words / seconds:,.0f}", f"{words / seconds / base:.2f}")
            console.print(table)

        if per_component:
            size = (batch_size or [64])[0]
            for _, nlp in models:
                runs = [component_seconds(nlp, texts, batch_size=size) for _ in range(repeat)]
                words = runs[0][0]
                seconds = {name: min(run[1][name] for run in runs) for name in runs[0][1]}
                total = sum(seconds.values())
                table = Table(title=f"Per component, {_label(nlp)} (batch {size}, one process)")
                for column in ("component", "seconds", "words/s", "share of time"):
                    table.add_column(column, justify="right")
                for name, spent in seconds.items():
                    table.add_row(name, f"{spent:.2f}", f"{words / spent:,.0f}" if spent else "–",
                                  f"{100 * spent / total:.1f}%")
                table.add_row("all", f"{total:.2f}", f"{words / total:,.0f}", "100.0%")
                console.print(table)


if __name__ == "__main__":
    typer.run(main)
