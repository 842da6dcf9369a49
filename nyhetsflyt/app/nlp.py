"""``nyhetsflyt nlp``: train the Norwegian pipeline and evaluate it on CoNLL-U files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from nyhetsflyt.nlp.evaluate import evaluate_conllu, load_pipeline
from nyhetsflyt.paths import MODEL_DIR, SHIPPED_MODEL
from nyhetsflyt.settings import Settings

NORNE_DIR = Settings().shared_data / "norne"
# Evaluated by default, each on its own: Bokmål and Nynorsk, NDT and UD tag sets.
DEV_FILES = (
    "no_bokmaal-ndt-dev.conllu",
    "no_nynorsk-ndt-dev.conllu",
    "no_bokmaal-ud-dev.conllu",
    "no_nynorsk-ud-dev.conllu",
)

nlp_app = typer.Typer(help="Train and evaluate the Norwegian spaCy pipeline.", no_args_is_help=True)


def _percent(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.2f}"


_ROWS = [
        ("Tokens (acc)", "token_acc"),
        ("POS (acc)", "pos_acc"),
        ("Tag (acc)", "tag_acc"),
        ("Lemma (acc)", "lemma_acc"),
        ("Dependencies (UAS)", "dep_uas"),
        ("Dependencies (LAS)", "dep_las"),
        ("Sentences P", "sents_p"),
        ("Sentences R", "sents_r"),
        ("Sentences F", "sents_f"),
        ("Entities P", "ents_p"),
        ("Entities R", "ents_r"),
        ("Entities F", "ents_f"),
]


def scores_table(scores: dict[str, Any]) -> Table:
    return comparison_table({"Score": scores}, title="Overall")


def comparison_table(by_name: dict[str, dict[str, Any]], *, title: str = "Overall") -> Table:
    """One column of scores per evaluated file (or model), metrics as rows."""
    table = Table(title=title, show_header=True)
    table.add_column("Metric")
    for name in by_name:
        table.add_column(name, justify="right")
    for label, key in _ROWS:
        if any(key in scores for scores in by_name.values()):
            table.add_row(label, *(_percent(scores.get(key)) for scores in by_name.values()))
    table.add_row("Speed (words/s)", *("–" if scores.get("speed") is None else f"{scores['speed']:,.0f}"
                                       for scores in by_name.values()))
    return table


def entities_table(per_type: dict[str, dict[str, float]], *, title: str = "Entities per label") -> Table:
    table = Table(title=title, show_header=True)
    for column in ("Label", "P", "R", "F"):
        table.add_column(column, justify="left" if column == "Label" else "right")
    for label in sorted(per_type):
        values = per_type[label]
        table.add_row(label, _percent(values.get("p")), _percent(values.get("r")), _percent(values.get("f")))
    return table


@nlp_app.command()
def evaluate(
    files: Annotated[list[Path] | None, typer.Argument(exists=True, dir_okay=False,
                                                       help="NorNE-style CoNLL-U files (default: the NorNE dev "
                                                       "files, Bokmål and Nynorsk).")] = None,
    model: Annotated[Path, typer.Option(help="Pipeline folder or installed package.")] = SHIPPED_MODEL,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables: one object for one "
                                          "file, else one object per file stem.")] = False,
    limit: Annotated[int | None, typer.Option(help="Only the first N sentences of each file.")] = None,
) -> None:
    """Score a pipeline on each of FILES on its own (scores 0–1 in JSON, percentages in tables).

    Bokmål and Nynorsk are separate files, so each written standard gets its own figures.
    """
    paths = files or [NORNE_DIR / name for name in DEV_FILES if (NORNE_DIR / name).is_file()]
    if not paths:
        raise typer.BadParameter(f"no CoNLL-U files given and none of {', '.join(DEV_FILES)} in {NORNE_DIR}")
    nlp = load_pipeline(model)
    by_stem = {path.stem: evaluate_conllu(path, nlp, limit=limit) for path in paths}
    if as_json:
        single = len(by_stem) == 1 and files is not None
        typer.echo(json.dumps(next(iter(by_stem.values())) if single else by_stem, ensure_ascii=False, default=float))
        return
    console = Console()
    for path, scores in zip(paths, by_stem.values(), strict=True):
        console.print(f"[bold]{path.name}[/bold]: {scores['words']:,} words, {scores['sentences']:,} sentences")
    console.print(comparison_table(by_stem))
    for stem, scores in by_stem.items():
        if scores.get("ents_per_type"):
            console.print(entities_table(scores["ents_per_type"], title=f"Entities per label, {stem}"))


@nlp_app.command()
def train(
    output: Annotated[Path, typer.Option(help="Training folder (checkpoints, logs).")] = MODEL_DIR / "training",
    max_minutes: Annotated[int | None, typer.Option(help="Stop training after this many minutes.")] = None,
    config: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="spaCy training config.")] = MODEL_DIR
    / "config.cfg",
) -> None:
    """Convert NorNE, train, evaluate and ship the pipeline to model/nb_nyhetsflyt."""
    from nyhetsflyt.nlp.train import (
        train_model,  # imported late: registers the training logger
    )

    result = train_model(output, config=config, max_minutes=max_minutes)
    console = Console()
    how = "time limit" if result.stopped_by_time_limit else "config limits"
    console.print(f"Trained for {result.minutes:.1f} minutes (ended by {how}); shipped to {result.shipped_dir}")
    console.print(comparison_table(result.scores))
