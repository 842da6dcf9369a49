"""Text cleaning: the fast path for already-clean text agrees with the character-by-character one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nyhetsflyt.text import clean, clean_char_by_char

NEWS_ALPHABET = st.sampled_from([*"abcæøåÆØÅ .,–«»-'\n\t", "\u00a0", "\u00ad", "\u200b", "e\u0301", "é"])


@given(st.lists(NEWS_ALPHABET, max_size=40).map("".join))
def test_fast_path_matches_the_general_case(raw: str) -> None:
    fast, general = clean(raw), clean_char_by_char(raw)
    assert fast.text == general.text
    for start in range(len(fast.text) + 1):
        for end in range(start, len(fast.text) + 1):
            assert fast.raw_slice(start, end) == general.raw_slice(start, end)


def test_cleaning() -> None:
    raw = "  Stor\u00adting\u00a0og  regjering\n\nmøttes "
    cleaned = clean(raw)
    assert cleaned.text == "Storting og regjering møttes"
    assert cleaned.raw_slice(0, 8) == "Stor\u00adting"


def test_clean_text_is_returned_as_is() -> None:
    text = "Regjeringen la fram budsjettet tirsdag."
    cleaned = clean(text)
    assert cleaned.text is text and cleaned.spans is None
