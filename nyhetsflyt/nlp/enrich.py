"""The NLP stage: sentences, entities, speakers, keywords and language for a batch of articles.

All segments of all articles in a batch go through ``nlp.pipe`` once, so the model sees long
batches instead of one call per article. Results are assembled per segment (entities keep the
kind of segment they were found in: a caption's names are told apart from the body's) and then
per article (canonical names, quote speakers, keywords).

The language is found first (nyhetsflyt/nlp/language.py): only Bokmål and Nynorsk articles go
through the Norwegian model. An article in any other language is stored with its language and
with `ner_run` false: no sentences, entities or keywords, and its quotes without a resolved
speaker, rather than what a Norwegian model would make of Swedish or English.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

from nyhetsflyt.documents import (
    Article,
    EnrichedArticle,
    Enrichment,
    Entity,
    Failure,
    ResolvedQuote,
    Segment,
    Sentence,
)
from nyhetsflyt.nlp.canonical import Mention, canonical_names
from nyhetsflyt.nlp.consistency import COMPONENT_NAME as CONSISTENCY
from nyhetsflyt.nlp.consistency import make_consistent
from nyhetsflyt.nlp.keywords import Term, rank_keywords
from nyhetsflyt.nlp.language import NORWEGIAN, detect_language
from nyhetsflyt.nlp.model import ModelInfo, load_nlp
from nyhetsflyt.nlp.quotes import NamedMention, names_in_full, resolve_quotes, subject_by_position

log = logging.getLogger(__name__)

# Credits, cross-links and bylines are not article text.
ENRICHED_KINDS = frozenset({"title", "lede", "paragraph", "subheading", "quote", "caption"})


@dataclass(slots=True)
class AnalysedSegment:
    segment: Segment
    doc: Doc
    credit_start: int | None  # where a caption's photo credit begins in the segment text
    offset: int = 0  # where the analysed text begins in the segment text (after a caption's label)


def enrich_articles(
    articles: Sequence[Article], nlp: Language, info: ModelInfo, *, batch_size: int = 64
) -> list[Enrichment]:
    """One Enrichment per article, in the same order."""
    languages = [detect_language(article_text(article)) for article in articles]
    items = [
        (segment.text[offset:], (article_index, segment, offset))
        for article_index, article in enumerate(articles)
        if languages[article_index][0] in NORWEGIAN
        for segment in article.segments
        if segment.kind in ENRICHED_KINDS and segment.text.strip()
        for offset in [label_end(article, segment)]
        if segment.text[offset:].strip()
    ]
    # A memory zone frees the strings the batch added to the vocabulary once it is done, so a
    # long-running worker stays the same size however many new words it reads. Nothing that
    # leaves this function refers to a Doc: enrichments hold plain strings and numbers.
    with nlp.memory_zone():
        analysed: list[list[AnalysedSegment]] = [[] for _ in articles]
        # The consistency component would see one segment at a time; a name means one thing in
        # the whole article, so it runs once per article instead.
        consistency = CONSISTENCY in nlp.pipe_names
        docs = nlp.pipe(items, as_tuples=True, batch_size=batch_size, disable=[CONSISTENCY] if consistency else [])
        for doc, (article_index, segment, offset) in docs:
            credit = credit_start(articles[article_index], segment)
            analysed[article_index].append(AnalysedSegment(segment, doc, credit, offset))
        if consistency:
            for segments in analysed:
                make_consistent([s.doc for s in segments])
        return [
            enrich_article(article, segments, info, language)
            if language[0] in NORWEGIAN else not_enriched(article, info, language)
            for article, segments, language in zip(articles, analysed, languages, strict=True)
        ]


def not_enriched(article: Article, info: ModelInfo, language: tuple[str, float]) -> Enrichment:
    """An article the Norwegian model does not read: its language, and nothing the model would add."""
    log.info("%s reads as %s (confidence %.2f): stored without entities", article.source_uri, *language)
    return Enrichment(
        sentences=[],
        entities=[],
        quotes=[ResolvedQuote(q.position, q.text, q.speaker, None) for q in article.quotes],
        keywords=[],
        language=language[0],
        language_confidence=language[1],
        model_name=info.name,
        model_version=info.version,
        ner_degraded=info.degraded,
        ner_run=False,
    )


def label_end(article: Article, segment: Segment) -> int:
    """Where a caption's text begins after its label: 14 in "MØTTE PUTIN: Tysklands …", else 0.

    A label (`MØTE:`) is the caption's structure, not a name: the model reads what follows it.
    """
    if segment.kind != "caption":
        return 0
    for caption in article.captions:
        if caption.position == segment.position and caption.label:
            found = re.match(rf"\s*{re.escape(caption.label)}\s*:\s*", segment.text)
            if found:
                return found.end()
    return 0


def credit_start(article: Article, segment: Segment) -> int | None:
    """Offset of the photo credit inside a caption segment ("Foto: … / NTB"), if it is there."""
    if segment.kind != "caption":
        return None
    for caption in article.captions:
        if caption.position == segment.position and caption.credit_raw:
            found = segment.text.rfind(caption.credit_raw)
            if found >= 0:
                return found
    return None


def enrich_article(
    article: Article, segments: Sequence[AnalysedSegment], info: ModelInfo, language: tuple[str, float]
) -> Enrichment:
    segments = sorted(segments, key=lambda analysed: analysed.segment.position)
    sentences: list[Sentence] = []
    entities: list[Entity] = []
    spans: list[tuple[AnalysedSegment, Span]] = []
    for analysed in segments:
        first_index = len(sentences)
        sentence_of_token = _add_sentences(analysed, sentences)
        offset = analysed.offset
        for span in analysed.doc.ents:
            if analysed.credit_start is not None and span.start_char + offset >= analysed.credit_start:
                continue  # photographer and agency: kept in Caption, not named in the story
            segment = analysed.segment
            entities.append(
                Entity(
                    segment_position=segment.position,
                    segment_kind=segment.kind,
                    text=span.text,
                    label=span.label_,
                    canonical=span.text,
                    start=span.start_char + offset,
                    end=span.end_char + offset,
                    sentence_index=sentence_of_token.get(span.start, first_index),
                )
            )
            spans.append((analysed, span))

    canonical = canonical_names([Mention(span.text, span.label_, _lemma(span)) for _, span in spans])
    for entity, name in zip(entities, canonical, strict=True):
        entity.canonical = name

    mentions = [
        NamedMention(
            entity.segment_position,
            entity.start,
            entity.text,
            entity.label,
            entity.canonical,
            entity.segment_kind,
            _is_subject(span),
        )
        for entity, (_, span) in zip(entities, spans, strict=True)
    ]
    texts = {analysed.segment.position: analysed.segment.text for analysed in segments}
    surnames = {mention.canonical for mention in mentions if mention.label == "PER" and " " not in mention.canonical}
    full_names = names_in_full((analysed.doc for analysed in segments), surnames) if article.quotes else {}
    quotes = resolve_quotes(article.quotes, mentions, texts, full_names)
    keywords = rank_keywords(_terms(segments, canonical_by_span(spans, canonical)))

    return Enrichment(
        sentences=sentences,
        entities=entities,
        quotes=quotes,
        keywords=keywords,
        language=language[0],
        language_confidence=language[1],
        model_name=info.name,
        model_version=info.version,
        ner_degraded=info.degraded,
    )


def _add_sentences(analysed: AnalysedSegment, sentences: list[Sentence]) -> dict[int, int]:
    """Append the segment's sentences; returns token index -> article-wide sentence index."""
    doc = analysed.doc
    try:
        spans = list(doc.sents)
    except ValueError:  # a pipeline without parser, senter or sentencizer
        spans = [doc[:]]
    sentence_of_token: dict[int, int] = {}
    for span in spans:
        words = [token for token in span if not token.is_space]
        if not words:
            continue
        index = len(sentences)
        for token in span:
            sentence_of_token[token.i] = index
        sentences.append(
            Sentence(
                segment_position=analysed.segment.position,
                index=index,
                start=span.start_char + analysed.offset,
                end=span.end_char + analysed.offset,
                text=span.text,
                tokens=[token.text for token in words],
                lemmas=[token.lemma_ or token.text for token in words],
                pos=[token.pos_ for token in words],
            )
        )
    return sentence_of_token


