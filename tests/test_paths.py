"""Where the real sample data is found: beside the checkout, or beside the one it was cloned from."""

from __future__ import annotations

from pathlib import Path

import pytest

from nyhetsflyt.paths import shared_data_beside
from nyhetsflyt.settings import Settings


def _checkout(folder: Path, origin: str | None = None) -> Path:
    (folder / ".git").mkdir(parents=True)
    if origin is not None:
        (folder / ".git" / "config").write_text(
            f'[core]\n\tbare = false\n[remote "origin"]\n\turl = {origin}\n'
            "\tfetch = +refs/heads/*:refs/remotes/origin/*\n",
            encoding="utf-8",
        )
    return folder


@pytest.fixture(autouse=True)
def _no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NYHETSFLYT_SHARED_DATA", raising=False)


def test_data_beside_the_checkout_is_used_first(tmp_path: Path) -> None:
    (tmp_path / "work" / "shared" / "data").mkdir(parents=True)
    (tmp_path / "elsewhere" / "shared" / "data").mkdir(parents=True)
    clone = _checkout(tmp_path / "work" / "clone", origin=str(tmp_path / "elsewhere" / "main"))
    assert shared_data_beside(clone) == tmp_path / "work" / "shared" / "data"


def test_a_clone_elsewhere_finds_the_data_beside_its_origin(tmp_path: Path) -> None:
    (tmp_path / "work" / "shared" / "data").mkdir(parents=True)
    _checkout(tmp_path / "work" / "main")
    clone = _checkout(tmp_path / "tmp" / "ci-check", origin=f"file://{tmp_path / 'work' / 'main'}")
    assert shared_data_beside(clone) == tmp_path / "work" / "shared" / "data"


def test_a_remote_origin_or_none_leaves_the_place_beside_the_checkout(tmp_path: Path) -> None:
    remote = _checkout(tmp_path / "a" / "clone", origin="https://example.invalid/nyhetsflyt.git")
    bare = _checkout(tmp_path / "b" / "clone")
    assert shared_data_beside(remote) == tmp_path / "a" / "shared" / "data"
    assert shared_data_beside(bare) == tmp_path / "b" / "shared" / "data"


def test_the_environment_overrides_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "work" / "shared" / "data").mkdir(parents=True)
    assert Settings().shared_data == shared_data_beside(Path(__file__).resolve().parents[1])
    monkeypatch.setenv("NYHETSFLYT_SHARED_DATA", str(tmp_path / "mine"))
    assert Settings().shared_data == tmp_path / "mine"
