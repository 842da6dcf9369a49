"""The Prefect UI of the local stack, looked at in a real headless Chromium.

Drops the example articles into the stack's inbox, waits for the `inbox` deployment's next
scheduled run to pick them up on the stack's workers, then checks in the browser that the
deployments page lists Nyhetsflyt's deployments and that the scheduled run's page shows the run
and its table artifact. The screenshot of that page is docs/prefect-ui.png (written when missing, or
again with NYHETSFLYT_UPDATE_SCREENSHOT=1, so a test run does not rewrite a committed file).
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.client.schemas.objects import StateType
from prefect.settings import PREFECT_API_URL, temporary_settings

from nyhetsflyt.paths import EXAMPLE_INBOX, REPO_ROOT

pytestmark = [pytest.mark.stack, pytest.mark.shared, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = REPO_ROOT / "docs" / "prefect-ui.png"


def wait_for_scheduled_pickup(stack: dict, after: datetime) -> tuple[str, str]:
    """The first run the scheduler made of `ingest-folder/inbox` (every 5 minutes, Europe/Oslo)
    that started after `after` and completed; returns its id and name."""
    with temporary_settings(updates={PREFECT_API_URL: stack["api_url"]}):
        with get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name("ingest-folder/inbox")
            assert deployment.schedules and deployment.schedules[0].schedule.timezone == "Europe/Oslo"
            deadline = time.monotonic() + 7 * 60  # the next 5-minute mark, and the run itself
            while time.monotonic() < deadline:
                runs = client.read_flow_runs(
                    deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])))
                for run in runs:
                    started = run.start_time
                    if (run.auto_scheduled and started is not None and started > after
                            and run.state is not None and run.state.type == StateType.COMPLETED):
                        return str(run.id), run.name
                time.sleep(5)
    pytest.fail("no scheduled run of the inbox deployment completed within 7 minutes")


def test_prefect_ui_shows_deployments_run_and_artifact(local_stack, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    assert CHROMIUM.exists(), "Chromium is missing: `make install` installs it (apt-get install chromium)"
    inbox = local_stack["stack_dir"] / "inbox"  # the stack's inbox deployment watches it
    copied_at = datetime.now(timezone.utc)
    for example in EXAMPLE_INBOX.iterdir():
        shutil.copy(example, inbox / example.name)
    run_id, run_name = wait_for_scheduled_pickup(local_stack, copied_at)
    assert not [p for p in inbox.rglob("*") if p.is_file()]  # the pickup emptied the inbox

    ui = local_stack["ui_url"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{ui}/deployments")
            deployments = local_stack["deployments"]
            expect(page.get_by_text(f"{len(deployments)} Deployments")).to_be_visible(timeout=30_000)
            for name in deployments:
                expect(page.get_by_text(name, exact=True).first).to_be_visible()

            page.goto(f"{ui}/runs/flow-run/{run_id}")
            expect(page.get_by_text(run_name, exact=True).first).to_be_visible(timeout=30_000)
            expect(page.get_by_text("Completed").first).to_be_visible()
            page.get_by_text("Artifacts", exact=True).first.click()
            expect(page.get_by_text("ingest-folder-counts", exact=True).first).to_be_visible(timeout=30_000)
            expect(page.get_by_text("Counts of this run").first).to_be_visible()

            page.wait_for_load_state("networkidle")  # the run's timeline is drawn once its data is in
            page.wait_for_timeout(1500)
            shot = tmp_path / "prefect-ui.png"
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    if not SCREENSHOT.exists() or os.environ.get("NYHETSFLYT_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copy(shot, SCREENSHOT)
