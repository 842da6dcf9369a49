"""What is where after a fault: articles in the database, input files on disk."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psycopg

# Per article: how many of each part it has. Two ingests of the same files must agree exactly.
_FINGERPRINT_SQL = """
SELECT a.content_hash,
       (SELECT count(*) FROM news.segments s WHERE s.article_id = a.id),
       (SELECT count(*) FROM news.captions c WHERE c.article_id = a.id),
       (SELECT count(*) FROM news.sentences s WHERE s.article_id = a.id),
       (SELECT count(*) FROM news.entities e WHERE e.article_id = a.id),
       (SELECT count(*) FROM news.quotes q WHERE q.article_id = a.id)
FROM news.articles a
"""


def article_fingerprints(url: str) -> dict[str, tuple[int, ...]]:
    """content_hash -> (segments, captions, sentences, entities, quotes) for every stored article."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(_FINGERPRINT_SQL).fetchall()
    fingerprints = {row[0]: tuple(row[1:]) for row in rows}
    assert len(fingerprints) == len(rows)
    return fingerprints


def article_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM news.articles").fetchone()[0]


@dataclass(slots=True)
class ArticleDiff:
    lost: set[str]  # expected, absent
    partial: set[str]  # present with fewer or more parts than the reference
    extra: set[str]  # present, not expected: an article stored twice under another identity

    @property
    def clean(self) -> bool:
        return not (self.lost or self.partial or self.extra)


def compare_articles(found: dict[str, tuple[int, ...]], expected: dict[str, tuple[int, ...]]) -> ArticleDiff:
    return ArticleDiff(
        lost=set(expected) - set(found),
        partial={key for key in set(found) & set(expected) if found[key] != expected[key]},
        extra=set(found) - set(expected),
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def input_digests(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under `folder`."""
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass(slots=True)
class FileDiff:
    lost: list[str]  # input files found nowhere
    doubled: list[str]  # input files found in more than one place
    strays: list[str]  # anything else: partial copies, sidecars without a file
    unexplained: list[str]  # quarantined files without a .reason.json beside them

    @property
    def clean(self) -> bool:
        return not (self.lost or self.doubled or self.strays or self.unexplained)


def account_for_files(inputs: dict[str, str], *folders: Path) -> FileDiff:
    """Find every input file (by content) in the given folders; report lost, doubled and strays."""
    seen: Counter[str] = Counter()
    strays, unexplained = [], []
    wanted = set(inputs.values())
    for folder in folders:
        if not folder.exists():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if path.name.endswith(".reason.json"):
                if not path.with_name(path.name.removesuffix(".reason.json")).exists():
                    strays.append(str(path))
                continue
            key = digest(path)
            if key not in wanted:
                strays.append(str(path))
                continue
            seen[key] += 1
            if folder.name == "quarantine" and not path.with_name(path.name + ".reason.json").exists():
                unexplained.append(str(path))
    lost = [name for name, key in inputs.items() if seen[key] == 0]
    doubled = [name for name, key in inputs.items() if seen[key] > 1]
    return FileDiff(lost, doubled, strays, unexplained)
