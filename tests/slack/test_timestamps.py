"""`/incident timestamps`: a form with the impact start, identified, mitigated and resolved times;
a correction is checked (order, the future, what the status needs), timelined once per time,
shown on the pinned status block, and made once however often it is submitted."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from insights.slack_insights_app import insights_app
from integration.harness import Harness

from bot.sandbox import SandboxServer
from bot.slack.ids import CallbackId
from storage.enums import EventKind

PARIS = ZoneInfo("Europe/Paris")
Sent = list[tuple[str, str]]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """One sandbox server for the module; each test resets its world."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def app(database_url: str, sandbox: SandboxServer) -> Iterator[Harness]:
    """The app, its times shown in Paris."""
    with insights_app(database_url, sandbox, warroom_timezone="Europe/Paris") as harness:
        yield harness


@pytest.fixture
def sent(app: Harness, monkeypatch: pytest.MonkeyPatch) -> Sent:
    """Every body the driver posts to the app, to send again as Slack would replay it."""
    bodies: Sent = []
    original = app.driver.post_signed

    def recording(body: str, content_type: str, **options: Any) -> Any:
        bodies.append((body, content_type))
        return original(body, content_type, **options)

    monkeypatch.setattr(app.driver, "post_signed", recording)
    return bodies


def open_form(app: Harness, channel: str) -> dict[str, Any]:
    """Run `/incident timestamps` in the channel; the form it opened."""
    before = {v["id"] for v in app.driver.views("alice")}
    response = app.driver.slash("alice", channel, "timestamps")
    assert response.status_code == 200, response.text
    opened = app.driver.wait_for(
        lambda: [v for v in app.driver.views("alice") if v["id"] not in before][-1]
    )
    return {**app.driver.view(opened["id"]), "id": opened["id"]}


def minute(when: datetime) -> datetime:
    """The start of `when`'s minute, as a picker gives it."""
    return when.replace(second=0, microsecond=0)


def picked(**times: datetime | None) -> dict[str, dict[str, Any]]:
    """Form answers: each named picker set to a time (Unix seconds) or emptied."""
    return {
        name: {name: None if when is None else int(when.timestamp())}
        for name, when in times.items()
    }


def shown(when: datetime) -> str:
    return when.astimezone(PARIS).strftime("%Y-%m-%d %H:%M %Z")


def corrections(app: Harness) -> list[str]:
    return [e.text for e in app.timeline() if e.kind == EventKind.TIMESTAMP_CHANGED]


def errors_of(response: Any) -> dict[str, str]:
    body = response.json()
    assert body["response_action"] == "errors", body
    return dict(body["errors"])


def test_the_form_shows_the_times_as_stored(app: Harness) -> None:
    incident = app.declare("sev2 Checkout is failing")
    view = open_form(app, incident.channel_id or "")
    assert view["callback_id"] == CallbackId.CORRECT_TIMES
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["detected_at", "identified_at", "mitigated_at", "resolved_at"]
    assert all(b["element"]["type"] == "datetimepicker" for b in inputs.values())
    stored = app.incident()
    assert stored.detected_at is not None
    assert inputs["detected_at"]["element"]["initial_date_time"] == int(
        stored.detected_at.timestamp()
    )
    assert inputs["detected_at"]["optional"] is False
    assert "initial_date_time" not in inputs["identified_at"]["element"]


def test_a_correction_is_kept_timelined_once_per_time_and_shown(app: Harness) -> None:
    incident = app.declare("sev2 Checkout is failing")
    declared = app.incident().detected_at
    assert declared is not None
    view = open_form(app, incident.channel_id or "")
    start = minute(app.clock() - timedelta(minutes=45))
    identified = minute(app.clock() - timedelta(minutes=20))
    response = app.driver.submit_view(
        "alice", view["id"], picked(detected_at=start, identified_at=identified)
    )
    assert response.status_code == 200 and not response.content.strip(), response.text
    app.settle()

    stored = app.incident()
    assert (stored.detected_at, stored.identified_at) == (start, identified)
    assert stored.declared_at == declared  # the declaration's time is never corrected
    alice = app.driver.user("alice")["id"]
    assert corrections(app) == [
        f"Impact start corrected from {shown(declared)} to {shown(start)} by @{alice}",
        f"Identified set to {shown(identified)} by @{alice}",
    ]
    blocks = json.dumps(app.status_message()["blocks"])
    assert f"Impact start <!date^{int(start.timestamp())}^" in blocks
    assert f"identified <!date^{int(identified.timestamp())}^" in blocks
    assert "Corrected: impact start, identified." in app.ephemeral_texts("alice")[-1]


