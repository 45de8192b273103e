"""Alerts that monitoring tools post into a watched channel become AlertSignals."""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts.rules.signals import MAX_KEY, MAX_TITLE, AlertSignal, AlertSource, AlertState
from bot.slack.alert_messages import parse_alert_message

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alerts" / "slack"
CHANNEL = "C07ALERTS01"


def load(name: str) -> dict[str, Any]:
    """A recorded event from the fixtures folder, fresh for each test to change."""
    event: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return event


def parsed(event: dict[str, Any], **kwargs: Any) -> AlertSignal:
    """The alert in `event`, failing the test when there is none."""
    alert = parse_alert_message(event, **kwargs)
    assert alert is not None
    return alert


def bot_post(text: str = "", **fields: Any) -> dict[str, Any]:
    """A minimal incoming-webhook post in the watched channel."""
    event = {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": "B07HOOK0001",
        "channel": CHANNEL,
        "ts": "1717430580.000800",
        "text": text,
    }
    return {**event, **fields}


# --- what each tool's post turns into ------------------------------------------------------


def test_alertmanager_firing_post() -> None:
    alert = parsed(load("alertmanager_firing"))
    assert alert.source is AlertSource.SLACK
    assert alert.state is AlertState.FIRING
    assert alert.title == "HighLatency (production api critical)"
    assert alert.severity == "critical"  # the common label values the default title shows
    assert alert.labels == {"channel": CHANNEL, "integration": "alertmanager"}
    assert alert.link == "http://alertmanager.example.com:9093/#/alerts?receiver=slack-ops"
    assert alert.key == alert.group == "slack:C07ALERTS01:highlatency (production api critical)"
    assert alert.starts_at == datetime(2024, 6, 3, 16, 0, 1, 200, tzinfo=UTC)
    assert alert.ends_at is None


def test_alertmanager_resolved_post_shares_the_firing_key() -> None:
    firing = parsed(load("alertmanager_firing"))
    resolved = parsed(load("alertmanager_resolved"))
    assert resolved.state is AlertState.RESOLVED
    assert resolved.key == firing.key
    assert resolved.ends_at == datetime(2024, 6, 3, 16, 30, 1, 300, tzinfo=UTC)
    assert resolved.starts_at is None


def test_grafana_post_reads_labels_from_its_text() -> None:
    alert = parsed(load("grafana_firing"))
    assert alert.labels["integration"] == "grafana"  # told by the "Grafana v…" footer
    assert alert.title == "HighCPU Payments (payments critical)"
    assert alert.service == "payments"
    assert alert.severity == "critical"
    assert alert.link == "https://grafana.example.com/alerting/grafana/cdx1a2b3/view?orgId=1"
    assert "CPU above 90% for 5 minutes" in alert.summary
    assert "&amp;" not in alert.summary


def test_grafana_resolved_post() -> None:
    firing = parsed(load("grafana_firing"))
    resolved = parsed(load("grafana_resolved"))
    assert resolved.state is AlertState.RESOLVED
    assert resolved.key == firing.key


def test_grafana_mixed_count_is_still_firing() -> None:
    event = load("grafana_firing")
    event["attachments"][0]["title"] = "[FIRING:1, RESOLVED:2] HighCPU Payments (payments critical)"
    alert = parsed(event)
    assert alert.state is AlertState.FIRING
    assert alert.key == parsed(load("grafana_firing")).key


def test_datadog_triggered_post() -> None:
    alert = parsed(load("datadog_triggered"))
    assert alert.labels["integration"] == "datadog"
    assert alert.state is AlertState.FIRING
    assert alert.title == "High error rate on payments-api"
    assert alert.severity == "p2"  # the monitor's priority, which routing knows
    assert alert.service == "payments-api"  # from the `service:` tag
    assert alert.link.startswith("https://app.datadoghq.com/monitors/123456?")


