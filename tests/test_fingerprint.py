"""Text fingerprints and the copy generator, on invented articles (no services)."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from bench.syndicate import VERB_SWAPS, copy_folders, originals_in, read_truth, syndicate
from nyhetsflyt import fingerprint as fp
from nyhetsflyt.extract.split import split_document
from nyhetsflyt.sources.folder import find_files, read_file

STORIES = Path(__file__).parent / "fixtures" / "stories"


def body(name: str) -> str:
    (document,) = read_file(STORIES / name).documents
    return split_document(document).body


def paragraphs(name: str) -> list[str]:
    return body(name).split("\n\n")


def test_shingles_are_word_sequences_blind_to_case_and_punctuation():
    assert fp.shingles("Strømmen gikk. I hele BYEN, i natt!") == fp.shingles("strømmen gikk i hele byen i natt")
    assert fp.shingles("en to tre fire fem") == frozenset({"en to tre fire", "to tre fire fem"})
    assert fp.shingles("bare tre ord") == frozenset({"bare tre ord"})
    assert fp.shingles(" – ") == frozenset()
    assert fp.fingerprint("").band_keys == ()


def test_band_keys_are_stable_signed_bigints_one_per_band():
    text = body("01-strompris.txt")
    sig = fp.signature(fp.shingles(text))
    keys = fp.band_keys(sig)
    assert len(sig) == fp.NUM_PERM and len(keys) == fp.BANDS
    assert all(-(2**63) <= k < 2**63 for k in keys)
    assert keys == fp.band_keys(fp.signature(fp.shingles(text)))  # same text, same keys
    with pytest.raises(ValueError):
        fp.band_keys(sig[:10])


def test_an_edited_copy_is_the_same_story_and_shares_band_keys():
    original = paragraphs("01-strompris.txt")
    copy = ["Også i Fjordby merker folk de høye prisene, forteller ordføreren til Fjordposten.", *original[:-2]]
    copy = [p.replace("sier", "forteller") for p in copy]
    a, b = fp.fingerprint("\n\n".join(original)), fp.fingerprint("\n\n".join(copy))
    assert fp.same_story(a.shingles, b.shingles)
    assert set(a.band_keys) & set(b.band_keys)


def test_a_short_version_of_a_long_story_matches_by_containment():
    long = paragraphs("04-skolestreik.txt")
    short = long[:3]
    o = fp.overlap(fp.shingles("\n\n".join(short)), fp.shingles("\n\n".join(long)))
    assert o.jaccard < fp.MIN_JACCARD  # too short to look similar as a whole …
    assert o.containment == 1.0 and fp.same_story(fp.shingles("\n\n".join(short)), fp.shingles("\n\n".join(long)))


def test_distinct_stories_sharing_a_stock_sentence_and_a_source_are_not_one_story():
    """Two emergencies in one city on one afternoon, the same operations manager, the same
    closing 'Saken oppdateres.': two stories."""
    fire, crash = fp.shingles(body("02-brann-bergen.txt")), fp.shingles(body("03-ulykke-bergen.txt"))
    o = fp.overlap(fire, crash)
    assert o.shared > 0  # they do share words …
    assert not fp.same_story(fire, crash)  # … but not a story
    # Even stripped down to a line and the stock sentence, two different events stay apart.
    assert not fp.same_story(fp.shingles("Brann i bygård i Nygårdsgaten. Saken oppdateres."),
                             fp.shingles("Bilulykke på Fjøsangerveien. Saken oppdateres."))


def test_no_two_fixture_stories_match():
    names = sorted(p.name for p in STORIES.glob("*.txt"))
    for a, b in itertools.combinations(names, 2):
        assert not fp.same_story(fp.shingles(body(a)), fp.shingles(body(b))), (a, b)


def test_syndicate_writes_edited_copies_in_other_formats_with_the_truth(tmp_path):
    made = syndicate(STORIES, tmp_path / "copies", copies=18, seed=3)
    truth = read_truth(tmp_path / "copies")
    assert len(made) == len(truth) == 18
    originals = {o.source_uri: o for o in originals_in(STORIES)}
    assert set(truth.values()) == set(originals)  # every original copied (6 × 3)
    with (tmp_path / "copies" / "truth.tsv").open(encoding="utf-8") as handle:
        edits = [row["edits"].split(",") for row in csv.DictReader(handle, delimiter="\t")]
    assert all("format" in e and len(e) >= 2 for e in edits)  # always another format, and a real edit
    for name in ("headline", "intro", "trim", "verbs", "captions"):
        assert any(name in e for e in edits), name

    copies = {}
    for path in find_files(copy_folders(tmp_path / "copies")):
        read = read_file(path)
        for document in read.documents:
            copies[document.source_uri] = (document.source_format, split_document(document))
    assert set(copies) == set(truth)  # the TSV names copies as the folder reader does
    for item in made:
        fmt, article = copies[item.uri]
        original = originals[item.original]
        assert fmt != original.source_format and fmt == item.fmt
        if "headline" in item.edits:
            assert article.title != original.title
        if "captions" in item.edits:
            assert not article.captions
        if "verbs" in item.edits and any(f" {verb} " in " ".join(original.paragraphs) for verb in VERB_SWAPS):
            assert article.body != "\n\n".join(original.paragraphs)
        # Every copy is recognised as its original's story, and as no other.
        for uri, other in originals.items():
            same = fp.same_story(fp.shingles(article.body), fp.shingles("\n\n".join(other.paragraphs)))
            assert same == (uri == item.original), (item.uri, item.edits, uri)


def test_shingle_hashes_pack_to_four_sorted_little_endian_bytes_each_and_back():
    hashes = fp.shingle_hashes(fp.shingles(body("01-strompris.txt")))
    assert len(hashes) == len(fp.shingles(body("01-strompris.txt")))  # no two collide here
    assert all(0 <= h < 2**32 for h in hashes)
    packed = fp.pack_hashes(hashes)
    assert len(packed) == 4 * len(hashes)
    assert packed[:4] == min(hashes).to_bytes(4, "little") and packed[-4:] == max(hashes).to_bytes(4, "little")
    assert fp.unpack_hashes(packed) == hashes
    assert fp.unpack_hashes(fp.pack_hashes(frozenset())) == frozenset()
    # The check counts the same overlap on hashes as on the shingles.
    a, b = fp.shingles(body("02-brann-bergen.txt")), fp.shingles(body("03-ulykke-bergen.txt"))
    assert fp.overlap(fp.shingle_hashes(a), fp.shingle_hashes(b)) == fp.overlap(a, b)
