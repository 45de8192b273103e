"""A form's state in any shape a forged client can send: a wrong type is a field error or is
ignored, never a 500 or a traceback, before the acknowledgement and after it."""

import json
import logging
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from harness import Harness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sandbox import payloads
from bot.slack.ids import BlockId, CallbackId
from storage.models import InboxItem

FORM = "application/x-www-form-urlencoded"


def submit(harness: Harness, view: dict[str, Any], values: Any) -> httpx.Response:
    """Submit a modal with exactly these `state.values`, under a fresh hash."""
    driver = harness.driver
    person = driver.user("alice")
    payload = payloads.build_view_submission(
        user={"id": person["id"], "username": person["name"], "name": person["name"]},
        team={"id": driver.team_id, "domain": driver.team_domain},
        api_app_id=driver.api_app_id,
        token=driver.verification_token,
        view={**view, "hash": uuid.uuid4().hex},
        state_values=values,
        trigger_id=f"1.{uuid.uuid4().int % 10**9}.forged",
    )
    return driver.post_signed(urlencode({"payload": json.dumps(payload)}), FORM)


def answer_of(response: httpx.Response) -> dict[str, str] | None:
    """None for a bare ack, else the field errors; anything else fails the test."""
    assert response.status_code == 200, response.text
    if not response.content.strip():
        return None
    answer = response.json()
    assert answer["response_action"] == "errors", answer
    errors = answer["errors"]
    assert errors and all(isinstance(k, str) and isinstance(v, str) for k, v in errors.items())
    return dict(errors)


def no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


def declare_form(harness: Harness) -> dict[str, Any]:
    harness.driver.slash("alice", "general", "declare")
    opened = harness.driver.wait_for(lambda: harness.driver.latest_view("alice"))
    view = harness.driver.view(opened["id"])
    assert view["callback_id"] == CallbackId.DECLARE
    return view


def update_form(harness: Harness) -> dict[str, Any]:
    channel = harness.declare("sev2 Checkout is failing").channel_id or ""
    harness.driver.slash("alice", channel, "update")
    opened = harness.driver.wait_for(lambda: harness.driver.latest_view("alice"))
    view = harness.driver.view(opened["id"])
    assert view["callback_id"] == CallbackId.POST_UPDATE
    return view


TITLE, SEVERITY = BlockId.TITLE.value, BlockId.SEVERITY.value
TEXT, STATUS = BlockId.UPDATE_TEXT.value, BlockId.STATUS.value
GOOD_SEVERITY = {"type": "static_select", "selected_option": {"value": "sev2"}}

WRONG_DECLARES = {
    "values-a-list": ([{"title": "x"}], TITLE),
    "values-a-string": ("title", TITLE),
    "block-a-list": ({TITLE: [{"title": {"value": "x"}}]}, TITLE),
    "element-a-string": ({TITLE: {"title": "Checkout is failing"}}, TITLE),
    "value-an-int": ({TITLE: {"title": {"value": 5}}}, TITLE),
    "value-a-dict": ({TITLE: {"title": {"value": {"text": "x"}}}}, TITLE),
    "value-only-controls": ({TITLE: {"title": {"value": "\x00\x07"}}}, TITLE),
    "selected-option-a-string": (
        {TITLE: {"title": {"value": "x"}}, SEVERITY: {"severity": {"selected_option": "sev1"}}},
        SEVERITY,
    ),
    "option-value-an-int": (
        {
            TITLE: {"title": {"value": "x"}},
            SEVERITY: {"severity": {"selected_option": {"value": 1}}},
        },
        SEVERITY,
    ),
    "option-value-unknown": (
        {
            TITLE: {"title": {"value": "x"}},
            SEVERITY: {"severity": {"selected_option": {"value": "sev9"}}},
        },
        SEVERITY,
    ),
}


