"""Alertmanager's webhook (version 4) becomes neutral alert values, or a reason it cannot."""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.parsers import parse_alertmanager
from bot.alerts.rules.signals import MAX_TITLE, AlertSource, AlertState, PayloadError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alerts"
CAPTURED = sorted((FIXTURES / "captured").glob("alertmanager*.json"))


def load(name: str) -> dict[str, Any]:
    """A fresh copy of a fixture body."""
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return body


def test_firing_group_gives_one_signal_per_alert_in_order() -> None:
    batch = parse_alertmanager(load("alertmanager_firing.json"))
    assert batch.source is AlertSource.ALERTMANAGER
    assert [alert.key.split("@")[0] for alert in batch.alerts] == [
        "4f7c2e0a9b1d3c58",
        "a03b6e91c2f47d10",
    ]
    assert {alert.state for alert in batch.alerts} == {AlertState.FIRING}
    assert {alert.group for alert in batch.alerts} == {
        '{}/{severity=~"critical|page"}:{alertname="HighErrorRate"}'
    }


def test_key_is_fingerprint_at_start_time_in_utc() -> None:
    first = parse_alertmanager(load("alertmanager_firing.json")).alerts[0]
    assert first.key == "4f7c2e0a9b1d3c58@2024-05-14T09:12:31.456231Z"
    assert first.starts_at == datetime(2024, 5, 14, 9, 12, 31, 456231, tzinfo=UTC)


def test_same_instant_in_another_offset_keeps_the_key() -> None:
    body = load("alertmanager_firing.json")
    body["alerts"][0]["startsAt"] = "2024-05-14T09:12:31.456231022Z"
    assert parse_alertmanager(body).alerts[0].key.endswith("@2024-05-14T09:12:31.456231Z")


def test_refire_after_resolution_is_a_new_instance() -> None:
    body = load("alertmanager_firing.json")
    before = parse_alertmanager(body).alerts[0].key
    body["alerts"][0]["startsAt"] = "2024-05-14T12:00:00Z"
    after = parse_alertmanager(body).alerts[0].key
    assert before != after
    assert before.split("@")[0] == after.split("@")[0]


def test_zero_end_time_means_no_end_yet() -> None:
    assert parse_alertmanager(load("alertmanager_firing.json")).alerts[0].ends_at is None


def test_resolved_alert_carries_state_and_end_time() -> None:
    alert = parse_alertmanager(load("alertmanager_resolved.json")).alerts[0]
    assert alert.state is AlertState.RESOLVED
    assert alert.ends_at == datetime(2024, 5, 14, 8, 5, 16, 102000, tzinfo=UTC)


def test_fields_come_from_labels_and_annotations() -> None:
    first, second = parse_alertmanager(load("alertmanager_firing.json")).alerts
    assert first.title == "Checkout error rate above 5%"
    assert first.summary == "5.3% of checkout requests failed over the last 5 minutes."
    assert first.service == "checkout"
    assert first.link.startswith("http://prometheus.example.com:9090/graph?")
    assert first.labels["instance"] == "checkout-7d9f6c5b8-x2l4q:8080"
    assert second.title == "HighErrorRate"  # no summary: the alert's name
    assert second.severity == "critical"  # lower-cased from "Critical"
    assert second.service == "checkout"  # no service label: the job


def test_title_falls_back_to_the_word_alert() -> None:
    body = load("alertmanager_firing.json")
    body["alerts"][0]["labels"] = {"instance": "web-1"}
    body["alerts"][0]["annotations"] = {"summary": "   "}
    alert = parse_alertmanager(body).alerts[0]
    assert (alert.title, alert.severity, alert.service) == ("Alert", "", "")


def test_summary_falls_back_to_the_summary_annotation() -> None:
    alert = parse_alertmanager(load("alertmanager_resolved.json")).alerts[0]
    assert alert.summary == "Disk on db-1 is 95% full"


def test_long_title_is_cut_on_one_line() -> None:
    body = load("alertmanager_firing.json")
    body["alerts"][0]["annotations"]["summary"] = "line one\nline two " + "x" * 500
    title = parse_alertmanager(body).alerts[0].title
    assert len(title) == MAX_TITLE
    assert title.startswith("line one line two x")
    assert title.endswith("…")


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "ftp://files.example.com/x", "http://", "https://x/" + "a" * 1000],
)
def test_links_that_are_not_short_http_urls_are_dropped(link: str) -> None:
    body = load("alertmanager_firing.json")
    body["alerts"][0]["generatorURL"] = link
    assert parse_alertmanager(body).alerts[0].link == ""


