"""Language identification on the labelled paragraph set, old and new side by side.

The set is built at run time from the shared data (bench/language_set.py, bench/language_manifest.tsv):
NorNE Bokmål and Nynorsk dev sentences grouped into paragraphs, the gold paragraphs of the
html_layouts pages and the news agency items. Only paragraphs of `--min-words` words or more.

Printed per detector: accuracy overall, accuracy on the nb and nn paragraphs (nb against nn),
per-language accuracy and confusion, and speed: per paragraph, and per article over the
plain-text and crawl-text sample articles (the call the enrichment stage makes once per article).

Detectors: the hand-rolled marker-word detector this replaced (read from git, `--old-ref`), and
lingua in its high- and low-accuracy modes (nyhetsflyt/nlp/language.py).

    .venv/bin/python -m bench.language_id [--min-words 20] [--old-ref REF]
    .venv/bin/python -m bench.language_id --tune     # the marker weight, on NorNE *train*
    .venv/bin/python -m bench.language_id --enrichment   # its share of the enrichment stage's time
"""

from __future__ import annotations

import argparse
import math
import resource
import subprocess
import time
import types
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.language_set import MIN_WORDS, Paragraph, build_set, norne_paragraphs
from nyhetsflyt.nlp.language import LANGUAGES, NORWEGIAN, LanguageIdentifier, marker_counts
from nyhetsflyt.paths import REPO_ROOT
from nyhetsflyt.settings import Settings

# The last revision with the hand-rolled detector.
OLD_REF = "1d43a03"
Detector = Callable[[str], tuple[str, float]]


def old_detector(ref: str) -> Detector:
    source = subprocess.run(["git", "show", f"{ref}:nyhetsflyt/nlp/language.py"], cwd=REPO_ROOT,
                            check=True, capture_output=True, text=True).stdout
    module = types.ModuleType("old_language")
    exec(compile(source, f"{ref}:nyhetsflyt/nlp/language.py", "exec"), module.__dict__)
    return module.detect_language  # type: ignore[no-any-return]


def lingua_detector(accuracy: str) -> Detector:
    found = LanguageIdentifier(accuracy)  # type: ignore[arg-type]

    def detect(text: str) -> tuple[str, float]:
        result = found.detect(text)
        return result.language, result.confidence
    return detect


def article_texts(shared: Path) -> list[str]:
    from nyhetsflyt.extract.split import split_document
    from nyhetsflyt.sources.folder import find_files, read_file

    texts = []
    for root in ("plain_text", "crawl_text"):
        for path in find_files([shared / "samples" / root]):
            for document in read_file(path).documents:
                article = split_document(document)
                texts.append("\n".join(part for part in (article.title, article.lede, article.body) if part))
    return texts


def evaluate(name: str, detect: Detector, paragraphs: list[Paragraph], articles: list[str]) -> dict[str, float]:
    started = time.perf_counter()
    guesses = [detect(p.text)[0] for p in paragraphs]
    per_paragraph = (time.perf_counter() - started) / len(paragraphs)
    started = time.perf_counter()
    for text in articles:
        detect(text)
    per_article = (time.perf_counter() - started) / max(1, len(articles))
    words = sum(len(text.split()) for text in articles)
    on_articles = Counter(detect(text)[0] for text in articles)
    right = sum(g == p.language for g, p in zip(guesses, paragraphs, strict=True))
    norwegian = [(g, p) for g, p in zip(guesses, paragraphs, strict=True) if p.language in NORWEGIAN]
    nb_nn = sum(g == p.language for g, p in norwegian) / len(norwegian)
    confusion: Counter[tuple[str, str]] = Counter((p.language, g) for g, p in zip(guesses, paragraphs, strict=True))
    print(f"\n== {name}")
    print(f"accuracy overall {right / len(paragraphs):.4f} ({right}/{len(paragraphs)})   "
          f"nb vs nn {nb_nn:.4f} ({sum(g == p.language for g, p in norwegian)}/{len(norwegian)})")
    print(f"speed: {per_paragraph * 1000:.2f} ms per paragraph; {per_article * 1000:.2f} ms per article "
          f"over {len(articles)} articles ({words / max(1, len(articles)):.0f} words each, "
          f"{words / max(1e-9, per_article * len(articles)):.0f} words/s)")
    print("the sample articles (Norwegian news) read as: "
          + " ".join(f"{language} {on_articles[language]}" for language in LANGUAGES if on_articles[language]))
    print("confusion (rows: labelled, columns: detected)")
    print("      " + "".join(f"{language:>7}" for language in LANGUAGES) + "   accuracy")
    for truth in LANGUAGES:
        row = [confusion[(truth, guess)] for guess in LANGUAGES]
        total = sum(n for (labelled, _), n in confusion.items() if labelled == truth)
        if total:
            share = confusion[(truth, truth)] / total
            print(f"{truth:>6}" + "".join(f"{n:>7}" for n in row) + f"   {share:.4f} of {total}")
    return {"overall": right / len(paragraphs), "nb_nn": nb_nn, "ms_article": per_article * 1000}


