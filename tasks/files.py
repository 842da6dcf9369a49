"""Inbox mode: move each file out of the inbox only after its articles are committed."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE


@dataclass(slots=True)
class FileOutcome:
    path: Path
    outcome: str  # archived | quarantined | gone
    reasons: list[str] = field(default_factory=list)


def _free_destination(folder: Path, name: str) -> Path:
    """A path in `folder` for `name` that does not overwrite an earlier file of the same name."""
    target = folder / name
    if not target.exists():
        return target
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    return folder / f"{Path(name).stem}.{stamp}{Path(name).suffix}"


def move_file(path: Path, inbox: Path, folder: Path) -> Path:
    """Move `path` (somewhere under `inbox`) to the same relative place under `folder`.

    The move is a rename where it can be; across file systems the copy is completed and
    flushed before the original is removed, so a file is never half-moved.
    """
    relative = path.relative_to(inbox) if path.is_relative_to(inbox) else Path(path.name)
    destination_dir = (folder / relative).parent
    destination_dir.mkdir(parents=True, exist_ok=True)
    target = _free_destination(destination_dir, relative.name)
    try:
        os.rename(path, target)
    except OSError:
        partial = target.with_name(target.name + ".partial")
        shutil.copy2(path, partial)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.rename(partial, target)
        path.unlink()
    return target


def settle_file(path: Path, reasons: list[str], inbox: Path, archive: Path, quarantine: Path) -> FileOutcome:
    if not path.exists():  # moved by an earlier attempt of this task, or by another worker
        return FileOutcome(path, "gone")
    if not reasons:
        move_file(path, inbox, archive)
        return FileOutcome(path, "archived")
    target = move_file(path, inbox, quarantine)
    sidecar = target.with_name(target.name + ".reason.json")
    sidecar.write_text(
        json.dumps(
            {"file": str(path), "quarantined_at": datetime.now(timezone.utc).isoformat(),
             "reasons": reasons},
            ensure_ascii=False, indent=2,
        ),
        encoding="utf-8",
    )
    return FileOutcome(path, "quarantined", reasons)


@task(name="settle-inbox-files", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def settle_files(results: dict[Path, list[str]], inbox: Path, archive: Path, quarantine: Path) -> list[FileOutcome]:
    """Archive files whose articles are all committed; quarantine the others with their reasons."""
    return [settle_file(path, reasons, inbox, archive, quarantine) for path, reasons in results.items()]
