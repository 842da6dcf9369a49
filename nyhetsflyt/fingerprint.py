"""Text fingerprints for recognising copies of one story: word shingles, MinHash, LSH band keys.

An outlet that runs a wire story gives it its own headline, a local intro, a trimmed end or a
reworded verb; the same article also reaches us twice in different file formats. What stays is
most of the body's word sequence. So an article's fingerprint is the set of its body's word
k-grams (shingles), sketched with MinHash (`rensa`) and cut into LSH bands: two articles whose
shingle sets overlap enough share at least one band key with high probability, and the band
keys are what the database indexes (`nyhetsflyt/db/stories.py`). A candidate found that way is
then checked on the exact shingle sets, by Jaccard similarity and by containment, because a
short version of a long wire story overlaps it by much less than it is contained in it. The
check reads each shingle as a 32-bit hash (`shingle_hashes`), the form in which the database keeps
every article's set (`news.story_prints`), so a candidate is checked without its text being
fetched and cut into shingles again.

The parameters were chosen by measurement (`bench/dedup_tune.py`, `bench/minhash_libs.py`); the
figures are in docs/stories.md. Changing any of them changes every band key: bump
`SCHEME_VERSION`, which is mixed into the keys, and re-index (`nyhetsflyt db restory --all`).
"""

from __future__ import annotations

import hashlib
import re
import sys
import zlib
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

import rensa

SCHEME_VERSION = 1
SHINGLE_WORDS = 4  # words per shingle
NUM_PERM = 126  # MinHash permutations
BANDS = 42  # LSH bands of ROWS values each: BANDS * ROWS == NUM_PERM
ROWS = 3
SEED = 20240607

# A candidate is the same story when the two shingle sets are similar as wholes, or when the
# smaller is mostly contained in the larger and the overlap is more than a stock sentence or two.
MIN_JACCARD = 0.5
MIN_CONTAINMENT = 0.75
MIN_SHARED = 12  # shingles: a shared boilerplate sentence ("Saken oppdateres.") gives one or two

_Item = TypeVar("_Item", str, int)  # a shingle, or its hash

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The text's words, lower-cased; punctuation and layout do not count."""
    return _WORD.findall(text.lower())


def shingles(text: str, size: int = SHINGLE_WORDS) -> frozenset[str]:
    """The set of `size`-word sequences of the text (a shorter text is one shingle of all its words)."""
    tokens = words(text)
    if len(tokens) <= size:
        return frozenset([" ".join(tokens)]) if tokens else frozenset()
    return frozenset(" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1))


def signature(shingle_set: Iterable[str], num_perm: int = NUM_PERM, seed: int = SEED) -> list[int]:
    """The MinHash signature of a shingle set: `num_perm` unsigned 32-bit values."""
    sketch = rensa.RMinHash(num_perm=num_perm, seed=seed)
    sketch.update(sorted(shingle_set))
    return list(sketch.digest())


def band_keys(sig: list[int], bands: int = BANDS, rows: int = ROWS) -> list[int]:
    """One signed 64-bit key per LSH band: the band's index and values, hashed (fits a bigint)."""
    if len(sig) < bands * rows:
        raise ValueError(f"a signature of {len(sig)} values has no room for {bands} bands of {rows}")
    keys = []
    for band in range(bands):
        values = sig[band * rows:(band + 1) * rows]
        digest = hashlib.blake2b(
            f"{SCHEME_VERSION}:{band}:{','.join(map(str, values))}".encode(), digest_size=8
        ).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def shingle_hashes(shingle_set: Iterable[str]) -> frozenset[int]:
    """The shingles as unsigned 32-bit hashes (CRC-32 of their UTF-8).

    Overlaps counted on the hashes are those of the shingles: two of an article's few hundred
    shingles share a hash about once in ten thousand articles, which moves a count by one.
    """
    return frozenset(zlib.crc32(s.encode()) for s in shingle_set)


if array("I").itemsize != 4:
    raise ImportError("stored shingle hashes are 4 bytes each, and this platform's unsigned int is not")


def pack_hashes(hashes: Iterable[int]) -> bytes:
    """Shingle hashes as stored (`news.story_prints.shingles`): sorted, 4 bytes each, little-endian."""
    packed = array("I", sorted(hashes))
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def unpack_hashes(data: bytes) -> frozenset[int]:
    """The shingle hashes of a stored print (`pack_hashes`)."""
    packed = array("I")
    packed.frombytes(data)
    if sys.byteorder == "big":
        packed.byteswap()
    return frozenset(packed)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    shingles: frozenset[str]
    band_keys: tuple[int, ...]  # distinct, sorted
    hashes: frozenset[int]  # the shingles' hashes, as news.story_prints keeps them


def fingerprint(text: str) -> Fingerprint:
    """The shingles, their hashes and the LSH band keys of an article's body text (empty for a text with no words)."""
    shingle_set = shingles(text)
    if not shingle_set:
        return Fingerprint(shingle_set, (), frozenset())
    return Fingerprint(shingle_set, tuple(sorted(set(band_keys(signature(shingle_set))))),
                       shingle_hashes(shingle_set))


@dataclass(frozen=True, slots=True)
class Overlap:
    shared: int
    jaccard: float
    containment: float  # of the smaller set in the larger


def overlap(a: frozenset[_Item], b: frozenset[_Item]) -> Overlap:
    if not a or not b:
        return Overlap(0, 0.0, 0.0)
    shared = len(a & b)
    return Overlap(shared, shared / (len(a) + len(b) - shared), shared / min(len(a), len(b)))


def same_story(a: frozenset[_Item], b: frozenset[_Item]) -> bool:
    """Whether two shingle sets (or their hash sets) are copies of one story (see the thresholds above)."""
    o = overlap(a, b)
    if o.jaccard >= MIN_JACCARD and o.shared >= min(MIN_SHARED, len(a), len(b)):
        return True
    return o.containment >= MIN_CONTAINMENT and o.shared >= MIN_SHARED
