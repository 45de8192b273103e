"""Alert groups stored straight into a test's database, for tests below the services."""

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.enums import AlertSource, Refire, RouteAction, Severity
from storage.models import AlertGroup


def add_alert_group(engine: Engine, **fields: Any) -> int:
    """Store an Alertmanager group offered as SEV3 (with `fields` changed); its id."""
    values: dict[str, Any] = {
        "source": AlertSource.ALERTMANAGER,
        "group_key": "{}:{alertname=HighLatency}",
        "title": "HighLatency",
        "severity": Severity.SEV3,
        "action": RouteAction.OFFER,
        "on_refire": Refire.REOPEN,
        **fields,
    }
    with Session(engine) as session:
        group = AlertGroup(**values)
        session.add(group)
        session.commit()
        assert group.id is not None
        return group.id
