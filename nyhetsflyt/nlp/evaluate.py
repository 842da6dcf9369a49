"""Score a spaCy pipeline on a NorNE-style CoNLL-U file, the way ``spacy evaluate`` does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.training import Example

from nyhetsflyt.nlp.norne import SENTENCES_PER_DOC, conllu_to_docs, read_conllu

# Always present in the result (``None`` when the pipeline has no component for it).
SCORE_KEYS = (
    "token_acc",
    "pos_acc",
    "tag_acc",
    "lemma_acc",
    "sents_p",
    "sents_r",
    "sents_f",
    "ents_p",
    "ents_r",
    "ents_f",
    "ents_per_type",
    "speed",
)


def load_pipeline(model: str | Path | Language) -> Language:
    return model if isinstance(model, Language) else spacy.load(model)


def gold_examples(path: Path, nlp: Language, *, limit: int | None = None,
                  per_doc: int = SENTENCES_PER_DOC) -> list[Example]:
    """Gold documents from ``path`` paired with untokenised text for the pipeline to process."""
    sentences = read_conllu(path)
    if limit is not None:
        sentences = sentences[:limit]
    gold_docs = conllu_to_docs(sentences, nlp.vocab, per_doc)
    return [Example(nlp.make_doc(gold.text), gold) for gold in gold_docs]


def evaluate_examples(nlp: Language, examples: list[Example], *, batch_size: int = 256) -> dict[str, Any]:
    scores = dict(nlp.evaluate(examples, batch_size=batch_size))
    for key in SCORE_KEYS:
        scores.setdefault(key, None)
    scores["words"] = sum(len(eg.reference) for eg in examples)
    scores["sentences"] = sum(1 for eg in examples for _ in eg.reference.sents)
    return scores


def evaluate_conllu(path: Path, model: str | Path | Language, *, limit: int | None = None) -> dict[str, Any]:
    """Scores (0–1 scale, ``speed`` in words per second) of ``model`` on the CoNLL-U file ``path``.

    ``limit`` keeps only the first sentences of the file.
    """
    nlp = load_pipeline(model)
    return evaluate_examples(nlp, gold_examples(Path(path), nlp, limit=limit))
