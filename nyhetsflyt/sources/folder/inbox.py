"""Inbox mode: move each file out of the inbox only after its articles are committed.

A file is always in exactly one place: the inbox, the archive or the quarantine. A move that
cannot be completed (archive not writable, disk full) leaves the file in the inbox for the
next run and no partial copy behind; a move interrupted by a crash is completed by the next
run. A quarantined file's `.reason.json` is written before the file moves, so a quarantined
file never lacks its reason.
"""

from __future__ import annotations

import errno
import filecmp
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path


@dataclass(slots=True)
class FileOutcome:
    path: Path
    outcome: str  # archived | quarantined | gone | kept (could not be moved; still in the inbox)
    reasons: list[str] = field(default_factory=list)


def destination(path: Path, inbox: Path, folder: Path) -> Path:
    """Where `path` (somewhere under `inbox`) goes in `folder`, keeping its place in the inbox.

    An existing file of the same name is never overwritten, unless it holds the same bytes:
    then it is this very file, copied there by a move that a crash interrupted.
    """
    relative = path.relative_to(inbox) if path.is_relative_to(inbox) else Path(path.name)
    target = folder / relative
    if not target.exists() or _same_bytes(target, path):
        return target
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    return target.with_name(f"{relative.stem}.{stamp}{relative.suffix}")


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def move_to(path: Path, target: Path) -> None:
    """Move `path` to `target`: a rename where it can be, else copy, flush, rename, remove.

    Across file systems the copy goes to `target.partial` first and is renamed only once it
    is complete and flushed, so `target` never holds half a file; a failed copy is removed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        if not _same_bytes(target, path):
            raise FileExistsError(errno.EEXIST, "another file took its place", str(target))
        path.unlink()  # the same bytes, left there by an interrupted move (see destination)
        return
    try:
        os.rename(path, target)
        return
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
    partial = target.with_name(target.name + ".partial")
    try:
        shutil.copy2(path, partial)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.rename(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)
    path.unlink()


def move_file(path: Path, inbox: Path, folder: Path) -> Path:
    """Move `path` to the same relative place under `folder`; return where it went."""
    target = destination(path, inbox, folder)
    move_to(path, target)
    return target


def _fsync_folder(folder: Path) -> None:
    """Make the new directory entry durable before the original is removed."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def quarantine_file(path: Path, reasons: list[str], inbox: Path, quarantine: Path) -> Path:
    target = destination(path, inbox, quarantine)
    sidecar = target.with_name(target.name + ".reason.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(sidecar, json.dumps(
        {"file": str(path), "quarantined_at": datetime.now(timezone.utc).isoformat(), "reasons": reasons},
        ensure_ascii=False, indent=2,
    ))
    try:
        move_to(path, target)
    except BaseException:
        if not target.exists():
            sidecar.unlink(missing_ok=True)  # no reason file without its file
        raise
    return target


def settle_file(path: Path, reasons: list[str], inbox: Path, archive: Path, quarantine: Path) -> FileOutcome:
    """Archive or quarantine one file; a file that cannot be moved stays in the inbox."""
    if not path.exists():  # moved by an earlier attempt of this task, or by another worker
        return FileOutcome(path, "gone")
    folder = quarantine if reasons else archive
    try:
        if reasons:
            quarantine_file(path, reasons, inbox, quarantine)
            return FileOutcome(path, "quarantined", reasons)
        move_file(path, inbox, archive)
        return FileOutcome(path, "archived")
    except FileNotFoundError:
        if not path.exists():
            return FileOutcome(path, "gone")
        return FileOutcome(path, "kept", [f"cannot move to {folder}: a folder on the way is missing"])
    except OSError as error:
        return FileOutcome(path, "kept", [f"cannot move to {folder}: {error.strerror or error}"])
