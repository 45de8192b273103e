"""Ids typed into buttons and forms by anyone who can forge a click: an id that is not a plain
positive number, or names nothing, is an ordinary "not valid" or "not found" answer, never a
500 or a traceback; control characters in a command are dropped before anything is stored."""

import json
import logging
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from harness import Harness

from bot.sandbox import payloads
from bot.slack.ids import ActionId, BlockId
from storage.enums import EventKind, Severity, Status
from storage.models import InboxItem

FORM = "application/x-www-form-urlencoded"
# Not ids: too big for any column, too big for an INTEGER column (32 bits on PostgreSQL), a
# superscript digit (str.isdigit says yes), a fraction, a sign, zero, nothing, trailing
# letters, another script's digit, an exponent, hex.
NOT_IDS = [
    "99999999999999999999999",
    "999999999999999999",
    "2147483648",
    "²",
    "1.5",
    "-1",
    "0",
    "",
    "12abc",
    "٣",
    "1e3",
    "0x1",
]
MISSING = "2147483647"  # well formed and fits the column, but names nothing

BAD_INCIDENT = "That button does not belong to an incident."
NO_INCIDENT = "That incident no longer exists."
BUTTONS = {
    "acknowledge": (ActionId.ACKNOWLEDGE, NOT_IDS, BAD_INCIDENT, MISSING, NO_INCIDENT),
    "resolve": (ActionId.RESOLVE, NOT_IDS, BAD_INCIDENT, MISSING, NO_INCIDENT),
    "done": (
        ActionId.ACTION_DONE,
        NOT_IDS,
        "That button does not belong to an action item.",
        MISSING,
        "That action item no longer exists.",
    ),
    "snooze": (
        ActionId.SNOOZE_30,
        [f"{v}:30" for v in NOT_IDS] + ["1:1.5", "1:-1", "1:", "1", ":", "1:30:5", "1:²"],
        "That snooze button is not valid any more.",
        f"{MISSING}:30",
        NO_INCIDENT,
    ),
    "declare-from-alert": (
        ActionId.DECLARE_FROM_ALERT,
        NOT_IDS,
        "That alert offer is not valid any more.",
        MISSING,
        "That alert is no longer on record.",
    ),
}


def no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


def _button(action_id: str) -> dict[str, Any]:
    """A message as a forged client shows it: one button, with whatever value it is sent with."""
    button = {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": "B"}}
    return {"blocks": [{"type": "actions", "block_id": "forged", "elements": [button]}]}


@pytest.mark.parametrize("button", BUTTONS.values(), ids=BUTTONS)
def test_a_button_value_that_is_no_id_is_answered_not_crashed(
    harness: Harness, caplog: pytest.LogCaptureFixture, button: tuple
) -> None:
    action_id, values, bad_text, missing, missing_text = button
    incident = harness.declare("sev2 Checkout is failing")
    channel, status_ts = incident.channel_id or "", incident.status_ts or ""
    caplog.set_level(logging.INFO)
    shown = _button(action_id)
    for value in [*values, missing]:
        response = harness.driver.click(
            "alice", channel, status_ts, action_id, value=value, as_shown=shown
        )
        assert response.status_code == 200, (value, response.text)
    harness.settle()

    def answered() -> list[str]:
        told = harness.ephemeral_texts("alice")
        bad, missed = [t for t in told if bad_text in t], [t for t in told if missing_text in t]
        return told if (len(bad), len(missed)) == (len(values), 1) else []

    told = harness.driver.wait_for(answered, description="an answer to every click")
    assert all(t.startswith(":warning:") for t in told if "INC-1 is declared" not in t)
    assert "went wrong" not in str(told)
    no_errors_logged(caplog)
    after = harness.incident()
    assert (after.status, after.acknowledged_at) == (Status.INVESTIGATING, None)
    assert [e.kind for e in harness.timeline()] == [EventKind.DECLARED]


def submit(harness: Harness, user: str, view: dict[str, Any], values: Any, **changes: Any) -> Any:
    """Submit a modal as a forged client would: any state, any metadata, a fresh hash."""
    driver = harness.driver
    person = driver.user(user)
    view = {**view, "hash": uuid.uuid4().hex, **changes}
    payload = payloads.build_view_submission(
        user={"id": person["id"], "username": person["name"], "name": person["name"]},
        team={"id": driver.team_id, "domain": driver.team_domain},
        api_app_id=driver.api_app_id,
        token=driver.verification_token,
        view=view,
        state_values=values,
        trigger_id=f"1.{uuid.uuid4().int % 10**9}.forged",
    )
    return driver.post_signed(urlencode({"payload": json.dumps(payload)}), FORM)


def field_error(response: Any) -> dict[str, str]:
    """The field errors of a form's answer (200 with response_action errors)."""
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["response_action"] == "errors", answer
    errors: dict[str, str] = answer["errors"]
    return errors


def open_form(harness: Harness, channel: str, how: str) -> dict[str, Any]:
    """Open one of the incident's forms, by command or by button, and return it."""
    driver = harness.driver
    before = {v["id"] for v in driver.views("alice")}
    if how.startswith("/"):
        driver.slash("alice", channel, how[1:])
    else:
        driver.click("alice", channel, harness.incident().status_ts or "", how)
    view = driver.wait_for(lambda: [v for v in driver.views("alice") if v["id"] not in before])
    return driver.view(view[0]["id"])


FORMS = {
    "update": ("/update", {BlockId.UPDATE_TEXT: {ActionId.UPDATE_TEXT: "Rolled back"}}),
    "action": ("/action", {BlockId.ACTION_TEXT: {ActionId.ACTION_TEXT: "Rotate certs"}}),
    "resolve": ("/resolve", {BlockId.SUMMARY: {ActionId.SUMMARY: "Rotated the cert"}}),
    "severity": (ActionId.CHANGE_SEVERITY, {BlockId.SEVERITY: {ActionId.SEVERITY: "sev1"}}),
    "status": (ActionId.CHANGE_STATUS, {BlockId.STATUS: {ActionId.STATUS: "identified"}}),
}


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS)
def test_form_metadata_that_is_no_id_is_a_field_error(
    harness: Harness, caplog: pytest.LogCaptureFixture, form: tuple
) -> None:
    how, answers = form
    channel = harness.declare("sev2 Checkout is failing").channel_id or ""
    view = open_form(harness, channel, how)
    values = payloads.build_state_values(view["blocks"], answers)
    caplog.set_level(logging.INFO)
    for metadata in NOT_IDS:
        errors = field_error(submit(harness, "alice", view, values, private_metadata=metadata))
        assert list(errors.values()) == ["This form is not valid any more."], metadata
    assert [r.kind for r in harness.rows(InboxItem)] == ["slack.command"]
    # Well formed but naming no incident: stored, then answered with "no longer exists".
    response = submit(harness, "alice", view, values, private_metadata=MISSING)
    assert response.status_code == 200 and not response.content.strip()
    harness.settle()

    def answered() -> list[str]:
        told = [str(m.get("text")) for m in harness.driver.dm_messages("alice")]
        return [t for t in told + harness.ephemeral_texts("alice") if NO_INCIDENT in t]

    assert len(harness.driver.wait_for(answered, description="the answer")) == 1
    no_errors_logged(caplog)
    after = harness.incident()
    assert (after.status, after.severity) == (Status.INVESTIGATING, Severity.SEV2)


