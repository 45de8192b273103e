"""PagerDuty Events API v2 events become one neutral alert value each, or a reason they cannot."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.parsers import parse_pagerduty
from bot.alerts.rules.signals import MAX_TITLE, AlertSignal, AlertSource, AlertState, PayloadError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alerts"
ROUTING_KEY = "3f9c1e7a52d04b6e8a0c7d2b91e4f56a"


def load(name: str) -> dict[str, Any]:
    """A fresh copy of a fixture body."""
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return body


def only(body: Any) -> AlertSignal:
    """The single alert an event carries."""
    batch = parse_pagerduty(body)
    assert batch.source is AlertSource.PAGERDUTY
    (alert,) = batch.alerts
    return alert


def test_trigger_becomes_a_firing_alert_keyed_by_dedup_key() -> None:
    alert = only(load("pagerduty_trigger.json"))
    assert alert.key == "db-1/replication-lag"
    assert alert.state is AlertState.FIRING
    assert alert.title == alert.summary == "Replication lag on db-1 is 94 seconds"
    assert (alert.severity, alert.service) == ("error", "postgres")
    assert alert.link == "https://grafana.example.com/d/postgres-replication"
    # PagerDuty's own examples write the offset without a colon.
    assert alert.starts_at == datetime(2024, 5, 14, 8, 42, 58, 315000, tzinfo=UTC)


def test_payload_group_puts_alerts_of_one_routing_key_together() -> None:
    group = only(load("pagerduty_trigger.json")).group
    assert group.endswith(":prod-datastore")
    assert ROUTING_KEY not in group  # a PagerDuty routing key is a credential: never stored
    other = load("pagerduty_trigger.json")
    other["routing_key"] = ROUTING_KEY[::-1]
    assert only(other).group != group


def test_without_payload_group_each_alert_is_its_own_group() -> None:
    body = load("pagerduty_trigger.json")
    del body["payload"]["group"]
    alert = only(body)
    assert alert.group == alert.key == "db-1/replication-lag"


def test_labels_are_payload_fields_and_scalar_custom_details() -> None:
    assert only(load("pagerduty_trigger.json")).labels == {
        "source": "db-1.example.com",
        "component": "postgres",
        "group": "prod-datastore",
        "class": "replication lag",
        "lag seconds": "94",
        "threshold seconds": "30",
        "primary": "db-0.example.com",
        "paused": "false",
    }


def test_payload_fields_win_over_custom_details_of_the_same_name() -> None:
    body = load("pagerduty_trigger.json")
    body["payload"]["custom_details"] = {"source": "spoofed", "extra": "kept"}
    labels = only(body).labels
    assert (labels["source"], labels["extra"]) == ("db-1.example.com", "kept")


def test_custom_details_give_at_most_fifty_labels() -> None:
    body = load("pagerduty_trigger.json")
    body["payload"] = {"summary": "s", "source": "h", "severity": "info"}
    body["payload"]["custom_details"] = {f"k{index}": index for index in range(80)}
    labels = only(body).labels
    assert len(labels) == 51  # fifty details and the source
    assert "k49" in labels
    assert "k50" not in labels


@pytest.mark.parametrize("details", ["a plain string", [1, 2], 7, None])
def test_custom_details_may_be_any_json(details: object) -> None:
    body = load("pagerduty_trigger.json")
    body["payload"]["custom_details"] = details
    assert "primary" not in only(body).labels


def test_custom_details_numbers_too_long_to_print_are_skipped() -> None:
    body = load("pagerduty_trigger.json")
    body["payload"]["custom_details"] = {"huge": 10**5000, "ratio": 1.5, "odd": float("nan")}
    labels = only(body).labels
    assert (labels["ratio"], labels["odd"]) == ("1.5", "nan")
    assert "huge" not in labels


def test_service_falls_back_to_source() -> None:
    body = load("pagerduty_trigger.json")
    del body["payload"]["component"]
    assert only(body).service == "db-1.example.com"


@pytest.mark.parametrize(
    ("action", "state"),
    [
        ("trigger", AlertState.FIRING),
        ("acknowledge", AlertState.ACKNOWLEDGED),
        ("resolve", AlertState.RESOLVED),
    ],
)
def test_event_action_sets_the_state(action: str, state: AlertState) -> None:
    body = load("pagerduty_trigger.json")
    body["event_action"] = action
    assert only(body).state is state


def test_resolve_names_the_alert_by_key_alone() -> None:
    alert = only(load("pagerduty_resolve.json"))
    assert alert.state is AlertState.RESOLVED
    assert alert.key == alert.group == alert.title == "db-1/replication-lag"
    assert (alert.severity, alert.labels, alert.starts_at) == ("", {}, None)


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
@pytest.mark.parametrize("dedup_key", [None, "", "  "])
def test_acknowledge_and_resolve_need_a_dedup_key(action: str, dedup_key: str | None) -> None:
    body = {"routing_key": ROUTING_KEY, "event_action": action, "dedup_key": dedup_key}
    with pytest.raises(PayloadError, match=f"dedup_key is required to {action}"):
        parse_pagerduty(body)


def test_trigger_without_dedup_key_gets_a_stable_derived_key() -> None:
    body = load("pagerduty_trigger.json")
    del body["dedup_key"]
    key = only(body).key
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert only(load("pagerduty_trigger.json") | {"dedup_key": None}).key == key
    body["payload"]["summary"] = "Replication lag on db-1 is 95 seconds"
    assert only(body).key != key


def test_derived_key_depends_on_the_routing_key() -> None:
    body = load("pagerduty_trigger.json")
    del body["dedup_key"]
    other = body | {"routing_key": "another-integration"}
    assert only(body).key != only(other).key


def test_summary_of_1024_characters_is_kept_and_the_title_cut() -> None:
    body = load("pagerduty_trigger.json")
    body["payload"]["summary"] = "s" * 1024
    alert = only(body)
    assert len(alert.summary) == 1024
    assert len(alert.title) == MAX_TITLE


def test_link_is_the_first_http_link_else_the_clients_page() -> None:
    body = load("pagerduty_trigger.json")
    body["links"] = [{"href": "mailto:oncall@example.com"}, {"href": "https://b.example.com/"}]
    assert only(body).link == "https://b.example.com/"
    body["links"] = []
    assert only(body).link == "https://monitoring.example.com"


def test_long_group_is_shortened_to_a_stable_hash() -> None:
    body = load("pagerduty_trigger.json")
    body["payload"]["group"] = "g" * 300
    group = only(body).group
    assert group.startswith("sha256:")
    assert only(body).group == group


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"routing_key": None}, "routing_key is required"),
        ({"routing_key": ""}, "routing_key must not be empty"),
        ({"event_action": "escalate"}, "event_action must be one of trigger, acknowledge, resolve"),
        ({"event_action": None}, "event_action must be one of trigger, acknowledge, resolve"),
        ({"dedup_key": "k" * 256}, "dedup_key must be at most 255 characters"),
        ({"dedup_key": 42}, "dedup_key must be a string"),
        ({"payload": None}, "payload is required"),
        ({"payload": "text"}, "payload must be a JSON object"),
        ({"links": {"href": "https://x"}}, "links must be a list"),
        ({"links": [{"text": "no href"}]}, "links[0].href is required"),
    ],
)
def test_malformed_events_are_refused_with_a_reason(change: dict[str, Any], reason: str) -> None:
    body = load("pagerduty_trigger.json") | change
    with pytest.raises(PayloadError) as raised:
        parse_pagerduty(body)
    assert raised.value.reason == reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"summary": None}, "payload.summary is required"),
        ({"summary": "s" * 1025}, "payload.summary must be at most 1024 characters"),
        ({"source": ""}, "payload.source must not be empty"),
        ({"severity": "high"}, "payload.severity must be one of critical, error, warning, info"),
        ({"severity": None}, "payload.severity must be one of critical, error, warning, info"),
        ({"timestamp": "14 May 2024"}, "payload.timestamp must be an RFC 3339 time"),
        ({"group": 3}, "payload.group must be a string"),
    ],
)
def test_malformed_trigger_payloads_are_refused_with_a_reason(
    change: dict[str, Any], reason: str
) -> None:
    body = load("pagerduty_trigger.json")
    body["payload"] |= change
    with pytest.raises(PayloadError) as raised:
        parse_pagerduty(body)
    assert raised.value.reason.startswith(reason)


def test_resolve_with_a_partial_payload_uses_what_it_says() -> None:
    body = load("pagerduty_resolve.json") | {"payload": {"summary": "Lag is back to 2s"}}
    alert = only(body)
    assert (alert.title, alert.severity) == ("Lag is back to 2s", "")
