"""The status page from Slack, end to end: the real app on real HTTP against the Slack sandbox,
every request signed, a real database (SQLite and PostgreSQL). `/incident statuspage <status>
<message>` publishes at once with the components the incident's services and severity affect;
`/incident statuspage` opens a form prefilled from the incident; every publication is on the
timeline and in the status block; a SEV1/SEV2 affecting customers with nothing public after 15
minutes reminds the comms lead once; `/maintenance` schedules maintenance."""

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from comms.comms_stack import CommsHarness, comms_app
from sqlmodel import Session, select

from bot.sandbox import SandboxServer
from bot.slack.blocks.modals import CUSTOMERS_OPTION
from bot.slack.blocks.statuspage_form import NOT_AFFECTED, component_block_id
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.statuspage.service import PUBLISHED
from storage.enums import EventKind
from storage.models import Effect, Maintenance


@pytest.fixture(scope="module")
def page_sandbox() -> Iterator[SandboxServer]:
    """One sandbox server for the module; each test resets its world."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def app(database_url: str, page_sandbox: SandboxServer, tmp_path: Path) -> Iterator[CommsHarness]:
    """The app with components and stakeholders in warroom.yml (no mail server)."""
    with comms_app(database_url, page_sandbox, tmp_path, None) as harness:
        yield harness


def declare(
    app: CommsHarness, title: str, severity: str = "sev1", *, customers: bool = False
) -> str:
    """Declare from the form with the checkout service; the incident channel's id."""
    app.driver.slash("alice", "general", "declare")
    view = app.driver.wait_for(lambda: app.driver.latest_view("alice"), description="form")
    values: dict[str, Any] = {
        BlockId.TITLE: {ActionId.TITLE: title},
        BlockId.SEVERITY: {ActionId.SEVERITY: severity},
        BlockId.SERVICE: {ActionId.SERVICE: "checkout"},
    }
    if customers:
        values[BlockId.CUSTOMERS_AFFECTED] = {ActionId.CUSTOMERS_AFFECTED: [CUSTOMERS_OPTION]}
    assert app.driver.submit_view("alice", view["id"], values).status_code == 200
    app.driver.wait_for(lambda: [i for i in app.incidents() if i.status_pinned])
    app.settle()
    channel = app.incident().channel_id
    assert channel
    return channel


def status_block_text(app: CommsHarness) -> str:
    return str(app.status_message()["blocks"])


def test_publishing_at_once_uses_the_prefilled_components(app: CommsHarness) -> None:
    channel = declare(app, "Checkout is failing")
    answer = app.command("alice", channel, "statuspage identified We found the cause")
    assert answer == (
        ":globe_with_meridians: Published a new public incident on the status page: *Identified*."
    )
    (public,) = app.public_incidents()
    assert (public.title, public.status, public.incident_id) == (
        "Checkout is failing",
        "identified",
        app.incident().id,
    )
    assert public.components == {"API": "major_outage", "Web": "major_outage"}
    (event,) = app.events(EventKind.PUBLIC_UPDATE)
    assert event.text == "Status page: identified (by @U0ALICE): We found the cause"
    assert app.incident().public_status == "identified"
    # A second or two may pass on a busy machine between the publication and the block.
    assert re.search(r"\*Public:\* identified · [0-5]s ago", status_block_text(app))
    with Session(app.engine) as session:
        effects = session.exec(select(Effect).where(Effect.kind == PUBLISHED)).all()
    assert [e.payload for e in effects] == [{"update_id": app.public_updates()[0].id}]

    app.clock.advance(minutes=12)
    again = app.command("alice", channel, "statuspage resolved Fixed and verified")
    assert again == (
        ":globe_with_meridians: Published the public incident on the status page: *Resolved*."
    )
    (public,) = app.public_incidents()
    assert (public.title, public.status) == ("Checkout is failing", "resolved")
    assert [u.message for u in app.public_updates()] == [
        "We found the cause",
        "Fixed and verified",
    ]
    # A second or two may pass on a busy machine between the publication and the block.
    assert re.search(r"\*Public:\* resolved · [0-5]s ago", status_block_text(app))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("statuspage fixed It is fixed", "`fixed` is not a public status"),
        ("statuspage identified", "Write the message the status page shows"),
    ],
)
def test_a_wrong_quick_publication_is_one_line_and_stores_nothing(
    app: CommsHarness, text: str, said: str
) -> None:
    channel = declare(app, "Checkout is failing")
    answer = app.command("alice", channel, text)
    assert answer.startswith(f":warning: {said}") and "\n" not in answer
    assert app.public_incidents() == [] and app.events(EventKind.PUBLIC_UPDATE) == []