def test_a_time_out_of_order_is_refused_on_its_field_naming_the_other(app: Harness) -> None:
    incident = app.declare("sev2 Checkout is failing")
    start = app.incident().detected_at
    assert start is not None
    view = open_form(app, incident.channel_id or "")
    early = minute(start - timedelta(minutes=30))
    response = app.driver.submit_view("alice", view["id"], picked(identified_at=early))
    assert errors_of(response) == {
        "identified_at": f"Identified ({shown(early)}) cannot be before impact start "
        f"({shown(start)})."
    }
    # Mitigated before a newly corrected identified time lands on mitigated.
    response = app.driver.submit_view(
        "alice", view["id"], picked(identified_at=minute(start), mitigated_at=early)
    )
    assert "mitigated_at" in errors_of(response)
    app.settle()
    assert corrections(app) == []
    assert app.incident().identified_at is None


def test_a_time_in_the_future_is_refused(app: Harness) -> None:
    incident = app.declare("sev2 Checkout is failing")
    view = open_form(app, incident.channel_id or "")
    ahead = minute(app.clock() + timedelta(hours=2))
    response = app.driver.submit_view("alice", view["id"], picked(detected_at=ahead))
    message = errors_of(response)["detected_at"]
    assert message.startswith(f"Impact start cannot be in the future ({shown(ahead)}; it is now")


def test_clearing_a_time_the_status_needs_is_refused(app: Harness) -> None:
    incident = app.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    assert app.driver.slash("alice", channel, "resolve Rolled back").status_code == 200
    app.settle()
    resolved = app.incident().resolved_at
    assert resolved is not None
    view = open_form(app, channel)
    response = app.driver.submit_view("alice", view["id"], picked(resolved_at=None))
    assert errors_of(response) == {
        "resolved_at": "A resolved incident needs its resolved time: it cannot be cleared."
    }
    # A time after the resolution is out of order too.
    after = minute(app.clock() + timedelta(minutes=1))
    app.clock.advance(minutes=3)
    response = app.driver.submit_view("alice", view["id"], picked(identified_at=after))
    assert errors_of(response)["identified_at"].startswith(f"Identified ({shown(after)}) cannot")
    assert app.incident().resolved_at == resolved


def test_a_resolved_time_on_an_open_incident_is_refused(app: Harness) -> None:
    incident = app.declare("sev2 Checkout is failing")
    view = open_form(app, incident.channel_id or "")
    response = app.driver.submit_view(
        "alice", view["id"], picked(resolved_at=minute(app.clock() - timedelta(minutes=1)))
    )
    assert errors_of(response)["resolved_at"].startswith("The incident is not resolved")


def test_a_form_submitted_twice_and_replayed_late_corrects_once(app: Harness, sent: Sent) -> None:
    incident = app.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    view = open_form(app, channel)
    first = minute(app.clock() - timedelta(minutes=40))
    app.driver.submit_view("alice", view["id"], picked(detected_at=first))
    submission = sent[-1]
    assert app.driver.post_signed(*submission).status_code == 200  # a double click
    app.settle()
    assert len(corrections(app)) == 1
    # Someone corrects it again; the first form arriving once more undoes nothing.
    second = minute(app.clock() - timedelta(minutes=50))
    view = open_form(app, channel)
    app.driver.submit_view("alice", view["id"], picked(detected_at=second))
    app.settle()
    assert app.driver.post_signed(*submission).status_code == 200
    app.settle()
    assert app.incident().detected_at == second
    assert len(corrections(app)) == 2


def test_timestamps_outside_an_incident_channel_says_where_it_works(app: Harness) -> None:
    response = app.driver.slash("alice", "general", "timestamps")
    assert "only inside an incident channel" in response.text
    assert app.driver.views("alice") == []


def test_times_compare_in_utc_across_a_daylight_saving_change() -> None:
    # 02:30 UTC on the night Paris moves its clocks: both readings name one instant.
    from bot.incidents.rules.timestamps import plan_corrections
    from storage.enums import Status

    before = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET
    after = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST, an hour later
    changes = plan_corrections(
        {"detected_at": before, "identified_at": None, "mitigated_at": None, "resolved_at": None},
        {"identified_at": after},
        status=Status.INVESTIGATING,
        closed_at=None,
        now=after + timedelta(hours=1),
        zone=PARIS,
    )
    assert [(c.name, c.new) for c in changes] == [("identified_at", after)]