def tune(shared: Path, min_words: int, limit: int) -> None:
    """Bokmål-vs-Nynorsk accuracy for a range of marker weights, on NorNE's training files."""
    identifier = LanguageIdentifier("high", marker_weight=0.0)
    rows = []
    for name, language in (("no_bokmaal-ndt-train.conllu", "nb"), ("no_nynorsk-ndt-train.conllu", "nn")):
        for i, text in enumerate(norne_paragraphs(shared / "norne" / name, min_words)):
            if i >= limit:
                break
            values = {v.language.name: v.value for v in identifier._targets.compute_language_confidence_values(text)}
            nb, nn = marker_counts(text)
            rows.append((language, values.get("BOKMAL", 0.0), values.get("NYNORSK", 0.0), nb, nn))
    print(f"NorNE train: {len(rows)} paragraphs of >= {min_words} words (nb and nn, up to {limit} each)")
    for weight in (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 20.0):
        right = 0
        for language, nb, nn, markers_nb, markers_nn in rows:
            log_odds = math.log(max(nn, 1e-6) / max(nb, 1e-6)) + weight * (markers_nn - markers_nb)
            right += ("nn" if log_odds > 0 else "nb") == language
        print(f"marker weight {weight:>4}: nb vs nn {right / len(rows):.4f}")


def enrichment_share(shared: Path, rounds: int = 3) -> None:
    """The enrichment stage (shipped model, language included) on the sample articles, and the
    language identification's part of its time, measured side by side in the same process."""
    from nyhetsflyt.extract.split import split_document
    from nyhetsflyt.nlp.enrich import article_text, enrich_articles
    from nyhetsflyt.nlp.language import detect_language
    from nyhetsflyt.nlp.model import load_nlp
    from nyhetsflyt.sources.folder import find_files, read_file

    articles = [split_document(document) for root in ("plain_text", "crawl_text")
                for path in find_files([shared / "samples" / root]) for document in read_file(path).documents]
    words = sum(article.word_count for article in articles)
    nlp, info = load_nlp()
    enrich_articles(articles[:8], nlp, info)  # models loaded before the clock runs
    print(f"{len(articles)} sample articles, {words} words, model {info.name} {info.version}")
    for round_ in range(rounds):
        started = time.perf_counter()
        for start in range(0, len(articles), 64):
            enrich_articles(articles[start:start + 64], nlp, info)
        enrich = time.perf_counter() - started
        started = time.perf_counter()
        for article in articles:
            detect_language(article_text(article))
        language = time.perf_counter() - started
        print(f"round {round_ + 1}: enrichment {words / enrich:.0f} words/s; language identification "
              f"{language:.2f} s of {enrich:.2f} s ({language / enrich:.1%}); "
              f"without it {words / (enrich - language):.0f} words/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-words", type=int, default=MIN_WORDS)
    parser.add_argument("--old-ref", default=OLD_REF)
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--tune-limit", type=int, default=2000)
    parser.add_argument("--enrichment", action="store_true")
    args = parser.parse_args()
    shared = Settings().shared_data
    if args.enrichment:
        enrichment_share(shared)
        return
    if args.tune:
        tune(shared, args.min_words, args.tune_limit)
        return
    paragraphs = build_set(shared, args.min_words)
    counts = Counter(p.language for p in paragraphs)
    print(f"labelled paragraphs of >= {args.min_words} words: {len(paragraphs)} "
          + " ".join(f"{language} {counts[language]}" for language in LANGUAGES))
    articles = article_texts(shared)
    results = {"hand-rolled (old)": evaluate("hand-rolled marker words (old)", old_detector(args.old_ref),
                                             paragraphs, articles)}
    for accuracy in ("high", "low"):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        detect = lingua_detector(accuracy)
        detect("Dette er en setning som laster modellene.")
        loading = time.perf_counter() - started
        name = f"lingua {accuracy} accuracy"
        results[name] = evaluate(name, detect, paragraphs, articles)
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        print(f"first call (models loaded) {loading:.2f} s; peak memory grew {grown:.0f} MB")
    print("\nside by side          overall   nb vs nn   ms/article   (targets: overall >= 0.98, nb vs nn >= 0.95)")
    for name, figures in results.items():
        print(f"{name:<22}{figures['overall']:>8.4f}{figures['nb_nn']:>11.4f}{figures['ms_article']:>13.2f}")


if __name__ == "__main__":
    main()
