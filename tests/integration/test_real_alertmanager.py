"""A real Alertmanager fires, repeats and resolves alerts at Warroom: exactly one incident."""

from collections.abc import Callable
from pathlib import Path

from alertmanager import RealAlertmanager, alertmanager_fixture
from conftest import MakeHarness
from harness import WEBHOOK_TOKEN

from storage.enums import AlertState, EventKind, Status

start_alertmanager = alertmanager_fixture()
ROUTING = """
routes:
  - match: {severity: critical}
    action: declare
    severity: sev2
"""


def test_real_alertmanager_fire_repeat_resolve_makes_one_incident(
    make_harness: MakeHarness,
    tmp_path: Path,
    start_alertmanager: Callable[..., RealAlertmanager],
) -> None:
    routing = tmp_path / "warroom.yml"
    routing.write_text(ROUTING)
    app = make_harness(warroom_webhook_token=WEBHOOK_TOKEN, warroom_config=str(routing))
    manager = start_alertmanager(f"{app.handle.url}/webhooks/alertmanager", token=WEBHOOK_TOKEN)
    wait = app.driver.wait_for

    labels = {"alertname": "CheckoutErrors", "service": "checkout", "severity": "critical"}
    manager.fire(labels, instance="web-1", annotations={"summary": "5xx over 5%"})
    manager.fire(labels, instance="web-2", annotations={"summary": "5xx over 5%"})
    wait(lambda: len(app.alerts()) == 2, timeout=20, description="both alerts stored")
    wait(lambda: app.incidents() and app.incident().status_pinned, timeout=20)
    # Alertmanager re-sends the whole group every couple of seconds: repeats, not incidents.
    wait(lambda: all(a.repeats >= 1 for a in app.alerts()), timeout=20, description="a repeat")
    assert len(app.incidents()) == 1
    assert app.incident().status == Status.TRIAGE

    manager.resolve(labels, instance="web-1")
    manager.resolve(labels, instance="web-2")
    wait(
        lambda: all(a.state == AlertState.RESOLVED for a in app.alerts()),
        timeout=20,
        description="both alerts resolved",
    )
    resolved = [e for e in app.timeline() if e.kind == EventKind.ALERT_RESOLVED]
    assert len(resolved) == 2
    assert len(app.incidents()) == 1 and len(app.alerts()) == 2
    assert len(app.deliveries()) >= 3  # firing, at least one repeat, resolved: each kept
