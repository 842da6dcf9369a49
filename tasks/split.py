"""Stage 2: clean each document and split it into segments, captions and quotes."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from nyhetsflyt.documents import Article, Failure, SourceDocument
from nyhetsflyt.extract.split import split_all
from tasks.timing import stage_time


@task(name="split-documents", cache_policy=NO_CACHE)
def split_documents(documents: list[SourceDocument]) -> list[Article | Failure]:
    with stage_time("split", len(documents)):
        return split_all(documents)
