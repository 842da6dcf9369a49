"""Train the Norwegian pipeline from NorNE and ship it as ``model/nb_nyhetsflyt``.

The recipe is ``model/config.cfg``; this module only supplies the corpus paths,
an optional wall-clock limit, and writes the shipped folder with its metadata.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import spacy
from spacy import util
from spacy.training.initialize import init_nlp
from spacy.training.loop import train as train_nlp
from spacy.util import registry

from nyhetsflyt.nlp.evaluate import evaluate_conllu
from nyhetsflyt.nlp.lexicon import LEXICON_SOURCES, write_lexicon_pipeline
from nyhetsflyt.nlp.norne import convert_file
from nyhetsflyt.paths import MODEL_DIR, SHIPPED_MODEL
from nyhetsflyt.settings import Settings

MODEL_NAME = "nb_nyhetsflyt"
MODEL_VERSION = "2.0.0"
DEFAULT_CONFIG = MODEL_DIR / "config.cfg"
CORPUS_DIR = MODEL_DIR / "corpus"
TRAINING_DIR = MODEL_DIR / "training"
NORNE_DIR = Settings().shared_data / "norne"
# Bokmål and Nynorsk are trained together: one model for both written standards.
TRAIN_FILES = ("no_bokmaal-ndt-train.conllu", "no_nynorsk-ndt-train.conllu")
DEV_FILES = ("no_bokmaal-ndt-dev.conllu", "no_nynorsk-ndt-dev.conllu")
# Scored one by one after training, so each written standard has its own figures.
EXTRA_EVAL_FILES = ("no_bokmaal-ud-dev.conllu", "no_nynorsk-ud-dev.conllu")
MAX_SHIPPED_BYTES = 20 * 1024 * 1024

LICENCES = [
    {
        "name": "NorNE (Norwegian Dependency Treebank with named entities)",
        "url": "https://github.com/ltgoslo/norne",
        "license": "CC0 1.0 (annotations)",
        "author": "National Library of Norway; Language Technology Group, University of Oslo",
    },
    *LEXICON_SOURCES,
]


class TrainingTimeLimitReached(Exception):
    """Raised inside the spaCy training loop to end it; spaCy saves ``model-last`` before re-raising."""


@dataclass
class _TrainingClock:
    deadline: float | None
    last_step: int = 0


@registry.loggers("nyhetsflyt.TimeLimitedLogger.v1")
def time_limited_logger(inner: Callable, max_minutes: float | None = None) -> Callable:
    """Wraps the configured spaCy logger and stops training once ``max_minutes`` have passed."""

    def setup(nlp, stdout: IO = sys.stdout, stderr: IO = sys.stderr):
        log_step, finalize = inner(nlp, stdout, stderr)
        clock = _TrainingClock(None if max_minutes is None else time.monotonic() + 60 * max_minutes)

        def log_step_with_deadline(info: dict[str, Any] | None) -> None:
            log_step(info)
            if info is not None:
                clock.last_step = int(info.get("step", clock.last_step))
            if clock.deadline is not None and time.monotonic() > clock.deadline:
                raise TrainingTimeLimitReached(f"stopped after {max_minutes} minutes at step {clock.last_step}")

        return log_step_with_deadline, finalize

    return setup


@dataclass(frozen=True)
class TrainingResult:
    shipped_dir: Path
    best_dir: Path
    minutes: float
    stopped_by_time_limit: bool
    scores: dict[str, dict[str, Any]]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def convert_corpus(norne_dir: Path, corpus_dir: Path, file_names: tuple[str, ...]) -> dict[str, Path]:
    """Convert the named CoNLL-U files to ``corpus_dir/<stem>.spacy``."""
    return {
        name: _converted(norne_dir / name, corpus_dir)
        for name in file_names
    }


def corpus_folder(norne_dir: Path, corpus_dir: Path, file_names: tuple[str, ...]) -> Path:
    """Convert the named files into the folder ``corpus_dir``, which spaCy then reads as one corpus.

    The folder is emptied first, so it holds exactly these files.
    """
    if corpus_dir.exists():
        shutil.rmtree(corpus_dir)
    convert_corpus(norne_dir, corpus_dir, file_names)
    return corpus_dir


def _converted(source: Path, corpus_dir: Path) -> Path:
    destination = corpus_dir / f"{source.stem}.spacy"
    convert_file(source, destination)
    return destination


def run_training(config: Path, output_dir: Path, *, train_path: Path, dev_path: Path,
                 max_minutes: float | None, overrides: Mapping[str, Any] | None = None) -> bool:
    """Train with spaCy into ``output_dir``; returns True when the time limit ended training."""
    all_overrides = {"paths.train": str(train_path), "paths.dev": str(dev_path), **(overrides or {})}
    loaded = util.load_config(config, overrides=all_overrides, interpolate=False)
    loaded["training"]["logger"] = {
        "@loggers": "nyhetsflyt.TimeLimitedLogger.v1",
        "max_minutes": max_minutes,
        "inner": dict(loaded["training"]["logger"]),
    }
    nlp = init_nlp(loaded, use_gpu=-1)
    output_dir.mkdir(parents=True, exist_ok=True)
    try:
        train_nlp(nlp, output_dir, use_gpu=-1, stdout=sys.stdout, stderr=sys.stderr)
    except TrainingTimeLimitReached:
        return True
    return False


def _restore_training_logger(model_dir: Path, config: Path) -> None:
    """The shipped config names spaCy's own logger, so it needs nothing from this package."""
    shipped = util.load_config(model_dir / "config.cfg", interpolate=False)
    original = util.load_config(config, interpolate=False)
    shipped["training"]["logger"] = original["training"]["logger"]
    shipped.to_disk(model_dir / "config.cfg")


