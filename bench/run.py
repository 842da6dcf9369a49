"""The benchmark: the pipeline against its floors, in one run on one machine.

    make bench                                   # 5,000 articles, the default model
    .venv/bin/python -m bench.run --articles 500 --model model/training/model-best

1. builds a deterministic corpus (bench/corpus.py) of N articles, and one of N/10 (its prefix);
2. runs the ingest-folder flow over the corpus in a worker process against a Prefect server (its
   own on a free port, or --prefect-api-url), with the time inside each stage's task bodies;
3. runs the small corpus with one worker, then split in two halves over two workers at once;
4. measures the floors on what the pipeline stored: `nlp.pipe` alone over its segment texts
   (same model, batch size, one process), and COPY alone of its rows into a fresh database;
5. fetches the sample HTML pages from a loopback server and extracts them, ours and trafilatura.

Prints a table and writes bench/results/latest.json (figures and ratios) and latest.md.
PostgreSQL: the server at --database-server (default 127.0.0.1:5432), in throwaway databases
that are dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import psutil
from rich.console import Console

from bench import floors, report
from bench.corpus import article_folders, build_corpus, collect_pools
from bench.http_path import measure_http
from bench.infra import (
    DEFAULT_SERVER,
    ThrowawayDatabases,
    TreeRssSampler,
    clean_dir,
    prefect_environment,
    prefect_server,
)
from bench.worker import READY
from nyhetsflyt.nlp.model import DEGRADED_NAME, is_model_dir, resolve_model_name
from nyhetsflyt.paths import MODEL_DIR, REPO_ROOT, SHIPPED_MODEL
from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.folder import find_files

SETTINGS = Settings()
VAR_DIR = SETTINGS.var_dir

RESULTS_DIR = REPO_ROOT / "bench" / "results"
TRAINING_BEST = MODEL_DIR / "training" / "model-best"

TARGETS = {  # name: (comparison, threshold, what it says)
    "pipeline_floor_ratio": (">=", 0.85, "pipeline words/s ÷ nlp.pipe words/s"),
    "prefect_overhead_share": ("<=", 0.05, "wall time outside task bodies ÷ wall"),
    "db_copy_ratio": (">=", 0.80, "pipeline load rows/s ÷ raw COPY rows/s"),
    "workers_scaling_ratio": (">=", 1.70, "two workers' articles/s ÷ one worker's"),
    "rss_growth_ratio": ("<=", 1.10, "worker peak RSS at ×10 corpus ÷ at ×1"),
    "worker_peak_rss_gb": ("<=", 1.50, "peak RSS of a worker process, GB"),
    "story_share": ("<=", 0.10, "time finding stories (inside the load stage) ÷ pipeline wall"),
}


def default_model() -> str:
    """The shipped model (or $NYHETSFLYT_SPACY_MODEL); else the training's best; else the rules."""
    if SETTINGS.spacy_model or is_model_dir(SHIPPED_MODEL):
        return resolve_model_name(SETTINGS.spacy_model)
    if is_model_dir(TRAINING_BEST):
        return str(TRAINING_BEST)
    return DEGRADED_NAME


