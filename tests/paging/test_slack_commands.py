"""Paging from Slack end to end: the real app on real HTTP against the Slack sandbox, a real
database, every request signed. `/incident page` pages through the escalation machinery (the
person gets a DM) and `/incident ack` acknowledges; `/oncall contact` keeps a person's own contact
methods through a form (each mistake on its field, nothing kept until it is right); `/oncall
test-page` answers and the test DM follows."""

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from integration.harness import MANIFEST, SECRET, Harness, ShiftableClock, build_test_settings
from sqlmodel import Session, col, select

from bot.app import build_warroom
from bot.kernel.outbox import Policy
from bot.sandbox import SandboxServer, serve_in_thread
from bot.sandbox.driver import SlackDriver
from bot.slack.ids import ActionId, BlockId, CallbackId
from storage.models import ContactMethods, Escalation, PageAcknowledgement

FAST = Policy(first_retry=timedelta(milliseconds=50), max_backoff=timedelta(seconds=1))
WARROOM_YML = """\
schedules:
  - name: sre
    timezone: Europe/Berlin
    layers:
      - name: primary
        users: [U0ALICE, U0BOB]
        rotation: weekly
        handoff: "monday 09:00"
        start: 2026-01-05
  - name: later
    timezone: Europe/Berlin
    layers:
      - name: only
        users: [U0CAROL]
        rotation: weekly
        handoff: "monday 09:00"
        start: 2099-01-05
escalation_policies:
  - name: production-api
    levels:
      - targets: [U0CAROL]
        timeout: 30m
"""


@pytest.fixture(scope="module")
def paging_sandbox() -> Iterator[SandboxServer]:
    """One sandbox server for the module; each test resets its world."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def app(database_url: str, paging_sandbox: SandboxServer, tmp_path: Path) -> Iterator[Harness]:
    """The app with a schedule and a policy in warroom.yml, serving on its own port."""
    config = tmp_path / "warroom.yml"
    config.write_text(WARROOM_YML)
    with ExitStack() as stack:
        paging_sandbox.reset()
        settings = build_test_settings(
            database_url, paging_sandbox.api_url, warroom_config=str(config)
        )
        clock = ShiftableClock()
        warroom = build_warroom(settings, clock=clock, outbox_policy=FAST)
        handle = serve_in_thread(warroom.http)
        driver = SlackDriver(f"{handle.url}/slack/events", SECRET, paging_sandbox.url)
        driver.connect_events()
        driver.configure(subscriptions=MANIFEST["settings"]["event_subscriptions"]["bot_events"])

        def stop() -> None:
            handle.run(warroom.settle())
            handle.stop()
            driver.close()
            warroom.engine.dispose()

        stack.callback(stop)
        yield Harness(driver=driver, warroom=warroom, handle=handle, clock=clock)


def command(app: Harness, user: str, channel: str, text: str, slash: str = "/incident") -> str:
    """Run a slash command, carry out what it stored, and return the one ephemeral answer."""
    before = len(app.driver.ephemerals(user))
    response = app.driver.slash(user, channel, text, command=slash)
    assert response.status_code == 200, response.text
    app.settle()
    shown = app.driver.wait_for(
        lambda: app.driver.ephemerals(user)[before:], description=f"an answer to {slash} {text}"
    )
    assert len(shown) == 1, shown
    return str(shown[0].get("text") or "")


def escalations(app: Harness) -> list[Escalation]:
    """Every page stored, oldest first."""
    with Session(app.engine) as session:
        return list(session.exec(select(Escalation).order_by(col(Escalation.id))))


def rows(app: Harness, table: Any) -> list[Any]:
    """Every row of a table."""
    with Session(app.engine) as session:
        return list(session.exec(select(table)))


def incident_channel(app: Harness) -> str:
    """Declare an incident as alice; its channel's id."""
    incident = app.declare("sev2 Database is on fire")
    assert incident.channel_id
    return incident.channel_id


