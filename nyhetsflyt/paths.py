"""Where things are: the repository, its migrations and shipped model, and where the real
sample data lies beside a checkout. Locations the environment can change (the var folder,
the shared data) are settings: `nyhetsflyt.settings`."""

from __future__ import annotations

import configparser
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = REPO_ROOT / "infra" / "migrations"
MODEL_DIR = REPO_ROOT / "model"
SHIPPED_MODEL = MODEL_DIR / "nb_nyhetsflyt"
EXAMPLE_INBOX = REPO_ROOT / "examples" / "inbox"


def _cloned_from(root: Path) -> Path | None:
    """The local checkout this one was cloned from (its `origin`), if it was cloned from a folder."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read(root / ".git" / "config", encoding="utf-8")
    except (configparser.Error, OSError, UnicodeError):
        return None
    url = parser.get('remote "origin"', "url", fallback="").removeprefix("file://")
    return Path(url) if url.startswith("/") else None


def shared_data_beside(root: Path) -> Path:
    """Real data written by others, kept beside the repository and never copied into it.

    Beside this checkout, else beside the checkout it was cloned from (a throwaway clone
    elsewhere, as CI makes); the setting NYHETSFLYT_SHARED_DATA overrides both.
    """
    beside = root.parent / "shared" / "data"
    origin = _cloned_from(root)
    if not beside.exists() and origin is not None and (origin.parent / "shared" / "data").exists():
        return origin.parent / "shared" / "data"
    return beside


# The example our user gave, under the shared data folder.
SEED_RELATIVE = Path("seed") / "000_d424f699915e0a8c.txt"
