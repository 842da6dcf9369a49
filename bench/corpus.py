"""A deterministic benchmark corpus: N articles recombined from the real sample articles.

The sample files (crawl text, plain text, JSON Lines, HTML pages beside the repository) are read
and split with the project's own readers and splitter. Their titles, ledes, body paragraphs
(paragraphs, quotes, subheadings) and photo captions become pools; each generated article takes a
title, a lede, as many body blocks and captions as a randomly chosen real article has, and is
written in one of the folder formats. The same seed and size give the same files, byte for byte.

The text derives from third-party news: it is written under var/ (never committed).

    .venv/bin/python -m bench.corpus --articles 5000 [--scale 10] [--seed 7] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import random
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nyhetsflyt.extract.split import split_document
from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.folder import find_files, read_file

SHARED_DATA = Settings().shared_data
VAR_DIR = Settings().var_dir

SAMPLE_FOLDERS = ("crawl_text", "plain_text", "jsonl", "html")
# Share of articles per folder format, in a fixed order so choices are reproducible.
FORMAT_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("crawl_text", 0.4), ("plain_text", 0.3), ("jsonl", 0.2), ("html", 0.1),
)
JSONL_RECORDS_PER_FILE = 50
FILES_PER_FOLDER = 1000
BODY_KINDS = frozenset({"paragraph", "quote", "subheading"})
MANIFEST = "manifest.json"
CORPUS_VERSION = 1  # bump when the generated files change for the same seed and size


@dataclass(slots=True)
class Pools:
    """Distinct source lines by role, and the shape (body blocks, captions) of each real article."""

    titles: list[str]
    ledes: list[str]
    body: list[str]
    captions: list[str]
    shapes: list[tuple[int, int]]

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for pool in (self.titles, self.ledes, self.body, self.captions):
            digest.update("\x1e".join(pool).encode())
            digest.update(b"\x1d")
        digest.update(repr(self.shapes).encode())
        return digest.hexdigest()[:16]


@dataclass(slots=True)
class GeneratedArticle:
    index: int
    title: str
    lede: str
    blocks: list[tuple[str, str]]  # (role, text): role "body" or "caption", in reading order
    published: str  # YYYY-MM-DD
    tags: list[str]

    def words(self) -> int:
        return sum(len(text.split()) for text in (self.title, self.lede, *(t for _, t in self.blocks)))


@dataclass(slots=True)
class CorpusManifest:
    version: int
    seed: int
    articles: int
    pools: str  # fingerprint of the source pools
    files: int = 0
    bytes: int = 0
    words: int = 0  # whitespace-separated words of the generated text
    formats: dict[str, int] = field(default_factory=dict)  # articles per format

    def same_recipe(self, other: CorpusManifest) -> bool:
        return (self.version, self.seed, self.articles, self.pools) == (
            other.version, other.seed, other.articles, other.pools)


def _line(text: str) -> str:
    return " ".join(text.split())


def collect_pools(samples: Path = SHARED_DATA / "samples") -> Pools:
    """Read and split every sample article; sorted, de-duplicated pools make the corpus stable."""
    titles: set[str] = set()
    ledes: set[str] = set()
    body: set[str] = set()
    captions: set[str] = set()
    shapes: list[tuple[int, int]] = []
    folders = [samples / name for name in SAMPLE_FOLDERS if (samples / name).is_dir()]
    if not folders:
        raise FileNotFoundError(f"no sample folders under {samples} (set NYHETSFLYT_SHARED_DATA)")
    for path in find_files(folders):
        for document in read_file(path).documents:
            article = split_document(document)
            n_body = n_captions = 0
            for segment in article.segments:
                text = _line(segment.raw)
                if not text:
                    continue
                if segment.kind == "title":
                    titles.add(text)
                elif segment.kind == "lede":
                    ledes.add(text)
                elif segment.kind in BODY_KINDS:
                    body.add(text)
                    n_body += 1
                elif segment.kind == "caption":
                    captions.add(text)
                    n_captions += 1
            if n_body:
                shapes.append((n_body, n_captions))
    if not (titles and ledes and body):
        raise ValueError(f"the samples under {samples} gave no titles, ledes or paragraphs")
    return Pools(sorted(titles), sorted(ledes), sorted(body), sorted(captions), sorted(shapes))


def generate(pools: Pools, articles: int, seed: int) -> list[tuple[str, GeneratedArticle]]:
    """(format, article) for each article, from one seeded generator."""
    rng = random.Random(seed)
    formats = [name for name, _ in FORMAT_WEIGHTS]
    weights = [weight for _, weight in FORMAT_WEIGHTS]
    tag_pool = ["politikk", "sport", "utenriks", "økonomi", "kultur", "innenriks", "krig", "valg"]
    out: list[tuple[str, GeneratedArticle]] = []
    for index in range(articles):
        n_body, n_captions = rng.choice(pools.shapes)
        blocks = [("body", rng.choice(pools.body)) for _ in range(n_body)]
        if pools.captions:
            for _ in range(n_captions):
                # After the first body block: a caption never opens the article text.
                blocks.insert(rng.randint(1, len(blocks)), ("caption", rng.choice(pools.captions)))
        article = GeneratedArticle(
            index=index,
            title=rng.choice(pools.titles),
            lede=rng.choice(pools.ledes),
            blocks=blocks,
            published=f"{rng.randint(2018, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            tags=rng.sample(tag_pool, 2),
        )
        out.append((rng.choices(formats, weights)[0], article))
    return out


def crawl_text(article: GeneratedArticle) -> str:
    """` date YYYY-MM` header, then blank-line separated paragraphs (no hints: the splitter decides)."""
    parts = [article.title, article.lede, *(text for _, text in article.blocks)]
    return f" date {article.published[:7]}\n" + "\n\n".join(parts) + "\n"


def plain_text(article: GeneratedArticle) -> str:
    """Title on the first line, one paragraph per line."""
    return "\n".join([article.title, article.lede, *(text for _, text in article.blocks)]) + "\n"


def json_record(article: GeneratedArticle) -> dict[str, object]:
    """Shaped like the sample export: the text repeats the title as its first paragraph."""
    text = "\n\n".join([article.title, article.lede, *(text for _, text in article.blocks)])
    return {
        "PUBLISHED_DATE": article.published,
        "CONTENT_ID": f"bench{article.index:07d}",
        "CONTENT_TAGS": json.dumps(article.tags, ensure_ascii=False),
        "CONTENT_TITLE": article.title,
        "TEXT": text,
    }


def html_page(article: GeneratedArticle) -> str:
    """A plain article page: header and footer boilerplate, lede, paragraphs and <figure>s."""
    e = html.escape
    body: list[str] = []
    for role, text in article.blocks:
        if role == "caption":
            body.append(f'<figure><img src="/img/{article.index}-{len(body)}.jpg" alt="">'
                        f"<figcaption>{e(text)}</figcaption></figure>")
        else:
            body.append(f"<p>{e(text)}</p>")
    return (
        '<!doctype html>\n<html lang="nb"><head><meta charset="utf-8">'
        f"<title>{e(article.title)} – Nyheter</title>"
        f'<meta property="og:title" content="{e(article.title)}">'
        f'<meta property="article:published_time" content="{article.published}T08:00:00+00:00">'
        "</head><body>"
        '<header><nav><a href="/">Forside</a> <a href="/sport">Sport</a> '
        '<a href="/kultur">Kultur</a></nav></header>'
        f"<main><article><h1>{e(article.title)}</h1>"
        f'<p class="lede"><strong>{e(article.lede)}</strong></p>\n'
        + "\n".join(body)
        + "</article></main>"
        "<footer><p>Ansvarlig redaktør: Redaktøren. Kopiering uten tillatelse er forbudt.</p>"
        "</footer></body></html>\n"
    )


def _numbered(folder: Path, index: int, suffix: str) -> Path:
    return folder / f"{index // FILES_PER_FOLDER:03d}" / f"{index:07d}{suffix}"


def write_corpus(out: Path, generated: list[tuple[str, GeneratedArticle]], manifest: CorpusManifest) -> None:
    records: list[str] = []
    record_files = 0

    def flush_records() -> None:
        nonlocal records, record_files
        if records:
            write(_numbered(out / "jsonl", record_files, ".jsonl"), "\n".join(records) + "\n")
            record_files += 1
            records = []

    def write(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        manifest.files += 1
        manifest.bytes += len(data)

    for kind, article in generated:
        manifest.formats[kind] = manifest.formats.get(kind, 0) + 1
        manifest.words += article.words()
        if kind == "crawl_text":
            write(_numbered(out / kind, article.index, ".txt"), crawl_text(article))
        elif kind == "plain_text":
            write(_numbered(out / kind, article.index, ".txt"), plain_text(article))
        elif kind == "html":
            write(_numbered(out / kind, article.index, ".html"), html_page(article))
        else:
            records.append(json.dumps(json_record(article), ensure_ascii=False))
            if len(records) >= JSONL_RECORDS_PER_FILE:
                flush_records()
    flush_records()


def default_corpus_dir(articles: int, seed: int) -> Path:
    return VAR_DIR / "bench" / f"corpus-{articles}-seed{seed}"


def build_corpus(articles: int, seed: int = 7, out: Path | None = None,
                 samples: Path = SHARED_DATA / "samples", pools: Pools | None = None) -> tuple[Path, CorpusManifest]:
    """Write the corpus (or reuse it when the same recipe is already on disk)."""
    if articles < 1:
        raise ValueError("a corpus needs at least one article")
    out = out or default_corpus_dir(articles, seed)
    pools = pools or collect_pools(samples)
    wanted = CorpusManifest(CORPUS_VERSION, seed, articles, pools.fingerprint())
    manifest_path = out / MANIFEST
    if manifest_path.is_file():
        existing = CorpusManifest(**json.loads(manifest_path.read_text("utf-8")))
        if existing.same_recipe(wanted):
            return out, existing
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    write_corpus(out, generate(pools, articles, seed), wanted)
    # Beside the format folders, never in them: the pipeline is pointed at those only.
    manifest_path.write_text(json.dumps(asdict(wanted), indent=2), "utf-8")
    return out, wanted


def article_folders(out: Path) -> list[Path]:
    """The folders the pipeline is pointed at (the manifest stays out of the run)."""
    return [out / name for name in SAMPLE_FOLDERS if (out / name).is_dir()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--scale", type=int, default=1, help="multiply the article count (×10: memory runs)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out, manifest = build_corpus(args.articles * args.scale, args.seed, args.out)
    print(f"{out}: {manifest.articles:,} articles in {manifest.files:,} files, "
          f"{manifest.words:,} words, {manifest.bytes / 1e6:.1f} MB, formats {manifest.formats}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
