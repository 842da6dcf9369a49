"""Source quality end to end: a news site on loopback, real `ingest-web` runs, the Prefect
events, automations and artifacts of the tests' Prefect server, and a real PostgreSQL.

The NLP model is the rule-based one (`blank:nb`): these tests are about what the pipeline
measures, not about the model, and it keeps each run to a few seconds.
"""

from __future__ import annotations

import asyncio
import json
import queue
import time
from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import psycopg
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey
from prefect.events import emit_event
from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter
from test_automations import clean_automations, webhook_receiver  # noqa: F401  (a fixture)
from test_flow_web import FAST
from typer.testing import CliRunner
from web_server import RunningServer, SiteEdition, serve

from flows.ingest_folder import ingest_folder
from flows.ingest_web import ingest_web
from flows.quality import ARTIFACT_KEY
from nyhetsflyt.app.automations import SOURCE_DRIFT, SOURCE_SILENT, apply_automations
from nyhetsflyt.app.cli import app
from nyhetsflyt.db.connect import connect
from nyhetsflyt.db.quality import QualityRow, read_quality
from nyhetsflyt.paths import REPO_ROOT
from nyhetsflyt.quality.events import DRIFT_EVENT, PUBLISHED_EVENT, source_resource
from nyhetsflyt.quality.figures import show
from nyhetsflyt.quality.report import DRIFT_MARK, TABLE_FIGURES

pytestmark = pytest.mark.usefixtures("prefect_server")

MODEL = "blank:nb"
STEADY_ITEMS = 15


@pytest.fixture(autouse=True)
def allow_loopback(monkeypatch) -> None:
    monkeypatch.setenv("NYHETSFLYT_ALLOW_PRIVATE", "1")


@pytest.fixture
def site() -> Iterator[RunningServer]:
    with serve() as running:
        yield running


def source_of(server: RunningServer) -> str:
    return server.base_url.split("://", 1)[1]  # the host and port: news.source_of()


def run_edition(server: RunningServer, edition: int, items: int = STEADY_ITEMS, layout: str = "full"):
    server.state.site = SiteEdition(edition, items, layout)
    state = ingest_web(urls=[server.url("/nettavis/feed.xml")], kind="feed", fetch=FAST, model=MODEL,
                       return_state=True)
    assert state.is_completed(), state
    return state.result(), state.state_details.flow_run_id


def rows_of(url: str, source: str) -> list[QualityRow]:
    with connect(url) as conn:
        return read_quality(conn, source=source)


async def _events(name: str, resource_id: str) -> list:
    async with get_client() as client:
        page = await client.read_events(filter=EventFilter(
            event=EventNameFilter(name=[name]), resource=EventResourceFilter(id=[resource_id])), limit=50)
        return page.events


def events_of(name: str, source: str, at_least: int = 0, timeout: float = 30.0) -> list:
    """The events of that name about a source, once at least `at_least` have arrived."""
    deadline = time.monotonic() + timeout
    resource_id = source_resource(source)["prefect.resource.id"]
    while True:
        found = asyncio.run(_events(name, resource_id))
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def posts(received: queue.Queue, automation: str, count: int, timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    found: list[dict] = []
    while len(found) < count and time.monotonic() < deadline:
        try:
            body = received.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if body.get("automation") == automation:
            found.append(body)
    return found


async def _artifact(flow_run_id: UUID) -> str:
    async with get_client() as client:
        artifacts = await client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=[ARTIFACT_KEY]), flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    assert len(artifacts) == 1, artifacts
    return str(artifacts[0].data)


