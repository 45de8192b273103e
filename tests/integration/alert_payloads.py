"""Alert payloads shaped like the real tools send them, built to order."""

from typing import Any

STARTED = "2026-11-25T10:00:00Z"
NEVER = "0001-01-01T00:00:00Z"


def am_alert(
    name: str,
    *,
    fingerprint: str,
    status: str = "firing",
    severity: str = "critical",
    service: str = "checkout",
    starts_at: str = STARTED,
    **labels: str,
) -> dict[str, Any]:
    """One alert as Alertmanager's webhook carries it."""
    return {
        "status": status,
        "labels": {"alertname": name, "severity": severity, "service": service, **labels},
        "annotations": {"summary": f"{name} on {service}", "description": f"{name} is firing"},
        "startsAt": starts_at,
        "endsAt": NEVER if status == "firing" else "2026-11-25T10:20:00Z",
        "generatorURL": f"http://prometheus.example/graph?g0.expr={name}",
        "fingerprint": fingerprint,
    }


def alertmanager(group: str, alerts: list[dict[str, Any]]) -> dict[str, Any]:
    """A version 4 notification for one group: its whole current state."""
    firing = any(a["status"] == "firing" for a in alerts)
    common = dict(alerts[0]["labels"]) if alerts else {}
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{group}"}}',
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "warroom",
        "groupLabels": {"alertname": group},
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": alerts,
    }


def pagerduty(
    action: str, dedup_key: str | None, summary: str = "Disk full on db-1"
) -> dict[str, Any]:
    """A PagerDuty Events API v2 event."""
    event: dict[str, Any] = {"routing_key": "R0123456789ABCDEF", "event_action": action}
    if dedup_key is not None:
        event["dedup_key"] = dedup_key
    if action == "trigger":
        event["payload"] = {"summary": summary, "source": "db-1", "severity": "critical"}
    return event