def test_the_declare_form_survives_any_metadata(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """The declare form's metadata only says where to answer: a bad one still declares."""
    harness.driver.slash("alice", "general", "declare")
    view = harness.driver.view(
        harness.driver.wait_for(lambda: harness.driver.latest_view("alice"))["id"]
    )
    caplog.set_level(logging.INFO)
    for number, metadata in enumerate([*NOT_IDS, MISSING, "C\x00", "1"], start=1):
        values = payloads.build_state_values(
            view["blocks"], {BlockId.TITLE: {ActionId.TITLE: f"Outage {number}"}}
        )
        # A view id of its own each time: one form declares once, whatever its hash.
        view_id = f"V{number:010d}"
        response = submit(harness, "alice", view, values, private_metadata=metadata, id=view_id)
        assert response.status_code == 200 and not response.content.strip(), metadata
    harness.settle()
    declared = len(NOT_IDS) + 3
    harness.driver.wait_for(
        lambda: len([i for i in harness.incidents() if i.digest_ts]) == declared
    )
    no_errors_logged(caplog)


CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f"


def test_control_characters_in_a_command_are_dropped_and_stored(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    incident = harness.declare("sev2 A\x00B")
    assert incident.title == "AB"
    channel = incident.channel_id or ""
    harness.driver.slash("alice", channel, "note x\x00y")
    harness.driver.slash("alice", channel, f"update Rolled{CONTROLS} back")
    harness.settle()
    # Every request, kept as it came (NUL and all), was carried out without an error.
    harness.driver.wait_for(lambda: all(row.done_at for row in harness.rows(InboxItem)))
    assert [row.last_error for row in harness.rows(InboxItem)] == [None] * 3
    texts = {e.kind: e.text for e in harness.timeline()}
    assert texts[EventKind.NOTE] == "xy"
    assert texts[EventKind.UPDATE] == "Rolled back"
    harness.driver.wait_for(lambda: "Rolled back" in str(harness.status_message()["blocks"]))
    no_errors_logged(caplog)


@pytest.mark.parametrize("count", ["²", "٣", "99999999999999999999999", "2147483648", "1" * 5000])
def test_a_users_affected_count_that_is_no_number_is_explained(
    harness: Harness, caplog: pytest.LogCaptureFixture, count: str
) -> None:
    channel = harness.declare("sev2 Checkout is failing").channel_id or ""
    caplog.set_level(logging.INFO)
    response = harness.driver.slash("alice", channel, f"impact users {count}")
    assert response.status_code == 200, response.text
    assert "number of users affected" in response.json()["text"]
    harness.settle()
    assert harness.incident().users_affected is None
    no_errors_logged(caplog)
