"""Update messages, the open-incident list and notices."""

import re
from datetime import timedelta

from bot.slack.blocks import build_incident_list, build_notice, build_update_message
from storage.enums import Severity, Status


def body_text(blocks):
    return "\n".join(b["text"]["text"] for b in blocks[1:-1])


def test_update_message_has_a_head_the_body_and_its_author(make_incident, make_update, block_kit):
    text, blocks = build_update_message(make_update(), make_incident())
    block_kit.message(blocks)
    assert blocks[0]["text"]["text"] == "📣 *Update* · Investigating · SEV2"
    assert blocks[1]["text"]["text"] == "Rolled back deploy 4812; error rate falling."
    assert blocks[-1]["elements"][0]["text"].startswith("Posted by <@U2> · <!date^")
    assert text == "INC-7 update (Investigating): Rolled back deploy 4812; error rate falling."


def test_update_uses_the_status_and_severity_it_was_posted_with(make_incident, make_update):
    update = make_update(status=Status.MITIGATED, severity=Severity.SEV1)
    _, blocks = build_update_message(update, make_incident())
    assert blocks[0]["text"]["text"] == "📣 *Update* · Mitigated · SEV1"


def test_a_ten_thousand_character_update_loses_nothing(make_incident, make_update, block_kit):
    words = [f"word{n}" for n in range(1300)]
    original = " ".join(words)
    assert 10_000 < len(original) < 12_000
    text, blocks = build_update_message(make_update(text=original), make_incident())
    block_kit.message(blocks)
    assert len(blocks) > 3
    assert body_text(blocks).split() == words
    assert len(text) <= 300


def test_a_huge_update_is_cut_with_a_marker(make_incident, make_update, block_kit):
    _, blocks = build_update_message(make_update(text="x " * 40_000), make_incident())
    block_kit.message(blocks)
    assert body_text(blocks).endswith("… (truncated)")


def test_an_update_of_escapable_characters_stays_within_limits(
    make_incident, make_update, block_kit
):
    text, blocks = build_update_message(make_update(text="&<>" * 4000), make_incident())
    block_kit.message(blocks)
    assert not re.search(r"&[a-z]{0,3}…", body_text(blocks)), "an entity was cut in half"
    assert body_text(blocks).endswith("… (truncated)")
    assert len(text) <= 300


def test_update_keeps_mentions_and_escapes_broadcasts(
    make_incident, make_update, block_kit, hostile
):
    update = make_update(text=hostile + " @U0AMY", mentions=["U0AMY"])
    text, blocks = build_update_message(update, make_incident(title=hostile))
    block_kit.harmless([text, blocks])
    assert "<@U0AMY>" in blocks[1]["text"]["text"]  # the listed mention
    assert "&lt;@U999&gt;" in blocks[1]["text"]["text"]  # Slack markup typed as text stays text
    assert "&lt;!channel&gt;" in text


def test_mentions_are_never_split_between_sections(make_incident, make_update):
    update = make_update(text=("@U12345678 " * 600), mentions=["U12345678"])
    _, blocks = build_update_message(update, make_incident())
    for block in blocks[1:-1]:
        assert "@U1234" not in block["text"]["text"].replace("<@U12345678>", "")


def test_list_shows_one_line_per_open_incident(make_incident, now, block_kit):
    incidents = [
        make_incident(id=1, number=7),
        make_incident(id=2, number=8, status=Status.CLOSED),
        make_incident(id=3, number=9, severity=Severity.SEV1),
    ]
    blocks = build_incident_list(incidents, now=now, commanders={1: "U4"}, rooms={1: "C1"})
    block_kit.message(blocks)
    assert blocks[0]["text"]["text"] == "*2 open incidents*"
    assert blocks[1]["text"]["text"] == (
        "<#C1> *INC-7* Checkout is failing · SEV2 · Investigating · IC <@U4> · open for 1h 05m"
    )
    assert blocks[2]["text"]["text"].startswith("*INC-9* Checkout is failing · SEV1 ·")
    assert "IC _unassigned_" in blocks[2]["text"]["text"]


def test_list_leaves_out_the_commander_when_it_is_not_known(make_incident, now):
    blocks = build_incident_list([make_incident()], now=now, rooms={1: "C1"})
    assert blocks[1]["text"]["text"] == (
        "<#C1> *INC-7* Checkout is failing · SEV2 · Investigating · open for 1h 05m"
    )


def test_empty_list_celebrates(make_incident, now, block_kit):
    for incidents in ([], [make_incident(status=Status.RESOLVED)]):
        blocks = build_incident_list(incidents, now=now)
        block_kit.message(blocks)
        assert blocks == [
            {"type": "section", "text": {"type": "mrkdwn", "text": "No open incidents. :tada:"}}
        ]


def test_a_thousand_open_incidents_fit_one_message(make_incident, now, block_kit, hostile):
    incidents = [
        make_incident(
            id=n,
            number=n,
            title=(hostile + "&" * 200)[:200],
            declared_at=now - timedelta(days=n),
        )
        for n in range(1, 1001)
    ]
    blocks = build_incident_list(incidents, now=now)
    block_kit.message(blocks)
    block_kit.harmless(blocks)
    assert len(blocks) <= 50
    assert blocks[-1]["elements"][0]["text"] == "…and 955 more"


def test_notice_is_trusted_mrkdwn(block_kit):
    blocks = build_notice("Only the *commander* can close <#C1>.")
    block_kit.message(blocks)
    assert blocks == [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Only the *commander* can close <#C1>."},
        }
    ]