def artifact_cells(markdown: str, source: str) -> dict[str, str]:
    """The artifact's table line of a source, by column header."""
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    for line in table[1:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if source in cells[0]:
            return dict(zip(header, cells, strict=True))
    raise AssertionError(f"{source} is not in the artifact:\n{markdown}")


# --- acceptance -----------------------------------------------------------------------------


def test_a_site_that_changes_layout_and_thins_its_feed_is_in_drift_within_that_run(
        empty_db, site, clean_automations):  # noqa: F811
    source = source_of(site)
    with webhook_receiver() as (hook, received):
        asyncio.run(apply_automations(webhook_url=hook))
        for edition in (1, 2, 3):
            summary, _ = run_edition(site, edition)
            assert summary.articles_new == STEADY_ITEMS and summary.failed == 0
        steady = rows_of(empty_db, source)
        assert [(r.articles, r.drift) for r in steady] == [(STEADY_ITEMS, [])] * 3

        # A new layout keeps only the opening of each article, and the feed a fifth of its items.
        summary, flow_run_id = run_edition(site, 4, items=STEADY_ITEMS // 5, layout="teaser")
        assert summary.articles_new == 3

        # Within that run: its row, its events (related to the run) and its artifact.
        current = rows_of(empty_db, source)[-1]
        assert current.run_id == summary.run_id
        drifted = {finding["figure"]: finding for finding in current.drift}
        assert {"articles", "words_per_article"} <= set(drifted), current.drift
        baseline_words = sorted(r.words_per_article for r in steady)[1]
        assert current.words_per_article < 0.4 * baseline_words  # the extractor got ≥ 60% fewer words
        assert drifted["words_per_article"]["baseline"]["median"] == pytest.approx(baseline_words)
        assert drifted["articles"]["value"] == 3.0 and drifted["articles"]["baseline"]["median"] == STEADY_ITEMS

        events = events_of(DRIFT_EVENT, source, at_least=len(drifted))
        assert {e.payload["figure"] for e in events} == set(drifted)
        for event in events:
            assert event.payload["source"] == source and event.payload["run_id"] == summary.run_id
            assert event.payload["value"] == drifted[event.payload["figure"]]["value"]
            assert event.payload["baseline"] == drifted[event.payload["figure"]]["baseline"]
            assert f"prefect.flow-run.{flow_run_id}" in {r.id for r in event.related}

        # The automation posts each one to the webhook.
        bodies = posts(received, SOURCE_DRIFT, count=len(drifted), timeout=90)
        assert {b["details"]["figure"] for b in bodies} == set(drifted), bodies
        words_post = next(b for b in bodies if b["details"]["figure"] == "words_per_article")
        assert words_post["event"] == DRIFT_EVENT and words_post["name"] == source
        assert words_post["details"]["value"] == pytest.approx(current.words_per_article, rel=1e-6)
        assert words_post["details"]["baseline"]["median"] == pytest.approx(baseline_words)

        markdown = asyncio.run(_artifact(flow_run_id))
    cells = artifact_cells(markdown, source)
    assert cells["source"] == f"**{DRIFT_MARK} {source}**"
    assert "words/article" in cells["drift"] and "articles 3" in cells["drift"]
    assert_same_figures(cells, current)

    # The command shows the same rows and numbers as the table.
    result = CliRunner().invoke(app, ["quality", "--source", source, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)["rows"]
    stored = [r.as_json() for r in rows_of(empty_db, source)]
    assert shown == stored and len(shown) == 4
    with psycopg.connect(empty_db) as conn:
        direct = conn.execute("SELECT articles, words_per_article, caption_share, credit_share, drift"
                              " FROM news.source_quality WHERE source = %s ORDER BY run_id", (source,)).fetchall()
    assert [(r["articles"], r["words_per_article"], r["caption_share"], r["credit_share"], r["drift"])
            for r in shown] == [tuple(d) for d in direct]
    table = CliRunner().invoke(app, ["quality", "--source", source], catch_exceptions=False, terminal_width=200)
    assert table.exit_code == 0, table.output
    assert "DRIFT" in table.stdout and source in table.stdout
    words_line = next(line for line in table.stdout.splitlines() if "words/article" in line)
    assert show("words_per_article", current.words_per_article) in words_line


def assert_same_figures(cells: dict[str, str], row: QualityRow) -> None:
    """Each figure of the artifact is the stored one, as far as the printed digits go."""
    for figure in TABLE_FIGURES:
        value = getattr(row, figure.name)
        cell = cells[figure.label]
        assert cell == show(figure.name, value), (figure.name, cell, value)
        if value is None:
            continue
        number = float(cell.rstrip("%")) / (100 if cell.endswith("%") else 1)
        digits = 0.005 if cell.endswith("%") else (0.05 if "." in cell else 0.5)
        assert abs(number - value) <= digits, (figure.name, cell, value)
    assert cells["fetches"] == str(row.fetches) and cells["HTTP 4xx"] == str(row.fetch_4xx)


def test_a_steady_source_run_ten_times_raises_no_drift(empty_db, site):
    source = source_of(site)
    for edition in range(1, 11):
        summary, _ = run_edition(site, edition)
        assert summary.articles_new == STEADY_ITEMS
    rows = rows_of(empty_db, source)
    assert len(rows) == 10 and all(r.drift == [] for r in rows), [r.drift for r in rows if r.drift]
    # The runs did vary (a steady source is not a constant one), and were judged from the 4th on.
    assert len({r.words_per_article for r in rows}) > 5
    assert len({r.caption_share for r in rows}) > 1
    # The events went out, and none of them was a drift.
    assert len(events_of(PUBLISHED_EVENT, source, at_least=10)) == 10
    assert events_of(DRIFT_EVENT, source) == []


def test_a_source_that_stops_publishing_is_reported(clean_automations):  # noqa: F811
    # The silent-source trigger with a 10 s window (the least Prefect allows) instead of hours;
    # the event is the one a run emits for a source it brought articles from (flows/quality.py,
    # proven by the steady test). The source publishes three times, a few seconds apart (the
    # server takes a moment to start watching a new automation), and then never again; a
    # second source keeps publishing and must not be reported.
    source, busy = "stille.example.no", "travel.example.no"
    with webhook_receiver() as (hook, received):
        asyncio.run(apply_automations(webhook_url=hook, source_quiet_for=timedelta(seconds=10)))
        for run_id in (1, 2, 3):
            for name in (source, busy):
                emit_event(PUBLISHED_EVENT, source_resource(name),
                           payload={"source": name, "run_id": run_id, "articles": 4})
            time.sleep(3)
        deadline = time.monotonic() + 90
        bodies: list[dict] = []
        run_id = 4
        while not bodies and time.monotonic() < deadline:
            emit_event(PUBLISHED_EVENT, source_resource(busy), payload={"source": busy, "run_id": run_id,
                                                                        "articles": 4})
            run_id += 1
            bodies = posts(received, SOURCE_SILENT, count=1, timeout=4)
    assert len(bodies) == 1, bodies
    assert bodies[0]["name"] == source and bodies[0]["details"]["source"] == source
    assert bodies[0]["details"]["run_id"] == 3  # its last run with articles


def test_folder_runs_measure_the_folder_and_failures(empty_db, tmp_path):
    inbox = tmp_path / "innboks"
    inbox.mkdir()
    for path in (REPO_ROOT / "examples" / "inbox").iterdir():
        (inbox / path.name).write_bytes(path.read_bytes())
    (inbox / "tom.txt").write_bytes(b"")  # empty: a failure of this folder
    summary = ingest_folder(paths=[str(inbox)], model=MODEL)
    rows = rows_of(empty_db, str(inbox))
    assert len(rows) == 1
    row = rows[0]
    assert row.articles == summary.articles_new == 5 and row.run_id == summary.run_id
    assert row.failed + row.refused == summary.failed + summary.skipped >= 1
    assert row.language_mix == {"nb": 5} and row.fetches == 0
    with psycopg.connect(empty_db) as conn:
        counts = conn.execute("SELECT count(*), avg(word_count), sum(captions), sum(credited_captions)"
                              " FROM news.article_overview WHERE run_id = %s", (summary.run_id,)).fetchone()
    assert counts is not None
    assert row.words_per_article == pytest.approx(float(counts[1]), rel=1e-6)
    assert row.captions == counts[2] and row.credit_share == pytest.approx(counts[3] / counts[2])
    today = rows[0].measured_at.astimezone(ZoneInfo("Europe/Oslo")).date().isoformat()
    shown = CliRunner().invoke(app, ["quality", "--since", today, "--json"], catch_exceptions=False)
    assert [r["run_id"] for r in json.loads(shown.stdout)["rows"]] == [summary.run_id]
    later = CliRunner().invoke(app, ["quality", "--since", "2999-01-01", "--json"], catch_exceptions=False)
    assert json.loads(later.stdout)["rows"] == []
    # Ingesting the same files again changes no article; the new run finds nothing new.
    again = ingest_folder(paths=[str(inbox)], model=MODEL)
    assert again.articles_new == 0
    assert rows_of(empty_db, str(inbox))[-1].articles == 0
    assert row.story_copy_share == 0.0
    # The same articles from another folder are rows of their own, each a copy of a known story.
    mirror = tmp_path / "speil"
    mirror.mkdir()
    for path in (REPO_ROOT / "examples" / "inbox").iterdir():
        (mirror / path.name).write_bytes(path.read_bytes())
    copies = ingest_folder(paths=[str(mirror)], model=MODEL)
    assert copies.articles_new == 5
    assert rows_of(empty_db, str(mirror))[0].story_copy_share == 1.0


@pytest.mark.parametrize("uri,source", [
    ("https://www.NRK.no/nyheter/a-1.html", "nrk.no"),
    ("http://127.0.0.1:8080/nettavis/sak/1-1.html", "127.0.0.1:8080"),
    ("http://user@vg.no/a", "vg.no"),
    ("/data/inbox/ntb/2024-02.jsonl#17", "/data/inbox/ntb"),
    ("/data/inbox/a.txt", "/data/inbox"),
    ("a.txt", "."),
])
def test_what_a_source_is(database_url, uri, source):
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT news.source_of(%s)", (uri,)).fetchone() == (source,)


def test_quality_without_rows_says_so(empty_db):
    result = CliRunner().invoke(app, ["quality"], catch_exceptions=False)
    assert result.exit_code == 0 and "No quality figures yet" in result.stdout
