"""Stage 2: clean each document and split it into segments, captions and quotes."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from nyhetsflyt.documents import Article, Failure, SourceDocument
from nyhetsflyt.split import split_document
from tasks.timing import stage_time


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


@task(name="split-documents", cache_policy=NO_CACHE)
def split_documents(documents: list[SourceDocument]) -> list[Article | Failure]:
    with stage_time("split", len(documents)):
        return split_all(documents)
