"""Prefect automations that watch Nyhetsflyt, created from code and kept in step by name.

Four automations:
    failed-runs     a flow run went Failed or Crashed (reactive)
    inbox-stalled   the `inbox` deployment has had no Completed run for 30 minutes (proactive)
    source-drift    a run found a source's figure outside its baseline: the event
                    `nyhetsflyt.source.drift` (reactive; flows/quality.py emits it)
    source-silent   a source that brought new articles has brought none since, for 6 hours
                    by default (proactive, one watch per source)

Where they notify: with a webhook URL (``NYHETSFLYT_ALERT_WEBHOOK``) a Prefect `Webhook` block
is saved and called with a small JSON body; without one the action is Prefect's `do-nothing`,
so a firing is only recorded: as `prefect.automation.triggered` events in the Prefect UI's
event feed and on the automation's page.

Applying is idempotent: an automation with the same name is updated in place (duplicates of the
name are removed), never created twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from prefect.blocks.webhook import Webhook
from prefect.client.orchestration import get_client
from prefect.events.actions import CallWebhook, DoNothing
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

from nyhetsflyt.quality.events import DRIFT_EVENT, PUBLISHED_EVENT, SOURCE_RESOURCES

WEBHOOK_BLOCK_NAME = "nyhetsflyt-alerts"
TAG = "nyhetsflyt"

FAILED_RUNS = "nyhetsflyt-failed-runs"
INBOX_STALLED = "nyhetsflyt-inbox-stalled"
SOURCE_DRIFT = "nyhetsflyt-source-drift"
SOURCE_SILENT = "nyhetsflyt-source-silent"
AUTOMATION_NAMES = (FAILED_RUNS, INBOX_STALLED, SOURCE_DRIFT, SOURCE_SILENT)

# Rendered by the Prefect server (Jinja) when the automation fires. For the proactive trigger
# there is no triggering event, so the event fields render empty.
WEBHOOK_PAYLOAD = """{
  "source": "nyhetsflyt",
  "automation": {{ automation.name | tojson }},
  "event": {{ (event.event if event else "") | tojson }},
  "resource": {{ (event.resource.id if event else "") | tojson }},
  "name": {{ (event.resource.name if event else "") | tojson }},
  "occurred": {{ (event.occurred | string if event else "") | tojson }}
}"""
# The source automations add what the event says: the source, the figure, its value and the
# baseline (drift), or the source and its last run with articles (silent: the last event seen).
SOURCE_WEBHOOK_PAYLOAD = """{
  "source": "nyhetsflyt",
  "automation": {{ automation.name | tojson }},
  "event": {{ (event.event if event else "") | tojson }},
  "resource": {{ (event.resource.id if event else "") | tojson }},
  "name": {{ (event.resource.name if event else "") | tojson }},
  "occurred": {{ (event.occurred | string if event else "") | tojson }},
  "details": {{ (event.payload if event else {}) | tojson }}
}"""


@dataclass(frozen=True, slots=True)
class Applied:
    name: str
    id: str
    outcome: Literal["created", "updated", "unchanged"]


def automation_specs(
    actions: list,
    *,
    inbox_deployment: str = "inbox",
    inbox_flow: str = "ingest-folder",
    quiet_for: timedelta = timedelta(minutes=30),
    source_actions: list | None = None,
    source_quiet_for: timedelta = timedelta(hours=6),
) -> list[AutomationCore]:
    """The automations, with the given actions (a pure function: nothing is sent anywhere)."""
    failed = AutomationCore(
        name=FAILED_RUNS,
        description="A flow run ended Failed or Crashed.",
        tags=[TAG],
        trigger=EventTrigger(
            expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            posture=Posture.Reactive,
            threshold=1,
            within=timedelta(0),
        ),
        actions=actions,
    )
    stalled = AutomationCore(
        name=INBOX_STALLED,
        description=(
            f"The {inbox_deployment!r} deployment has had no Completed flow run for "
            f"{int(quiet_for.total_seconds() // 60)} minutes."
        ),
        tags=[TAG],
        trigger=EventTrigger(
            expect={"prefect.flow-run.Completed"},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related=[
                {"prefect.resource.role": "deployment", "prefect.resource.name": inbox_deployment},
                {"prefect.resource.role": "flow", "prefect.resource.name": inbox_flow},
            ],
            posture=Posture.Proactive,
            threshold=1,
            within=quiet_for,
        ),
        actions=actions,
    )
    drift = AutomationCore(
        name=SOURCE_DRIFT,
        description="A source's quality figure fell outside its own baseline in a run.",
        tags=[TAG],
        trigger=EventTrigger(
            expect={DRIFT_EVENT},
            match={"prefect.resource.id": SOURCE_RESOURCES},
            posture=Posture.Reactive,
            threshold=1,
            within=timedelta(0),
        ),
        actions=source_actions if source_actions is not None else actions,
    )
    silent = AutomationCore(
        name=SOURCE_SILENT,
        description=(
            "A source that brought new articles has brought none for "
            f"{int(source_quiet_for.total_seconds() // 60)} minutes."
        ),
        tags=[TAG],
        trigger=EventTrigger(
            # After each run with new articles from a source, the next such run is expected
            # within the window; a watch per source, so one silent source among many is named.
            after={PUBLISHED_EVENT},
            expect={PUBLISHED_EVENT},
            match={"prefect.resource.id": SOURCE_RESOURCES},
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=source_quiet_for,
        ),
        actions=source_actions if source_actions is not None else actions,
    )
    return [failed, stalled, drift, silent]


async def alert_actions(webhook_url: str | None, payload: str = WEBHOOK_PAYLOAD) -> list:
    """The notification: a call of the saved webhook block, or only a record of the firing."""
    if not webhook_url:
        return [DoNothing()]
    block = Webhook(
        method="POST", url=webhook_url, headers={"Content-Type": "application/json"}
    )
    block_id = await block.asave(WEBHOOK_BLOCK_NAME, overwrite=True)
    return [CallWebhook(block_document_id=block_id, payload=payload)]


def _comparable(automation: AutomationCore) -> dict:
    return AutomationCore.model_validate(automation.model_dump()).model_dump(
        mode="json", include={"description", "enabled", "tags", "trigger", "actions"}
    )


async def apply_automations(
    webhook_url: str | None = None, *, inbox_deployment: str = "inbox",
    quiet_for: timedelta = timedelta(minutes=30),
    source_quiet_for: timedelta = timedelta(hours=6),
) -> list[Applied]:
    """Create or update the automations on the Prefect API in use (PREFECT_API_URL).

    Without a webhook the alerts are only recorded in Prefect (the command passes the setting
    NYHETSFLYT_ALERT_WEBHOOK)."""
    actions = await alert_actions(webhook_url)
    source_actions = await alert_actions(webhook_url, SOURCE_WEBHOOK_PAYLOAD)
    applied = []
    specs = automation_specs(actions, inbox_deployment=inbox_deployment, quiet_for=quiet_for,
                             source_actions=source_actions, source_quiet_for=source_quiet_for)
    async with get_client() as client:
        for spec in specs:
            existing = await client.read_automations_by_name(spec.name)
            if not existing:
                new_id = await client.create_automation(spec)
                applied.append(Applied(spec.name, str(new_id), "created"))
                continue
            keep, *extra = sorted(existing, key=lambda a: str(a.id))
            for duplicate in extra:
                await client.delete_automation(duplicate.id)
            if _comparable(keep) == _comparable(spec):
                applied.append(Applied(spec.name, str(keep.id), "unchanged"))
            else:
                await client.update_automation(keep.id, spec)
                applied.append(Applied(spec.name, str(keep.id), "updated"))
    return applied


async def remove_automations() -> list[str]:
    """Delete the automations (by name); returns the names deleted."""
    removed = []
    async with get_client() as client:
        for name in AUTOMATION_NAMES:
            for automation in await client.read_automations_by_name(name):
                await client.delete_automation(automation.id)
                removed.append(name)
    return removed
