"""The announcement in the digest channel."""

from datetime import timedelta

from bot.slack.blocks import build_digest_blocks
from storage.enums import Role, Status


def test_digest_links_the_channel_and_states_the_incident(
    make_incident, make_role, make_update, now, block_kit
):
    roles = [make_role(Role.COMMANDER, "U3")]
    blocks = build_digest_blocks(make_incident(), roles, make_update(), now=now, channel_id="C1")
    block_kit.message(blocks)
    assert len(blocks) <= 6
    assert blocks[0]["text"]["text"] == "🔴 *<#C1>* — Checkout is failing"
    state = blocks[1]["elements"][0]["text"]
    assert state.startswith("INC-7 · SEV2 · major · Investigating · IC <@U3> · declared <!date^")
    assert blocks[2]["text"]["text"] == (
        "*Latest:* Rolled back deploy 4812; error rate falling. — <@U2>"
    )


def test_digest_without_a_channel_names_the_incident(make_incident, now, block_kit):
    blocks = build_digest_blocks(make_incident(), [], None, now=now)
    block_kit.message(blocks)
    assert blocks[0]["text"]["text"] == "🔴 *INC-7* — Checkout is failing"
    assert "IC _unassigned_" in blocks[1]["elements"][0]["text"]
    assert len(blocks) == 2


def test_resolved_digest_shows_how_long_it_lasted(make_incident, now, block_kit):
    incident = make_incident(status=Status.RESOLVED, resolved_at=now - timedelta(minutes=5))
    blocks = build_digest_blocks(incident, [], None, now=now)
    block_kit.message(blocks)
    assert blocks[0]["text"]["text"].startswith("✅")
    assert blocks[-1]["elements"][0]["text"] == "✅ Resolved · lasted 1h 00m"


def test_digest_update_is_one_short_line(make_incident, make_update, now, block_kit):
    update = make_update(text="line one\n\nline two @U8 " + "word " * 2000, mentions=["U8"])
    blocks = build_digest_blocks(make_incident(), [], update, now=now)
    block_kit.message(blocks)
    line = blocks[2]["text"]["text"]
    assert "\n" not in line
    assert line.startswith("*Latest:* line one line two <@U8> word")
    assert len(line) < 350


def test_digest_keeps_hostile_text_inert(make_incident, make_update, now, block_kit, hostile):
    incident = make_incident(title=hostile * 3, status=Status.CLOSED, closed_at=now)
    blocks = build_digest_blocks(incident, [], make_update(text=hostile), now=now)
    block_kit.message(blocks)
    block_kit.harmless(blocks)
    assert len(blocks) <= 6
