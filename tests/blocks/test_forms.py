"""Parsing modal submissions into typed values, with field errors."""

import pytest

from bot.kernel.errors import InvalidInput
from bot.slack.blocks import build_declare_modal
from bot.slack.forms import (
    DeclareForm,
    UpdateForm,
    parse_declare_form,
    parse_services,
    parse_severity_form,
    parse_status_form,
    parse_update_form,
)
from bot.slack.ids import ActionId, BlockId
from storage.enums import Severity, Status


def text(value):
    return {"type": "plain_text_input", "value": value}


def select(value):
    option = {"text": {"type": "plain_text", "text": value}, "value": value} if value else None
    return {"type": "static_select", "selected_option": option}


def declare_values(**overrides):
    values = {
        BlockId.TITLE: {ActionId.TITLE: text("Checkout is failing")},
        BlockId.SEVERITY: {ActionId.SEVERITY: select("sev2")},
        BlockId.SUMMARY: {ActionId.SUMMARY: text(None)},
        BlockId.SERVICE: {ActionId.SERVICE: text(None)},
        BlockId.PRIVATE: {ActionId.PRIVATE: {"type": "checkboxes", "selected_options": []}},
        BlockId.COMMANDER: {ActionId.COMMANDER: {"type": "users_select", "selected_user": None}},
    }
    for key, value in overrides.items():
        block_id = BlockId(key)
        values[block_id] = {ActionId(key): value}
    return {str(k): {str(a): v for a, v in actions.items()} for k, actions in values.items()}


def test_minimal_declare_form():
    assert parse_declare_form(declare_values()) == DeclareForm(
        title="Checkout is failing", severity=Severity.SEV2
    )


def test_full_declare_form():
    private_option = build_declare_modal()["blocks"][4]["element"]["options"][0]
    values = declare_values(
        title=text("  Payments down  "),
        summary=text("  EU cards declined\n"),
        service=text(" payments, ,checkout ,payments,"),
        private={"type": "checkboxes", "selected_options": [private_option]},
        commander={"type": "users_select", "selected_user": "U9"},
    )
    assert parse_declare_form(values) == DeclareForm(
        title="Payments down",
        severity=Severity.SEV2,
        summary="EU cards declined",
        services=["payments", "checkout"],
        private=True,
        commander="U9",
    )


@pytest.mark.parametrize("title", [None, "", "   \n "])
def test_declare_needs_a_title(title):
    with pytest.raises(InvalidInput) as error:
        parse_declare_form(declare_values(title=text(title)))
    assert error.value.field == BlockId.TITLE
    assert error.value.message == "Give the incident a title."


def test_declare_refuses_a_title_over_200():
    parse_declare_form(declare_values(title=text("x" * 200)))
    with pytest.raises(InvalidInput) as error:
        parse_declare_form(declare_values(title=text("x" * 201)))
    assert error.value.field == "title"
    assert "200" in error.value.message


def test_declare_needs_a_severity():
    with pytest.raises(InvalidInput) as error:
        parse_declare_form(declare_values(severity=select(None)))
    assert error.value.field == BlockId.SEVERITY


def test_forms_survive_missing_optional_blocks():
    values = {"title": {"title": text("Only a title")}, "severity": {"severity": select("sev4")}}
    form = parse_declare_form(values)
    assert form == DeclareForm(title="Only a title", severity=Severity.SEV4)


def test_services_are_split_stripped_and_bounded():
    assert parse_services("") == []
    assert parse_services("a,b , a,,c") == ["a", "b", "c"]
    assert parse_services("x" * 80) == ["x" * 80]
    with pytest.raises(InvalidInput) as error:
        parse_services("ok, " + "x" * 81)
    assert error.value.field == BlockId.SERVICE


def test_update_form_reads_text_and_optional_status():
    base = {"update_text": {"update_text": text("  Rolled back  ")}}
    assert parse_update_form(base) == UpdateForm(text="Rolled back")
    unchanged = {**base, "status": {"status": select("unchanged")}}
    assert parse_update_form(unchanged) == UpdateForm(text="Rolled back")
    moved = {**base, "status": {"status": select("mitigated")}}
    assert parse_update_form(moved) == UpdateForm(text="Rolled back", status=Status.MITIGATED)


def test_update_form_needs_text():
    with pytest.raises(InvalidInput) as error:
        parse_update_form({"update_text": {"update_text": text(" ")}})
    assert error.value.field == BlockId.UPDATE_TEXT


def test_update_form_refuses_an_unknown_status():
    values = {
        "update_text": {"update_text": text("x")},
        "status": {"status": select("exploded")},
    }
    with pytest.raises(InvalidInput) as error:
        parse_update_form(values)
    assert error.value.field == BlockId.STATUS


def test_severity_and_status_forms():
    assert parse_severity_form({"severity": {"severity": select("sev1")}}) == Severity.SEV1
    assert parse_status_form({"status": {"status": select("resolved")}}) == Status.RESOLVED
    with pytest.raises(InvalidInput) as error:
        parse_status_form({"status": {"status": select(None)}})
    assert error.value.field == BlockId.STATUS
    with pytest.raises(InvalidInput):
        parse_severity_form({})