def test_page_a_person_from_the_incident_channel(app: Harness) -> None:
    channel = incident_channel(app)
    answer = command(app, "alice", channel, "page <@U0BOB|bob> schedule:sre db is on fire")
    (page,) = escalations(app)
    assert answer == (
        f"Paging <@U0BOB>, schedule:sre (page {page.id}). They join when they acknowledge."
    )
    assert (page.state, page.message, page.created_by) == ("active", "db is on fire", "U0ALICE")
    assert page.levels[0]["targets"] == ["U0BOB", "schedule:sre"]
    dms = app.driver.wait_for(lambda: app.driver.dm_messages("bob"), description="bob's page")
    assert "INC-1" in str(dms[-1])


def test_page_by_policy_name(app: Harness) -> None:
    channel = incident_channel(app)
    answer = command(app, "alice", channel, "page production-api checkout is down")
    (page,) = escalations(app)
    assert answer.startswith(f"Paging policy production-api (page {page.id}).")
    assert (page.policy, page.message) == ("production-api", "checkout is down")
    app.driver.wait_for(lambda: app.driver.dm_messages("carol"), description="carol's page")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("page schedule:nope", "nope"),
        ("page nobody-policy", "nor a policy (policies: production-api)"),
        ("page production-api <@U0BOB|bob>", "Page policy production-api on its own"),
    ],
)
def test_a_page_to_nobody_known_is_one_line_and_stores_nothing(
    app: Harness, text: str, said: str
) -> None:
    channel = incident_channel(app)
    answer = command(app, "alice", channel, text)
    assert answer.startswith(":warning: ") and said in answer, answer
    assert "\n" not in answer
    assert escalations(app) == []


def test_a_page_that_reaches_nobody_says_so(app: Harness) -> None:
    channel = incident_channel(app)
    answer = command(app, "alice", channel, "page schedule:later")
    (page,) = escalations(app)
    assert page.state == "exhausted"
    assert answer == (
        f":warning: Page {page.id} for schedule:later reached nobody "
        "(the incident's timeline says why)."
    )


def test_typing_mistakes_are_answered_at_once(app: Harness) -> None:
    channel = incident_channel(app)
    response = app.driver.slash("alice", channel, "page @bob")
    assert response.status_code == 200
    assert "reached me as plain text" in response.json()["text"]
    assert escalations(app) == []


def test_page_and_ack_work_only_in_an_incident_channel(app: Harness) -> None:
    incident_channel(app)
    for text in ("page <@U0BOB|bob>", "ack"):
        answer = command(app, "alice", "general", text)
        assert "only inside an incident channel" in answer
    assert escalations(app) == []


def test_page_when_resolved_is_refused(app: Harness) -> None:
    channel = incident_channel(app)
    assert app.driver.slash("alice", channel, "resolve fixed").status_code == 200
    app.settle()
    answer = command(app, "alice", channel, "page <@U0BOB|bob>")
    assert answer == ":warning: This incident is resolved: there is nobody to page for it."
    assert escalations(app) == []


def test_ack_acknowledges_every_page_still_climbing(app: Harness) -> None:
    channel = incident_channel(app)
    command(app, "alice", channel, "page <@U0BOB|bob>")
    command(app, "alice", channel, "page <@U0CAROL|carol> second opinion")
    app.driver.join("bob", channel)
    assert command(app, "bob", channel, "ack") == "Acknowledged 2 pages of INC-1."
    pages = escalations(app)
    assert [(p.state, p.acknowledged_by) for p in pages] == [("acknowledged", "U0BOB")] * 2
    acknowledgements = rows(app, PageAcknowledgement)
    assert sorted((a.user, a.via) for a in acknowledgements) == [("U0BOB", "command")] * 2
    assert command(app, "bob", channel, "ack") == "Acknowledged INC-1."
    assert len(rows(app, PageAcknowledgement)) == 2


def contact_answers(
    phone: str = "+15550002222", email: str = "", sms: str = "", voice: str = "", mail: str = ""
) -> dict[str, dict[str, Any]]:
    """The contact form's answers as {block_id: {action_id: value}}."""
    return {
        BlockId.CONTACT_PHONE: {ActionId.CONTACT_PHONE: phone},
        BlockId.CONTACT_EMAIL: {ActionId.CONTACT_EMAIL: email},
        BlockId.CONTACT_SMS_AFTER: {ActionId.CONTACT_SMS_AFTER: sms},
        BlockId.CONTACT_VOICE_AFTER: {ActionId.CONTACT_VOICE_AFTER: voice},
        BlockId.CONTACT_EMAIL_AFTER: {ActionId.CONTACT_EMAIL_AFTER: mail},
    }