def test_the_form_is_prefilled_and_publishes_what_was_chosen(app: CommsHarness) -> None:
    channel = declare(app, "Checkout is failing", "sev2")
    assert app.driver.slash("alice", channel, "statuspage").status_code == 200
    opened = app.driver.wait_for(lambda: app.driver.latest_view("alice"), description="form")
    view = app.driver.view(opened["id"])
    assert view["callback_id"] == CallbackId.STATUSPAGE
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    title = blocks[BlockId.STATUSPAGE_TITLE]["element"]["initial_value"]
    status = blocks[BlockId.STATUSPAGE_STATUS]["element"]["initial_option"]["value"]
    assert (title, status) == ("Checkout is failing", "investigating")
    initial = {
        name: blocks[component_block_id(name)]["element"]["initial_option"]["value"]
        for name in ("API", "Web", "Search")
    }
    assert initial == {"API": "partial_outage", "Web": "partial_outage", "Search": NOT_AFFECTED}

    values = {
        BlockId.STATUSPAGE_TITLE: {ActionId.STATUSPAGE_TITLE: "Payments are slow"},
        BlockId.STATUSPAGE_STATUS: {ActionId.STATUSPAGE_STATUS: "identified"},
        component_block_id("Web"): {ActionId.STATUSPAGE_COMPONENT: NOT_AFFECTED},
        component_block_id("Search"): {ActionId.STATUSPAGE_COMPONENT: "degraded_performance"},
        BlockId.STATUSPAGE_MESSAGE: {ActionId.STATUSPAGE_MESSAGE: "A fix is rolling out"},
    }
    assert app.driver.submit_view("alice", view["id"], values).status_code == 200
    said = app.wait_for_ephemeral("Published a new public incident")
    assert "Components: API: partial outage, Search: degraded performance." in said
    (public,) = app.public_incidents()
    assert (public.title, public.status) == ("Payments are slow", "identified")
    assert public.components == {"API": "partial_outage", "Search": "degraded_performance"}

    # Opened again, the form starts from the public incident as it stands.
    app.driver.slash("alice", channel, "statuspage")
    newer = app.driver.wait_for(
        lambda: [v for v in app.driver.views("alice") if v["id"] != view["id"]],
        description="the second form",
    )[-1]
    again = app.driver.view(newer["id"])
    blocks = {b.get("block_id"): b for b in again["blocks"]}
    assert blocks[BlockId.STATUSPAGE_TITLE]["element"]["initial_value"] == "Payments are slow"
    assert blocks[BlockId.STATUSPAGE_STATUS]["element"]["initial_option"]["value"] == "identified"


def test_a_form_without_a_message_is_a_field_error(app: CommsHarness) -> None:
    channel = declare(app, "Checkout is failing")
    app.driver.slash("alice", channel, "statuspage")
    view = app.driver.wait_for(lambda: app.driver.latest_view("alice"), description="form")
    values = {BlockId.STATUSPAGE_MESSAGE: {ActionId.STATUSPAGE_MESSAGE: "   "}}
    response = app.driver.submit_view("alice", view["id"], values)
    assert response.json()["response_action"] == "errors"
    assert list(response.json()["errors"]) == [BlockId.STATUSPAGE_MESSAGE]
    assert app.public_incidents() == []


def test_the_form_outside_an_incident_channel_says_where_it_works(app: CommsHarness) -> None:
    response = app.driver.slash("alice", "general", "statuspage")
    assert "only inside an incident channel" in response.text
    assert app.driver.latest_view("alice") is None


