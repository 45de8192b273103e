"""The golden data set: 64 incidents around November 2026 in America/New_York (US daylight
saving ends on Sunday 1 November 2026, 02:00 EDT -> 01:00 EST).

52 counted incidents, numbered k = 1..52, follow simple rules so their figures can be worked
out by hand (tests/insights/test_golden.py holds them as literals):

- impact start: 2026-11-01 05:10 UTC (01:10 EDT, before the clocks go back) plus
  ((k + 5) mod 52) x 13 hours; alert-born ones (k % 3 == 0) were detected there and declared
  5 minutes later, the others declared there (detected_at empty);
- paged ones (k even) got their first page 3 minutes after the declaration (to U_A when
  k % 4 == 2, else U_B; by Slack and SMS at once: one page), the others no page;
- acknowledged k minutes after the page (or the declaration); k in {13, 26, 39, 52} never
  acknowledged, never resolved, still open, their acknowledge target breached (and k = 7's);
- identified 2k minutes after the start, except k % 4 == 0;
- mitigated 3k minutes after the start, except k % 5 == 0 (straight to resolved);
- resolved 4k + 10 minutes after the start; odd ones closed an hour later, reviewed 2 days
  after closing when k % 4 == 1, 10 days after when k % 8 == 3;
- severity sev1 when k % 10 == 1, sev2 when k % 10 in (2, 3), sev3 when in (4, 5, 6, 7),
  sev4 otherwise; source alert (k % 3 == 0), manual (k % 3 == 1), github (k % 3 == 2);
- service "api" when k is even, "web" when odd, and "db" as well when k % 7 == 0;
- status updates: k % 6 == 0 update, missed, missed, update (1 on time, 2 missed);
  k % 6 == 3 update, update (2 on time);
- action items (k % 5 == 1): one done, one due 2026-11-20 (overdue), one due 2026-12-31.

Six drills inside November (wild figures, paged, updates missed) and six incidents outside
it (two just across the month's edges in New York time, one declared in November but
detected in October) must change nothing.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.incidents.rules.cadence import count_reminder, count_update
from storage.enums import EventKind, IncidentSource, Severity, Status
from storage.models import ActionItem, Escalation, Incident, Notification, TimelineEvent

ZONE = "America/New_York"
BASE = datetime(2026, 11, 1, 5, 10, tzinfo=UTC)
NOW = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)
OPEN_K = (13, 26, 39, 52)
MINUTE = timedelta(minutes=1)


def severity_of(k: int) -> Severity:
    """The counted incident k's severity."""
    last = k % 10
    if last == 1:
        return Severity.SEV1
    if last in (2, 3):
        return Severity.SEV2
    if last in (4, 5, 6, 7):
        return Severity.SEV3
    return Severity.SEV4


def source_of(k: int) -> IncidentSource:
    """The counted incident k's source."""
    return (IncidentSource.ALERT, IncidentSource.MANUAL, IncidentSource.GITHUB)[k % 3]


def start_of(k: int) -> datetime:
    """The counted incident k's impact start."""
    return BASE + timedelta(hours=13 * ((k + 5) % 52))


def counted(k: int) -> dict[str, Any]:
    """The counted incident k's columns, and what hangs off it."""
    start = start_of(k)
    alert = k % 3 == 0
    declared = start + 5 * MINUTE if alert else start
    paged = declared + 3 * MINUTE if k % 2 == 0 else None
    is_open = k in OPEN_K
    resolved = None if is_open else start + (4 * k + 10) * MINUTE
    closed = resolved + timedelta(hours=1) if resolved and k % 2 == 1 else None
    reviewed = None
    if closed and k % 4 == 1:
        reviewed = closed + timedelta(days=2)
    elif closed and k % 8 == 3:
        reviewed = closed + timedelta(days=10)
    services = ["api" if k % 2 == 0 else "web"] + (["db"] if k % 7 == 0 else [])
    return {
        "number": k,
        "severity": severity_of(k),
        "source": source_of(k),
        "services": services,
        "drill": False,
        "detected_at": start if alert else None,
        "declared_at": declared,
        "acknowledged_at": None if is_open else (paged or declared) + k * MINUTE,
        "identified_at": None if k % 4 == 0 else start + 2 * k * MINUTE,
        "mitigated_at": None if is_open or k % 5 == 0 else start + 3 * k * MINUTE,
        "resolved_at": resolved,
        "closed_at": closed,
        "reviewed_at": reviewed,
        "ack_breached_at": declared + 20 * MINUTE if is_open or k == 7 else None,
        "status": _status(is_open, closed),
        "paged_at": paged,
        "page_to": ("U_A" if k % 4 == 2 else "U_B") if paged else None,
        "updates": _updates(k, declared),
        "actions": k % 5 == 1,
    }


def _status(is_open: bool, closed: datetime | None) -> Status:
    if is_open:
        return Status.INVESTIGATING
    return Status.CLOSED if closed else Status.RESOLVED


