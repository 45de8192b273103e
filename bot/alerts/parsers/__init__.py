"""Webhook parsers by URL name: each turns a decoded JSON body into an AlertBatch.

Every parser is pure and raises nothing but PayloadError, whatever JSON it is given.
"""

from collections.abc import Callable
from typing import Any

from bot.alerts.parsers.alertmanager import parse_alertmanager
from bot.alerts.parsers.generic import parse_generic
from bot.alerts.parsers.grafana import parse_grafana
from bot.alerts.parsers.pagerduty import parse_pagerduty
from bot.alerts.rules.signals import AlertBatch

PARSERS: dict[str, Callable[[Any], AlertBatch]] = {
    "alertmanager": parse_alertmanager,
    "grafana": parse_grafana,
    "pagerduty": parse_pagerduty,
    "generic": parse_generic,
}

__all__ = ["PARSERS", "parse_alertmanager", "parse_generic", "parse_grafana", "parse_pagerduty"]