def test_customers_affected_and_nothing_public_reminds_the_comms_lead_once(
    app: CommsHarness,
) -> None:
    channel = declare(app, "Checkout is failing", customers=True)
    app.command("alice", channel, "role comms <@U0BOB|bob>")
    app.clock.advance(minutes=14)
    app.tick()
    assert _reminders(app, "bob") == []
    app.clock.advance(minutes=2)
    app.tick()
    (reminder,) = _reminders(app, "bob")
    assert "customers have been affected by" in str(reminder) and "for 16m" in str(reminder)
    app.clock.advance(minutes=10)
    app.tick()
    assert len(_reminders(app, "bob")) == 1  # once

    # Its button opens the status page form for the incident.
    app.driver.click("bob", reminder["channel"], reminder["ts"], ActionId.OPEN_STATUSPAGE)
    view = app.driver.wait_for(lambda: app.driver.latest_view("bob"), description="form")
    assert view["callback_id"] == CallbackId.STATUSPAGE
    assert view["private_metadata"] == str(app.incident().id)


def test_a_publication_within_fifteen_minutes_means_no_reminder(app: CommsHarness) -> None:
    channel = declare(app, "Checkout is failing", "sev2", customers=True)
    app.clock.advance(minutes=5)
    app.command("alice", channel, "statuspage investigating We are looking into it")
    app.clock.advance(minutes=20)
    app.tick()
    assert _reminders(app, "alice") == []
    assert app.incident().public_reminder_at is None


def _reminders(app: CommsHarness, user: str) -> list[dict[str, Any]]:
    found = []
    for message in app.driver.dm_messages(user):
        if "status page says nothing" in str(message):
            found.append({**message, "channel": app.driver.dm_channel(user)})
    return found


def test_maintenance_is_scheduled_from_its_form(app: CommsHarness) -> None:
    response = app.driver.slash("alice", "general", "", command="/maintenance")
    assert response.status_code == 200
    view = app.driver.wait_for(lambda: app.driver.latest_view("alice"), description="form")
    assert view["callback_id"] == CallbackId.MAINTENANCE
    starts = app.clock() + timedelta(hours=2)
    values = {
        BlockId.MAINTENANCE_TITLE: {ActionId.MAINTENANCE_TITLE: "Database upgrade"},
        BlockId.MAINTENANCE_COMPONENTS: {ActionId.MAINTENANCE_COMPONENTS: ["API", "Search"]},
        BlockId.MAINTENANCE_FROM: {ActionId.MAINTENANCE_FROM: int(starts.timestamp())},
        BlockId.MAINTENANCE_TO: {ActionId.MAINTENANCE_TO: int(starts.timestamp()) + 3600},
        BlockId.MAINTENANCE_BODY: {ActionId.MAINTENANCE_BODY: "Writes pause for a minute."},
    }
    assert app.driver.submit_view("alice", view["id"], values).status_code == 200
    said = app.wait_for_ephemeral("Maintenance")
    (row,) = app.rows(Maintenance)
    assert said.startswith(f":wrench: Maintenance {row.id} scheduled from <!date^")
    assert (row.title, row.components, row.status, row.created_by) == (
        "Database upgrade",
        ["API", "Search"],
        "scheduled",
        "U0ALICE",
    )
    assert row.starts_at == starts.replace(microsecond=0)
    assert row.body == "Writes pause for a minute."


def test_maintenance_ending_before_it_starts_is_a_field_error(app: CommsHarness) -> None:
    app.driver.slash("alice", "general", "", command="/maintenance")
    view = app.driver.wait_for(lambda: app.driver.latest_view("alice"), description="form")
    starts = int((app.clock() + timedelta(hours=2)).timestamp())
    values = {
        BlockId.MAINTENANCE_TITLE: {ActionId.MAINTENANCE_TITLE: "Database upgrade"},
        BlockId.MAINTENANCE_COMPONENTS: {ActionId.MAINTENANCE_COMPONENTS: ["API"]},
        BlockId.MAINTENANCE_FROM: {ActionId.MAINTENANCE_FROM: starts},
        BlockId.MAINTENANCE_TO: {ActionId.MAINTENANCE_TO: starts - 60},
    }
    response = app.driver.submit_view("alice", view["id"], values)
    assert response.json() == {
        "response_action": "errors",
        "errors": {BlockId.MAINTENANCE_TO: "End it after it starts."},
    }
    assert app.rows(Maintenance) == []
