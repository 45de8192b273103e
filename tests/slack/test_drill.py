"""Drills and tests: `/incident drill on|off`, `/incident declare --drill …` and the declare
form's checkbox mark an incident; the status block says so and insights leave it out."""

import json
from collections.abc import Iterator

import pytest
from insights.slack_insights_app import answered, insights_app
from integration.harness import Harness

from bot.sandbox import SandboxServer
from bot.slack.blocks.modals import DRILL_OPTION
from bot.slack.ids import ActionId, BlockId
from storage.enums import EventKind


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """One sandbox server for the module; each test resets its world."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def app(database_url: str, sandbox: SandboxServer) -> Iterator[Harness]:
    """The app on a fresh database."""
    with insights_app(database_url, sandbox) as harness:
        yield harness


def drill_events(app: Harness, number: int = 1) -> list[str]:
    return [e.text for e in app.timeline(number) if e.kind == EventKind.MARKED_DRILL]


def test_drill_on_and_off_mark_the_incident_and_its_status_block(app: Harness) -> None:
    incident = app.declare("sev3 Failover rehearsal")
    channel = incident.channel_id or ""
    assert not app.incident().drill
    told = answered(app, "alice", "drill on", channel=channel)
    assert "Marked as a drill" in told
    assert app.incident().drill
    alice = app.driver.user("alice")["id"]
    assert drill_events(app) == [f"Marked as a drill or test by @{alice}: left out of insights"]
    status = app.status_message()
    assert status["blocks"][0]["text"]["text"].endswith("[Drill] INC-1: Failover rehearsal")
    assert "🧪 *Drill*" in json.dumps(status["blocks"], ensure_ascii=False)

    again = answered(app, "alice", "drill on", channel=channel)
    assert "INC-1 is already marked as a drill." in again
    assert len(drill_events(app)) == 1

    answered(app, "alice", "drill off", channel=channel)
    assert not app.incident().drill
    assert len(drill_events(app)) == 2
    assert "[Drill]" not in app.status_message()["blocks"][0]["text"]["text"]


def test_drill_needs_on_or_off_and_an_incident_channel(app: Harness) -> None:
    response = app.driver.slash("alice", "general", "drill maybe")
    assert "`/incident drill on`" in response.text
    assert "only inside an incident channel" in answered(app, "alice", "drill on")


def test_declare_with_the_drill_flag_declares_a_drill(app: Harness) -> None:
    app.declare("--drill sev2 Game day: database failover")
    stored = app.incident()
    assert stored.drill and stored.title == "Game day: database failover"
    assert stored.severity == "sev2"
    assert app.status_message()["blocks"][0]["text"]["text"].endswith(
        "[Drill] INC-1: Game day: database failover"
    )


def test_the_declare_form_has_a_drill_checkbox(app: Harness) -> None:
    assert app.driver.slash("alice", "general", "declare --drill").status_code == 200
    view = app.driver.wait_for(lambda: app.driver.latest_view("alice"))
    modal = app.driver.view(view["id"])
    box = next(b for b in modal["blocks"] if b.get("block_id") == BlockId.DRILL)
    assert [o["value"] for o in box["element"]["initial_options"]] == [DRILL_OPTION]
    app.driver.submit_view(
        "alice",
        view["id"],
        {BlockId.TITLE: {ActionId.TITLE: "Tabletop: lost region"}},
    )
    app.driver.wait_for(lambda: app.incidents() and app.incidents()[-1].status_pinned)
    app.settle()
    assert app.incident().drill

    # The same form, the box left unticked: a real incident.
    assert app.driver.slash("alice", "general", "declare").status_code == 200
    view = app.driver.wait_for(lambda: app.driver.latest_view("alice"))
    modal = app.driver.view(view["id"])
    box = next(b for b in modal["blocks"] if b.get("block_id") == BlockId.DRILL)
    assert "initial_options" not in box["element"]
    app.driver.submit_view("alice", view["id"], {BlockId.TITLE: {ActionId.TITLE: "Real one"}})
    app.driver.wait_for(lambda: len(app.incidents()) == 2 and app.incidents()[-1].status_pinned)
    assert not app.incident(2).drill
