"""A few months of incidents for the dashboard's tests, stored as the app stores them: two
services (one named with markup, as a user may type it), every severity, manual and alert-born
incidents, drills (never counted), pages to two people (one at night), action items.

Times are relative to `now` (the app's clock in the tests, a weekday at 13:00 UTC): the same
incidents fall in the last 7, 30 and 90 days whatever `now` is."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.enums import EventKind, IncidentSource, Severity, Status
from storage.models import ActionItem, Incident, Notification, TimelineEvent

HOSTILE_SERVICE = 'search <b>eu</b> & "beta"'  # typed by a person: markup stays text
CHECKOUT = "checkout"


@dataclass(frozen=True)
class Seeded:
    """One seeded incident, as the tests check it."""

    number: int
    days_ago: float
    severity: Severity
    services: tuple[str, ...]
    drill: bool = False
    source: IncidentSource = IncidentSource.MANUAL


# number, days ago, severity, services, drill, source; minutes to ack, identify, mitigate, resolve
PLAN: tuple[tuple[Seeded, tuple[int, int, int, int]], ...] = (
    (Seeded(1, 2, Severity.SEV1, (CHECKOUT,)), (3, 20, 45, 90)),
    (
        Seeded(2, 4, Severity.SEV2, (HOSTILE_SERVICE,), source=IncidentSource.ALERT),
        (5, 30, 60, 120),
    ),
    (Seeded(3, 5, Severity.SEV1, (CHECKOUT,), drill=True), (1, 2, 3, 4)),
    (Seeded(4, 12, Severity.SEV3, (CHECKOUT, HOSTILE_SERVICE)), (10, 40, 80, 200)),
    (Seeded(5, 20, Severity.SEV2, (CHECKOUT,), source=IncidentSource.ALERT), (2, 15, 25, 50)),
    (Seeded(6, 27, Severity.SEV4, ()), (30, 60, 90, 600)),
    (Seeded(7, 40, Severity.SEV1, (HOSTILE_SERVICE,)), (4, 25, 70, 140)),
    (Seeded(8, 55, Severity.SEV2, (CHECKOUT,), source=IncidentSource.ALERT), (6, 35, 50, 75)),
    (Seeded(9, 70, Severity.SEV3, (CHECKOUT,), drill=True), (1, 1, 1, 1)),
    (Seeded(10, 85, Severity.SEV2, (CHECKOUT,)), (8, 45, 95, 180)),
    (Seeded(11, 100, Severity.SEV1, (CHECKOUT,)), (2, 10, 20, 30)),
)
PEOPLE = ("U0ALICE", "U0BOB")
TITLES = {
    1: "Checkout returns 502 for card payments",
    2: "Search results stale after index rebuild",
    3: "Game day: primary database failover",
    4: "Checkout slow for logged-in users",
    5: "Payment webhooks delayed",
    6: "Typo on the pricing page",
    7: "Search cluster out of disk",
    8: "Checkout error rate above 2%",
    9: "Drill: region evacuation",
    10: "Cart totals wrong for some currencies",
    11: "Checkout down after certificate expiry",
}


def seed_incidents(engine: Engine, now: datetime) -> list[Seeded]:
    """Store the plan's incidents, their timelines, pages and action items; what was stored."""
    with Session(engine) as session:
        for seeded, minutes in PLAN:
            # Every fourth begins at night (eleven hours earlier): its page is an off-hours one.
            night = timedelta(hours=11 if seeded.number % 4 == 1 else 0)
            start = now - timedelta(days=seeded.days_ago) - night
            ack, identified, mitigated, resolved = (start + timedelta(minutes=m) for m in minutes)
            incident = Incident(
                number=seeded.number,
                title=TITLES[seeded.number],
                severity=seeded.severity,
                status=Status.RESOLVED,
                services=list(seeded.services),
                declared_by=PEOPLE[0],
                source=seeded.source,
                drill=seeded.drill,
                detected_at=start,
                declared_at=start + timedelta(minutes=1),
                acknowledged_at=ack,
                acknowledged_by=PEOPLE[seeded.number % 2],
                identified_at=identified,
                mitigated_at=mitigated,
                resolved_at=resolved,
            )
            session.add(incident)
            session.flush()
            assert incident.id is not None
            _timeline(session, incident.id, (start, ack, mitigated, resolved))
            _page(session, incident.id, PEOPLE[seeded.number % 2], start + timedelta(seconds=30))
            if seeded.number % 3 == 0:
                session.add(
                    ActionItem(
                        incident_id=incident.id,
                        text=f"Follow up on {seeded.number}",
                        owner=PEOPLE[0],
                        created_by=PEOPLE[0],
                        created_at=resolved,
                    )
                )
        session.commit()
    return [seeded for seeded, _ in PLAN]


def _timeline(session: Session, incident_id: int, times: tuple[datetime, ...]) -> None:
    start, ack, mitigated, resolved = times
    alice, bob = PEOPLE
    for kind, at, text, actor in (
        (EventKind.DECLARED, start + timedelta(minutes=1), "Declared", alice),
        (EventKind.ACKNOWLEDGED, ack, "Acknowledged the page", bob),
        (
            EventKind.NOTE,
            ack + timedelta(minutes=2),
            f"Rolled back the last deploy, @{bob} watches",
            alice,
        ),
        (EventKind.STATUS_CHANGED, mitigated, "Status: mitigated", bob),
        (EventKind.STATUS_CHANGED, resolved, "Status: resolved", bob),
    ):
        session.add(
            TimelineEvent(
                incident_id=incident_id,
                kind=kind,
                text=text,
                mentions=[bob] if "@" in text else [],
                actor=actor,
                occurred_at=at,
            )
        )


def _page(session: Session, incident_id: int, user: str, at: datetime) -> None:
    session.add(
        Notification(
            incident_id=incident_id,
            target=user,
            method="slack",
            purpose="page",
            state="sent",
            due_at=at,
            sent_at=at,
            created_at=at,
        )
    )
