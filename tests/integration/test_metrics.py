"""`GET /metrics` over real HTTP: Prometheus text, every name `warroom_…`, the numbers true to
what the app did (requests, Slack calls, pages, acknowledgements) and to what the database
holds (open incidents, the outbox, the inbox)."""

from pathlib import Path
from typing import Any

import httpx
from alert_payloads import alertmanager, am_alert
from conftest import MakeHarness
from harness import WEBHOOK_TOKEN, Harness
from prometheus_client.parser import text_string_to_metric_families

from bot.slack.ids import ActionId

PAGE_CRITICAL = """
routes:
  - match: {severity: critical}
    action: declare
    severity: sev1
    page: [U0BOB]
"""


def scrape(app: Harness, **headers: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample `/metrics` shows, by name and labels."""
    response = httpx.get(f"{app.handle.url}/metrics", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float | None:
    """One sample's value; None when it is absent."""
    return samples.get((name, frozenset(labels.items())))


def test_every_name_starts_with_warroom(harness: Harness) -> None:
    names = {name for name, _labels in scrape(harness)}
    assert names and all(name.startswith("warroom_") for name in names), sorted(names)


def test_a_declared_incident_shows_in_open_incidents_slack_calls_and_requests(
    harness: Harness,
) -> None:
    harness.declare("sev2 Checkout is failing")
    harness.settle()
    samples = scrape(harness)
    assert value(samples, "warroom_open_incidents", severity="sev2") == 1
    assert value(samples, "warroom_open_incidents", severity="sev1") == 0
    assert value(samples, "warroom_database_up") == 1
    created = ("warroom_slack_calls_total", {"method": "conversations.create", "outcome": "ok"})
    assert value(samples, created[0], **created[1]) == 1
    assert value(samples, "warroom_slack_calls_total", method="pins.add", outcome="ok") == 1
    assert value(samples, "warroom_slack_last_seen_timestamp_seconds") > 0  # type: ignore[operator]
    slash = {"method": "POST", "route": "/slack/events", "status": "200"}
    # The slash command, and the events the sandbox sends about the new channel.
    assert value(samples, "warroom_http_request_duration_seconds_count", **slash) >= 1  # type: ignore[operator]
    assert value(samples, "warroom_inbox_backlog") == 0
    # Settled: nothing waits in the outbox, so no kind is listed.
    assert not [key for key in samples if key[0] == "warroom_outbox_pending_effects"]


def test_a_failed_slack_call_counts_by_method_and_outcome(harness: Harness) -> None:
    harness.driver.inject("pins.add", "internal_error")
    harness.driver.inject("conversations.setTopic", "ratelimited", retry_after=0)
    harness.driver.inject("chat.postMessage", "not_in_channel")
    harness.declare("sev2 Checkout is failing")
    harness.settle()
    samples = scrape(harness)
    counted = "warroom_slack_calls_total"
    assert value(samples, counted, method="pins.add", outcome="unavailable") == 1
    assert value(samples, counted, method="pins.add", outcome="ok") == 1  # the retry pinned it
    assert value(samples, counted, method="conversations.setTopic", outcome="ratelimited") == 1
    assert value(samples, counted, method="chat.postMessage", outcome="refused") == 1


def test_effects_waiting_for_slack_show_as_outbox_depth_and_age(harness: Harness) -> None:
    harness.driver.inject("conversations.create", "service_unavailable", times=10_000)
    response = harness.driver.slash("alice", "general", "declare sev1 Slack is failing too")
    assert response.status_code == 200
    harness.driver.wait_for(
        lambda: value(
            scrape(harness),
            "warroom_slack_calls_total",
            method="conversations.create",
            outcome="unavailable",
        ),
        description="a failed conversations.create counted",
    )
    samples = scrape(harness)
    assert value(samples, "warroom_outbox_pending_effects", kind="incident.publish") == 1
    age = value(samples, "warroom_outbox_oldest_pending_age_seconds", kind="incident.publish")
    assert age is not None and age >= 0
    assert value(samples, "warroom_open_incidents", severity="sev1") == 1
    harness.driver.clear_faults()
    # On a busy machine more tries failed before the scrape, and the next one is further
    # off than the 2 s settle waits for by default (1, 2, 4, 8 s...): wait for it, then for
    # the scrape to show nothing pending (the loop may still be recording the outcome).
    harness.handle.run(harness.warroom.settle(timeout=60.0, horizon=20.0))
    harness.driver.wait_for(
        lambda: (
            value(scrape(harness), "warroom_outbox_pending_effects", kind="incident.publish")
            is None
        ),
        timeout=60.0,
        description="no publish pending once Slack answers",
    )
    after = scrape(harness)
    assert value(after, "warroom_outbox_pending_effects", kind="incident.publish") is None


def test_routes_are_templates_never_raw_paths(harness: Harness) -> None:
    url = harness.handle.url
    assert httpx.post(f"{url}/webhooks/nosuch-abc", json={}).status_code == 404
    assert httpx.get(f"{url}/no/such/page-xyz").status_code == 404
    assert httpx.post(f"{url}/slack/events", content=b"x=1").status_code == 401  # the guard
    assert httpx.get(f"{url}/app/incidents/12345").status_code == 503  # /app is off here
    samples = scrape(harness)
    count = "warroom_http_request_duration_seconds_count"
    assert value(samples, count, method="POST", route="/webhooks/{source}", status="404") == 1
    assert value(samples, count, method="GET", route="unmatched", status="404") == 1
    assert value(samples, count, method="POST", route="/slack/events", status="401") == 1
    app_routes = {dict(labels)["route"] for name, labels in samples if name == count}
    assert [r for r in app_routes if r.startswith("/app/")], app_routes  # under its mount
    assert not [key for key in samples if "xyz" in str(key) or "abc" in str(key)]
    assert not [key for key in samples if "12345" in str(key)]


def test_pages_sent_and_acknowledgements_are_counted(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    routing = tmp_path / "warroom.yml"
    routing.write_text(PAGE_CRITICAL)
    app = make_harness(warroom_webhook_token=WEBHOOK_TOKEN, warroom_config=str(routing))
    alert = am_alert("DiskFull", fingerprint="d1", severity="critical")
    assert app.webhook("alertmanager", alertmanager("DiskFull", [alert])).status_code == 202
    app.settle()
    page = app.driver.wait_for(
        lambda: [m for m in app.driver.dm_messages("bob") if ActionId.ACKNOWLEDGE_PAGE in str(m)],
        description="bob's page",
    )[-1]
    assert value(scrape(app), "warroom_pages_total", outcome="sent") == 1
    assert value(scrape(app), "warroom_acknowledgements_total", via="page") == 0
    app.driver.click(
        "bob", app.driver.dm_channel("bob") or "", page["ts"], ActionId.ACKNOWLEDGE_PAGE
    )
    app.driver.wait_for(lambda: app.incident().acknowledged_at is not None)
    app.settle()
    samples = scrape(app)
    assert value(samples, "warroom_acknowledgements_total", via="page") == 1
    assert value(samples, "warroom_pages_total", outcome="failed") == 0


def test_the_first_acknowledgement_of_an_incident_counts_once(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel, ts = incident.channel_id or "", incident.status_ts or ""
    shown = harness.status_message()
    harness.driver.click("bob", channel, ts, ActionId.ACKNOWLEDGE)
    harness.driver.wait_for(lambda: harness.incident().acknowledged_at is not None)
    harness.driver.click("carol", channel, ts, ActionId.ACKNOWLEDGE, as_shown=shown)
    harness.wait_for_ephemeral("Already acknowledged", user="carol")
    assert value(scrape(harness), "warroom_acknowledgements_total", via="incident") == 1


def test_a_metrics_token_guards_the_endpoint(make_harness: MakeHarness) -> None:
    app = make_harness(warroom_metrics_token="metrics-token-0123456789")
    refused = httpx.get(f"{app.handle.url}/metrics")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    wrong = httpx.get(f"{app.handle.url}/metrics", headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401
    samples = scrape(app, authorization="Bearer metrics-token-0123456789")
    assert value(samples, "warroom_database_up") == 1
