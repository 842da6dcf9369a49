"""Automations against the session's Prefect API: created by name, idempotent, and firing.

The temporary Prefect server of the test harness runs the event services (reactive and
proactive triggers, actions), so a webhook to a loopback server really is called.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from typer.testing import CliRunner

from nyhetsflyt.app.automations import (
    AUTOMATION_NAMES,
    FAILED_RUNS,
    INBOX_STALLED,
    SOURCE_DRIFT,
    SOURCE_SILENT,
    apply_automations,
    automation_specs,
    remove_automations,
)
from nyhetsflyt.app.cli import app

pytestmark = pytest.mark.usefixtures("prefect_server")
ONE_EACH = dict.fromkeys(AUTOMATION_NAMES, 1)


async def by_name() -> dict[str, list]:
    async with get_client() as client:
        return {name: await client.read_automations_by_name(name) for name in AUTOMATION_NAMES}


@pytest.fixture
def clean_automations() -> Iterator[None]:
    asyncio.run(remove_automations())
    yield
    asyncio.run(remove_automations())


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, queue.Queue]]:
    """A loopback HTTP server that queues the JSON body of every POST."""
    received: queue.Queue = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.put(json.loads(body or b"{}"))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/alert", received
    finally:
        server.shutdown()
        server.server_close()


def wait_for(received: queue.Queue, automation: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            body = received.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        seen.append(body)
        if body.get("automation") == automation:
            return body
    pytest.fail(f"no notification from {automation} within {timeout} s; got {seen}")


def test_specs_watch_failed_runs_and_a_quiet_inbox():
    failed, stalled, _, _ = automation_specs([])
    assert failed.trigger.expect == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    assert failed.trigger.posture == "Reactive"
    assert stalled.trigger.posture == "Proactive"
    assert stalled.trigger.expect == {"prefect.flow-run.Completed"}
    assert stalled.trigger.within == timedelta(minutes=30)
    related = {
        (spec["prefect.resource.role"], spec["prefect.resource.name"])
        for spec in (r.model_dump() for r in stalled.trigger.match_related)
    }
    assert related == {("deployment", "inbox"), ("flow", "ingest-folder")}


def test_apply_creates_once_and_updates_in_place(clean_automations):
    first = asyncio.run(apply_automations(webhook_url=None))
    assert [(a.name, a.outcome) for a in first] == [
        (FAILED_RUNS, "created"), (INBOX_STALLED, "created"), (SOURCE_DRIFT, "created"), (SOURCE_SILENT, "created")]
    second = asyncio.run(apply_automations(webhook_url=None))
    assert [(a.outcome, a.id) for a in second] == [("unchanged", a.id) for a in first]
    stored = asyncio.run(by_name())
    assert {name: len(found) for name, found in stored.items()} == ONE_EACH
    assert all(found[0].actions[0].type == "do-nothing" for found in stored.values())

    # A webhook replaces the action of the same automations.
    third = asyncio.run(apply_automations(webhook_url="http://127.0.0.1:9/alert"))
    assert [(a.outcome, a.id) for a in third] == [("updated", a.id) for a in first]
    stored = asyncio.run(by_name())
    assert all(found[0].actions[0].type == "call-webhook" for found in stored.values())

    # A duplicate made by hand is removed on the next apply.
    async def duplicate() -> None:
        async with get_client() as client:
            await client.create_automation(automation_specs([])[0])
    asyncio.run(duplicate())
    assert len(asyncio.run(by_name())[FAILED_RUNS]) == 2
    asyncio.run(apply_automations(webhook_url="http://127.0.0.1:9/alert"))
    stored = asyncio.run(by_name())
    assert {name: len(found) for name, found in stored.items()} == ONE_EACH


def test_cli_apply_twice(clean_automations, monkeypatch):
    monkeypatch.delenv("NYHETSFLYT_ALERT_WEBHOOK", raising=False)
    runner = CliRunner()
    first = runner.invoke(app, ["automations", "apply"])
    assert first.exit_code == 0, first.output
    assert "created" in first.output and FAILED_RUNS in first.output
    second = runner.invoke(app, ["automations", "apply"])
    assert second.exit_code == 0, second.output
    assert "created" not in second.output and second.output.count("unchanged") == 4
    assert {name: len(found) for name, found in asyncio.run(by_name()).items()} == ONE_EACH


@flow(name="always-fails")
def always_fails() -> None:
    raise RuntimeError("the flow was told to fail")


def test_a_failed_flow_run_calls_the_webhook(clean_automations):
    with webhook_receiver() as (url, received):
        asyncio.run(apply_automations(webhook_url=url))
        state = always_fails(return_state=True)
        assert state.is_failed()
        body = wait_for(received, FAILED_RUNS, timeout=90)
    assert body["source"] == "nyhetsflyt"
    assert body["event"] == "prefect.flow-run.Failed"
    assert body["resource"] == f"prefect.flow-run.{state.state_details.flow_run_id}"


def test_specs_watch_source_drift_and_silent_sources():
    *_, drift, silent = automation_specs([], source_quiet_for=timedelta(hours=2))
    assert drift.name == SOURCE_DRIFT and silent.name == SOURCE_SILENT
    assert drift.trigger.expect == {"nyhetsflyt.source.drift"} and drift.trigger.posture == "Reactive"
    assert drift.trigger.match.model_dump() == {"prefect.resource.id": "nyhetsflyt.source.*"}
    assert silent.trigger.posture == "Proactive" and silent.trigger.within == timedelta(hours=2)
    assert silent.trigger.after == silent.trigger.expect == {"nyhetsflyt.source.published"}
    assert silent.trigger.for_each == {"prefect.resource.id"}  # one watch per source


def test_a_quiet_inbox_calls_the_webhook(clean_automations):
    # The same trigger with a 10 s window (the least Prefect allows) instead of 30 minutes.
    with webhook_receiver() as (url, received):
        asyncio.run(apply_automations(webhook_url=url, quiet_for=timedelta(seconds=10)))
        body = wait_for(received, INBOX_STALLED, timeout=90)
    assert body["source"] == "nyhetsflyt"
