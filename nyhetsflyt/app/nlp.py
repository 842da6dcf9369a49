"""``nyhetsflyt nlp``: train the Norwegian pipeline and evaluate it on CoNLL-U files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from nyhetsflyt.nlp.evaluate import evaluate_conllu
from nyhetsflyt.paths import MODEL_DIR, SHIPPED_MODEL

nlp_app = typer.Typer(help="Train and evaluate the Norwegian spaCy pipeline.", no_args_is_help=True)


def _percent(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.2f}"


def scores_table(scores: dict[str, Any]) -> Table:
    table = Table(title="Overall", show_header=True)
    table.add_column("Metric")
    table.add_column("Score", justify="right")
    rows = [
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
    for label, key in rows:
        if key in scores:
            table.add_row(label, _percent(scores[key]))
    speed = scores.get("speed")
    table.add_row("Speed (words/s)", "–" if speed is None else f"{speed:,.0f}")
    return table


def entities_table(per_type: dict[str, dict[str, float]]) -> Table:
    table = Table(title="Entities per label", show_header=True)
    for column in ("Label", "P", "R", "F"):
        table.add_column(column, justify="left" if column == "Label" else "right")
    for label in sorted(per_type):
        values = per_type[label]
        table.add_row(label, _percent(values.get("p")), _percent(values.get("r")), _percent(values.get("f")))
    return table


@nlp_app.command()
def evaluate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="NorNE-style CoNLL-U file.")],
    model: Annotated[Path, typer.Option(help="Pipeline folder or installed package.")] = SHIPPED_MODEL,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
    limit: Annotated[int | None, typer.Option(help="Only the first N sentences.")] = None,
) -> None:
    """Score a pipeline on FILE (scores 0–1 in JSON, percentages in tables)."""
    scores = evaluate_conllu(file, model, limit=limit)
    if as_json:
        typer.echo(json.dumps(scores, ensure_ascii=False, default=float))
        return
    console = Console()
    console.print(f"[bold]{file.name}[/bold]: {scores['words']:,} words, {scores['sentences']:,} sentences")
    console.print(scores_table(scores))
    if scores.get("ents_per_type"):
        console.print(entities_table(scores["ents_per_type"]))


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
    for name, scores in result.scores.items():
        console.print(f"[bold]{name}[/bold]")
        console.print(scores_table(scores))
