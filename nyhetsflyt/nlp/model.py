"""Load the Norwegian spaCy pipeline once per process, or a rule-based stand-in.

Resolution order: the name passed in (the setting ``NYHETSFLYT_SPACY_MODEL``), the model shipped in
``model/nb_nyhetsflyt``, and last the degraded pipeline: ``spacy.blank("nb")`` with a
sentencizer, a lexicon lemmatizer/POS guesser built from the Norsk ordbank tables in
``spacy-lookups-data``, and capitalisation rules for names. The degraded pipeline keeps the
pipeline running end to end; its entities are guesses and say so (``ModelInfo.degraded``).
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from nyhetsflyt import paths
from nyhetsflyt.nlp.canonical import GAZETTEER

log = logging.getLogger(__name__)

MODEL_ENV = "NYHETSFLYT_SPACY_MODEL"
# Asks for the rule-based pipeline explicitly (tests, benchmarks, a broken model).
DEGRADED_NAME = "blank:nb"


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str
    version: str
    degraded: bool  # True when entities come from rules, not a trained NER
    path: str | None


def load_nlp(name: str | None = None) -> tuple[Language, ModelInfo]:
    """The pipeline to enrich with, and what it is. Loaded once per resolved name."""
    return _load_resolved(resolve_model_name(name))


def resolve_model_name(name: str | None = None) -> str:
    if name and name.strip():
        return name.strip()
    if is_model_dir(paths.SHIPPED_MODEL):
        return str(paths.SHIPPED_MODEL)
    return DEGRADED_NAME


def is_model_dir(path: Path) -> bool:
    # A folder still being written by training has no meta.json yet.
    return (path / "config.cfg").is_file() and (path / "meta.json").is_file()


@cache
def _load_resolved(name: str) -> tuple[Language, ModelInfo]:
    if name == DEGRADED_NAME:
        nlp = build_degraded_pipeline()
        log.warning(
            "No trained Norwegian model found (argument, $%s, %s): using the rule-based "
            "pipeline; named entities are degraded (capitalisation rules and a small gazetteer)",
            MODEL_ENV,
            paths.SHIPPED_MODEL,
        )
        return nlp, ModelInfo(DEGRADED_NAME, spacy.__version__, degraded=True, path=None)
    nlp = spacy.load(name)
    as_path = Path(name)
    path = str(as_path.resolve()) if as_path.exists() else None
    meta = nlp.meta
    lang, meta_name = meta.get("lang", nlp.lang), meta.get("name", "pipeline")
    # spaCy's packages name themselves without the language (core_news_lg); ours includes it.
    model_name = meta_name if meta_name.startswith(f"{lang}_") else f"{lang}_{meta_name}"
    degraded = "ner" not in nlp.pipe_names
    if degraded:
        log.warning("Model %s has no 'ner' component: no named entities", model_name)
    return nlp, ModelInfo(model_name, str(meta.get("version", "0.0.0")), degraded, path)


# --- the degraded pipeline -------------------------------------------------------------------

# Ordbank part-of-speech tables (form -> [lemma]) and their UD tags, in the order an ambiguous
# form is read when the context says nothing: news text is mostly nouns.
_LEXICON_TABLES: tuple[tuple[str, str], ...] = (
    ("noun", "NOUN"),
    ("verb", "VERB"),
    ("adj", "ADJ"),
    ("adv", "ADV"),
)
# After these a form that can be a verb is one ("å vente", "vil møte", "vi følger").
_VERB_CONTEXT = frozenset(
    ["å", "vil", "skal", "kan", "må", "kunne", "skulle", "ville", "måtte", "har", "hadde", "er", "var", "ble", "blir", "blitt", "jeg", "du", "han", "hun", "vi", "dere", "man", "eg", "ho"]
)
# After these a form that can be a noun or adjective is one ("et møte", "den tyske").
_NOMINAL_CONTEXT = frozenset(["en", "ei", "et", "den", "det", "de", "denne", "dette", "disse", "sin", "sitt", "sine", "min", "mitt"])


@dataclass(frozen=True, slots=True)
class Lexicon:
    closed_class: dict[str, str]  # form -> lemma for function words
    open_class: dict[str, dict[str, str]]  # UD POS -> form -> lemma

    def analyses(self, form: str) -> list[tuple[str, str]]:
        """(POS, lemma) readings of a form, most likely first."""
        return [(pos, table[form]) for pos, table in self.open_class.items() if form in table]


@cache
def load_lexicon() -> Lexicon | None:
    """The Norwegian Bokmål tables from spacy-lookups-data, or None when not installed."""
    try:
        data_dir = resources.files("spacy_lookups_data") / "data"
        lookup_file = data_dir / "nb_lemma_lookup.json.gz"
        exc_file = data_dir / "nb_lemma_exc.json.gz"
        if not (lookup_file.is_file() and exc_file.is_file()):
            return None
        with lookup_file.open("rb") as raw:
            closed_class = json.loads(gzip.decompress(raw.read()))
        with exc_file.open("rb") as raw:
            exceptions = json.loads(gzip.decompress(raw.read()))
    except ModuleNotFoundError:
        return None
    open_class = {
        ud: {form: lemmas[0] for form, lemmas in exceptions.get(table, {}).items() if lemmas}
        for table, ud in _LEXICON_TABLES
    }
    return Lexicon(closed_class=closed_class, open_class=open_class)


def build_degraded_pipeline() -> Language:
    nlp = spacy.blank("nb")
    nlp.add_pipe("sentencizer")
    if load_lexicon() is None:
        log.warning("spacy-lookups-data has no nb tables: lemmas are the word forms")
    else:
        nlp.add_pipe("nyhetsflyt_lexicon_tagger")
    nlp.add_pipe("nyhetsflyt_name_rules")
    return nlp


@Language.component("nyhetsflyt_lexicon_tagger")
def lexicon_tagger(doc: Doc) -> Doc:
    """Lemma and a POS guess per token from the ordbank tables; capitalised unknowns are PROPN."""
    lexicon = load_lexicon()
    if lexicon is None:
        return doc
    previous = ""
    for token in doc:
        pos, lemma = _guess(token, previous, lexicon)
        token.pos_ = pos
        token.lemma_ = lemma
        if not token.is_space:
            previous = token.lower_
    return doc


def _guess(token: Token, previous: str, lexicon: Lexicon) -> tuple[str, str]:
    text = token.text
    if token.is_punct:
        return "PUNCT", text
    if token.like_num:
        return "NUM", text
    if token.is_space:
        return "SPACE", text
    lower = token.lower_
    if lower in lexicon.closed_class and token.is_stop:
        return "", lexicon.closed_class[lower]
    readings = lexicon.analyses(text) or lexicon.analyses(lower)
    if not readings:
        if text[:1].isupper():
            return "PROPN", text
        if lower in lexicon.closed_class:
            return "", lexicon.closed_class[lower]
        compound = _compound_noun_lemma(lower, lexicon)
        if compound:
            return "NOUN", compound
        return "", lower
    if previous in _VERB_CONTEXT:
        readings.sort(key=lambda reading: reading[0] != "VERB")
    elif previous in _NOMINAL_CONTEXT:
        readings.sort(key=lambda reading: reading[0] not in ("NOUN", "ADJ"))
    pos, lemma = readings[0]
    if pos == "NOUN" and lemma[:1].isupper():
        pos = "PROPN"
    return pos, lemma


def _compound_noun_lemma(form: str, lexicon: Lexicon) -> str | None:
    """Lemma of an unlisted compound from its longest listed noun tail: forhandlingssporet ->
    forhandlingsspor. Norwegian writes compounds as one word, so most are missing from lists."""
    nouns = lexicon.open_class.get("NOUN", {})
    if not form.isalpha():
        return None
    for split in range(2, len(form) - 2):
        tail = form[split:]
        if tail in nouns:
            return form[:split] + nouns[tail].lower()
    return None


def _gazetteer_tokens() -> dict[tuple[str, ...], str]:
    """Gazetteer names as token tuples, with their genitives (Russlands, USAs)."""
    tokens: dict[tuple[str, ...], str] = {}
    for name, label in GAZETTEER.items():
        *head, last = name.split()
        tokens[(*head, last)] = label
        if not last.endswith(("s", "x", "z")):
            tokens[(*head, last + "s")] = label
    return tokens


_GAZETTEER_TOKENS = _gazetteer_tokens()
_LONGEST_GAZETTEER = max(len(key) for key in _GAZETTEER_TOKENS)
# Lowercase particles inside names: "Ursula von der Leyen", "Osama bin Laden".
_NAME_PARTICLES = frozenset(["von", "van", "der", "den", "de", "di", "da", "du", "af", "la", "le", "el", "al", "bin", "ibn"])
# After these a capital letter says nothing about a name: a new sentence or a caption label.
_OPENERS = frozenset({"–", "-", "—", ":", "«", '"', "“", "(", "»"})


@Language.component("nyhetsflyt_name_rules")
def name_rules(doc: Doc) -> Doc:
    known = filter_spans(_gazetteer_spans(doc))
    covered = {i for span in known for i in range(span.start, span.end)}
    doc.ents = filter_spans([*known, *_capitalised_spans(doc, covered)])
    return doc


def _gazetteer_spans(doc: Doc) -> Iterator[Span]:
    for start in range(len(doc)):
        for length in range(min(_LONGEST_GAZETTEER, len(doc) - start), 0, -1):
            key = tuple(token.text for token in doc[start : start + length])
            label = _GAZETTEER_TOKENS.get(key)
            if label:
                yield Span(doc, start, start + length, label=label)
                break


def _capitalised_spans(doc: Doc, covered: set[int]) -> Iterator[Span]:
    """Runs of capitalised words outside the gazetteer hits, less leading ordinary words."""
    lexicon = load_lexicon()

    def name_like(index: int) -> bool:
        return index not in covered and _is_capitalised(doc[index])

    i = 0
    while i < len(doc):
        if not name_like(i):
            i += 1
            continue
        end = i + 1
        while end < len(doc):
            if name_like(end):
                end += 1
            elif doc[end].text in _NAME_PARTICLES and end + 1 < len(doc) and name_like(end + 1):
                end += 2
            else:
                break
        start = i
        while start < end and _is_common_word(doc[start], lexicon):
            start += 1
        if start < end:
            label = _label_for(doc[start:end], lexicon)
            if label:
                yield Span(doc, start, end, label=label)
        i = end


def _is_capitalised(token: Token) -> bool:
    text = token.text
    if not text[:1].isupper() or not any(char.isalpha() for char in text):
        return False
    # "Russland-krav", "Nato-medlemskap": a compound with a name in it, not a name.
    last_part = text.rsplit("-", 1)[-1]
    return not (last_part and last_part[:1].islower())


def _at_sentence_start(token: Token) -> bool:
    if token.i == 0 or token.is_sent_start:
        return True
    return token.nbor(-1).text in _OPENERS


def _is_known_lowercase_word(text: str, lexicon: Lexicon | None) -> bool:
    lower = text.lower()
    if lexicon is None:
        return False
    return lower in lexicon.closed_class or bool(lexicon.analyses(lower))


def _is_common_word(token: Token, lexicon: Lexicon | None) -> bool:
    """A capitalised word that is an ordinary word: sentence-initial or an all-caps label."""
    if (token.text,) in _GAZETTEER_TOKENS:
        return False
    if token.is_stop and (_at_sentence_start(token) or token.is_upper):
        return True
    if _at_sentence_start(token) or (token.is_upper and len(token.text) > 3):
        return _is_known_lowercase_word(token.text, lexicon)
    return False


def _label_for(span: Span, lexicon: Lexicon | None) -> str | None:
    if len(span) > 1:
        return "PER"
    token = span[0]
    if token.is_upper:
        if len(token.text) <= 3:
            return "ORG"
        # "MØTTE PUTIN:" caption labels shout; NATO is Nato
        return _GAZETTEER_TOKENS.get((token.text.title(),), "PER")
    if _is_known_lowercase_word(token.text, lexicon):
        return "MISC"  # "Vesten", "Regjeringen": a name, but of what the rules cannot tell
    return "PER"
