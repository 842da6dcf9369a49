"""The labelled paragraph set for language identification, built from the shared data at run time.

`bench/language_manifest.tsv` names the files and the language of each; nothing of their text is
kept in the repository. NorNE sentences (Bokmål and Nynorsk dev) are grouped, in their order and
within their paragraphs (`newpar`), into paragraphs of at least `MIN_WORDS` words. Pages (the gold paragraphs
of `html_layouts`) and news agency items (read and split as the pipeline does) give their own
paragraphs; those shorter than `MIN_WORDS` words are left out, and a paragraph met twice counts once.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nyhetsflyt.extract.split import split_document
from nyhetsflyt.nlp.norne import ConlluSentence, read_conllu
from nyhetsflyt.sources.folder import read_file

MANIFEST = Path(__file__).with_name("language_manifest.tsv")
MIN_WORDS = 20
_TEXT_KINDS = frozenset({"lede", "paragraph", "quote"})


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    language: str  # nb nn da sv en other
    source: str  # the manifest path it came from

    @property
    def words(self) -> int:
        return len(self.text.split())


def read_manifest(path: Path = MANIFEST) -> list[tuple[str, str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return [(row["path"], row["language"]) for row in csv.DictReader(lines, delimiter="\t")]


def _sentence_text(sentence: ConlluSentence) -> str:
    return sentence.text or " ".join(token.form for token in sentence.tokens)


def norne_paragraphs(path: Path, min_words: int = MIN_WORDS) -> Iterator[str]:
    """Consecutive sentences joined until they make `min_words` words; a new paragraph starts afresh."""
    words: list[str] = []
    parts: list[str] = []
    for sentence in read_conllu(path):
        if sentence.starts_paragraph and parts:
            parts, words = [], []  # a short rest before a new paragraph is dropped, not glued on
        text = _sentence_text(sentence)
        parts.append(text)
        words.extend(text.split())
        if len(words) >= min_words:
            yield " ".join(parts)
            parts, words = [], []


def page_paragraphs(path: Path) -> Iterator[str]:
    """The gold paragraphs (summary and sections) of an `html_layouts` expected file."""
    body = json.loads(path.read_text(encoding="utf-8"))["expected"].get("body") or {}
    yield from body.get("summary", [])
    for section in body.get("sections", []):
        yield from section.get("paragraphs", [])


def item_paragraphs(path: Path) -> Iterator[str]:
    """Lede, paragraphs and quotes of each document in a file, as the splitter makes them."""
    for document in read_file(path).documents:
        article = split_document(document)
        for segment in article.segments:
            if segment.kind in _TEXT_KINDS:
                yield segment.text


def build_set(shared_data: Path, min_words: int = MIN_WORDS, manifest: Path = MANIFEST) -> list[Paragraph]:
    """Every labelled paragraph of at least `min_words` words, in manifest order."""
    seen: set[str] = set()
    paragraphs: list[Paragraph] = []
    for relative, language in read_manifest(manifest):
        path = shared_data / relative
        if relative.endswith(".conllu"):
            texts = norne_paragraphs(path, min_words)
        elif relative.endswith(".expected.json"):
            texts = page_paragraphs(path)
        else:
            texts = item_paragraphs(path)
        for text in texts:
            text = " ".join(text.split())
            if len(text.split()) >= min_words and text not in seen:
                seen.add(text)
                paragraphs.append(Paragraph(text, language, relative))
    return paragraphs
