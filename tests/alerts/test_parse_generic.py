"""Warroom's own JSON alert format: one alert or a list, each checked field by field."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.parsers import generic, parse_generic
from bot.alerts.rules.signals import MAX_TITLE, AlertSource, AlertState, PayloadError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alerts"
FIELDS = (
    "title",
    "dedup_key",
    "status",
    "severity",
    "service",
    "group",
    "labels",
    "link",
    "summary",
    "started_at",
)


def load(name: str) -> dict[str, Any]:
    """A fresh copy of a fixture body."""
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return body


def test_single_object_is_one_alert_with_every_field() -> None:
    batch = parse_generic(load("generic_single.json"))
    assert (batch.source, batch.group_title) == (AlertSource.GENERIC, "")
    (alert,) = batch.alerts
    assert alert.key == "checkout-errors"
    assert alert.group == "checkout-errors"  # no group: its own
    assert alert.state is AlertState.FIRING
    assert alert.title == "Checkout error rate above 5%"
    assert (alert.severity, alert.service) == ("critical", "checkout")
    assert alert.labels == {"team": "payments", "env": "prod"}
    assert alert.link == "https://grafana.example.com/d/checkout-overview"
    assert alert.summary == "5.3% of checkout requests failed over the last 5 minutes."
    assert alert.starts_at == datetime(2024, 5, 14, 9, 12, 31, tzinfo=UTC)


def test_batch_keeps_order_groups_and_statuses() -> None:
    alerts = parse_generic(load("generic_batch.json")).alerts
    assert [alert.key for alert in alerts] == ["disk-db-1", "disk-db-2", "backup-late-2024-05-14"]
    assert [alert.group for alert in alerts] == ["disks", "disks", "backup-late-2024-05-14"]
    assert [alert.state for alert in alerts] == [
        AlertState.FIRING,
        AlertState.FIRING,
        AlertState.RESOLVED,
    ]


def test_minimal_alert_needs_only_title_and_dedup_key() -> None:
    (alert,) = parse_generic({"title": "Queue stuck", "dedup_key": "queue"}).alerts
    assert (alert.state, alert.severity, alert.labels, alert.link) == (
        AlertState.FIRING,
        "",
        {},
        "",
    )
    assert alert.starts_at is None


def test_null_optional_fields_count_as_absent() -> None:
    body = {key: None for key in FIELDS} | {"title": "Queue stuck", "dedup_key": "queue"}
    (alert,) = parse_generic(body).alerts
    assert (alert.state, alert.group) == (AlertState.FIRING, "queue")


def test_unknown_fields_are_ignored() -> None:
    body = {"title": "Queue stuck", "dedup_key": "queue", "priority": ["P1"]}
    assert len(parse_generic(body).alerts) == 1


def test_long_title_is_cut_not_refused() -> None:
    (alert,) = parse_generic({"title": "t" * 500, "dedup_key": "k"}).alerts
    assert len(alert.title) == MAX_TITLE


def test_long_group_is_shortened_to_a_stable_hash() -> None:
    body = {"title": "t", "dedup_key": "k", "group": "g" * 256}
    assert parse_generic(body).alerts[0].group.startswith("sha256:")


def test_empty_alert_list_is_a_do_nothing_delivery() -> None:
    assert parse_generic({"alerts": []}).alerts == ()


def test_a_thousand_alerts_are_taken_and_one_more_refused() -> None:
    alerts = [{"title": "t", "dedup_key": f"k{index}"} for index in range(1000)]
    assert len(parse_generic({"alerts": alerts}).alerts) == 1000
    alerts.append({"title": "t", "dedup_key": "k1000"})
    with pytest.raises(PayloadError, match="alerts must hold at most 1000 items"):
        parse_generic({"alerts": alerts})


@pytest.mark.parametrize(
    ("alert", "reason"),
    [
        ({"dedup_key": "k"}, "alerts[0].title is required"),
        ({"title": " \n ", "dedup_key": "k"}, "alerts[0].title must not be empty"),
        ({"title": 5, "dedup_key": "k"}, "alerts[0].title must be a string"),
        ({"title": "t"}, "alerts[0].dedup_key is required"),
        ({"title": "t", "dedup_key": "k" * 256}, "alerts[0].dedup_key must be at most 255 "),
        ({"title": "t", "dedup_key": "k", "status": "ok"}, "alerts[0].status must be one of"),
        ({"title": "t", "dedup_key": "k", "labels": ["a"]}, "alerts[0].labels must be an object"),
        ({"title": "t", "dedup_key": "k", "link": "ftp://x/y"}, "alerts[0].link must be an http"),
        ({"title": "t", "dedup_key": "k", "link": "https://x/" + "a" * 1000}, "alerts[0].link"),
        ({"title": "t", "dedup_key": "k", "started_at": "now"}, "alerts[0].started_at must be"),
        ("just text", "alerts[0] must be a JSON object"),
    ],
)
def test_malformed_alerts_are_refused_with_a_reason_naming_the_field(
    alert: object, reason: str
) -> None:
    with pytest.raises(PayloadError) as raised:
        parse_generic({"alerts": [alert]})
    assert raised.value.reason.startswith(reason)


def test_single_alert_reasons_name_the_bare_field() -> None:
    with pytest.raises(PayloadError, match=r"^title is required$"):
        parse_generic({"dedup_key": "k"})


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([{"title": "t", "dedup_key": "k"}], "the body must be a JSON object"),
        ({"alerts": None}, "alerts is required"),
        ({"alerts": {"title": "t"}}, "alerts must be a list"),
    ],
)
def test_malformed_bodies_are_refused_with_a_reason(body: object, reason: str) -> None:
    with pytest.raises(PayloadError) as raised:
        parse_generic(body)
    assert raised.value.reason == reason


def test_every_field_is_documented_in_the_module_docstring() -> None:
    doc = generic.__doc__ or ""
    assert all(f"`{field}`" in doc for field in FIELDS)
