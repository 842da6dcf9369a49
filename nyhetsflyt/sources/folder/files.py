"""Which files under the given files and folders are news files to read."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

# Sidecar files written by the inbox mode are not news.
IGNORED_SUFFIXES = (".reason.json",)


def find_files(paths: Iterable[Path]) -> list[Path]:
    """Every news file under the given files and folders, recursively, in a stable order."""
    found: set[Path] = set()
    for path in paths:
        path = Path(path)
        candidates: Iterator[Path]
        if path.is_dir():
            candidates = (p for p in path.rglob("*") if p.is_file())
        elif path.exists():
            candidates = iter([path])
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
        for candidate in candidates:
            if any(part.startswith(".") for part in candidate.relative_to(path).parts if path.is_dir()):
                continue  # hidden files and folders: .git, .DS_Store, editor swap files
            if candidate.name.endswith(IGNORED_SUFFIXES):
                continue
            found.add(candidate.resolve())
    return sorted(found)
