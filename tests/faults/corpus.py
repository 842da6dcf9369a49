"""The fault corpus (tests/fixtures/faults/inbox: 12 invented articles in 10 files, one of them
empty) and the inbox/archive/quarantine layout the fault tests ingest it from."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from faults.conftest import FAULT_FIXTURES, FAULT_MODEL
from flows.ingest_folder import ingest_folder

CORPUS = FAULT_FIXTURES / "inbox"
CORPUS_ARTICLES = 12
BATCH_SIZE = 2  # many small batches: many commits and file moves for a fault to land between


@dataclass(slots=True)
class Layout:
    root: Path
    inbox: Path
    archive: Path
    quarantine: Path

    @classmethod
    def make(cls, root: Path, outbox_root: Path | None = None) -> Layout:
        """A fresh copy of the corpus as an inbox; archive and quarantine (maybe elsewhere) empty."""
        outbox_root = outbox_root or root
        layout = cls(root, root / "inbox", outbox_root / "archive", outbox_root / "quarantine")
        shutil.copytree(CORPUS, layout.inbox)
        return layout

    def folders(self) -> tuple[Path, Path, Path]:
        return self.inbox, self.archive, self.quarantine

    def archived(self) -> list[str]:
        return _files(self.archive)

    def quarantined(self) -> list[str]:
        return [name for name in _files(self.quarantine) if not name.endswith(".reason.json")]

    def left_in_inbox(self) -> list[str]:
        return _files(self.inbox)


def _files(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def ingest_inbox(layout: Layout, **options):
    """The folder flow in inbox mode, in this process, as the fault tests run it."""
    return ingest_folder(inbox=str(layout.inbox), archive=str(layout.archive),
                         quarantine=str(layout.quarantine), batch_size=BATCH_SIZE,
                         model=FAULT_MODEL, **options)
