"""Parsing `/incident` text into commands."""

import pytest

from bot.kernel.errors import InvalidInput
from bot.slack.commands.incident import (
    AddNote,
    AssignRole,
    Close,
    Declare,
    ListOpen,
    PostUpdate,
    Resolve,
    SetSeverity,
    SetStatus,
    ShowHelp,
    parse_command,
)
from storage.enums import Role, Severity, Status


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("declare sev1 Checkout down", Declare("Checkout down", Severity.SEV1)),
        ("declare Checkout down", Declare("Checkout down", None)),
        ("declare", Declare("", None)),
        ("DECLARE SEV2 Payments &amp; refunds", Declare("Payments & refunds", Severity.SEV2)),
        ("update Rolled back", PostUpdate("Rolled back")),
        ("update", PostUpdate("")),
        ("severity SEV1", SetSeverity(Severity.SEV1)),
        ("status mitigated", SetStatus(Status.MITIGATED)),
        ("commander <@U0BOB|bob>", AssignRole(Role.COMMANDER, "U0BOB")),
        ("commander me", AssignRole(Role.COMMANDER, "U0ME")),
        ("role comms <@U0BOB>", AssignRole(Role.COMMS, "U0BOB")),
        ("role scribe <@U0BOB|bob>", AssignRole(Role.SCRIBE, "U0BOB")),
        ("note DB failover at 10:02", AddNote("DB failover at 10:02")),
        ("resolve", Resolve("")),
        ("resolve Rolled back 4812", Resolve("Rolled back 4812")),
        ("close", Close()),
        ("list", ListOpen()),
        ("", ShowHelp()),
        ("help", ShowHelp()),
        ("frobnicate now", ShowHelp(unknown="frobnicate")),
    ],
)
def test_parse(text: str, expected: object) -> None:
    assert parse_command(text, user_id="U0ME") == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("severity sev9", "sev1, sev2, sev3, sev4"),
        ("severity", "sev1 to sev4"),
        ("status done", "triage, investigating"),
        ("commander bob", "Mention exactly one person"),
        ("role chef <@U1>", "Unknown role"),
        ("note", "needs text"),
        ("declare sev2", "needs a title"),
        ("declare " + "x" * 201, "under 200"),
    ],
)
def test_misuse_is_a_clear_error(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        parse_command(text, user_id="U0ME")


def test_hostile_title_becomes_inert_text() -> None:
    parsed = parse_command(
        "declare sev1 <!channel> pwned <https://evil.example|click>", user_id="U1"
    )
    assert isinstance(parsed, Declare)
    assert "<" not in parsed.title
    assert parsed.title == "@channel pwned click (https://evil.example)"
