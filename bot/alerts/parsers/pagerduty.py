"""PagerDuty's Events API v2 alert events (`trigger`, `acknowledge`, `resolve`), one per body."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.alerts.parsers.fields import (
    Fields,
    bounded_key,
    first_text,
    storable,
    title_text,
    web_link,
)
from bot.alerts.rules.signals import (
    MAX_KEY,
    AlertBatch,
    AlertSignal,
    AlertSource,
    AlertState,
    PayloadError,
)

MAX_SUMMARY = 1024  # PagerDuty answers 400 past this, so we do too
MAX_DETAIL_LABELS = 50
_ACTIONS = {
    "trigger": AlertState.FIRING,
    "acknowledge": AlertState.ACKNOWLEDGED,
    "resolve": AlertState.RESOLVED,
}
_SEVERITIES = ("critical", "error", "warning", "info")
_OPTIONAL_FIELDS = ("component", "group", "class")


@dataclass(frozen=True)
class _Payload:
    """What an event's `payload` says; all empty for an acknowledge or resolve without one."""

    summary: str = ""
    source: str = ""
    severity: str = ""
    component: str = ""
    group: str = ""
    timestamp: datetime | None = None
    labels: dict[str, str] = field(default_factory=dict)


def parse_pagerduty(body: Any) -> AlertBatch:
    """Turn an Events API v2 body into an AlertBatch of one alert, or raise PayloadError.

    The alert's key is the event's `dedup_key`, or for a trigger without one a key derived
    from its routing key, summary and source: the webhook's answer must return it.
    """
    event = Fields.of(body)
    routing_key = event.text("routing_key", required=True)
    action = event.choice("event_action", tuple(_ACTIONS))
    dedup_key = event.text("dedup_key", limit=MAX_KEY)
    if not dedup_key.strip():
        if action != "trigger":
            raise PayloadError(f"dedup_key is required to {action} an alert")
        dedup_key = ""
    payload = _read_payload(event.child("payload", required=action == "trigger"), action)
    key = dedup_key or _derived_key(routing_key, payload)
    signal = AlertSignal(
        source=AlertSource.PAGERDUTY,
        key=key,
        # Alerts sharing a payload group share an incident; others each get their own.
        # The routing key is a credential at PagerDuty: keep only a short hash of it.
        group=bounded_key(f"{_short_hash(routing_key)}:{payload.group}") if payload.group else key,
        state=_ACTIONS[action],
        title=title_text(payload.summary) or title_text(key),
        severity=payload.severity,
        service=first_text(payload.component, payload.source),
        summary=payload.summary.strip(),
        labels=payload.labels,
        link=_link(event),
        starts_at=payload.timestamp,
    )
    return AlertBatch(AlertSource.PAGERDUTY, (signal,))


def _read_payload(payload: Fields, action: str) -> _Payload:
    # A trigger must describe its alert; acknowledge and resolve only name one by key.
    trigger = action == "trigger"
    summary = payload.text("summary", required=trigger, limit=MAX_SUMMARY)
    source = payload.text("source", required=trigger)
    severity = payload.choice("severity", _SEVERITIES, default=None if trigger else "")
    named = {"source": source} | {name: payload.text(name) for name in _OPTIONAL_FIELDS}
    return _Payload(
        summary=summary,
        source=source,
        severity=severity,
        component=named["component"],
        group=named["group"],
        timestamp=payload.time("timestamp"),
        # The payload's own fields win over custom details of the same name.
        labels=_detail_labels(payload.raw("custom_details"))
        | {name: value for name, value in named.items() if value},
    )


def _detail_labels(details: Any) -> dict[str, str]:
    """`custom_details`' top-level scalars as strings, the first fifty; any JSON is allowed."""
    if not isinstance(details, dict):
        return {}
    labels: dict[str, str] = {}
    for name, value in details.items():
        text = _scalar_text(value)
        if isinstance(name, str) and text is not None:
            labels[storable(name)] = storable(text)
            if len(labels) == MAX_DETAIL_LABELS:
                break
    return labels


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        try:
            return str(value)
        except ValueError:  # an integer past Python's 4,300-digit conversion limit
            return None
    return None


def _short_hash(text: str) -> str:
    """Twelve hex digits of sha256: enough to tell routing keys apart, not to recover one."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _derived_key(routing_key: str, payload: _Payload) -> str:
    # PagerDuty makes up a key when a trigger has none; ours is stable, so a re-sent
    # trigger finds the same alert instead of opening another.
    parts = json.dumps([routing_key, payload.summary, payload.source])
    return hashlib.sha256(parts.encode()).hexdigest()


def _link(event: Fields) -> str:
    # Checked as PagerDuty checks them (each link needs an `href`); the first usable wins,
    # else the sending tool's own page.
    hrefs = [web_link(link.text("href", required=True)) for link in event.children("links")]
    return first_text(*hrefs, web_link(event.text("client_url")))
