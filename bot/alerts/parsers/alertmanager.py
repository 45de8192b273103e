"""Prometheus Alertmanager's webhook (version 4): one notification is a group's whole state."""

from typing import Any

from bot.alerts.parsers.fields import (
    NO_TIME,
    Fields,
    bounded_key,
    first_text,
    iso_utc,
    title_text,
    web_link,
)
from bot.alerts.rules.signals import AlertBatch, AlertSignal, AlertSource, AlertState, PayloadError

_STATUSES = ("firing", "resolved")


def parse_alertmanager(body: Any) -> AlertBatch:
    """Turn an Alertmanager webhook body into an AlertBatch, or raise PayloadError."""
    root = Fields.of(body)
    if root.raw("version") != "4":
        raise PayloadError('version must be "4": this is the Alertmanager webhook format 4')
    return parse_alert_group(root, AlertSource.ALERTMANAGER, links=("generatorURL",))


def parse_alert_group(
    root: Fields, source: AlertSource, *, links: tuple[str, ...], group_title: str = ""
) -> AlertBatch:
    """Read an Alertmanager-shaped group (Alertmanager's, Grafana's); `links` in preference order.

    An alert instance is its fingerprint plus its start: the fingerprint survives a re-fire
    after resolution, the start does not, and a re-fire is a new instance.
    """
    group = bounded_key(root.text("groupKey", required=True))
    alerts = tuple(
        _read_alert(alert, source, group, links) for alert in root.children("alerts", required=True)
    )
    common_labels = root.strings("commonLabels")
    common_annotations = root.strings("commonAnnotations")
    fallback = first_text(common_annotations.get("summary", ""), common_labels.get("alertname", ""))
    return AlertBatch(source, alerts, title_text(group_title or fallback))


def _read_alert(
    alert: Fields, source: AlertSource, group: str, links: tuple[str, ...]
) -> AlertSignal:
    state = AlertState(alert.choice("status", _STATUSES))
    labels = alert.strings("labels", required=True)
    annotations = alert.strings("annotations")
    fingerprint = alert.text("fingerprint", required=True)
    starts_at = alert.required_time("startsAt")
    ends_at = alert.time("endsAt")
    summary = annotations.get("summary", "")
    return AlertSignal(
        source=source,
        key=bounded_key(f"{fingerprint}@{iso_utc(starts_at)}"),
        group=group,
        state=state,
        title=title_text(first_text(summary, labels.get("alertname", ""))) or "Alert",
        severity=labels.get("severity", "").strip().lower(),
        service=first_text(labels.get("service", ""), labels.get("job", "")),
        summary=first_text(annotations.get("description", ""), summary),
        labels=labels,
        link=first_text(*(web_link(alert.text(name)) for name in links)),
        starts_at=starts_at,
        ends_at=None if ends_at == NO_TIME else ends_at,
    )