def _updates(k: int, declared: datetime) -> list[tuple[EventKind, datetime]]:
    kinds: list[EventKind] = []
    if k % 6 == 0:
        kinds = [EventKind.UPDATE, EventKind.UPDATE_MISSED, EventKind.UPDATE_MISSED]
        kinds.append(EventKind.UPDATE)
    elif k % 6 == 3:
        kinds = [EventKind.UPDATE, EventKind.UPDATE]
    return [(kind, declared + (i + 1) * MINUTE) for i, kind in enumerate(kinds)]


def wild(
    number: int, start: datetime, *, drill: bool, detected: datetime | None = None
) -> dict[str, Any]:
    """An incident with figures far from the counted ones (a drill, or outside the month)."""
    declared = start
    return {
        "number": number,
        "severity": Severity.SEV1,
        "source": IncidentSource.MANUAL,
        "services": ["api", "drills"] if drill else ["api"],
        "drill": drill,
        "detected_at": detected,
        "declared_at": declared,
        "acknowledged_at": declared + 600 * MINUTE,
        "identified_at": declared + 700 * MINUTE,
        "mitigated_at": declared + 800 * MINUTE,
        "resolved_at": declared + 1000 * MINUTE,
        "closed_at": declared + 1100 * MINUTE,
        "reviewed_at": None,
        "ack_breached_at": declared + 20 * MINUTE,
        "status": Status.CLOSED,
        "paged_at": declared + MINUTE,
        "page_to": "U_C",
        "updates": [(EventKind.UPDATE_MISSED, declared + i * MINUTE) for i in (1, 2, 3)],
        "actions": True,
    }


def golden_incidents() -> list[dict[str, Any]]:
    """All 64 incidents."""
    found = [counted(k) for k in range(1, 53)]
    drill_starts = [datetime(2026, 11, day, 15, 0, tzinfo=UTC) for day in (2, 5, 9, 12, 19, 26)]
    found += [wild(100 + i, s, drill=True) for i, s in enumerate(drill_starts)]
    outside = [
        datetime(2026, 11, 1, 3, 30, tzinfo=UTC),  # 31 Oct 23:30 EDT: October
        datetime(2026, 12, 1, 5, 30, tzinfo=UTC),  # 1 Dec 00:30 EST: December
        datetime(2026, 10, 15, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 10, 12, 0, tzinfo=UTC),
        datetime(2026, 9, 30, 12, 0, tzinfo=UTC),
    ]
    found += [wild(200 + i, s, drill=False) for i, s in enumerate(outside)]
    # Declared in November (New York time) but detected on 31 October: October's.
    declared = datetime(2026, 11, 1, 4, 20, tzinfo=UTC)
    found.append(
        wild(299, declared, drill=False, detected=datetime(2026, 11, 1, 3, 50, tzinfo=UTC))
    )
    return found


def store_golden(engine: Engine) -> None:
    """Write the golden data set into the (empty, migrated) database."""
    with Session(engine) as session:
        for spec in golden_incidents():
            _store(session, spec)
        session.commit()


def _store(session: Session, spec: dict[str, Any]) -> None:
    columns = {
        key: spec[key]
        for key in (
            "number",
            "severity",
            "source",
            "services",
            "drill",
            "detected_at",
            "declared_at",
            "acknowledged_at",
            "identified_at",
            "mitigated_at",
            "resolved_at",
            "closed_at",
            "reviewed_at",
            "ack_breached_at",
            "status",
        )
    }
    incident = Incident(title=f"Golden incident {spec['number']}", declared_by="U_DECL", **columns)
    session.add(incident)
    session.flush()
    assert incident.id is not None
    if spec["paged_at"] is not None:
        escalation = Escalation(
            incident_id=incident.id, state="acknowledged", level=0, created_at=spec["paged_at"]
        )
        session.add(escalation)
        session.flush()
        for method in ("slack", "sms"):
            session.add(
                Notification(
                    escalation_id=escalation.id,
                    incident_id=incident.id,
                    target=spec["page_to"],
                    method=method,
                    state="sent",
                    level=0,
                    loop=0,
                    due_at=spec["paged_at"],
                    sent_at=spec["paged_at"],
                    created_at=spec["paged_at"],
                )
            )
        # A failed try to reach a group is not a page of a person.
        session.add(
            Notification(
                escalation_id=escalation.id,
                incident_id=incident.id,
                target="S_GROUP",
                method="slack",
                state="failed",
                level=0,
                loop=0,
                due_at=spec["paged_at"],
            )
        )
    for i, (kind, at) in enumerate(spec["updates"]):
        # The incident counts its marks as the app does when it writes these events.
        if kind == EventKind.UPDATE:
            count_update(incident, now=at)
        else:
            count_reminder(incident, now=at)
        session.add(
            TimelineEvent(
                incident_id=incident.id,
                kind=kind,
                text="",
                occurred_at=at,
                source_ts=f"{spec['number']}.{i}",
            )
        )
    if spec["actions"]:
        made = spec["declared_at"]
        for due, done in ((None, True), (date(2026, 11, 20), False), (date(2026, 12, 31), False)):
            session.add(
                ActionItem(
                    incident_id=incident.id,
                    text="follow up",
                    due_on=due,
                    created_by="U_DECL",
                    created_at=made,
                    done_at=made + timedelta(days=1) if done else None,
                )
            )