class Workers:
    """Starts worker processes (bench/worker.py) and runs them together."""

    def __init__(self, work_dir: Path, env: dict[str, str], model: str, batch_size: int, profile: bool,
                 checkout: Path = REPO_ROOT):
        self.work_dir = work_dir
        self.env = env
        self.model = model
        self.batch_size = batch_size
        self.profile = profile
        # The code the workers run: this checkout, or a baseline's (its bench/worker.py speaks
        # the same READY/go protocol); the venv is this one, so both run on the same libraries.
        self.checkout = checkout

    def run(self, name: str, database_url: str, path_lists: list[list[str]]) -> list[dict]:
        """One worker per list of paths, all started at once after each has loaded the model."""
        processes: list[tuple[str, subprocess.Popen, Path]] = []
        try:
            return self._run(name, database_url, path_lists, processes)
        finally:
            for _, process, _ in processes:  # only ours, and only those still running after a failure
                if process.poll() is None:
                    process.kill()
                    process.wait()

    def _run(self, name: str, database_url: str, path_lists: list[list[str]],
             processes: list[tuple[str, subprocess.Popen, Path]]) -> list[dict]:
        for index, paths in enumerate(path_lists):
            tag = f"{name}-{index}"
            paths_file = self.work_dir / f"{tag}.paths.json"
            paths_file.write_text(json.dumps(paths), "utf-8")
            report_file = self.work_dir / f"{tag}.report.json"
            report_file.unlink(missing_ok=True)
            command = [sys.executable, "-m", "bench.worker", "--paths-file", str(paths_file),
                       "--model", self.model, "--batch-size", str(self.batch_size), "--report", str(report_file)]
            if self.profile:
                command += ["--profile", str(self.work_dir / f"{tag}.profile.txt")]
            log = (self.work_dir / f"{tag}.log").open("ab")
            env = {**self.env, "DATABASE_URL": database_url, "PYTHONPATH": str(self.checkout)}
            process = subprocess.Popen(command, cwd=self.checkout, env=env,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
            log.close()
            processes.append((tag, process, report_file))
        for tag, process, _ in processes:
            for line in process.stdout:
                if line.strip() == READY:
                    break
            else:
                raise RuntimeError(f"worker {tag} ended before it was ready; see {self.work_dir / tag}.log")
        for _, process, _ in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        reports = []
        for tag, process, report_file in processes:
            process.stdout.read()
            if process.wait() != 0 or not report_file.exists():
                raise RuntimeError(f"worker {tag} failed (exit {process.returncode}); see {self.work_dir / tag}.log")
            reports.append(json.loads(report_file.read_text("utf-8")))
        return reports


def articles_in(path: Path) -> int:
    """Articles a corpus file holds: one per line of a JSON Lines file, else one."""
    if path.suffix == ".jsonl":
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    return 1


def balanced_parts(files: list[Path], parts: int) -> list[list[str]]:
    """Split files into `parts` lists holding (nearly) the same number of articles."""
    buckets: list[tuple[int, list[str]]] = [(0, []) for _ in range(parts)]
    for weight, path in sorted(((articles_in(p), p) for p in files), key=lambda item: (-item[0], str(item[1]))):
        index = min(range(parts), key=lambda i: buckets[i][0])
        total, paths = buckets[index]
        paths.append(str(path))
        buckets[index] = (total + weight, paths)
    return [sorted(paths) for _, paths in buckets]


def machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import prefect
    import spacy

    return {
        "cpu": cpu, "cores": psutil.cpu_count(logical=True), "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
        "spacy": spacy.__version__, "prefect": prefect.__version__,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def pipeline_figures(report_: dict, words: int, rows: int) -> dict[str, object]:
    wall = report_["wall_s"]
    stages = report_["stages"]
    # A dotted stage (load.stories) is timed inside another's body: counted once, in that one.
    in_tasks = sum(stage["seconds"] for name, stage in stages.items() if "." not in name)
    articles = report_["summary"]["articles_seen"]
    load_s = stages.get("load", {}).get("seconds", 0.0)
    return {
        "wall_s": wall, "cpu_s": report_["cpu_s"], "articles": articles,
        "articles_new": report_["summary"]["articles_new"], "failed": report_["summary"]["failed"],
        "words": words, "articles_per_s": articles / wall, "words_per_s": words / wall,
        "stages": stages, "task_body_s": in_tasks, "prefect_overhead_s": wall - in_tasks,
        "db_rows": rows, "db_rows_per_s": rows / load_s if load_s else None,
        "model_load_s": report_["model_load_s"], "peak_rss_bytes": report_["peak_rss_bytes"],
        "rss_ready_bytes": report_["rss_ready_bytes"],
    }


def baseline_checkout(ref: str, work_dir: Path) -> tuple[Path, str]:
    """The tree of git revision `ref`, unpacked under `work_dir` (no second venv: the same one)."""
    sha = subprocess.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=REPO_ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    target = work_dir / f"baseline-{sha[:12]}"
    if not (target / "bench" / "worker.py").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", "--format=tar", sha], cwd=REPO_ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target, sha


def judged(ratios: dict[str, float | None]) -> dict[str, dict[str, object]]:
    out = {}
    for name, (comparison, threshold, meaning) in TARGETS.items():
        value = ratios.get(name)
        met = None if value is None else (value >= threshold if comparison == ">=" else value <= threshold)
        out[name] = {"value": value, "target": f"{comparison} {threshold}", "met": met, "meaning": meaning}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000, help="articles in the corpus (default 5000)")
    parser.add_argument("--scale", type=int, default=1, help="multiply --articles (×10 for a long memory run)")
    parser.add_argument("--small", type=int, default=None,
                        help="articles of the small corpus: one vs two workers, and ×1 for memory (default N/10)")
    parser.add_argument("--floor-articles", type=int, default=1000,
                        help="articles (spread evenly over the run) whose texts the nlp.pipe floor runs on")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model", default=None, help="spaCy pipeline (path or package) or blank:nb "
                        "(default: model/nb_nyhetsflyt, else model/training/model-best, else blank:nb)")
    parser.add_argument("--batch-size", type=int, default=64, help="the flow's batch size")
    parser.add_argument("--http-rounds", type=int, default=10, help="times each sample page is fetched")
    parser.add_argument("--database-server", default=os.environ.get("BENCH_DATABASE_SERVER", DEFAULT_SERVER),
                        help="PostgreSQL for the throwaway databases")
    parser.add_argument("--prefect-api-url", default=None, help="use this Prefect server instead of starting one")
    parser.add_argument("--skip", action="append", default=[], choices=["floor", "scaling", "copy", "http"])
    parser.add_argument("--profile", action="store_true", help="profile each worker with pyinstrument")
    parser.add_argument("--baseline", default=None, metavar="GIT_REF",
                        help="also run the pipeline of this git revision over the same corpus, in the same run, "
                             "and set its figures and stored rows beside this checkout's")
    parser.add_argument("--work-dir", type=Path, default=VAR_DIR / "bench" / "run")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)

    console = Console()
    model = args.model or default_model()
    total = args.articles * args.scale
    small = args.small or max(10, total // 10)
    work_dir = clean_dir(args.work_dir)
    bench_started = time.perf_counter()
    phases: dict[str, float] = {}
    result: dict[str, object] = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
        "config": {"articles": total, "small_articles": small, "floor_articles": min(args.floor_articles, total),
                   "seed": args.seed, "model": model, "batch_size": args.batch_size, "nlp_processes": 1,
                   "http_rounds": args.http_rounds},
    }
    console.print(f"[bold]Nyhetsflyt benchmark[/]: {total:,} articles, model {model}")
    busy = os.getloadavg()[0]
    if busy > 0.5 * (os.cpu_count() or 1):
        console.print(f"[yellow]The machine is busy (load average {busy:.1f}): wall-time figures and ratios "
                      "will be off; run it on a quiet machine for figures to publish.[/]")

    started = time.perf_counter()
    pools = collect_pools()
    corpus_dir, manifest = build_corpus(total, args.seed, pools=pools)
    small_dir, small_manifest = build_corpus(small, args.seed, pools=pools)
    phases["corpus"] = time.perf_counter() - started
    result["corpus"] = {"main": asdict(manifest), "small": asdict(small_manifest), "dir": str(corpus_dir)}
    console.print(f"corpus: {manifest.articles:,} articles in {manifest.files:,} files ({manifest.words:,} words) "
                  f"in {phases['corpus']:.0f} s")

    databases = ThrowawayDatabases(args.database_server)
    try:
        with prefect_server(work_dir, args.prefect_api_url) as server:
            env = prefect_environment(server.api_url, server.home)
            workers = Workers(work_dir, env, model, args.batch_size, args.profile)
            sampler = TreeRssSampler(server.pid) if server.pid else None
            if sampler:
                sampler.__enter__()
            try:
                started = time.perf_counter()
                main_url = databases.create("main")
                console.print("pipeline: one worker over the corpus …")
                (main_report,) = workers.run("main", main_url, [[str(p) for p in article_folders(corpus_dir)]])
                phases["pipeline"] = time.perf_counter() - started

                if args.baseline:
                    started = time.perf_counter()
                    checkout, sha = baseline_checkout(args.baseline, VAR_DIR / "bench")
                    console.print(f"baseline: the pipeline of {args.baseline} ({sha[:12]}) over the same corpus …")
                    baseline_url = databases.create("baseline")
                    baseline_workers = Workers(work_dir, env, model, args.batch_size, False, checkout=checkout)
                    (baseline_report,) = baseline_workers.run(
                        "baseline", baseline_url, [[str(p) for p in article_folders(corpus_dir)]])
                    phases["baseline"] = time.perf_counter() - started

                if "scaling" not in args.skip:
                    started = time.perf_counter()
                    files = find_files(article_folders(small_dir))
                    console.print(f"scaling: {small:,} articles, one worker, then two …")
                    one_url = databases.create("one")
                    (one_report,) = workers.run("one", one_url, balanced_parts(files, 1))
                    two_url = databases.create("two")
                    two_reports = workers.run("two", two_url, balanced_parts(files, 2))
                    phases["scaling"] = time.perf_counter() - started
            finally:
                if sampler:
                    sampler.__exit__(None, None, None)
        server_peak = sampler.peak if sampler else None

        main_ids = floors.article_ids(main_url)
        texts_all = floors.segment_texts(main_url)
        rows = floors.row_counts(main_url)
        pipeline = pipeline_figures(main_report, floors.words(texts_all), sum(rows.values()))
        pipeline["rows_by_table"] = rows
        pipeline["prefect_server_peak_rss_bytes"] = server_peak
        pipeline["failures"] = main_report["failures"]
        result["pipeline"] = pipeline
        if args.baseline:
            baseline_rows = floors.row_counts(baseline_url)
            baseline = pipeline_figures(baseline_report, pipeline["words"], sum(baseline_rows.values()))
            baseline["rows_by_table"] = baseline_rows
            result["baseline"] = {"ref": args.baseline, "commit": sha, "pipeline": baseline,
                                  "same_rows": floors.same_content(main_url, baseline_url)}

        ratios: dict[str, float | None] = dict.fromkeys(TARGETS)  # null: not measured in this run
        ratios["prefect_overhead_share"] = pipeline["prefect_overhead_s"] / pipeline["wall_s"]
        ratios["story_share"] = pipeline["stages"].get("load.stories", {}).get("seconds", 0.0) / pipeline["wall_s"]
        ratios["worker_peak_rss_gb"] = main_report["peak_rss_bytes"] / 1e9
        if "floor" not in args.skip:
            console.print("floor: nlp.pipe alone …")
            started = time.perf_counter()
            sample_ids = floors.systematic_sample(main_ids, args.floor_articles)
            same_texts = len(sample_ids) == len(main_ids)
            floor_texts = texts_all if same_texts else floors.segment_texts(main_url, sample_ids)
            del texts_all
            nlp_floor = floors.nlp_floor(model, floor_texts, batch_size=64, n_process=1)
            phases["nlp_floor"] = time.perf_counter() - started
            # The NLP stage's time against the floor's rate over all the run's words: what it spends
            # beyond the model (assembling sentences, entities, names, quotes, keywords).
            enrich_s = pipeline["stages"].get("enrich", {}).get("seconds", 0.0)
            result["nlp_floor"] = {
                **asdict(nlp_floor), "articles": len(sample_ids), "same_texts": same_texts,
                "words_per_s": nlp_floor.words_per_s, "tokens_per_s": nlp_floor.tokens / nlp_floor.seconds,
                "floor_s_for_all_words": pipeline["words"] / nlp_floor.words_per_s,
                "enrich_stage_vs_floor": enrich_s / (pipeline["words"] / nlp_floor.words_per_s),
            }
            ratios["pipeline_floor_ratio"] = pipeline["words_per_s"] / nlp_floor.words_per_s

        if "copy" not in args.skip:
            console.print("floor: raw COPY …")
            started = time.perf_counter()
            copy = floors.copy_floor(main_url, databases.create("copy"), batch_size=args.batch_size)
            phases["copy_floor"] = time.perf_counter() - started
            result["copy_floor"] = {**asdict(copy), "rows_per_s": copy.rows_per_s}
            if pipeline["db_rows_per_s"]:
                ratios["db_copy_ratio"] = pipeline["db_rows_per_s"] / copy.rows_per_s

        if "scaling" not in args.skip:
            one_wall = one_report["wall_s"]
            two_start = min(r["started_at"] for r in two_reports)
            two_wall = max(r["started_at"] + r["wall_s"] for r in two_reports) - two_start
            articles = one_report["summary"]["articles_seen"]
            two_articles = sum(r["summary"]["articles_seen"] for r in two_reports)
            result["scaling"] = {
                "how": "the small corpus through the flow: one worker process, then two worker processes at once, "
                       "each its own flow run over half of the files (balanced by articles), one NLP process each",
                "one": {"articles": articles, "wall_s": one_wall, "articles_per_s": articles / one_wall,
                        "peak_rss_bytes": one_report["peak_rss_bytes"], "stages": one_report["stages"]},
                "two": {"articles": two_articles, "wall_s": two_wall, "articles_per_s": two_articles / two_wall,
                        "per_worker": [{"articles": r["summary"]["articles_seen"], "wall_s": r["wall_s"],
                                        "peak_rss_bytes": r["peak_rss_bytes"]} for r in two_reports]},
            }
            ratios["workers_scaling_ratio"] = (two_articles / two_wall) / (articles / one_wall)
            result["memory"] = {
                "how": "peak RSS of the one-worker run: small corpus (×1) against the main corpus (×10)",
                "x1_articles": articles, "x1_peak_rss_bytes": one_report["peak_rss_bytes"],
                "x10_articles": pipeline["articles"], "x10_peak_rss_bytes": main_report["peak_rss_bytes"],
            }
            if pipeline["articles"] >= 5 * articles:
                ratios["rss_growth_ratio"] = main_report["peak_rss_bytes"] / one_report["peak_rss_bytes"]
            ratios["worker_peak_rss_gb"] = max(
                [main_report["peak_rss_bytes"], one_report["peak_rss_bytes"],
                 *(r["peak_rss_bytes"] for r in two_reports)]) / 1e9
    finally:
        databases.close()

    if "http" not in args.skip:
        console.print("HTTP path …")
        started = time.perf_counter()
        http = measure_http(work_dir, rounds=args.http_rounds)
        phases["http"] = time.perf_counter() - started
        if http is not None:
            result["http"] = {**asdict(http), "pages_per_s": {name: http.pages_per_s(name) for name in http.extract_s}}
            if "trafilatura" in http.extract_s:
                ratios["http_vs_trafilatura"] = http.pages_per_s("nyhetsflyt") / http.pages_per_s("trafilatura")

    phases["total"] = time.perf_counter() - bench_started
    result["phases_s"] = phases
    result["ratios"] = ratios
    result["targets"] = judged(ratios)
    result["bench_peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "latest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), "utf-8")
    (args.results / "latest.md").write_text(report.markdown(result), "utf-8")
    report.print_tables(console, result)
    console.print(f"wrote {args.results / 'latest.json'} and latest.md in {phases['total']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
