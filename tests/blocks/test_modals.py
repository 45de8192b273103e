"""Modals: declare, post an update, change severity, change status."""

import pytest

from bot.incidents.rules.lifecycle import ALLOWED
from bot.slack.blocks import (
    build_declare_modal,
    build_severity_modal,
    build_status_modal,
    build_update_modal,
)
from bot.slack.ids import ActionId, BlockId, CallbackId
from storage.enums import Severity, Status


def block(view, block_id):
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def option_values(element):
    return [o["value"] for o in element["options"]]


def test_declare_modal_asks_for_everything(block_kit):
    view = build_declare_modal(private_metadata="C42")
    block_kit.modal(view)
    assert view["callback_id"] == CallbackId.DECLARE
    assert view["private_metadata"] == "C42"
    assert view["submit"]["text"] == "Declare"
    ids = [b["block_id"] for b in view["blocks"]]
    assert ids == [
        BlockId.TITLE,
        BlockId.SEVERITY,
        BlockId.SUMMARY,
        BlockId.SERVICE,
        BlockId.PRIVATE,
        BlockId.COMMANDER,
        BlockId.CUSTOMERS_AFFECTED,
        BlockId.DRILL,
    ]
    title = block(view, BlockId.TITLE)
    assert title["optional"] is False
    assert title["element"]["max_length"] == 200
    assert "initial_value" not in title["element"]
    for optional in (BlockId.SUMMARY, BlockId.SERVICE, BlockId.PRIVATE, BlockId.COMMANDER):
        assert block(view, optional)["optional"] is True
    severity = block(view, BlockId.SEVERITY)["element"]
    assert option_values(severity) == ["sev1", "sev2", "sev3", "sev4"]
    assert severity["initial_option"]["value"] == "sev3"
    assert severity["options"][0]["text"]["text"] == "SEV1 · critical"
    assert block(view, BlockId.SUMMARY)["element"]["multiline"] is True
    private = block(view, BlockId.PRIVATE)["element"]
    assert private["type"] == "checkboxes"
    assert private["options"][0]["text"]["text"] == "Make the channel private"
    commander = block(view, BlockId.COMMANDER)
    assert commander["element"]["type"] == "users_select"
    assert commander["hint"]["text"] == "Defaults to you"


def test_declare_modal_prefills_title_and_severity(block_kit, hostile):
    view = build_declare_modal(title="Payments down", severity=Severity.SEV1)
    block_kit.modal(view)
    assert block(view, BlockId.TITLE)["element"]["initial_value"] == "Payments down"
    severity = block(view, BlockId.SEVERITY)["element"]
    assert severity["initial_option"] == severity["options"][0]
    hostile_view = build_declare_modal(title=hostile * 5)
    block_kit.modal(hostile_view)
    block_kit.harmless(hostile_view)
    assert len(block(hostile_view, BlockId.TITLE)["element"]["initial_value"]) <= 200


def test_private_metadata_over_slacks_limit_is_refused():
    with pytest.raises(ValueError, match="private_metadata"):
        build_declare_modal(private_metadata="x" * 3001)


def test_update_modal_offers_only_allowed_statuses(make_incident, block_kit):
    view = build_update_modal(make_incident(status=Status.IDENTIFIED))
    block_kit.modal(view)
    assert view["callback_id"] == CallbackId.POST_UPDATE
    assert view["private_metadata"] == "1"
    text = block(view, BlockId.UPDATE_TEXT)
    assert text["optional"] is False
    assert text["element"]["multiline"] is True
    assert text["element"]["action_id"] == ActionId.UPDATE_TEXT
    status = block(view, BlockId.STATUS)
    assert status["optional"] is True
    assert option_values(status["element"]) == [
        "unchanged",
        "investigating",
        "mitigated",
        "resolved",
    ]
    assert status["element"]["initial_option"]["value"] == "unchanged"
    assert status["element"]["initial_option"]["text"]["text"] == "Unchanged (Identified)"


def test_update_modal_of_a_closed_incident_has_no_status_choice(make_incident, block_kit):
    view = build_update_modal(make_incident(status=Status.CLOSED))
    block_kit.modal(view)
    assert all(b.get("block_id") != BlockId.STATUS for b in view["blocks"])


def test_severity_modal_preselects_the_current_severity(make_incident, block_kit):
    view = build_severity_modal(make_incident(severity=Severity.SEV4))
    block_kit.modal(view)
    assert view["callback_id"] == CallbackId.CHANGE_SEVERITY
    assert view["private_metadata"] == "1"
    assert block(view, BlockId.SEVERITY)["element"]["initial_option"]["value"] == "sev4"


@pytest.mark.parametrize("current", [s for s in Status if s != Status.CLOSED])
def test_status_modal_lists_exactly_the_allowed_moves(make_incident, block_kit, current):
    view = build_status_modal(make_incident(status=current))
    block_kit.modal(view)
    assert view["callback_id"] == CallbackId.CHANGE_STATUS
    values = option_values(block(view, BlockId.STATUS)["element"])
    assert set(values) == {s.value for s in ALLOWED[current]}
    assert values == [s.value for s in Status if s in ALLOWED[current]]


def test_status_modal_of_a_closed_incident_cannot_submit(make_incident, block_kit):
    view = build_status_modal(make_incident(status=Status.CLOSED))
    block_kit.modal(view)
    assert "submit" not in view
    assert view["close"]["text"] == "Close"


@pytest.mark.parametrize("build", [build_update_modal, build_severity_modal, build_status_modal])
def test_incident_modals_show_hostile_titles_inertly(make_incident, block_kit, hostile, build):
    view = build(make_incident(title=hostile))
    block_kit.modal(view)
    block_kit.harmless(view)
    assert "&lt;!channel&gt;" in view["blocks"][0]["elements"][0]["text"]