def _lemma(span: Span) -> str | None:
    lemmas = [token.lemma_ for token in span]
    return " ".join(lemmas) if all(lemmas) else None


def _is_subject(span: Span) -> bool | None:
    if span.doc.has_annotation("DEP"):
        # Universal Dependencies calls the subject nsubj, the Norwegian Dependency Treebank SUBJ; word
        # order adds a subject the parse hangs elsewhere (a name in apposition to it).
        parsed = any(token.dep_.casefold().startswith(("nsubj", "subj")) for token in span)
        return parsed or bool(subject_by_position(span))
    return subject_by_position(span)


def canonical_by_span(
    spans: Sequence[tuple[AnalysedSegment, Span]], canonical: Sequence[str]
) -> dict[tuple[int, int], tuple[int, str]]:
    """(segment position, first token) -> (end token, canonical name) for every entity."""
    return {
        (analysed.segment.position, span.start): (span.end, name)
        for (analysed, span), name in zip(spans, canonical, strict=True)
    }


def _terms(
    segments: Sequence[AnalysedSegment], entity_at: dict[tuple[int, int], tuple[int, str]]
) -> list[Term]:
    """Keyword terms in reading order; an entity counts once, under its canonical name."""
    terms: list[Term] = []
    for analysed in segments:
        kind = analysed.segment.kind
        doc = analysed.doc
        i = 0
        while i < len(doc):
            token = doc[i]
            if analysed.credit_start is not None and token.idx + analysed.offset >= analysed.credit_start:
                break
            entity = entity_at.get((analysed.segment.position, i))
            if entity is not None:
                end, name = entity
                terms.append(Term(name, "PROPN", kind))
                i = end
                continue
            terms.append(Term(token.lemma_ or token.text, token.pos_, kind))
            i += 1
    return terms


def article_text(article: Article) -> str:
    """The words an article's language is read from: title, lede, body, then the captions' text."""
    parts = [article.title or "", article.lede or "", article.body, *(c.text for c in article.captions)]
    text = "\n".join(part for part in parts if part)
    return text or "\n".join(segment.text for segment in article.segments if segment.kind in ENRICHED_KINDS)


def enrich_all(items: list[Article | Failure], model: str | None = None) -> list[EnrichedArticle | Failure]:
    """Enrich the articles among `items`, keeping order; failures pass through untouched."""
    nlp, info = load_nlp(model)  # loaded once per worker process, then cached
    articles = [item for item in items if isinstance(item, Article)]
    try:
        enrichments = iter(enrich_articles(articles, nlp, info))
        enriched: dict[int, EnrichedArticle | Failure] = {
            id(a): EnrichedArticle(a, next(enrichments)) for a in articles}
    except Exception:
        enriched = {}
        for article in articles:  # isolate the article that breaks the batch
            try:
                enriched[id(article)] = EnrichedArticle(article, enrich_articles([article], nlp, info)[0])
            except Exception as error:
                enriched[id(article)] = Failure(
                    article.source_uri, "enrich", f"{type(error).__name__}: {error}"
                )
    return [enriched[id(item)] if isinstance(item, Article) else item for item in items]