def test_group_title_comes_from_common_annotations_then_labels() -> None:
    assert parse_alertmanager(load("alertmanager_resolved.json")).group_title == (
        "Disk on db-1 is 95% full"
    )
    assert parse_alertmanager(load("alertmanager_firing.json")).group_title == "HighErrorRate"
    body = load("alertmanager_firing.json")
    body["commonLabels"] = {}
    assert parse_alertmanager(body).group_title == ""


def test_long_group_key_is_shortened_the_same_way_every_time() -> None:
    body = load("alertmanager_firing.json")
    body["groupKey"] = "{}:{" + "a" * 300 + "}"
    group = parse_alertmanager(body).alerts[0].group
    assert group.startswith("sha256:")
    assert len(group) == len("sha256:") + 64
    assert parse_alertmanager(copy.deepcopy(body)).alerts[0].group == group


def test_empty_alert_list_is_a_do_nothing_delivery() -> None:
    body = load("alertmanager_firing.json")
    body["alerts"] = []
    assert parse_alertmanager(body).alerts == ()


@pytest.mark.parametrize("version", ["3", 4, None, "4.0"])
def test_other_versions_are_refused(version: object) -> None:
    body = load("alertmanager_firing.json")
    body["version"] = version
    with pytest.raises(PayloadError, match='version must be "4"'):
        parse_alertmanager(body)


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("groupKey",), None, "groupKey is required"),
        (("groupKey",), "", "groupKey must not be empty"),
        (("alerts",), {}, "alerts must be a list"),
        (("alerts", 1), "oops", "alerts[1] must be a JSON object"),
        (("alerts", 1, "status"), "pending", "alerts[1].status must be one of firing, resolved"),
        (("alerts", 1, "labels"), {"a": 1}, "alerts[1].labels must be an object of strings"),
        (("alerts", 1, "labels"), None, "alerts[1].labels must be an object of strings"),
        (("alerts", 0, "annotations"), [], "alerts[0].annotations must be an object of strings"),
        (("alerts", 0, "fingerprint"), " ", "alerts[0].fingerprint must not be empty"),
        (("alerts", 0, "startsAt"), None, "alerts[0].startsAt is required"),
        (("alerts", 0, "startsAt"), "2024-05-14 11:12", "alerts[0].startsAt must be an RFC 3339"),
        (("alerts", 0, "startsAt"), "2024-05-14T11:12:31", "alerts[0].startsAt must be an RFC"),
        (("alerts", 0, "startsAt"), "2024-02-30T11:12:31Z", "alerts[0].startsAt must be an RFC"),
        (("alerts", 0, "endsAt"), 0, "alerts[0].endsAt must be an RFC 3339"),
        (("alerts", 0, "generatorURL"), 7, "alerts[0].generatorURL must be a string"),
        (("commonLabels",), "x", "commonLabels must be an object of strings"),
    ],
)
def test_malformed_fields_are_refused_with_a_reason_naming_them(
    path: tuple[str | int, ...], value: object, reason: str
) -> None:
    body = load("alertmanager_firing.json")
    parent: Any = body
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    with pytest.raises(PayloadError) as raised:
        parse_alertmanager(body)
    assert raised.value.reason.startswith(reason)


@pytest.mark.parametrize("body", [None, [], "text", 4, [{"version": "4"}]])
def test_a_body_that_is_not_an_object_is_refused(body: object) -> None:
    with pytest.raises(PayloadError, match="the body must be a JSON object"):
        parse_alertmanager(body)


def test_optional_fields_may_be_null() -> None:
    body = load("alertmanager_firing.json")
    body["commonAnnotations"] = None
    body["alerts"][0]["annotations"] = None
    body["alerts"][0]["endsAt"] = None
    alert = parse_alertmanager(body).alerts[0]
    assert (alert.title, alert.ends_at) == ("HighErrorRate", None)


@pytest.mark.parametrize("path", CAPTURED, ids=lambda path: path.name)
def test_payloads_captured_from_a_real_alertmanager_parse(path: Path) -> None:
    batch = parse_alertmanager(json.loads(path.read_text()))
    assert batch.alerts
    assert all(alert.key and alert.group and alert.starts_at for alert in batch.alerts)
