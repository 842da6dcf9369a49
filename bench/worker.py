"""One benchmark worker process: runs the ingest-folder flow once and reports what it measured.

Started by bench/run.py with DATABASE_URL and PREFECT_API_URL set. It loads the model first (a
worker keeps it loaded between runs), prints READY, waits for a line on stdin (so that parallel
workers start together), runs the flow, and writes a JSON report: wall time, time inside each
stage's task bodies (from tasks/timing.py), the run's counts, and this process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import time
from pathlib import Path

import psutil

READY = "BENCH-WORKER-READY"


class StageTimes(logging.Handler):
    """Sums the seconds and items of each stage's task bodies."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.stages: dict[str, dict[str, float]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        stage = getattr(record, "stage", None)
        if stage is None:
            return
        totals = self.stages.setdefault(stage, {"seconds": 0.0, "items": 0, "calls": 0})
        totals["seconds"] += record.seconds  # type: ignore[attr-defined]
        totals["items"] += record.items  # type: ignore[attr-defined]
        totals["calls"] += 1


def warm_up(model: str, paths: list[str]) -> None:
    """Load the model and run it over a few real paragraphs, as the floor measurement does."""
    from nyhetsflyt.extract.split import split_document
    from nyhetsflyt.nlp.model import load_nlp
    from nyhetsflyt.sources.folder import find_files, read_file

    nlp, _ = load_nlp(model)
    texts: list[str] = []
    for path in find_files([Path(p) for p in paths])[:10]:
        for document in read_file(path).documents:
            texts.extend(segment.text for segment in split_document(document).segments if segment.text.strip())
        if len(texts) >= 20:
            break
    list(nlp.pipe(texts[:20]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paths-file", type=Path, required=True, help="JSON list of files and folders")
    parser.add_argument("--model", required=True)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--profile", type=Path, default=None, help="write a pyinstrument profile of the run here")
    args = parser.parse_args()
    paths = json.loads(args.paths_file.read_text("utf-8"))

    from flows.ingest_folder import ingest_folder
    from tasks.timing import STAGE_TIME_LOGGER

    collector = StageTimes()
    stage_logger = logging.getLogger(STAGE_TIME_LOGGER)
    stage_logger.setLevel(logging.DEBUG)
    stage_logger.propagate = False
    stage_logger.addHandler(collector)

    started_load = time.perf_counter()
    warm_up(args.model, paths)
    model_load_s = time.perf_counter() - started_load
    rss_ready = psutil.Process().memory_info().rss
    print(READY, flush=True)
    # From here on stdout goes to the log too: nobody reads the pipe while workers run.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdin.readline()

    cpu_before = time.process_time()
    started = time.perf_counter()
    if args.profile:
        from pyinstrument import Profiler

        with Profiler(interval=0.005) as profiler:
            summary = ingest_folder(paths=paths, model=args.model, batch_size=args.batch_size)
        args.profile.write_text(profiler.output_text(unicode=True, show_all=False), "utf-8")
        profiler.last_session.save(str(args.profile.with_suffix(".pyisession")))
    else:
        summary = ingest_folder(paths=paths, model=args.model, batch_size=args.batch_size)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_before

    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    report = {
        "wall_s": wall,
        "cpu_s": cpu,
        "started_at": time.time() - wall,
        "model_load_s": model_load_s,
        "stages": collector.stages,
        "summary": summary.counts(),
        "failures": summary.failures[:20],
        "rss_ready_bytes": rss_ready,
        "peak_rss_bytes": peak_rss,
    }
    args.report.write_text(json.dumps(report, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
