"""Choosing the fingerprint's parameters by measurement: shingle size, thresholds, bands × rows.

Over edited copies that bench/syndicate.py makes of a folder of articles (default: the sample
plain text), and the originals of that folder plus a second one (default: the VG crawl text), it
prints for each shingle size the exact Jaccard and containment of every true pair (copy,
original) beside the highest of any false pair (two originals, or a copy and an original it was
not made from), then the share of true pairs each LSH banding makes candidates, measured on the
real signatures, with the false candidates it costs.

    .venv/bin/python -m bench.dedup_tune [--copies 300] [--folder DIR] [--extra DIR]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
from pathlib import Path

from bench.syndicate import copy_folders, read_truth, syndicate
from nyhetsflyt import fingerprint as fp
from nyhetsflyt.extract.split import split_document
from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.folder import find_files, read_file

SAMPLES = Settings().shared_data / "samples"
RULES = ((0.5, 0.6), (0.5, 0.7), (0.5, 0.75), (0.5, 0.8), (0.6, 0.8))  # (Jaccard, containment)


def bodies(folders: list[Path]) -> dict[str, str]:
    out = {}
    for path in find_files(folders):
        for document in read_file(path).documents:
            out[document.source_uri] = split_document(document).body
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=SAMPLES / "plain_text")
    parser.add_argument("--extra", type=Path, default=SAMPLES / "crawl_text")
    parser.add_argument("--copies", type=int, default=300)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--bench-articles", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "copies"
        syndicate(args.folder, out, args.copies, args.seed)
        truth = read_truth(out)
        copies = bodies(copy_folders(out))
    originals = bodies([args.folder.resolve(), args.extra.resolve()])
    print(f"{len(copies)} copies of {len(set(truth.values()))} originals; {len(originals)} originals in all")

    for size in (3, 4, 5, 6):
        sets = {uri: fp.shingles(body, size) for uri, body in {**originals, **copies}.items()}
        true = [fp.overlap(sets[c], sets[o]) for c, o in truth.items()]
        false = [fp.overlap(sets[a], sets[b]) for a, b in itertools.combinations(originals, 2)]
        false += [fp.overlap(sets[c], sets[o]) for c in copies for o in originals if truth[c] != o]
        print(f"\nshingles of {size} words: true pairs (n={len(true)}) | false pairs (n={len(false)})")
        print(f"  jaccard      min {min(t.jaccard for t in true):.3f}  p05 {pct([t.jaccard for t in true], .05):.3f}"
              f"  median {statistics.median(t.jaccard for t in true):.3f} | max {max(f.jaccard for f in false):.3f}")
        print(f"  containment  min {min(t.containment for t in true):.3f}  p05 "
              f"{pct([t.containment for t in true], .05):.3f} | max {max(f.containment for f in false):.3f}")
        print(f"  shared       min {min(t.shared for t in true)} | max {max(f.shared for f in false)}")
        for jac, con in RULES:
            def same(o: fp.Overlap, jac: float = jac, con: float = con) -> bool:
                return o.jaccard >= jac or (o.containment >= con and o.shared >= fp.MIN_SHARED)
            hits = sum(map(same, true))
            wrong = sum(map(same, false))
            print(f"  rule J>={jac} or C>={con}: recall {hits / len(true):.3f}, false pairs {wrong}")

    print("\nLSH candidates on the real signatures (shingles of "
          f"{fp.SHINGLE_WORDS} words, 128 permutations): share of true pairs that share a band")
    sets = {uri: fp.shingles(body, fp.SHINGLE_WORDS) for uri, body in {**originals, **copies}.items()}
    sigs = {uri: fp.signature(s, num_perm=128) for uri, s in sets.items() if s}  # room for every banding
    for bands, rows in ((16, 8), (32, 4), (42, 3), (64, 2)):
        keys = {uri: set(fp.band_keys(sig, bands, rows)) for uri, sig in sigs.items()}
        found = sum(1 for c, o in truth.items() if keys[c] & keys[o])
        false_candidates = sum(1 for a, b in itertools.combinations(originals, 2) if keys[a] & keys[b])
        true_j = [fp.overlap(sets[c], sets[o]).jaccard for c, o in truth.items()]
        print(f"  {bands:2d} bands × {rows} rows: threshold ≈ {(1 / bands) ** (1 / rows):.2f}; "
              f"true pairs found {found}/{len(truth)} (lowest Jaccard {min(true_j):.2f}); "
              f"false candidate pairs among originals {false_candidates}")

    print(f"\nThe scale benchmark's corpus (bench/dedup.py, {args.bench_articles:,} articles, 20 % copies): "
          "originals that share sentences drawn from one pool are the hard negatives; "
          "candidates from the chosen banding")
    from bench.dedup import Corpus  # the scale benchmark's corpus, here only sketched, not loaded

    made = Corpus(args.bench_articles, 0.2, args.seed)
    origin: dict[str, int] = {}
    sets: dict[str, frozenset[str]] = {}
    for kind, n in made.order:
        item, original = made.item(kind, n)
        origin[item.article.source_uri] = original
        sets[item.article.source_uri] = fp.shingles(item.article.body)
    by_key: dict[int, list[str]] = {}
    for uri, shingle_set in sets.items():
        for key in _keys(shingle_set):
            by_key.setdefault(key, []).append(uri)
    candidates = {tuple(sorted(p)) for group in by_key.values() for p in itertools.combinations(group, 2)}
    true_c = [p for p in candidates if origin[p[0]] == origin[p[1]]]
    false_c = [p for p in candidates if origin[p[0]] != origin[p[1]]]
    print(f"  candidate pairs: {len(true_c):,} true, {len(false_c):,} false")
    for jac, con in RULES:
        def same_(a: str, b: str, jac: float = jac, con: float = con) -> bool:
            o = fp.overlap(sets[a], sets[b])
            return o.jaccard >= jac or (o.containment >= con and o.shared >= fp.MIN_SHARED)
        print(f"  rule J>={jac} or C>={con}: true pairs kept {sum(same_(*p) for p in true_c):,}, "
              f"false pairs kept {sum(same_(*p) for p in false_c):,}")
    return 0


def _keys(shingle_set: frozenset[str]) -> set[int]:
    return set(fp.band_keys(fp.signature(shingle_set))) if shingle_set else set()


if __name__ == "__main__":
    raise SystemExit(main())