@pytest.mark.parametrize("case", WRONG_DECLARES.values(), ids=WRONG_DECLARES)
def test_wrong_types_in_the_declare_form_are_field_errors(
    harness: Harness, caplog: pytest.LogCaptureFixture, case: tuple
) -> None:
    values, field = case
    view = declare_form(harness)
    caplog.set_level(logging.INFO)
    errors = answer_of(submit(harness, view, values))
    assert errors is not None and list(errors) == [field]
    assert harness.incidents() == []
    no_errors_logged(caplog)


def test_wrong_types_in_optional_declare_fields_are_ignored(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    view = declare_form(harness)
    caplog.set_level(logging.INFO)
    values = {
        TITLE: {"title": {"value": "Checkout is failing"}},
        SEVERITY: {"severity": GOOD_SEVERITY},
        BlockId.SUMMARY.value: {"summary": {"value": ["not", "text"]}},
        BlockId.SERVICE.value: {"service": {"value": 7}},
        BlockId.PRIVATE.value: {"private": {"selected_options": "private"}},
        BlockId.COMMANDER.value: {"commander": {"selected_user": ["U1"]}},
    }
    assert answer_of(submit(harness, view, values)) is None
    harness.settle()
    incident = harness.driver.wait_for(lambda: [i for i in harness.incidents() if i.digest_ts])[0]
    assert (incident.title, incident.private) == ("Checkout is failing", False)
    no_errors_logged(caplog)


WRONG_UPDATES = {
    "text-an-int": ({TEXT: {"update_text": {"value": 12}}}, TEXT),
    "text-a-list": ({TEXT: {"update_text": {"value": ["Rolled back"]}}}, TEXT),
    "element-null": ({TEXT: {"update_text": None}}, TEXT),
    "status-unknown": (
        {
            TEXT: {"update_text": {"value": "x"}},
            STATUS: {"status": {"selected_option": {"value": "done"}}},
        },
        STATUS,
    ),
}


@pytest.mark.parametrize("case", WRONG_UPDATES.values(), ids=WRONG_UPDATES)
def test_wrong_types_in_the_update_form_are_field_errors(
    harness: Harness, caplog: pytest.LogCaptureFixture, case: tuple
) -> None:
    values, field = case
    view = update_form(harness)
    caplog.set_level(logging.INFO)
    errors = answer_of(submit(harness, view, values))
    assert errors is not None and list(errors) == [field]
    no_errors_logged(caplog)


JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["sev1", "sev5", "identified", "unchanged", "private", "U0BOB", "\x00"])
)
ANY_JSON = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
# What an element's state may hold: the keys Slack uses, each with any JSON at all.
ELEMENT = ANY_JSON | st.fixed_dictionaries(
    {},
    optional={
        key: ANY_JSON
        for key in ("type", "value", "selected_option", "selected_options", "selected_user")
    },
)
# Both forms' inputs; each one's block id and action id are the same word.
FIELDS = [
    BlockId.TITLE,
    BlockId.SEVERITY,
    BlockId.SUMMARY,
    BlockId.SERVICE,
    BlockId.PRIVATE,
    BlockId.COMMANDER,
    BlockId.UPDATE_TEXT,
    BlockId.STATUS,
]


@st.composite
def state_values(draw: st.DrawFn) -> Any:
    """Mostly Slack's shape with wrong types inside it; sometimes no shape at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(ANY_JSON)
    names = draw(st.lists(st.sampled_from([f.value for f in FIELDS]), unique=True))
    return {
        name: {name: draw(ELEMENT)} if draw(st.integers(0, 4)) else draw(ANY_JSON) for name in names
    }


@pytest.mark.parametrize("form", [declare_form, update_form], ids=["declare", "update"])
def test_any_state_is_an_ack_or_field_errors(
    harness: Harness, caplog: pytest.LogCaptureFixture, form: Any
) -> None:
    view = form(harness)
    caplog.set_level(logging.INFO)

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(values=state_values())
    def submitted(values: Any) -> None:
        answer_of(submit(harness, view, values))
        no_errors_logged(caplog)

    submitted()
    # What was acknowledged is carried out without a traceback as well.
    harness.settle()
    harness.driver.wait_for(lambda: all(row.done_at for row in harness.rows(InboxItem)))
    no_errors_logged(caplog)
