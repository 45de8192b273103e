"""What stakeholders and the status page forms are shown, as pure values: the ETA found in an
update, the note kept for a retry, the mail, the Slack post and the forms within Slack's limits
whatever people typed, and form values of any shape read without a crash."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.comms.mail import mail_of
from bot.comms.rules.notes import CUSTOMERS, UPDATE, StakeholderNote, find_eta, latest_beside
from bot.comms.rules.public import PublicDraft
from bot.kernel.errors import InvalidInput
from bot.slack.blocks.comms import build_stakeholder_post
from bot.slack.blocks.statuspage_form import (
    build_maintenance_modal,
    build_statuspage_modal,
    component_block_id,
)
from bot.slack.forms import parse_maintenance_form, parse_statuspage_form
from bot.slack.ids import ActionId, BlockId
from bot.statuspage.definitions import ComponentStatus, PublicStatus

NOW = datetime(2026, 3, 8, 9, 30, tzinfo=UTC)
HOSTILE = '<!channel> <https://evil.example|click> "><img src=x onerror=alert(1)> *b* & _i_'
FORBIDDEN = ("<!channel>", "<https://evil.example", "<img")


def _note(**changes: Any) -> StakeholderNote:
    values: dict[str, Any] = {
        "reason": UPDATE,
        "reference": "INC-7",
        "title": "Checkout errors",
        "severity": "SEV1",
        "status": "Investigating",
        "customers_affected": True,
        "impact": "30% of checkouts fail",
        "message": "Rolled back. ETA 14:30 UTC.",
        "latest_update": "",
        "eta": "14:30 UTC",
        "next_update_at": NOW + timedelta(minutes=30),
        "channel_id": "C0INC7",
        "channel_url": "https://slack.com/app_redirect?channel=C0INC7",
        "by": "U0ALICE",
        "at": NOW,
    }
    values.update(changes)
    return StakeholderNote(**values)


@pytest.mark.parametrize(
    ("texts", "eta"),
    [
        (("Rolled back. ETA 14:30 UTC.",), "14:30 UTC"),
        (("eta: 30 minutes; then a check",), "30 minutes"),
        (("ETA - tomorrow 09:00",), "tomorrow 09:00"),
        (("Beta users only", "no estimate"), None),
        (("nothing here", "ETA 2h\nmore"), "2h"),
        (("ETA " + "x" * 300,), "x" * 99 + "…"),
    ],
)
def test_the_eta_is_found_after_the_word_eta(texts: tuple[str, ...], eta: str | None) -> None:
    assert find_eta(*texts) == eta


def test_the_latest_update_is_shown_only_when_it_says_more() -> None:
    assert latest_beside("Rolled back", " Rolled back ") == ""
    assert latest_beside("Rolled back", None) == ""
    assert latest_beside("Rolled back", "Watching errors") == "Watching errors"


def test_a_note_survives_the_outbox_payload() -> None:
    note = _note()
    assert StakeholderNote.from_payload(note.to_payload()) == note
    assert (
        StakeholderNote.from_payload(_note(next_update_at=None).to_payload()).next_update_at is None
    )


def test_the_mail_is_plain_text_with_a_message_id_stable_for_its_effect() -> None:
    mail = mail_of(
        _note(title="Checkout\nerrors"), audience="executives", address="a@x.io", key="k"
    )
    assert mail.subject == "[Warroom] INC-7 SEV1 · Investigating: Checkout errors"
    assert mail.message_id == mail_of(_note(), audience="x", address="b@x.io", key="k").message_id
    assert mail.message_id != mail_of(_note(), audience="x", address="a@x.io", key="k2").message_id
    assert mail.html is None and mail.headers["Auto-Submitted"] == "auto-generated"
    assert mail.text.splitlines()[:7] == [
        "Update on INC-7: Checkout errors",
        "",
        "Severity: SEV1",
        "Status: Investigating",
        "Customers affected: yes",
        "Impact: 30% of checkouts fail",
        "",
    ]
    assert "ETA: 14:30 UTC\nNext update by: 2026-03-08 10:00 UTC" in mail.text
    assert "Incident channel: https://slack.com/app_redirect?channel=C0INC7" in mail.text
    customers = mail_of(
        _note(reason=CUSTOMERS, message=""), audience="cs", address="c@x.io", key="c"
    )
    assert customers.subject == "[Warroom] INC-7 SEV1 · Customers affected: Checkout errors"
    assert customers.text.startswith("Customers are affected by INC-7: Checkout errors")


def _valid_message(blocks: list[dict[str, Any]]) -> None:
    assert 1 <= len(blocks) <= 50
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()


def _harmless(value: Any) -> None:
    for bad in FORBIDDEN:
        assert bad not in str(value)


@pytest.mark.parametrize("size", [10, 10_000])
def test_the_post_stays_within_limits_and_inert_whatever_was_typed(size: int) -> None:
    words = (HOSTILE + " ") * (size // len(HOSTILE) + 1)
    note = _note(title=words, message=words, impact=words, latest_update=words, eta=words[:100])
    text, blocks = build_stakeholder_post(note)
    _valid_message(blocks)
    _harmless(blocks)
    _harmless(text)
    assert "&lt;img src=x onerror=alert(1)&gt;" in str(blocks)
    assert "<@U0ALICE>" in str(blocks) and "<#C0INC7>" in str(blocks)


def test_the_status_page_form_fits_a_page_of_many_components() -> None:
    names = tuple(f"Component {i}" for i in range(150))
    draft = PublicDraft(
        incident_id=7,
        reference="INC-7",
        title=HOSTILE * 10,
        status=PublicStatus.IDENTIFIED,
        components={"Component 149": ComponentStatus.MAJOR_OUTAGE},
        names=names,
        published=True,
    )
    view = build_statuspage_modal(draft)
    View(**view).validate_json()
    assert len(view["blocks"]) <= 100
    ids = [b.get("block_id") for b in view["blocks"]]
    assert ids[3] == component_block_id("Component 149")  # prefilled components come first
    assert view["private_metadata"] == "7"


def test_the_maintenance_form_starts_on_the_next_hour() -> None:
    view = build_maintenance_modal(("API", "Web"), channel_id="C0GENERAL", now=NOW)
    View(**view).validate_json()
    starts = next(b for b in view["blocks"] if b["block_id"] == BlockId.MAINTENANCE_FROM)
    assert starts["element"]["initial_date_time"] == int(
        datetime(2026, 3, 8, 10, tzinfo=UTC).timestamp()
    )


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"statuspage_title": "x"},
        {BlockId.STATUSPAGE_TITLE: {ActionId.STATUSPAGE_TITLE: {"value": 5}}},
        {
            BlockId.STATUSPAGE_TITLE: {ActionId.STATUSPAGE_TITLE: {"value": "Down"}},
            BlockId.STATUSPAGE_STATUS: {
                ActionId.STATUSPAGE_STATUS: {"selected_option": {"value": "postmortem"}}
            },
        },
    ],
)
def test_status_page_form_values_of_any_shape_are_field_errors(values: Any) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_statuspage_form(values)
    assert raised.value.field in {BlockId.STATUSPAGE_TITLE, BlockId.STATUSPAGE_STATUS}


def test_a_component_in_an_unknown_state_is_an_error_on_its_own_field() -> None:
    block = component_block_id("API")
    values: dict[str, Any] = {
        BlockId.STATUSPAGE_TITLE: {ActionId.STATUSPAGE_TITLE: {"value": "Down"}},
        BlockId.STATUSPAGE_STATUS: {
            ActionId.STATUSPAGE_STATUS: {"selected_option": {"value": "identified"}}
        },
        block: {ActionId.STATUSPAGE_COMPONENT: {"selected_option": {"value": "on_fire"}}},
        BlockId.STATUSPAGE_MESSAGE: {ActionId.STATUSPAGE_MESSAGE: {"value": "Fixing"}},
    }
    with pytest.raises(InvalidInput) as raised:
        parse_statuspage_form(values)
    assert raised.value.field == block


@pytest.mark.parametrize("when", [True, "1700000000", -5, 2**40, None])
def test_a_maintenance_time_that_is_no_time_is_a_field_error(when: Any) -> None:
    values: dict[str, Any] = {
        BlockId.MAINTENANCE_TITLE: {ActionId.MAINTENANCE_TITLE: {"value": "Upgrade"}},
        BlockId.MAINTENANCE_COMPONENTS: {
            ActionId.MAINTENANCE_COMPONENTS: {"selected_options": [{"value": "API"}]}
        },
        BlockId.MAINTENANCE_FROM: {ActionId.MAINTENANCE_FROM: {"selected_date_time": when}},
    }
    with pytest.raises(InvalidInput) as raised:
        parse_maintenance_form(values)
    assert raised.value.field == BlockId.MAINTENANCE_FROM