def ship_model(best_dir: Path, shipped_dir: Path, *, config: Path, data: list[dict[str, str]],
               scores: Mapping[str, Mapping[str, Any]], training: Mapping[str, Any],
               version: str = MODEL_VERSION) -> Path:
    """Copy a trained pipeline to ``shipped_dir`` with metadata; refuses folders over 20 MB."""
    staging = shipped_dir.with_name(shipped_dir.name + ".staging")
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(best_dir, staging)
    _restore_training_logger(staging, config)
    meta_path = staging / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    dev_name = next(iter(scores), None)
    meta.update(
        {
            "name": MODEL_NAME,
            "version": version,
            "description": "Norwegian (Bokmål and Nynorsk) pipeline for news: morphologizer (UPOS), "
            "sentence segmenter, trainable lemmatizer and named entities (NorNE labels).",
            "license": "CC0-1.0",
            "sources": LICENCES,
            "data": data,
            "training": dict(training),
            "evaluations": {name: _json_scores(s) for name, s in scores.items()},
        }
    )
    if dev_name is not None:
        meta["performance"] = _json_scores(scores[dev_name])
    by_language = {
        language: _json_scores(file_scores)
        for name, file_scores in scores.items()
        if (language := written_standard(name)) is not None and "-ndt-" in name
    }
    if by_language:
        meta["performance_by_language"] = by_language
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    size = folder_size(staging)
    if size > MAX_SHIPPED_BYTES:
        shutil.rmtree(staging)
        raise ValueError(f"trained pipeline is {size / 1e6:.1f} MB, over the 20 MB limit")
    if shipped_dir.exists():
        shutil.rmtree(shipped_dir)
    staging.rename(shipped_dir)
    return shipped_dir


def written_standard(file_stem: str) -> str | None:
    """``nb`` or ``nn`` for a NorNE file name (``no_bokmaal-…``, ``no_nynorsk-…``), else None."""
    for prefix, language in (("no_bokmaal", "nb"), ("no_nynorsk", "nn")):
        if file_stem.startswith(prefix):
            return language
    return None


def _json_scores(scores: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(scores, default=float))


def train_model(
    output_dir: Path = TRAINING_DIR,
    *,
    norne_dir: Path = NORNE_DIR,
    config: Path = DEFAULT_CONFIG,
    max_minutes: int | None = None,
    shipped_dir: Path = SHIPPED_MODEL,
    corpus_dir: Path = CORPUS_DIR,
    train_files: tuple[str, ...] = TRAIN_FILES,
    dev_files: tuple[str, ...] = DEV_FILES,
    extra_eval_files: tuple[str, ...] = EXTRA_EVAL_FILES,
    overrides: Mapping[str, Any] | None = None,
    version: str = MODEL_VERSION,
) -> TrainingResult:
    """Convert NorNE, train with ``config``, evaluate ``model-best`` and ship it to ``shipped_dir``.

    All ``train_files`` together are the training set and all ``dev_files`` the dev set; every dev
    and extra file is scored on its own afterwards. ``max_minutes`` ends training early (the best
    checkpoint so far is shipped).
    """
    extra = tuple(f for f in extra_eval_files if (norne_dir / f).exists())
    train_path = corpus_folder(norne_dir, corpus_dir / "train", train_files)
    dev_path = corpus_folder(norne_dir, corpus_dir / "dev", dev_files)
    lexicon = write_lexicon_pipeline(corpus_dir / "lexicon")
    started = time.monotonic()
    stopped_by_time = run_training(
        config, output_dir, train_path=train_path, dev_path=dev_path,
        max_minutes=max_minutes, overrides={"paths.vectors": str(corpus_dir / "lexicon"), **(overrides or {})},
    )
    minutes = (time.monotonic() - started) / 60
    training = {
        "config": str(config.name),
        "config_sha256": _sha256(config),
        "overrides": dict(overrides or {}),
        "minutes": round(minutes, 1),
        "stopped_by_time_limit": stopped_by_time,
        "max_minutes": max_minutes,
        "lexicon": lexicon,
    }
    best_dir = output_dir / "model-best"
    scores = evaluate_and_ship(best_dir, shipped_dir, norne_dir=norne_dir, config=config, train_files=train_files,
                               dev_files=dev_files, extra_eval_files=extra, training=training, version=version)
    return TrainingResult(shipped_dir, best_dir, minutes, stopped_by_time, scores)


def evaluate_and_ship(
    best_dir: Path,
    shipped_dir: Path = SHIPPED_MODEL,
    *,
    norne_dir: Path = NORNE_DIR,
    config: Path = DEFAULT_CONFIG,
    train_files: tuple[str, ...] = TRAIN_FILES,
    dev_files: tuple[str, ...] = DEV_FILES,
    extra_eval_files: tuple[str, ...] = EXTRA_EVAL_FILES,
    training: Mapping[str, Any],
    version: str = MODEL_VERSION,
) -> dict[str, dict[str, Any]]:
    """Score a trained pipeline on each dev file (and any extra files), then ship it with those scores."""
    best = spacy.load(best_dir)
    names = tuple(dict.fromkeys((*dev_files, *extra_eval_files)))
    scores = {Path(name).stem: evaluate_conllu(norne_dir / name, best) for name in names}
    roles = [*((name, "train") for name in train_files), *((name, "dev") for name in dev_files),
             *((name, "evaluation") for name in names[len(dev_files):])]
    data = [{"file": name, "role": role, "sha256": _sha256(norne_dir / name)} for name, role in roles]
    ship_model(best_dir, shipped_dir, config=config, data=data, scores=scores, training=training, version=version)
    return scores
