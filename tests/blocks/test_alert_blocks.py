"""Alerts as people see them: offers, page DMs, the status block's alerts, the declare form."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.alerts.ports import OfferView
from bot.incidents.ports import AlertSummary, IncidentSnapshot
from bot.paging.ports import PageView
from bot.slack.blocks import build_status_blocks
from bot.slack.blocks.alerts import (
    build_alerts_section,
    build_all_resolved_notice,
    build_declare_from_alert_modal,
    build_offer_blocks,
    build_offer_text,
    build_page_acknowledged_blocks,
    build_page_blocks,
    build_page_text,
)
from bot.slack.ids import ActionId, BlockId, CallbackId
from storage.enums import AlertSource, AlertState, Refire, Role, RouteAction, Severity, Status
from storage.models import ActionItem, Alert, AlertGroup

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)  # the `now` fixture's instant
HOSTILE_ALERT = "<!channel> <https://evil|x>"


def make_group(**overrides: Any) -> AlertGroup:
    fields: dict[str, Any] = {
        "id": 5,
        "source": AlertSource.ALERTMANAGER,
        "group_key": '{}:{alertname="HighLatency"}',
        "title": "HighLatency on checkout",
        "severity": Severity.SEV2,
        "service": "checkout",
        "action": RouteAction.OFFER,
        "on_refire": Refire.REOPEN,
        "runbook": "https://runbooks.example/latency",
        "offer_channel_id": "C9",
        "created_at": NOW - timedelta(minutes=12),
    }
    fields.update(overrides)
    return AlertGroup(**fields)


def make_alert(n: int = 1, **overrides: Any) -> Alert:
    fields: dict[str, Any] = {
        "id": n,
        "source": AlertSource.ALERTMANAGER,
        "key": f"fp{n}",
        "group_id": 5,
        "state": AlertState.FIRING,
        "title": f"Latency high on pod-{n}",
        "summary": f"p99 above 2s on pod-{n}",
        "link": f"https://grafana.example/d/{n}?a=1&b=2",
        "starts_at": NOW - timedelta(minutes=12),
    }
    fields.update(overrides)
    return Alert(**fields)


def summary_of(alerts: list[Alert], *, runbook: str = "") -> AlertSummary:
    resolved = sum(a.state == AlertState.RESOLVED for a in alerts)
    return AlertSummary(total=len(alerts), resolved=resolved, sample=alerts, runbook=runbook)


def offer(alerts: list[Alert] | None = None, **overrides: Any) -> OfferView:
    alerts = (
        [make_alert(1), make_alert(2), make_alert(3, state=AlertState.RESOLVED)]
        if alerts is None
        else alerts
    )
    incident = overrides.pop("incident", None)
    room = overrides.pop("room", "C1" if incident is not None else None)
    group = make_group(**overrides)
    return OfferView(group=group, alerts=summary_of(alerts), incident=incident, incident_room=room)


def snapshot(incident: Any, alerts: AlertSummary | None) -> IncidentSnapshot:
    return IncidentSnapshot(incident=incident, roles=[], latest_update=None, alerts=alerts)


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    found += [b["accessory"] for b in blocks if b.get("accessory", {}).get("type") == "button"]
    return found


def texts(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(
        [b["text"]["text"] for b in blocks if "text" in b]
        + [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    )


# -- the offer ---------------------------------------------------------------------------


def test_offer_shows_the_group_what_it_would_be_and_a_declare_button(block_kit):
    blocks = build_offer_blocks(offer(), now=NOW)
    block_kit.message(blocks)
    shown = texts(blocks)
    assert blocks[0]["text"]["text"] == (
        ":rotating_light: *HighLatency on checkout*\n2 firing · 1 resolved"
    )
    assert "Would be *SEV2 · major* · service checkout · from Alertmanager" in shown
    assert "first seen <!date^" in shown and "(12m ago)" in shown
    assert ":book: <https://runbooks.example/latency|Runbook>" in shown
    assert ":red_circle: <https://grafana.example/d/1?a=1&amp;b=2|Latency high on pod-1>" in shown
    assert ":white_check_mark: <https://grafana.example/d/3?a=1&amp;b=2|Latency high" in shown
    [declare] = buttons(blocks)
    assert declare["action_id"] == ActionId.DECLARE_FROM_ALERT
    assert declare["value"] == "5"
    assert declare["style"] == "primary"
    assert declare["text"]["text"] == "Declare incident"


def test_offer_counts_say_when_everything_resolved():
    resolved = [make_alert(n, state=AlertState.RESOLVED) for n in (1, 2, 3)]
    assert (
        "All 3 alerts resolved" in build_offer_blocks(offer(resolved), now=NOW)[0]["text"]["text"]
    )
    one = build_offer_blocks(offer(resolved[:1]), now=NOW)
    assert one[0]["text"]["text"].startswith(":white_check_mark: *HighLatency on checkout*\n")
    assert one[0]["text"]["text"].endswith("The alert resolved")
    firing = build_offer_blocks(offer([make_alert(1), make_alert(2)]), now=NOW)
    assert firing[0]["text"]["text"].endswith("\n2 firing")


@pytest.mark.parametrize(
    "link",
    [
        "",
        "javascript:alert(1)",
        "ftp://files.example/x",
        "grafana.example/d/1",
        "https://grafana.example/a b",
        "https://grafana.example/a|Approve",
        "https://grafana.example/<!channel>",
        "https://grafana.example/" + "a" * 1000,
    ],
)
def test_alerts_link_only_to_plain_web_addresses(block_kit, link):
    blocks = build_offer_blocks(offer([make_alert(1, link=link)]), now=NOW)
    block_kit.message(blocks)
    block_kit.harmless(blocks)
    line = blocks[1]["text"]["text"]
    assert line == ":red_circle: Latency high on pod-1"


def test_http_links_are_kept_and_their_ampersands_escaped():
    blocks = build_offer_blocks(
        offer([make_alert(1, link="HTTP://am.example/#/alerts?x=1&y=<")]), now=NOW
    )
    assert blocks[1]["text"]["text"] == ":red_circle: Latency high on pod-1"
    plain = build_offer_blocks(offer([make_alert(1, link="http://am.example/#/alerts")]), now=NOW)
    assert (
        plain[1]["text"]["text"]
        == ":red_circle: <http://am.example/#/alerts|Latency high on pod-1>"
    )


def test_hostile_titles_and_services_stay_inert(block_kit, hostile):
    alerts = [
        make_alert(1, title=HOSTILE_ALERT, service=hostile),
        make_alert(2, title=hostile, link="https://grafana.example/x"),
    ]
    view = offer(alerts, title=HOSTILE_ALERT, service=hostile, runbook=hostile)
    blocks = build_offer_blocks(view, now=NOW)
    block_kit.message(blocks)
    everything = [blocks, build_offer_text(view), build_declare_from_alert_modal(view)]
    block_kit.harmless(everything)
    shown = block_kit.texts(everything)
    assert "<https://evil" not in shown
    assert "&lt;!channel&gt; &lt;https://evil|x&gt;" in shown
    assert "<https://grafana.example/x|&lt;!channel&gt; pwned" in shown


def test_repeats_say_how_often_an_alert_was_seen():
    blocks = build_offer_blocks(offer([make_alert(1, repeats=2), make_alert(2)]), now=NOW)
    lines = blocks[1]["text"]["text"].split("\n")
    assert lines[0].endswith("|Latency high on pod-1> · seen 3 times")
    assert "seen" not in lines[1]


def test_a_declared_offer_names_the_incident_instead_of_the_button(make_incident, block_kit):
    blocks = build_offer_blocks(offer(incident=make_incident()), now=NOW)
    block_kit.message(blocks)
    assert buttons(blocks) == []
    assert blocks[-1]["text"]["text"] == ":arrow_right: Declared as <#C1> (INC-7)"
    no_channel = build_offer_blocks(offer(incident=make_incident(), room=None), now=NOW)
    assert no_channel[-1]["text"]["text"] == ":arrow_right: Declared as INC-7"
    assert build_offer_text(offer(incident=make_incident())).endswith(" · declared as INC-7")


def test_offer_text_is_short_escaped_and_counts():
    text = build_offer_text(offer(title="A & B " * 100))
    assert text.startswith("Alert: A &amp; B A &amp; B")
    assert text.endswith("… — 2 firing · 1 resolved")
    assert len(text) <= 300


def test_a_thousand_alerts_stay_within_slacks_limits(block_kit):
    link = "https://grafana.example/?" + "&x=1" * 240
    alerts = [make_alert(n, title="&<>" * 70, link=link, service="s&" * 60) for n in range(1000)]
    view = offer(alerts)
    blocks = build_offer_blocks(view, now=NOW)
    block_kit.message(blocks)
    lines = [
        line for b in blocks if b["type"] == "section" for line in b["text"]["text"].split("\n")
    ]
    assert sum(line.startswith(":red_circle:") for line in lines) == 10
    assert "…and 990 more" in texts(blocks)


# -- the page DM -------------------------------------------------------------------------


def page(snap: IncidentSnapshot, **changes: Any) -> PageView:
    """Page 12 of the incident, level 2, made by an alert."""
    values: dict[str, Any] = {"escalation_id": 12, "level": 2, "reason": "an alert"}
    return PageView(snapshot=snap, **{**values, **changes})


def test_page_dm_names_the_incident_its_alerts_and_offers_acknowledge(make_incident, block_kit):
    summary = summary_of(
        [make_alert(1), make_alert(2, state=AlertState.RESOLVED)], runbook="https://rb.example/x"
    )
    view = page(snapshot(make_incident(), summary), reason="paged by @U0BOB", message="db & <x>")
    blocks = build_page_blocks(view, channel_id="C1")
    block_kit.message(blocks)
    shown = texts(blocks)
    assert blocks[0]["text"]["text"] == (
        ":rotating_light: You are paged for *INC-7* (SEV2, Checkout is failing) in <#C1>"
    )
    assert "> db &amp; &lt;x&gt;" in shown
    assert "Page 12 · level 2 · paged by <@U0BOB>" in shown
    assert "*Alerts* · 1 of 2 resolved" in shown
    assert ":book: <https://rb.example/x|Runbook>" in shown
    acknowledge, escalate, open_channel = buttons(blocks)
    assert acknowledge["action_id"] == ActionId.ACKNOWLEDGE_PAGE
    assert acknowledge["value"] == "12"
    assert acknowledge["style"] == "primary"
    assert (escalate["action_id"], escalate["value"]) == (ActionId.ESCALATE_PAGE, "12")
    assert open_channel["action_id"] == ActionId.OPEN_CHANNEL
    assert open_channel["url"] == "https://slack.com/app_redirect?channel=C1"
    assert build_page_text(view) == "You are paged for INC-7 (SEV2): Checkout is failing"


def test_page_dm_without_a_channel_alerts_or_further_level_still_pages(
    make_incident, block_kit, hostile
):
    view = page(snapshot(make_incident(title=hostile), None), can_escalate=False, reason=hostile)
    blocks = build_page_blocks(view, channel_id=None)
    block_kit.message(blocks)
    block_kit.harmless([blocks, build_page_text(view)])
    assert [b["action_id"] for b in buttons(blocks)] == [ActionId.ACKNOWLEDGE_PAGE]
    assert " in <#" not in blocks[0]["text"]["text"]


def test_acknowledged_page_drops_the_buttons_and_says_who_first(make_incident, block_kit):
    view = page(snapshot(make_incident(), summary_of([make_alert(1)])))
    acked = page(view.snapshot, acknowledged_by=("U42", "U43"))
    blocks = build_page_acknowledged_blocks(acked, channel_id="C1")
    block_kit.message(blocks)
    assert buttons(blocks) == []
    assert blocks[-1]["elements"][0]["text"] == (
        ":white_check_mark: Acknowledged by <@U42>, <@U43>"
    )
    assert blocks[0] == build_page_blocks(view, channel_id="C1")[0]


# -- the status block --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([AlertState.FIRING, AlertState.ACKNOWLEDGED], "*Alerts* · 2 firing"),
        ([AlertState.RESOLVED] * 3 + [AlertState.FIRING], "*Alerts* · 3 of 4 resolved"),
        ([AlertState.RESOLVED] * 4, "*Alerts* · All 4 resolved"),
        ([AlertState.RESOLVED], "*Alerts* · Resolved"),
    ],
)
def test_alerts_section_counts(make_incident, states, expected):
    alerts = [make_alert(n, state=state) for n, state in enumerate(states)]
    blocks = build_alerts_section(summary_of(alerts), make_incident())
    assert blocks[0]["text"]["text"] == expected


def test_mark_resolved_only_when_every_alert_resolved_and_the_incident_is_open(make_incident):
    resolved = summary_of([make_alert(n, state=AlertState.RESOLVED) for n in range(2)])
    firing = summary_of([make_alert(1), make_alert(2, state=AlertState.RESOLVED)])
    [button] = buttons(build_alerts_section(resolved, make_incident()))
    assert button["action_id"] == ActionId.MARK_RESOLVED
    assert button["value"] == "1"
    assert buttons(build_alerts_section(firing, make_incident())) == []
    done = make_incident(status=Status.RESOLVED, resolved_at=NOW)
    assert buttons(build_alerts_section(resolved, done)) == []


def test_alerts_section_shows_five_lines_the_rest_counted_and_the_runbook(make_incident):
    alerts = [make_alert(n) for n in range(8)]
    blocks = build_alerts_section(
        summary_of(alerts, runbook="wiki: <!here> Latency"), make_incident()
    )
    assert len(blocks[1]["text"]["text"].split("\n")) == 5
    assert blocks[2]["elements"][0]["text"] == "…and 3 more"
    assert blocks[3]["elements"][0]["text"] == ":book: Runbook: wiki: &lt;!here&gt; Latency"


def test_no_alerts_no_section(make_incident):
    assert build_alerts_section(AlertSummary(total=0, resolved=0), make_incident()) == []


def test_status_block_shows_alerts_and_stays_within_fifty_blocks(
    make_incident, make_update, make_role, block_kit
):
    incident = make_incident(
        summary="<" * 5000,
        status=Status.RESOLVED,
        resolved_at=NOW,
        resolution="fixed",
        postmortem_permalink="https://example.slack.com/files/F1",
    )
    link = "https://grafana.example/?" + "&x=1" * 240
    alerts = [
        make_alert(n, title="&" * 200, link=link, state=AlertState.RESOLVED) for n in range(1000)
    ]
    items = [ActionItem(id=n, incident_id=1, text="x", created_by="U1") for n in range(100)]
    roles = [make_role(Role.RESPONDER, f"U{n:08d}") for n in range(200)]
    summary = summary_of(alerts, runbook="https://rb.example/x")
    blocks = build_status_blocks(
        incident, roles, make_update(), now=NOW, action_items=items, alerts=summary
    )
    block_kit.message(blocks)
    assert len(blocks) <= 27
    assert "*Alerts* · All 1000 resolved" in texts(blocks)
    open_blocks = build_status_blocks(make_incident(), [], None, now=NOW, alerts=summary)
    block_kit.message(open_blocks)
    assert ActionId.MARK_RESOLVED in [b["action_id"] for b in buttons(open_blocks)]


def test_status_block_without_alerts_is_unchanged(make_incident):
    incident = make_incident()
    assert build_status_blocks(incident, [], None, now=NOW, alerts=None) == build_status_blocks(
        incident, [], None, now=NOW
    )


def test_all_resolved_notice_offers_mark_resolved_while_open(make_incident, block_kit):
    summary = summary_of([make_alert(n, state=AlertState.RESOLVED) for n in range(4)])
    text, blocks = build_all_resolved_notice(snapshot(make_incident(), summary))
    block_kit.message(blocks)
    assert text == "All 4 alerts resolved for INC-7"
    assert blocks[0]["text"]["text"].startswith(":white_check_mark: All 4 alerts resolved.")
    assert [b["action_id"] for b in buttons(blocks)] == [ActionId.MARK_RESOLVED]
    done = make_incident(status=Status.MITIGATED)
    assert buttons(build_all_resolved_notice(snapshot(done, summary))[1])
    resolved = make_incident(status=Status.RESOLVED, resolved_at=NOW)
    _, after = build_all_resolved_notice(snapshot(resolved, summary))
    assert buttons(after) == []
    assert after[0]["text"]["text"] == ":white_check_mark: All 4 alerts resolved."


# -- the declare form --------------------------------------------------------------------


def block(view: dict[str, Any], block_id: BlockId) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def test_declare_form_is_prefilled_from_the_group(block_kit):
    alerts = [make_alert(1, summary=""), make_alert(2, summary="p99 above 2s on pod-2")]
    view = build_declare_from_alert_modal(offer(alerts, severity=Severity.SEV1))
    block_kit.modal(view)
    assert view["callback_id"] == CallbackId.DECLARE_FROM_ALERT
    assert view["private_metadata"] == "5"
    assert len(view["title"]["text"]) <= 24
    assert [b.get("block_id") for b in view["blocks"][1:]] == [
        BlockId.TITLE,
        BlockId.SEVERITY,
        BlockId.SUMMARY,
        BlockId.PRIVATE,
    ]
    assert block(view, BlockId.TITLE)["element"]["initial_value"] == "HighLatency on checkout"
    assert block(view, BlockId.SEVERITY)["element"]["initial_option"]["value"] == "sev1"
    assert block(view, BlockId.SUMMARY)["element"]["initial_value"] == "p99 above 2s on pod-2"
    assert view["blocks"][0]["elements"][0]["text"] == (
        "From the alert *HighLatency on checkout* · 2 firing · service checkout"
    )


def test_declare_form_fits_long_and_hostile_text(block_kit):
    long_alert = make_alert(1, summary="x" * 5000)
    view = build_declare_from_alert_modal(offer([long_alert], title=HOSTILE_ALERT * 20))
    block_kit.modal(view)
    block_kit.harmless(view)
    assert len(block(view, BlockId.TITLE)["element"]["initial_value"]) <= 200
    assert len(block(view, BlockId.SUMMARY)["element"]["initial_value"]) <= 3000
    empty = build_declare_from_alert_modal(offer([]))
    block_kit.modal(empty)
    assert "initial_value" not in block(empty, BlockId.SUMMARY)["element"]


def test_an_unsaved_group_cannot_be_offered():
    with pytest.raises(ValueError, match="saved"):
        build_offer_blocks(offer(id=None), now=NOW)
