"""Making escalations, inside the caller's transaction: a page's row with a copy of its levels,
and the waiting pages of a policy's `unresolved:` rules."""

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.kernel.outbox import add_effects
from bot.paging.climb import WAITING, advance_effect, levels_of
from bot.paging.definitions import LevelDef, PolicyDef
from bot.paging.rules.durations import format_duration
from storage.models import Escalation, Incident


def new_escalation(
    session: Session,
    incident: Incident,
    levels: list[dict[str, Any]],
    *,
    repeat: int = 0,
    policy: str = "",
    reason: str,
    by: str | None = None,
    message: str = "",
    now: datetime,
) -> Escalation:
    """A page of the incident, waiting to be started; its id is its page code."""
    escalation = Escalation(
        incident_id=incident.id or 0,
        policy=policy,
        levels=levels,
        repeat=repeat,
        state=WAITING,
        reason=reason[:200],
        message=message[:1000],
        created_by=by,
        created_at=now,
    )
    session.add(escalation)
    session.flush()
    return escalation


def wait_for_unresolved(
    session: Session, incident: Incident, policy: PolicyDef, now: datetime
) -> None:
    """A waiting page per `unresolved:` rule: it starts if the incident is still open (at that
    severity or worse) when the time comes."""
    for rule in policy.unresolved:
        level = LevelDef(targets=rule.escalate_to, timeout=timedelta(0))
        severity = rule.severity.value.upper()
        reason = f"{severity} unresolved after {format_duration(rule.after)}"
        escalation = new_escalation(
            session, incident, levels_of([level]), policy=policy.name, reason=reason, now=now
        )
        escalation.condition = {"severity": rule.severity.value}
        escalation.next_at = now + rule.after
        add_effects(session, [advance_effect(escalation, now, escalation.next_at)])
