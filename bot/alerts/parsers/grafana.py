"""Grafana Alerting's webhook contact point: an Alertmanager-shaped group with Grafana's extras."""

import re
from typing import Any

from bot.alerts.parsers.alertmanager import parse_alert_group
from bot.alerts.parsers.fields import Fields
from bot.alerts.rules.signals import AlertBatch, AlertSource

# Grafana's default title opens with the group's status and count ("[FIRING:2] …"), which
# change from one delivery to the next while the group stays the same.
_STATUS_MARK = re.compile(r"\A\[(?:FIRING(?::\d+)?|RESOLVED)\]\s*", re.ASCII)


def parse_grafana(body: Any) -> AlertBatch:
    """Turn a Grafana webhook body into an AlertBatch, or raise PayloadError.

    Grafana sends `version` "1" today; it is not checked, since the alerts' shape is what counts.
    The link is the alert's panel, else its dashboard, else its rule.
    """
    root = Fields.of(body)
    title = _STATUS_MARK.sub("", root.text("title"), count=1)
    return parse_alert_group(
        root,
        AlertSource.GRAFANA,
        links=("panelURL", "dashboardURL", "generatorURL"),
        group_title=title.strip(),
    )