def test_datadog_warn_is_a_warning_and_recovered_resolves_the_same_key() -> None:
    triggered = parsed(load("datadog_triggered"))
    warn = parsed(load("datadog_warn"))
    recovered = parsed(load("datadog_recovered"))
    assert warn.severity == "warning"
    assert warn.state is AlertState.FIRING
    assert recovered.state is AlertState.RESOLVED
    assert triggered.key == warn.key == recovered.key


@pytest.mark.parametrize(
    ("title", "state", "expected"),
    [
        ("Re-Triggered: Disk full", AlertState.FIRING, "Disk full"),
        ("No Data: Disk full", AlertState.FIRING, "Disk full"),
        ("[Recovered] Disk full", AlertState.RESOLVED, "Disk full"),
        ("[Triggered on {host:db-1}] Disk full", AlertState.FIRING, "Disk full {host:db-1}"),
    ],
)
def test_datadog_markers(title: str, state: AlertState, expected: str) -> None:
    event = load("datadog_triggered")
    event["attachments"][0]["title"] = title
    alert = parsed(event)
    assert (alert.state, alert.title) == (state, expected)


def test_datadog_is_recognised_by_its_marker_alone() -> None:
    alert = parsed(bot_post("Triggered: Queue depth high"))
    assert alert.labels["integration"] == "datadog"


def test_webhook_plain_text_post() -> None:
    alert = parsed(load("webhook_firing"))
    assert alert.labels["integration"] == "webhook"
    assert alert.title == "Disk almost full on db-1 & db-2"  # first line, unescaped
    assert alert.severity == "warning"
    assert alert.service == "storage"
    assert alert.link == "https://wiki.example.com/runbooks/disk?team=storage&v=2"
    assert "Disk runbook" in alert.summary


def test_webhook_resolved_word_resolves_the_same_key() -> None:
    firing = parsed(load("webhook_firing"))
    resolved = parsed(load("webhook_resolved"))
    assert resolved.state is AlertState.RESOLVED
    assert resolved.key == firing.key


def test_webhook_blocks_post_uses_the_header() -> None:
    alert = parsed(load("webhook_blocks_firing"))
    assert alert.title == "Queue backlog growing on orders"  # emoji code trimmed
    assert alert.severity == "critical"
    assert alert.service == "orders"
    assert alert.link == "https://queues.example.com/orders"


# --- what is not an alert -------------------------------------------------------------------


def test_people_are_not_alerts() -> None:
    assert parse_alert_message(load("human_message")) is None


def test_thread_replies_are_not_alerts() -> None:
    assert parse_alert_message(load("thread_reply")) is None


def test_a_thread_parent_is_an_alert() -> None:
    event = load("alertmanager_firing")
    event["thread_ts"] = event["ts"]
    assert parse_alert_message(event) is not None


@pytest.mark.parametrize("subtype", ["message_changed", "message_deleted", "channel_join"])
def test_edits_deletes_and_joins_are_not_alerts(subtype: str) -> None:
    event = load("alertmanager_firing")
    event["subtype"] = subtype
    assert parse_alert_message(event) is None


def test_our_own_posts_are_not_alerts() -> None:
    event = load("grafana_firing")
    assert parse_alert_message(event, own_bot_id="B07GRAF0001") is None
    assert parse_alert_message(event, own_bot_id="B07OTHER001") is not None


def test_an_empty_bot_post_is_not_an_alert() -> None:
    assert parse_alert_message(bot_post("   \n ")) is None


def test_a_post_without_a_channel_is_not_an_alert() -> None:
    event = load("alertmanager_firing")
    del event["channel"]
    assert parse_alert_message(event) is None


# --- state, severity, title, link and key rules --------------------------------------------


def test_color_decides_state_only_without_a_marker() -> None:
    green = {"color": "good", "title": "Backup finished late"}
    assert parsed(bot_post(attachments=[green])).state is AlertState.RESOLVED
    marked = {"color": "good", "title": "[FIRING:1] InfoAlert"}
    assert parsed(bot_post(attachments=[marked])).state is AlertState.FIRING


