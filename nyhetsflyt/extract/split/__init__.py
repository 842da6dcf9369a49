"""Clean a SourceDocument and split it into an Article: title, lede, paragraphs, subheadings,
quotes, and photo captions with their credits kept out of the body."""

from __future__ import annotations

from nyhetsflyt.documents import Article, Failure, SourceDocument
from nyhetsflyt.extract.split.splitter import EXTRACTOR_VERSION, split_document

__all__ = ["EXTRACTOR_VERSION", "split_all", "split_document"]


def split_all(documents: list[SourceDocument]) -> list[Article | Failure]:
    """One result per document, in order; a document that breaks the splitter becomes a Failure."""
    results: list[Article | Failure] = []
    for document in documents:
        try:
            article = split_document(document)
        except Exception as error:  # one bad document must not sink the batch
            results.append(Failure(document.source_uri, "split", f"{type(error).__name__}: {error}"))
            continue
        if not article.body.strip() and not (article.title or "").strip():
            results.append(Failure(document.source_uri, "split", "no article text after cleaning"))
        else:
            results.append(article)
    return results
