"""The real-Alertmanager harness against a tiny recording webhook receiver.

Fires two alerts into one group, sees them arrive together with the Bearer token, resolves
both and sees the resolution. The payloads' shape (top-level keys, per-alert keys) is compared
with the bodies captured from a real Alertmanager in tests/fixtures/alerts/captured/; run with
WARROOM_CAPTURE_FIXTURES=1 to capture them again.
"""

import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from alertmanager import RealAlertmanager, alertmanager_fixture, build_config, find_binaries

CAPTURED = Path(__file__).resolve().parents[1] / "fixtures" / "alerts" / "captured"
CAPTURE = os.environ.get("WARROOM_CAPTURE_FIXTURES") == "1"
TOKEN = "test-alert-token-0123456789"
ZERO_TIME = "0001-01-01T00:00:00Z"
WAIT_SECONDS = 20.0

start_alertmanager = alertmanager_fixture()


@dataclass(frozen=True)
class Delivery:
    """One POST the receiver got."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    received_at: float  # time.monotonic()


class Receiver:
    """A stdlib HTTP server in a thread that answers 200 to every POST and records it."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                delivery = Delivery(
                    self.path, dict(self.headers.items()), json.loads(raw), time.monotonic()
                )
                with receiver._lock:
                    receiver.deliveries.append(delivery)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts/alertmanager"

    def wait_for(self, matches: Callable[[Delivery], bool], what: str) -> Delivery:
        """The first delivery that `matches`, polling for up to WAIT_SECONDS."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            with self._lock:
                found = next((d for d in self.deliveries if matches(d)), None)
                seen = [d.body.get("status") for d in self.deliveries]
            if found is not None:
                return found
            assert time.monotonic() < deadline, f"no {what} in {WAIT_SECONDS}s; got {seen}"
            time.sleep(0.05)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def parse_time(value: str) -> datetime:
    """An RFC 3339 time from Go, whose fraction may have nine digits (Python takes six)."""
    return datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", value))


def instances(body: dict[str, Any]) -> set[str]:
    return {alert["labels"].get("instance", "") for alert in body["alerts"]}


def check_shape(body: dict[str, Any], name: str) -> None:
    """Save `body` as the captured fixture `name` (capture mode), else compare its keys."""
    path = CAPTURED / name
    if CAPTURE:
        CAPTURED.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        return
    assert path.exists(), f"{path} is missing; run with WARROOM_CAPTURE_FIXTURES=1 to capture it"
    captured = json.loads(path.read_text())
    assert set(body) == set(captured), f"top-level keys changed; captured in {name}"
    expected = {frozenset(alert) for alert in captured["alerts"]}
    assert {frozenset(alert) for alert in body["alerts"]} == expected, (
        f"per-alert keys changed; captured in {name}"
    )


LABELS = {"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"}
GENERATOR = "http://prometheus.example:9090/graph?g0.expr=job%3Acheckout_5xx%3Arate5m+%3E+0.05"


def annotations_for(instance: str) -> dict[str, str]:
    return {
        "summary": f"Checkout 5xx rate above 5% on {instance}",
        "description": 'Error ratio is 7.2% (threshold 5%) for "POST /pay".',
        "runbook_url": "https://runbooks.example/checkout/high-error-rate",
    }


def test_real_alertmanager_notifies_firing_and_resolved_groups(
    start_alertmanager: Callable[..., RealAlertmanager], receiver: Receiver
) -> None:
    started = time.monotonic()
    manager = start_alertmanager(receiver.url, token=TOKEN)
    ready = time.monotonic()
    for instance in ("web-1", "web-2"):
        manager.fire(
            LABELS,
            annotations=annotations_for(instance),
            generator_url=GENERATOR,
            instance=instance,
        )
    assert {a["labels"]["instance"] for a in manager.alerts(service="checkout")} == {
        "web-1",
        "web-2",
    }

    firing = receiver.wait_for(
        lambda d: d.body["status"] == "firing" and instances(d.body) == {"web-1", "web-2"},
        "firing notification with both alerts",
    )
    notified = time.monotonic()
    assert firing.headers.get("Authorization") == f"Bearer {TOKEN}"
    assert firing.path == "/alerts/alertmanager"
    assert firing.body["version"] == "4"
    assert firing.body["receiver"] == "warroom"
    assert firing.body["groupLabels"] == {"alertname": "HighErrorRate", "service": "checkout"}
    assert firing.body["commonLabels"] == LABELS
    assert firing.body["externalURL"] == manager.url
    for alert in firing.body["alerts"]:
        assert alert["status"] == "firing"
        assert alert["endsAt"] == ZERO_TIME
        assert alert["generatorURL"] == GENERATOR
        assert alert["annotations"] == annotations_for(alert["labels"]["instance"])
    check_shape(firing.body, "alertmanager_firing.json")

    for instance in ("web-1", "web-2"):
        manager.resolve(LABELS, instance=instance)
    resolved = receiver.wait_for(lambda d: d.body["status"] == "resolved", "resolved notification")
    finished = time.monotonic()
    assert resolved.headers.get("Authorization") == f"Bearer {TOKEN}"
    assert resolved.body["groupKey"] == firing.body["groupKey"]
    assert instances(resolved.body) == {"web-1", "web-2"}
    fingerprints = {a["labels"]["instance"]: a["fingerprint"] for a in firing.body["alerts"]}
    for alert in resolved.body["alerts"]:
        assert alert["status"] == "resolved"
        assert alert["endsAt"] != ZERO_TIME
        assert parse_time(alert["endsAt"]) > parse_time(alert["startsAt"])
        assert alert["fingerprint"] == fingerprints[alert["labels"]["instance"]]
        assert alert["generatorURL"] == GENERATOR
        assert alert["annotations"] == annotations_for(alert["labels"]["instance"])
    check_shape(resolved.body, "alertmanager_resolved.json")
    print(
        f"alertmanager ready in {ready - started:.2f}s, first notification after "
        f"{notified - ready:.2f}s, resolved after {finished - notified:.2f}s"
    )


def test_token_in_query_config_is_valid() -> None:
    """token_in="query" keeps the URL's own query and adds the token; amtool accepts it."""
    _, amtool = find_binaries()
    config = build_config("http://127.0.0.1:1/hook?source=am", token="s3cr=t&", token_in="query")
    webhook = config["receivers"][0]["webhook_configs"][0]
    assert webhook["url"] == "http://127.0.0.1:1/hook?source=am&token=s3cr%3Dt%26"
    assert "http_config" not in webhook
    result = subprocess.run(
        [amtool, "check-config", "/dev/stdin"],
        input=yaml.safe_dump(config),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stdout + result.stderr