def test_status_line_beats_the_color() -> None:
    attachment = {"color": "danger", "title": "Disk check", "text": "Status: resolved"}
    assert parsed(bot_post(attachments=[attachment])).state is AlertState.RESOLVED


def test_danger_color_alone_sets_no_severity() -> None:
    alert = parsed(bot_post(attachments=[{"color": "danger", "title": "[FIRING:1] Slow"}]))
    assert alert.severity == ""


def test_severity_label_beats_title_words() -> None:
    alert = parsed(bot_post("Error budget burn (info)\nseverity=critical"))
    assert alert.severity == "critical"


def test_most_severe_title_word_wins() -> None:
    assert parsed(bot_post("[FIRING:1] Probe (info critical)")).severity == "critical"
    assert parsed(bot_post("[FIRING:1] Probe (warning)")).severity == "warning"


def test_title_is_plain_text_with_link_labels() -> None:
    alert = parsed(bot_post("*[FIRING:1] <https://x.example/a|Latency> &lt;p99&gt; &amp; more*"))
    assert alert.title == "Latency <p99> & more"
    assert alert.link == "https://x.example/a"


def test_key_ignores_case_spacing_and_counts() -> None:
    one = parsed(bot_post("[FIRING:3]   HighLatency  (API)"))
    two = parsed(bot_post("[RESOLVED] highlatency (api)"))
    assert one.key == two.key == "slack:C07ALERTS01:highlatency (api)"


def test_the_channel_is_part_of_the_key() -> None:
    one = parsed(bot_post("[FIRING:1] Slow"))
    two = parsed(bot_post("[FIRING:1] Slow", channel="C07OTHER01"))
    assert one.key != two.key


def test_long_titles_are_cut_and_their_key_hashed() -> None:
    alert = parsed(bot_post("[FIRING:1] " + "very slow " * 60))
    assert len(alert.title) == MAX_TITLE
    assert alert.key.startswith("slack:C07ALERTS01:")
    assert len(alert.key.rsplit(":", 1)[1]) == 64  # sha256 hex
    again = parsed(bot_post("[RESOLVED] " + "very slow " * 60))
    assert again.key == alert.key


def test_link_too_long_is_skipped() -> None:
    long_link = "https://x.example/" + "a" * 1200
    alert = parsed(bot_post(f"Slow <{long_link}|here> see https://ok.example/b"))
    assert alert.link == "https://ok.example/b"


def test_the_event_is_not_changed() -> None:
    event = load("grafana_firing")
    before = copy.deepcopy(event)
    parse_alert_message(event)
    assert event == before


# --- never raises ---------------------------------------------------------------------------

_LEAF = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=300)
_JSON = st.recursive(
    _LEAF,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=25,
)
_KEYS = st.sampled_from(
    ["text", "attachments", "blocks", "subtype", "bot_id", "ts", "thread_ts", "username"]
)
_ATTACHMENT = st.fixed_dictionaries(
    {},
    optional={
        "title": st.text(max_size=400),
        "title_link": st.text(max_size=50),
        "color": st.text(max_size=8),
        "text": st.text(max_size=400),
        "fields": _JSON,
        "blocks": _JSON,
    },
)
_BOT_POSTS = st.builds(
    lambda base, extra, attachments: {**base, **extra, "attachments": attachments},
    st.just({"subtype": "bot_message", "bot_id": "B1", "channel": CHANNEL}),
    st.dictionaries(_KEYS, _JSON, max_size=5),
    st.lists(_ATTACHMENT, max_size=3) | _JSON,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12), _JSON) | _BOT_POSTS)
def test_any_event_gives_none_or_a_valid_alert(event: dict[str, Any]) -> None:
    alert = parse_alert_message(event, own_bot_id="BSELF")
    if alert is not None:
        assert alert.title and len(alert.title) <= MAX_TITLE
        assert 0 < len(alert.key) <= MAX_KEY
        assert alert.group == alert.key
        assert alert.labels["channel"] == event["channel"]
