"""Convert NorNE CoNLL-U files into spaCy training documents.

NorNE puts named-entity BIO tags in the MISC column (``name=B-PER``). The NDT
flavour of the corpus has no ``# text`` comments and no ``SpaceAfter=No``, so
for those sentences the spacing is rebuilt from the punctuation, which keeps
the training text close to how news text looks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

SENTENCES_PER_DOC = 10

# Punctuation that sticks to the word before it or to the word after it.
_NO_SPACE_BEFORE = frozenset({",", ".", ":", ";", "!", "?", ")", "]", "}", "»", "…", "%", "'"})
_NO_SPACE_AFTER = frozenset({"(", "[", "{", "«"})
_STRAIGHT_QUOTES = frozenset({'"'})


@dataclass(frozen=True)
class ConlluToken:
    index: int
    form: str
    lemma: str
    upos: str
    xpos: str
    feats: str
    head: int
    deprel: str
    misc: dict[str, str]


@dataclass(frozen=True)
class ConlluSentence:
    tokens: tuple[ConlluToken, ...]
    text: str | None = None
    starts_paragraph: bool = False


def _empty_to_blank(value: str) -> str:
    return "" if value == "_" else value


def _parse_misc(value: str) -> dict[str, str]:
    if value == "_":
        return {}
    fields: dict[str, str] = {}
    for item in value.split("|"):
        key, _, val = item.partition("=")
        fields[key] = val
    return fields


def _parse_token(line: str) -> ConlluToken | None:
    cols = line.split("\t")
    if len(cols) != 10:
        raise ValueError(f"CoNLL-U line has {len(cols)} columns, expected 10: {line!r}")
    if "-" in cols[0] or "." in cols[0]:
        # Multiword ranges and empty nodes carry no surface tokens of their own here.
        return None
    return ConlluToken(
        index=int(cols[0]),
        form=cols[1],
        lemma=cols[2],
        upos=_empty_to_blank(cols[3]),
        xpos=_empty_to_blank(cols[4]),
        feats=_empty_to_blank(cols[5]),
        head=int(cols[6]) if cols[6] != "_" else 0,
        deprel=_empty_to_blank(cols[7]),
        misc=_parse_misc(cols[9]),
    )


def parse_conllu(text: str) -> list[ConlluSentence]:
    """Parse CoNLL-U text into sentences (comments ``text`` and ``newpar`` are kept)."""
    sentences: list[ConlluSentence] = []
    tokens: list[ConlluToken] = []
    sent_text: str | None = None
    new_par = False
    for raw in text.splitlines():
        line = raw.rstrip("\r\n").lstrip("\ufeff")
        if not line.strip():
            if tokens:
                sentences.append(ConlluSentence(tuple(tokens), sent_text, new_par))
            tokens, sent_text, new_par = [], None, False
            continue
        if line.startswith("#"):
            key, _, value = line[1:].partition("=")
            key = key.strip()
            if key == "text":
                sent_text = value.strip()
            elif key.startswith("newpar") or key.startswith("newdoc"):
                new_par = True
            continue
        token = _parse_token(line)
        if token is not None:
            tokens.append(token)
    if tokens:
        sentences.append(ConlluSentence(tuple(tokens), sent_text, new_par))
    return sentences


def read_conllu(path: Path) -> list[ConlluSentence]:
    return parse_conllu(path.read_text(encoding="utf-8"))


def _guess_spaces(forms: Sequence[str]) -> list[bool]:
    """Rebuild spacing from punctuation for sentences that lack ``SpaceAfter``."""
    spaces = [True] * len(forms)
    quote_open = False
    for i, form in enumerate(forms):
        if form in _NO_SPACE_BEFORE and i > 0:
            spaces[i - 1] = False
        if form in _NO_SPACE_AFTER:
            spaces[i] = False
        if form in _STRAIGHT_QUOTES:
            if quote_open and i > 0:
                spaces[i - 1] = False
            elif not quote_open:
                spaces[i] = False
            quote_open = not quote_open
    if forms:
        spaces[-1] = True
    return spaces


def spaces_after(sentence: ConlluSentence) -> list[bool]:
    """Whether each token is followed by a space.

    Sentences with a ``# text`` comment or any ``SpaceAfter`` mark are taken as
    given; the rest get spacing rebuilt from punctuation.
    """
    has_spacing = sentence.text is not None or any("SpaceAfter" in t.misc for t in sentence.tokens)
    if has_spacing:
        return [t.misc.get("SpaceAfter") != "No" for t in sentence.tokens]
    return _guess_spaces([t.form for t in sentence.tokens])


def entity_tags(sentence: ConlluSentence) -> list[str]:
    """BIO tags from MISC ``name=``, repaired so every entity starts with ``B-``."""
    tags: list[str] = []
    previous_label: str | None = None
    for token in sentence.tokens:
        raw = token.misc.get("name", "O") or "O"
        if raw == "O":
            tags.append("O")
            previous_label = None
            continue
        prefix, _, label = raw.partition("-")
        if prefix == "I" and previous_label == label:
            tags.append(f"I-{label}")
        else:
            tags.append(f"B-{label}")
        previous_label = label
    return tags


def entity_spans(sentence: ConlluSentence) -> list[tuple[int, int, str]]:
    """Entities as ``(start, end, label)`` token offsets, end exclusive."""
    spans: list[tuple[int, int, str]] = []
    for i, tag in enumerate(entity_tags(sentence)):
        if tag.startswith("B-"):
            spans.append((i, i + 1, tag[2:]))
        elif tag.startswith("I-"):
            start, _, label = spans[-1]
            spans[-1] = (start, i + 1, label)
    return spans


def normalise_lemma(form: str, lemma: str) -> str:
    """NDT writes punctuation lemmas as ``$,``; the token itself is the useful lemma."""
    if lemma.startswith("$") and len(lemma) > 1:
        return form
    if lemma in ("", "_"):
        return form
    return lemma


def _dependency_label(deprel: str) -> str:
    return "ROOT" if deprel.lower() == "root" else deprel


def sentences_to_doc(vocab: Vocab, sentences: Sequence[ConlluSentence]) -> Doc:
    """One spaCy ``Doc`` holding several gold sentences, so sentence boundaries are learnable."""
    words: list[str] = []
    spaces: list[bool] = []
    lemmas: list[str] = []
    pos: list[str] = []
    tags: list[str] = []
    morphs: list[str] = []
    heads: list[int] = []
    deps: list[str] = []
    ents: list[str] = []
    for sentence in sentences:
        offset = len(words)
        for token, space, ent in zip(sentence.tokens, spaces_after(sentence), entity_tags(sentence), strict=True):
            words.append(token.form)
            spaces.append(space)
            lemmas.append(normalise_lemma(token.form, token.lemma))
            pos.append(token.upos)
            tags.append(token.xpos)
            morphs.append(token.feats)
            heads.append(offset + token.index - 1 if token.head == 0 else offset + token.head - 1)
            deps.append(_dependency_label(token.deprel))
            ents.append(ent)
    if spaces:
        spaces[-1] = False
    return Doc(
        vocab,
        words=words,
        spaces=spaces,
        lemmas=lemmas,
        pos=pos,
        tags=tags,
        morphs=morphs,
        heads=heads,
        deps=deps,
        ents=ents,
    )


def group_sentences(sentences: Sequence[ConlluSentence],
                    per_doc: int = SENTENCES_PER_DOC) -> Iterator[list[ConlluSentence]]:
    """Consecutive groups of at most ``per_doc`` sentences; a new paragraph mark never starts mid-group."""
    group: list[ConlluSentence] = []
    for sentence in sentences:
        if group and (len(group) >= per_doc or (sentence.starts_paragraph and len(group) >= per_doc // 2)):
            yield group
            group = []
        group.append(sentence)
    if group:
        yield group


def conllu_to_docs(sentences: Iterable[ConlluSentence], vocab: Vocab, per_doc: int = SENTENCES_PER_DOC) -> list[Doc]:
    return [sentences_to_doc(vocab, group) for group in group_sentences(list(sentences), per_doc)]


def convert_file(source: Path, destination: Path, per_doc: int = SENTENCES_PER_DOC) -> int:
    """Write ``source`` (CoNLL-U) as a ``.spacy`` DocBin at ``destination``; returns the number of docs."""
    docs = conllu_to_docs(read_conllu(source), Vocab(), per_doc)
    destination.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs, store_user_data=False).to_disk(destination)
    return len(docs)


def convert_norne(norne_dir: Path, corpus_dir: Path, per_doc: int = SENTENCES_PER_DOC) -> dict[str, Path]:
    """Convert every ``*.conllu`` in ``norne_dir`` to ``corpus_dir/<stem>.spacy``."""
    written: dict[str, Path] = {}
    for source in sorted(norne_dir.glob("*.conllu")):
        destination = corpus_dir / f"{source.stem}.spacy"
        convert_file(source, destination, per_doc)
        written[source.stem] = destination
    return written
