"""The pinned status block, its fallback text and the channel topic."""

from datetime import timedelta

import pytest

from bot.slack.blocks import build_status_blocks, build_status_text, build_topic
from bot.slack.ids import ActionId, BlockId
from storage.enums import Role, Severity, Status

OPEN_ACTIONS = [
    ActionId.ACKNOWLEDGE,
    ActionId.POST_UPDATE,
    ActionId.CHANGE_SEVERITY,
    ActionId.CHANGE_STATUS,
    ActionId.RESOLVE,
]


def actions_of(blocks):
    found = [b for b in blocks if b["type"] == "actions"]
    assert len(found) <= 1
    return found[0] if found else None


def action_ids(blocks):
    actions = actions_of(blocks)
    return [e["action_id"] for e in actions["elements"]] if actions else []


def fields_text(blocks):
    return "\n".join(f["text"] for b in blocks for f in b.get("fields", []))


def field(blocks, label):
    for b in blocks:
        for f in b.get("fields", []):
            if f["text"].startswith(f"*{label}*\n"):
                return f["text"].split("\n", 1)[1]
    raise AssertionError(f"no field {label}")


def test_open_incident_shows_header_fields_and_every_action(make_incident, now, block_kit):
    blocks = build_status_blocks(make_incident(), [], None, now=now)
    block_kit.message(blocks)
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "🔴 INC-7: Checkout is failing", "emoji": True},
    }
    assert action_ids(blocks) == OPEN_ACTIONS
    actions = actions_of(blocks)
    assert actions["block_id"] == BlockId.STATUS_ACTIONS
    assert {e["value"] for e in actions["elements"]} == {"1"}
    styles = {e["action_id"]: e.get("style") for e in actions["elements"]}
    assert styles[ActionId.POST_UPDATE] == "primary"
    assert styles[ActionId.RESOLVE] == "danger"
    resolve = actions["elements"][-1]
    assert resolve["confirm"]["confirm"]["text"] == "Resolve"
    assert field(blocks, "Severity") == "SEV2 · major"
    assert field(blocks, "Status") == "Investigating"
    assert field(blocks, "Commander") == "_unassigned_"
    assert field(blocks, "Acknowledged") == "_not yet_"
    assert field(blocks, "Affected services") == "checkout"


def test_declared_field_has_a_date_token_and_elapsed_time(make_incident, now):
    blocks = build_status_blocks(make_incident(), [], None, now=now)
    epoch = int((now - timedelta(hours=1, minutes=5)).timestamp())
    assert field(blocks, "Declared") == (
        f"<!date^{epoch}^{{date_short_pretty}} {{time}}|2024-05-01 10:55 UTC> (open 1h 05m)"
    )


def test_acknowledged_incident_hides_the_button_and_names_who(make_incident, now):
    incident = make_incident(acknowledged_at=now - timedelta(minutes=50), acknowledged_by="U5")
    blocks = build_status_blocks(incident, [], None, now=now)
    assert ActionId.ACKNOWLEDGE not in action_ids(blocks)
    assert action_ids(blocks) == OPEN_ACTIONS[1:]
    assert field(blocks, "Acknowledged").startswith("<@U5> · <!date^")


def test_resolved_incident_offers_only_a_status_change(make_incident, now, block_kit):
    incident = make_incident(status=Status.RESOLVED, resolved_at=now - timedelta(minutes=5))
    blocks = build_status_blocks(incident, [], None, now=now)
    block_kit.message(blocks)
    assert action_ids(blocks) == [ActionId.CHANGE_STATUS]
    assert blocks[0]["text"]["text"].startswith("✅ INC-7")
    assert field(blocks, "Declared").endswith("(lasted 1h 00m)")
    assert field(blocks, "Next update due") == "—"


def test_closed_incident_has_no_actions(make_incident, now, block_kit):
    incident = make_incident(
        status=Status.CLOSED, resolved_at=now - timedelta(minutes=5), closed_at=now
    )
    blocks = build_status_blocks(incident, [], None, now=now)
    block_kit.message(blocks)
    assert actions_of(blocks) is None
    assert blocks[0]["text"]["text"].startswith("✅")


@pytest.mark.parametrize("status", [s for s in Status if s not in (Status.RESOLVED, Status.CLOSED)])
def test_every_open_status_offers_resolve(make_incident, now, status):
    blocks = build_status_blocks(make_incident(status=status), [], None, now=now)
    assert ActionId.RESOLVE in action_ids(blocks)


@pytest.mark.parametrize(
    ("severity", "emoji"),
    [(Severity.SEV1, "🚨"), (Severity.SEV2, "🔴"), (Severity.SEV3, "🟠"), (Severity.SEV4, "🟡")],
)
def test_header_emoji_follows_severity(make_incident, now, severity, emoji):
    blocks = build_status_blocks(make_incident(severity=severity), [], None, now=now)
    assert blocks[0]["text"]["text"].startswith(emoji)


def test_next_update_is_a_time_or_overdue(make_incident, now):
    due = build_status_blocks(make_incident(), [], None, now=now)
    assert field(due, "Next update due").startswith("<!date^")
    assert "{time}" in field(due, "Next update due")
    late = make_incident(next_update_due_at=now - timedelta(minutes=3))
    overdue = build_status_blocks(late, [], None, now=now)
    assert field(overdue, "Next update due").startswith("*overdue* since <!date^")


