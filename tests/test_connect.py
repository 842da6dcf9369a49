"""Database URLs: passwords never shown, empty passwords keep the URL usable."""

from __future__ import annotations

import pytest

from nyhetsflyt.db.connect import redact


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://news:s3cr%40t@db.example:5432/news", "postgresql://news:***@db.example:5432/news"),
        ("postgresql://postgres:@/postgres?host=/srv/pg", "postgresql://postgres@/postgres?host=/srv/pg"),
        ("postgresql://postgres@127.0.0.1:5432/test", "postgresql://postgres@127.0.0.1:5432/test"),
    ],
)
def test_redact_hides_passwords(url: str, shown: str) -> None:
    assert redact(url) == shown
