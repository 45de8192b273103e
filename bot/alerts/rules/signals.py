"""Alerts as neutral values: every source's payload becomes these before any rule sees it."""

from dataclasses import dataclass, field
from datetime import datetime

from storage.enums import AlertSource, AlertState

__all__ = [
    "MAX_KEY",
    "MAX_LINK",
    "MAX_TITLE",
    "SOURCE_NAMES",
    "AlertBatch",
    "AlertSignal",
    "AlertSource",
    "AlertState",
    "PayloadError",
]

# How each source is named to people, e.g. as an alert incident's declarer.
SOURCE_NAMES = {
    AlertSource.ALERTMANAGER: "Alertmanager",
    AlertSource.GRAFANA: "Grafana",
    AlertSource.PAGERDUTY: "PagerDuty",
    AlertSource.GENERIC: "a webhook",
    AlertSource.SLACK: "a Slack alert",
}
MAX_KEY = 255
MAX_TITLE = 200
MAX_LINK = 1000


@dataclass(frozen=True)
class AlertSignal:
    """One alert instance as a source reported it.

    `key` is the instance's identity at its source (Alertmanager: fingerprint plus start time;
    PagerDuty: `dedup_key`; generic: its dedup key); `group` names the set of alerts that
    belong in one incident (Alertmanager's `groupKey`). Both are at most 255 characters.
    `labels` are the strings routing rules match; `severity` is the source's own word for it
    (`critical`, `warning`, …), lower-cased, or "" when it gave none.
    """

    source: AlertSource
    key: str
    group: str
    state: AlertState
    title: str
    severity: str = ""
    service: str = ""
    summary: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    link: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True)
class AlertBatch:
    """One delivery from a source: the alerts it carried, in order.

    `group_title` is how the source names the whole group (Alertmanager's common labels,
    Grafana's title), "" when it has none. An empty `alerts` is a valid, do-nothing delivery.
    """

    source: AlertSource
    alerts: tuple[AlertSignal, ...]
    group_title: str = ""


class PayloadError(ValueError):
    """A payload we cannot take; `reason` says why in words fit for an HTTP 400 answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
