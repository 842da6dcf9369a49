"""Training end to end on the tiny fixture: convert, train a few steps, evaluate, ship."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nyhetsflyt.app.nlp import nlp_app
from nyhetsflyt.nlp.train import DEFAULT_CONFIG, train_model, written_standard

FIXTURES = Path(__file__).parent / "fixtures" / "norne"
TINY = {"training.max_steps": 6, "training.eval_frequency": 3, "training.max_epochs": 0}


def _train(tmp_path: Path, max_minutes: int | None):
    return train_model(
        tmp_path / "training",
        norne_dir=FIXTURES,
        config=DEFAULT_CONFIG,
        max_minutes=max_minutes,
        shipped_dir=tmp_path / "nb_nyhetsflyt",
        corpus_dir=tmp_path / "corpus",
        train_files=("mini.conllu",),
        dev_files=("mini.conllu",),
        overrides=TINY,
    )


@pytest.mark.slow
def test_train_model_ships_a_self_contained_pipeline(tmp_path):
    result = _train(tmp_path, max_minutes=None)
    assert not result.stopped_by_time_limit
    shipped = result.shipped_dir
    assert (tmp_path / "corpus" / "train" / "mini.spacy").exists()
    assert (tmp_path / "corpus" / "dev" / "mini.spacy").exists()
    meta = json.loads((shipped / "meta.json").read_text(encoding="utf-8"))
    assert meta["name"] == "nb_nyhetsflyt" and meta["lang"] == "nb" and meta["version"]
    assert [d["role"] for d in meta["data"]] == ["train", "dev"]
    assert "performance_by_language" not in meta  # the fixture is neither a Bokmål nor a Nynorsk NorNE file
    assert "CC0" in meta["sources"][0]["license"]
    assert set(meta["performance"]) >= {"ents_f", "pos_acc", "lemma_acc", "sents_f", "token_acc"}
    assert meta["training"]["config"] == "config.cfg" and len(meta["training"]["config_sha256"]) == 64
    assert not (shipped.parent / "nb_nyhetsflyt.staging").exists()
    # Loads with a plain spacy.load in a fresh interpreter: the consistency component is found
    # through the package's spacy_factories entry point.
    code = (
        "import spacy, sys; nlp = spacy.load(sys.argv[1]); "
        "print(nlp.meta['name'], nlp.pipe_names, len(nlp('Kari bor i Oslo.')))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(shipped)], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("nb_nyhetsflyt ['tok2vec', 'morphologizer', 'senter', 'trainable_lemmatizer'")
    assert out.stdout.rstrip().endswith("'ner', 'nyhetsflyt_entity_consistency'] 5")


@pytest.mark.slow
def test_time_limit_stops_training_and_still_ships(tmp_path):
    result = _train(tmp_path, max_minutes=0)
    assert result.stopped_by_time_limit
    assert (result.shipped_dir / "meta.json").exists()
    meta = json.loads((result.shipped_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["training"]["stopped_by_time_limit"] is True


@pytest.mark.slow
def test_cli_evaluate_prints_one_json_object_and_tables(tmp_path):
    shipped = _train(tmp_path, max_minutes=None).shipped_dir
    runner = CliRunner()
    result = runner.invoke(nlp_app, ["evaluate", str(FIXTURES / "mini.conllu"), "--model", str(shipped), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["words"] == 26 and scores["sentences"] == 3
    assert scores["token_acc"] == pytest.approx(1.0)
    for key in ("pos_acc", "lemma_acc", "sents_f", "ents_f"):
        assert 0.0 <= scores[key] <= 1.0
    table = runner.invoke(nlp_app, ["evaluate", str(FIXTURES / "mini.conllu"), "--model", str(shipped)])
    assert table.exit_code == 0, table.output
    assert "Entities F" in table.output and "Lemma (acc)" in table.output and "26 words" in table.output


def test_written_standard_of_norne_file_names():
    assert written_standard("no_bokmaal-ndt-dev") == "nb"
    assert written_standard("no_nynorsk-ud-dev") == "nn"
    assert written_standard("mini") is None


@pytest.mark.slow
def test_cli_evaluates_several_files_each_on_its_own(tmp_path):
    shipped = _train(tmp_path, max_minutes=None).shipped_dir
    text = (FIXTURES / "mini.conllu").read_text(encoding="utf-8")
    first, second = tmp_path / "no_bokmaal-mini.conllu", tmp_path / "no_nynorsk-mini.conllu"
    first.write_text(text, encoding="utf-8")
    # The Nynorsk copy keeps only the first sentence, so the two files score different words.
    second.write_text(text.split("\n\n")[0] + "\n\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(nlp_app, ["evaluate", str(first), str(second), "--model", str(shipped), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert set(scores) == {"no_bokmaal-mini", "no_nynorsk-mini"}
    assert scores["no_bokmaal-mini"]["words"] == 26
    assert scores["no_nynorsk-mini"]["sentences"] == 1 and scores["no_nynorsk-mini"]["words"] < 26
    table = runner.invoke(nlp_app, ["evaluate", str(first), str(second), "--model", str(shipped)])
    assert table.exit_code == 0, table.output
    assert "no_bokmaal-mini" in table.output and "no_nynorsk-mini" in table.output