def open_contact_form(app: Harness, user: str) -> dict[str, Any]:
    """`/oncall contact`: the form as the sandbox holds it."""
    before = len(app.driver.views(user))
    response = app.driver.slash(user, "general", "contact", command="/oncall")
    assert response.status_code == 200 and not response.content.strip(), response.text
    opened = app.driver.wait_for(lambda: app.driver.views(user)[before:])[-1]
    return app.driver.view(opened["id"])


def submit(app: Harness, user: str, view_id: str, answers: dict[str, dict[str, Any]]) -> Any:
    """Submit the form; its field errors, or None when it closed."""
    response = app.driver.submit_view(user, view_id, answers)
    assert response.status_code == 200, response.text
    return response.json()["errors"] if response.content.strip() else None


def test_the_contact_form_keeps_nothing_until_it_is_right(app: Harness) -> None:
    view = open_contact_form(app, "bob")
    assert view["callback_id"] == CallbackId.ONCALL_CONTACT
    mistakes = [
        (contact_answers(phone="555-1234"), BlockId.CONTACT_PHONE),
        (contact_answers(email="not-an-address"), BlockId.CONTACT_EMAIL),
        (contact_answers(sms="soon"), BlockId.CONTACT_SMS_AFTER),
        (contact_answers(voice="5"), BlockId.CONTACT_VOICE_AFTER),
        (contact_answers(phone="", sms="2m"), BlockId.CONTACT_PHONE),
        (contact_answers(mail="1m"), BlockId.CONTACT_EMAIL),
    ]
    for answers, field in mistakes:
        errors = submit(app, "bob", view["id"], answers)
        assert errors is not None and list(errors) == [field], (answers, errors)
    assert rows(app, ContactMethods) == []

    good = contact_answers(email="bob@example.com", sms="0s", voice="5m", mail="1h30m")
    assert submit(app, "bob", view["id"], good) is None
    (kept,) = rows(app, ContactMethods)
    assert (kept.user, kept.phone, kept.email, kept.updated_by) == (
        "U0BOB",
        "+15550002222",
        "bob@example.com",
        "U0BOB",
    )
    assert {r["method"]: r["after"] for r in kept.rules} == {"sms": 0, "voice": 300, "email": 5400}

    again = open_contact_form(app, "bob")
    initial = {
        b["block_id"]: b["element"].get("initial_value")
        for b in again["blocks"]
        if b["type"] == "input"
    }
    assert initial[BlockId.CONTACT_PHONE] == "+15550002222"
    assert initial[BlockId.CONTACT_EMAIL_AFTER] == "1h 30m"
    shown = command(app, "bob", "general", "contact show", slash="/oncall")
    assert "SMS to +15550002222 after 0s" in shown


def test_contact_with_text_points_at_the_form(app: Harness) -> None:
    answer = command(app, "bob", "general", "contact sms +15550002222 after 2m", slash="/oncall")
    assert "Use `/oncall contact` to open the form" in answer
    assert rows(app, ContactMethods) == []


def test_a_test_page_answers_and_the_test_dm_follows(app: Harness) -> None:
    answer = command(app, "carol", "general", "test-page", slash="/oncall")
    assert answer == "Sending a test page by slack; each result follows by DM."
    app.settle()

    def both() -> list[str] | None:
        texts = [m.get("text") or "" for m in app.driver.dm_messages("carol")]
        return texts if len(texts) >= 2 else None

    texts = app.driver.wait_for(both, description="the test DM and its result")
    assert "test page" in texts[0] and texts[1].startswith("Test slack: sent")


def test_a_test_page_tries_every_method_kept(app: Harness) -> None:
    view = open_contact_form(app, "carol")
    assert submit(app, "carol", view["id"], contact_answers(email="carol@example.com")) is None
    answer = command(app, "carol", "general", "test-page", slash="/oncall")
    assert answer == (
        "Sending a test page by slack, sms +15550002222, voice +15550002222, "
        "email carol@example.com; each result follows by DM."
    )
