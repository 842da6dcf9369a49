"""MinHash libraries side by side: `rensa` (Rust) and `datasketch` (NumPy), speed and results.

Both sketch the same shingle sets (the sample articles and edited copies of them from
bench/syndicate.py) with the fingerprint's parameters. It prints, per library, the time to
sketch every set (and per article), then the band candidates and the verified same-story pairs
each finds, and whether the two agree.

    .venv/bin/python -m bench.minhash_libs [--copies 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import datasketch
import rensa

from bench.dedup_tune import SAMPLES, bodies
from bench.syndicate import copy_folders, read_truth, syndicate
from nyhetsflyt import fingerprint as fp


def with_rensa(sets: list[frozenset[str]]) -> list[list[int]]:
    out = []
    for shingle_set in sets:
        sketch = rensa.RMinHash(num_perm=fp.NUM_PERM, seed=fp.SEED)
        sketch.update(sorted(shingle_set))
        out.append(list(sketch.digest()))
    return out


def with_datasketch(sets: list[frozenset[str]]) -> list[list[int]]:
    sketches = datasketch.MinHash.bulk([[s.encode() for s in sorted(x)] for x in sets],
                                       num_perm=fp.NUM_PERM, seed=fp.SEED)
    return [[int(v) for v in m.hashvalues] for m in sketches]


def best_of(repeat: int, run: Callable[[], list[list[int]]]) -> tuple[float, list[list[int]]]:
    best, result = float("inf"), []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def pairs(uris: list[str], sigs: list[list[int]], sets: dict[str, frozenset[str]]) -> tuple[set, set]:
    """Candidate pairs (sharing a band key) and, of those, the verified same-story pairs."""
    by_key: dict[int, list[str]] = defaultdict(list)
    for uri, sig in zip(uris, sigs, strict=True):
        for key in set(fp.band_keys(sig)):
            by_key[key].append(uri)
    candidates = {tuple(sorted(p)) for group in by_key.values() for p in itertools.combinations(group, 2)}
    return candidates, {p for p in candidates if fp.same_story(sets[p[0]], sets[p[1]])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "copies"
        syndicate(SAMPLES / "plain_text", out, args.copies, seed=5)
        truth = read_truth(out)
        texts = {**bodies([(SAMPLES / "plain_text").resolve(), (SAMPLES / "crawl_text").resolve()]),
                 **bodies(copy_folders(out))}
    sets = {uri: fp.shingles(text) for uri, text in texts.items() if text.strip()}
    uris = sorted(sets)
    ordered = [sets[u] for u in uris]
    shingle_count = sum(map(len, ordered))
    print(f"{len(uris)} articles ({len(truth)} of them copies), {shingle_count:,} shingles; "
          f"{fp.NUM_PERM} permutations, {fp.BANDS} bands × {fp.ROWS} rows; best of {args.repeat}")
    results = {}
    for name, run in (("rensa", lambda: with_rensa(ordered)), ("datasketch", lambda: with_datasketch(ordered))):
        seconds, sigs = best_of(args.repeat, run)
        candidates, same = pairs(uris, sigs, sets)
        true_found = sum(1 for c, o in truth.items() if tuple(sorted((c, o))) in same)
        results[name] = (seconds, candidates, same)
        print(f"{name:11} {seconds * 1000:8.1f} ms ({seconds / len(uris) * 1e6:7.1f} µs per article) "
              f"candidates {len(candidates):4d}, same-story pairs {len(same):4d}, true pairs found "
              f"{true_found}/{len(truth)}")
    (rs, rc, rsame), (ds, dc, dsame) = results["rensa"], results["datasketch"]
    print(f"rensa is {ds / rs:.1f}× as fast; same candidates: {rc == dc} "
          f"(only rensa {len(rc - dc)}, only datasketch {len(dc - rc)}); "
          f"same verified pairs: {rsame == dsame} "
          f"(only rensa {len(rsame - dsame)}, only datasketch {len(dsame - rsame)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
