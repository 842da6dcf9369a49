"""Keywords of an article: the lemmas it keeps coming back to, headline words weighing more."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from spacy.lang.nb.stop_words import STOP_WORDS

KEYWORD_POS = frozenset({"NOUN", "PROPN", "ADJ"})
# Extra weight per occurrence: the title and the lede say what the article is about.
KIND_BONUS: dict[str, float] = {"title": 2.0, "lede": 1.0}
TOP_N = 10


class Term(NamedTuple):
    lemma: str  # a token's lemma, or an entity's canonical name standing for all its tokens
    pos: str  # UD part of speech; entities count as PROPN
    segment_kind: str


def is_keyword_candidate(term: Term, stop_words: frozenset[str] | set[str] = STOP_WORDS) -> bool:
    lemma = term.lemma.strip()
    return (
        term.pos in KEYWORD_POS
        and len(lemma) > 1
        and any(char.isalpha() for char in lemma)
        and lemma.casefold() not in stop_words
    )


def rank_keywords(
    terms: Iterable[Term], *, top_n: int = TOP_N, stop_words: frozenset[str] | set[str] = STOP_WORDS
) -> list[str]:
    """The top_n lemmas by weighted frequency; ties go to the one that came first."""
    scores: defaultdict[str, float] = defaultdict(float)
    spellings: dict[str, Counter[str]] = {}
    first_seen: dict[str, int] = {}
    for order, term in enumerate(terms):
        if not is_keyword_candidate(term, stop_words):
            continue
        lemma = term.lemma.strip()
        # Proper names keep their capitals; common words meet in lower case (Krig = krig).
        spelling = lemma if term.pos == "PROPN" else lemma.lower()
        key = spelling.casefold()
        scores[key] += 1.0 + KIND_BONUS.get(term.segment_kind, 0.0)
        spellings.setdefault(key, Counter())[spelling] += 1
        first_seen.setdefault(key, order)
    ranked = sorted(scores, key=lambda key: (-scores[key], first_seen[key]))
    return [spellings[key].most_common(1)[0][0] for key in ranked[:top_n]]
