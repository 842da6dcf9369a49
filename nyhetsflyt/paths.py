"""Where things are: the repository, the shipped model, the real sample data beside it."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = REPO_ROOT / "infra" / "migrations"
MODEL_DIR = REPO_ROOT / "model"
SHIPPED_MODEL = MODEL_DIR / "nb_nyhetsflyt"
EXAMPLE_INBOX = REPO_ROOT / "examples" / "inbox"
VAR_DIR = Path(os.environ.get("NYHETSFLYT_VAR_DIR", REPO_ROOT / "var"))

# Real data written by others, kept beside the repository and never copied into it.
SHARED_DATA = Path(os.environ.get("NYHETSFLYT_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
SEED_ARTICLE = SHARED_DATA / "seed" / "000_d424f699915e0a8c.txt"
