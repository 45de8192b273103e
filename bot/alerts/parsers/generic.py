"""Warroom's own alert format, for any tool that can POST JSON.

The body is one alert object, or an object whose `alerts` list holds up to 1000 of them
(an object with an `alerts` key is always read as a list):

    {"title": "Checkout error rate above 5%", "dedup_key": "checkout-errors",
     "severity": "critical", "service": "checkout"}

    {"alerts": [{"title": "Disk 95% full on db-1", "dedup_key": "disk-db-1"},
                {"title": "Disk 97% full on db-2", "dedup_key": "disk-db-2", "group": "disks"}]}

| field        | required | meaning                                                        |
| ------------ | -------- | -------------------------------------------------------------- |
| `title`      | yes      | what is wrong, not blank; cut to 200 characters                |
| `dedup_key`  | yes      | names this alert, at most 255 characters; send it again to     |
|              |          | update or resolve the same alert                               |
| `status`     | no       | `firing` (the default) or `resolved`                           |
| `severity`   | no       | your word for it (`critical`, `warning`, …), lower-cased       |
| `service`    | no       | the service it concerns                                        |
| `group`      | no       | alerts with the same group share one incident; default: the    |
|              |          | `dedup_key`, so each alert gets its own                        |
| `labels`     | no       | an object of strings, for routing rules                        |
| `link`       | no       | an `http` or `https` URL, at most 1000 characters              |
| `summary`    | no       | longer text about the alert                                    |
| `started_at` | no       | when it started, RFC 3339 with a time zone (`2024-05-01T12:00:00Z`) |

A field set to `null` counts as absent, other fields are ignored, and a body that breaks any
rule is refused as a whole with a reason that names the field, like `alerts[2].title is
required`.
"""

from typing import Any

from bot.alerts.parsers.fields import Fields, bounded_key, first_text, title_text, web_link
from bot.alerts.rules.signals import (
    MAX_KEY,
    MAX_LINK,
    AlertBatch,
    AlertSignal,
    AlertSource,
    AlertState,
    PayloadError,
)

MAX_ALERTS = 1000
_STATUSES = ("firing", "resolved")


def parse_generic(body: Any) -> AlertBatch:
    """Turn a generic-format body into an AlertBatch, or raise PayloadError."""
    root = Fields.of(body)
    alerts = [root]
    if "alerts" in root:
        alerts = root.children("alerts", required=True, limit=MAX_ALERTS)
    return AlertBatch(AlertSource.GENERIC, tuple(_read_alert(alert) for alert in alerts))


def _read_alert(alert: Fields) -> AlertSignal:
    title = alert.text("title", required=True)
    dedup_key = alert.text("dedup_key", required=True, limit=MAX_KEY)
    state = AlertState(alert.choice("status", _STATUSES, default="firing"))
    link = alert.text("link", limit=MAX_LINK)
    if link and not web_link(link):
        raise PayloadError(f"{alert.at('link')} must be an http or https URL")
    return AlertSignal(
        source=AlertSource.GENERIC,
        key=dedup_key,
        group=bounded_key(first_text(alert.text("group")) or dedup_key),
        state=state,
        title=title_text(title),
        severity=alert.text("severity").strip().lower(),
        service=alert.text("service").strip(),
        summary=alert.text("summary").strip(),
        labels=alert.strings("labels"),
        link=web_link(link),
        starts_at=alert.time("started_at"),
    )
