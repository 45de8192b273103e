"""The webhook endpoints' contract: authentication, limits, clear 4xx reasons, audit copies."""

import json

import pytest
from alert_payloads import alertmanager, am_alert, pagerduty
from conftest import MakeHarness
from harness import WEBHOOK_TOKEN, Harness


@pytest.fixture
def hooks(make_harness: MakeHarness) -> Harness:
    """The app with webhooks on and the default routing (offers, no declarations)."""
    return make_harness(warroom_webhook_token=WEBHOOK_TOKEN, warroom_alert_channels="alerts")


NOTIFICATION = alertmanager("HighLatency", [am_alert("HighLatency", fingerprint="a1")])


def test_webhook_without_token_is_401_and_stores_nothing(hooks: Harness) -> None:
    response = hooks.webhook("alertmanager", NOTIFICATION, token=None)
    assert response.status_code == 401
    assert "Bearer" in response.json()["reason"]
    assert hooks.alerts() == [] and hooks.deliveries() == []


def test_webhook_with_a_wrong_token_is_401(hooks: Harness) -> None:
    response = hooks.webhook("alertmanager", NOTIFICATION, token=WEBHOOK_TOKEN + "x")
    assert response.status_code == 401
    assert hooks.alerts() == []


def test_webhook_takes_the_token_as_bearer_or_query(hooks: Harness) -> None:
    assert hooks.webhook("alertmanager", NOTIFICATION).status_code == 202
    assert hooks.webhook("alertmanager", NOTIFICATION, query_token=True).status_code == 202
    assert len(hooks.alerts()) == 1
    assert len(hooks.deliveries()) == 2


def test_webhooks_are_off_without_a_configured_token(make_harness: MakeHarness) -> None:
    app = make_harness()
    response = app.webhook("alertmanager", NOTIFICATION)
    assert response.status_code == 503
    assert "WARROOM_WEBHOOK_TOKEN" in response.json()["reason"]


def test_body_over_one_mebibyte_is_413(hooks: Harness) -> None:
    body = json.dumps({**NOTIFICATION, "padding": "x" * (1024 * 1024)}).encode()
    response = hooks.webhook("alertmanager", content=body)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert hooks.deliveries() == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"", "empty"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, ""),
    ],
)
def test_malformed_bodies_are_400_with_a_reason(
    hooks: Harness, content: bytes, reason: str
) -> None:
    response = hooks.webhook("generic", content=content)
    assert response.status_code == 400
    assert reason in response.json()["reason"]
    assert hooks.deliveries() == []


def test_a_wrong_shape_names_the_field(hooks: Harness) -> None:
    broken = {**NOTIFICATION, "alerts": [{"status": "firing"}]}
    response = hooks.webhook("alertmanager", broken)
    assert response.status_code == 400
    assert "alerts[0]" in response.json()["reason"]
    assert hooks.alerts() == []


def test_unknown_source_is_404_naming_the_known_ones(hooks: Harness) -> None:
    response = hooks.webhook("nagios", NOTIFICATION)
    assert response.status_code == 404
    assert "alertmanager" in response.json()["reason"]


def test_raw_payload_is_kept_for_audit(hooks: Harness) -> None:
    raw = json.dumps(NOTIFICATION, indent=1).encode()
    assert hooks.webhook("alertmanager", content=raw).status_code == 202
    (delivery,) = hooks.deliveries()
    assert delivery.body == raw.decode()
    assert delivery.source == "alertmanager" and delivery.alert_count == 1


def test_pagerduty_answers_like_pagerduty_with_the_dedup_key(hooks: Harness) -> None:
    response = hooks.webhook("pagerduty", pagerduty("trigger", "db-disk"))
    assert response.status_code == 202
    assert response.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "db-disk",
    }


def test_pagerduty_makes_up_a_dedup_key_when_none_is_given(hooks: Harness) -> None:
    first = hooks.webhook("pagerduty", pagerduty("trigger", None)).json()["dedup_key"]
    again = hooks.webhook("pagerduty", pagerduty("trigger", None)).json()["dedup_key"]
    assert first and first == again
    assert len(hooks.alerts()) == 1


def test_nul_characters_are_dropped_before_storing(hooks: Harness) -> None:
    body = {"title": "bad\u0000title", "dedup_key": "k1"}
    assert hooks.webhook("generic", body).status_code == 202
    assert [a.title for a in hooks.alerts()] == ["badtitle"]
