"""The benchmark's tables: rich on the terminal, Markdown for bench/results/latest.md."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

STAGE_ORDER = ("find", "prepare", "read", "split", "enrich", "load", "load.stories")


def _mb(value: float | None) -> str:
    return "–" if value is None else f"{value / 1e6:,.0f} MB"


def _num(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def target_rows(result: dict) -> list[list[str]]:
    rows = []
    for name, target in result["targets"].items():
        met = {True: "met", False: "MISSED", None: "not measured"}[target["met"]]
        value = target["value"]
        rows.append([name, "–" if value is None else f"{value:.3f}", target["target"], met, target["meaning"]])
    return rows


def figure_rows(result: dict) -> list[list[str]]:
    p = result["pipeline"]
    rows = [
        ["pipeline wall", f"{p['wall_s']:,.1f} s", f"{p['articles']:,} articles, {p['words']:,} words"],
        ["pipeline throughput", f"{p['articles_per_s']:,.2f} articles/s", f"{p['words_per_s']:,.0f} words/s"],
    ]
    if "nlp_floor" in result:
        f = result["nlp_floor"]
        rows += [
            ["nlp.pipe floor", f"{f['words_per_s']:,.0f} words/s",
             f"{f['articles']:,} articles' texts, {f['tokens_per_s']:,.0f} tokens/s, {f['seconds']:,.1f} s"
             + ("" if f["same_texts"] else " (an evenly spread sample of the run's articles)")],
            ["enrich stage ÷ floor time", f"{f['enrich_stage_vs_floor']:.2f}",
             f"enrich task bodies against {f['floor_s_for_all_words']:,.1f} s of nlp.pipe for the run's words"],
        ]
    rows += [
        ["task bodies", f"{p['task_body_s']:,.1f} s", f"Prefect and flow body: {p['prefect_overhead_s']:,.1f} s"],
        ["database load", f"{_num(p['db_rows_per_s'])} rows/s", f"{p['db_rows']:,} rows"],
    ]
    if "copy_floor" in result:
        c = result["copy_floor"]
        rows.append(["raw COPY floor", f"{c['rows_per_s']:,.0f} rows/s",
                     f"{c['rows']:,} rows in {c['seconds']:,.1f} s"])
    rows.append(["worker peak RSS", _mb(p["peak_rss_bytes"]), f"{_mb(p['rss_ready_bytes'])} after loading the model"])
    if p.get("prefect_server_peak_rss_bytes"):
        rows.append(["Prefect server peak RSS", _mb(p["prefect_server_peak_rss_bytes"]), "server and its children"])
    if "scaling" in result:
        s = result["scaling"]
        rows.append(["one worker", f"{s['one']['articles_per_s']:,.2f} articles/s",
                     f"{s['one']['articles']:,} articles in {s['one']['wall_s']:,.1f} s"])
        rows.append(["two workers", f"{s['two']['articles_per_s']:,.2f} articles/s",
                     f"{s['two']['articles']:,} articles in {s['two']['wall_s']:,.1f} s"])
    if "memory" in result:
        m = result["memory"]
        rows.append(["peak RSS ×1 / ×10", f"{_mb(m['x1_peak_rss_bytes'])} / {_mb(m['x10_peak_rss_bytes'])}",
                     f"{m['x1_articles']:,} / {m['x10_articles']:,} articles"])
    if "http" in result:
        h = result["http"]
        for name, rate in h["pages_per_s"].items():
            rows.append([f"HTTP fetch + extract ({name})", f"{rate:,.1f} pages/s",
                         f"{h['pages']} pages, {h['words'][name]:,} words extracted"])
    return rows


def stage_rows(result: dict) -> list[list[str]]:
    p = result["pipeline"]
    stages = p["stages"]
    names = [s for s in STAGE_ORDER if s in stages] + [s for s in stages if s not in STAGE_ORDER]
    rows = []
    for name in names:
        stage = stages[name]
        label = f"  of which {name.split('.', 1)[1]}" if "." in name else name
        rows.append([label, f"{stage['calls']:,}", f"{stage['items']:,}", f"{stage['seconds']:,.1f}",
                     f"{stage['seconds'] / p['wall_s']:.1%}"])
    rows.append(["outside task bodies", "", "", f"{p['prefect_overhead_s']:,.1f}",
                 f"{p['prefect_overhead_s'] / p['wall_s']:.1%}"])
    return rows


def print_tables(console: Console, result: dict) -> None:
    tables = [
        ("Targets", ["ratio", "value", "target", "", "meaning"], target_rows(result)),
        ("Figures", ["measure", "value", "detail"], figure_rows(result)),
        ("Pipeline stages (time inside task bodies)", ["stage", "task runs", "items", "seconds", "of wall"],
         stage_rows(result)),
    ]
    if "baseline" in result:
        tables.append((f"Beside the baseline {result['baseline']['ref']}", ["measure", "this checkout", "baseline"],
                       baseline_rows(result)))
    for title, headers, rows in tables:
        table = Table(title=title)
        for header in headers:
            table.add_column(header)
        for row in rows:
            table.add_row(*row)
        console.print(table)


def _md_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(result: dict) -> str:
    m = result["machine"]
    c = result["config"]
    lines = [
        "# Benchmark results",
        "",
        f"Run {result['when']} on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM ({m['os']}); "
        f"Python {m['python']}, spaCy {m['spacy']}, Prefect {m['prefect']}; "
        f"load average at start {m['load_average_at_start']}.",
        f"Corpus: {c['articles']:,} articles (seed {c['seed']}), model `{c['model']}`, flow batch size "
        f"{c['batch_size']}, {c['nlp_processes']} NLP process per worker. "
        f"Benchmark took {result['phases_s']['total']:,.0f} s.",
        "",
        "## Targets",
        "",
        _md_table(["ratio", "value", "target", "", "meaning"], target_rows(result)),
        "",
        "## Figures",
        "",
        _md_table(["measure", "value", "detail"], figure_rows(result)),
        "",
        "## Pipeline stages",
        "",
        _md_table(["stage", "task runs", "items", "seconds", "of wall"], stage_rows(result)),
        "",
    ]
    if "scaling" in result:
        lines += [f"Scaling: {result['scaling']['how']}.", ""]
    if "baseline" in result:
        b = result["baseline"]
        lines += [f"## Beside the baseline `{b['ref']}` ({b['commit'][:12]}), same corpus, same run", "",
                  _md_table(["measure", "this checkout", "baseline"], baseline_rows(result)), ""]
    return "\n".join(lines)


def baseline_rows(result: dict) -> list[list[str]]:
    """This checkout's pipeline beside the baseline's: throughput, stages, and what each stored."""
    p, b = result["pipeline"], result["baseline"]["pipeline"]
    rows = [
        ["pipeline wall", f"{p['wall_s']:,.1f} s", f"{b['wall_s']:,.1f} s"],
        ["words/s", f"{p['words_per_s']:,.0f}", f"{b['words_per_s']:,.0f}"],
        ["articles new / failed", f"{p['articles_new']:,} / {p['failed']:,}",
         f"{b['articles_new']:,} / {b['failed']:,}"],
        ["outside task bodies", f"{p['prefect_overhead_s']:,.1f} s", f"{b['prefect_overhead_s']:,.1f} s"],
        ["peak RSS", _mb(p["peak_rss_bytes"]), _mb(b["peak_rss_bytes"])],
    ]
    for stage in STAGE_ORDER:
        if stage in p["stages"] or stage in b["stages"]:
            rows.append([f"stage {stage}", f"{p['stages'].get(stage, {}).get('seconds', 0.0):,.1f} s",
                         f"{b['stages'].get(stage, {}).get('seconds', 0.0):,.1f} s"])
    same = result["baseline"]["same_rows"]
    for table, count in p["rows_by_table"].items():
        verdict = "same rows" if same.get(table) else "DIFFERENT rows"
        rows.append([f"rows in news.{table}", f"{count:,}", f"{b['rows_by_table'].get(table, 0):,} ({verdict})"])
    return rows