def test_roles_show_as_mentions_and_the_latest_commander_wins(make_incident, make_role, now):
    roles = [
        make_role(Role.COMMANDER, "U10", minutes_ago=60),
        make_role(Role.COMMANDER, "U11", minutes_ago=5),
        make_role(Role.COMMS, "U12"),
        make_role(Role.RESPONDER, "U13"),
        make_role(Role.RESPONDER, "U14"),
    ]
    blocks = build_status_blocks(make_incident(), roles, None, now=now)
    assert field(blocks, "Commander") == "<@U11>"
    assert field(blocks, "Comms lead") == "<@U12>"
    assert field(blocks, "Scribe") == "_unassigned_"
    assert field(blocks, "Responders") == "<@U13>, <@U14>"


def test_latest_update_keeps_mentions_but_escapes_broadcasts(
    make_incident, make_update, now, block_kit
):
    update = make_update(
        text="Paging @U7: <!channel> see <https://evil.example|here> & wait", mentions=["U7"]
    )
    blocks = build_status_blocks(make_incident(), [], update, now=now)
    block_kit.harmless(blocks)
    latest = next(b for b in blocks if b.get("text", {}).get("text", "").startswith("*Latest"))
    body = latest["text"]["text"]
    assert body.startswith("*Latest update* · <@U2> · <!date^")
    assert "Paging <@U7>: &lt;!channel&gt;" in body
    assert "&amp; wait" in body


def test_no_update_yet_points_at_the_button(make_incident, now):
    blocks = build_status_blocks(make_incident(), [], None, now=now)
    assert "_No update yet — post one with the button below or `/incident update`._" in (
        "\n".join(b.get("text", {}).get("text", "") for b in blocks)
    )


def test_footer_names_number_visibility_and_change_time(make_incident, now):
    blocks = build_status_blocks(make_incident(private=True), [], None, now=now)
    footer = blocks[-1]
    assert footer["type"] == "context"
    text = footer["elements"][0]["text"]
    assert text.startswith("Incident #7 · 🔒 private channel · last changed <!date^")
    assert str(int(now.timestamp())) in text


def test_hostile_text_everywhere_stays_inert(
    make_incident, make_update, make_role, now, hostile, block_kit
):
    incident = make_incident(
        title=hostile,
        summary=hostile,
        services=[hostile, "R&D"],
        status=Status.RESOLVED,
        resolved_at=now,
        resolution=hostile,
    )
    update = make_update(text=hostile)
    blocks = build_status_blocks(incident, [make_role(Role.COMMANDER, "U1")], update, now=now)
    block_kit.message(blocks)
    block_kit.harmless([blocks, build_status_text(incident), build_topic(incident, "U1")])
    assert "R&amp;D" in block_kit.texts(blocks)
    assert blocks[0]["text"]["text"].startswith("✅ INC-7: @channel pwned click")


def test_worst_case_input_stays_within_limits(
    make_incident, make_update, make_role, now, block_kit
):
    incident = make_incident(
        title="&<>" * 66 + "xx",
        summary="<" * 5000,
        services=["&" * 80] * 40,
    )
    roles = [make_role(Role.RESPONDER, f"U{n:08d}") for n in range(20)]
    roles += [make_role(Role.COMMS, f"U{n:08d}") for n in range(200)]
    update = make_update(text="& @U1 " * 1250, mentions=["U1"])
    blocks = build_status_blocks(incident, roles, update, now=now)
    block_kit.message(blocks)
    block_kit.harmless(blocks)
    assert len(blocks[0]["text"]["text"]) <= 150
    assert "more" in field(blocks, "Comms lead")


def test_twenty_responders_are_all_listed(make_incident, make_role, now, block_kit):
    roles = [make_role(Role.RESPONDER, f"U{n:04d}") for n in range(20)]
    blocks = build_status_blocks(make_incident(), roles, None, now=now)
    block_kit.message(blocks)
    assert field(blocks, "Responders").count("<@U") == 20


def test_an_unsaved_incident_cannot_carry_buttons(make_incident, now):
    with pytest.raises(ValueError, match="saved"):
        build_status_blocks(make_incident(id=None), [], None, now=now)


def test_malformed_user_ids_are_shown_not_parsed(make_incident, make_role, now, block_kit):
    roles = [make_role(Role.COMMANDER, "U1>|<!channel")]
    blocks = build_status_blocks(make_incident(), roles, None, now=now)
    block_kit.harmless(blocks)
    assert field(blocks, "Commander") == "U1&gt;|&lt;!channel"


def test_status_text_is_short_plain_and_escaped(make_incident, hostile):
    assert build_status_text(make_incident(number=12)) == (
        "INC-12 · SEV2 · Investigating · Checkout is failing"
    )
    long = build_status_text(make_incident(title="&" * 200))
    assert len(long) <= 300
    assert long.endswith("&amp;…")
    assert "<!channel>" not in build_status_text(make_incident(title=hostile))


def test_topic_names_severity_status_commander_and_title(make_incident):
    assert build_topic(make_incident(), "U9") == (
        "SEV2 | Investigating | IC <@U9> | Checkout is failing"
    )
    assert build_topic(make_incident(), None).startswith("SEV2 | Investigating | IC unassigned |")


def test_topic_fits_250_with_the_worst_title(make_incident, hostile):
    topic = build_topic(make_incident(title="<&>" * 66 + "ab"), "U9")
    assert len(topic) <= 250
    assert "&lt;&amp;&gt;" in topic
    hostile_topic = build_topic(make_incident(title=hostile), "U9")
    assert "<!channel>" not in hostile_topic
    assert "<@U999>" not in hostile_topic
