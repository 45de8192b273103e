"""Incidents for post-mortem tests, as plain model instances (no database)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bot.incidents.rules.postmortem import PostmortemContext, build_postmortem_context
from storage.enums import EventKind, Role, Severity, Status
from storage.models import ActionItem, Incident, IncidentRole, StatusUpdate, TimelineEvent

T0 = datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
PEOPLE = {"U1": "alex", "U2": "bo", "U3": "cy", "U4": "dee"}
PERMALINK = "https://acme.slack.com/archives/C0INC1/p1772960700000100"
_SLACK_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def stored(text: str) -> tuple[str, list[str]]:
    """Text as Warroom stores it: a Slack mention `<@U1>` is `@U1`, and U1 is listed."""
    mentions = list(dict.fromkeys(_SLACK_MENTION.findall(text)))
    return _SLACK_MENTION.sub(r"@\1", text), mentions


@dataclass
class Rows:
    """An incident and everything a post-mortem reads about it."""

    incident: Incident
    room: str | None = None
    roles: list[IncidentRole] = field(default_factory=list)
    timeline: list[TimelineEvent] = field(default_factory=list)
    updates: list[StatusUpdate] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)

    def event(
        self,
        minutes: float,
        kind: EventKind,
        text: str,
        actor: str | None = None,
        *,
        permalink: str | None = None,
    ) -> TimelineEvent:
        """Add a timeline event `minutes` after T0 (Slack mentions in `text` are stored)."""
        text, mentions = stored(text)
        event = TimelineEvent(
            incident_id=1,
            kind=kind,
            text=text,
            mentions=mentions,
            actor=actor,
            occurred_at=T0 + timedelta(minutes=minutes),
            permalink=permalink,
        )
        self.timeline.append(event)
        return event

    def update(self, minutes: float, text: str, author: str, status: Status) -> None:
        """Post a status update `minutes` after T0, with its timeline event, as the bot does."""
        plain, mentions = stored(text)
        self.updates.append(
            StatusUpdate(
                incident_id=1,
                text=plain,
                mentions=mentions,
                author=author,
                posted_at=T0 + timedelta(minutes=minutes),
                status=status,
                severity=Severity(self.incident.severity),
            )
        )
        self.event(minutes, EventKind.UPDATE, text, author)

    def context(self, people: Mapping[str, str] | None = PEOPLE) -> PostmortemContext:
        """What the post-mortem shows for these rows."""
        return build_postmortem_context(
            self.incident,
            self.roles,
            self.timeline,
            self.updates,
            self.action_items,
            room=self.room,
            people=people,
        )


def full_incident() -> Rows:
    """A closed SEV1 with every field, role and kind of key event recorded."""
    incident = Incident(
        id=1,
        number=42,
        title="Checkout API returning 502s",
        summary="Checkout failed for about a third of requests after a config push.\n"
        "Payments were not charged twice.",
        severity=Severity.SEV1,
        status=Status.CLOSED,
        services=["checkout-api", "payments-gateway"],
        declared_by="U1",
        detected_at=T0 - timedelta(minutes=4),
        declared_at=T0,
        acknowledged_at=T0 + timedelta(minutes=3),
        acknowledged_by="U2",
        ack_breached_at=T0 + timedelta(minutes=2),
        identified_at=T0 + timedelta(minutes=25),
        mitigated_at=T0 + timedelta(minutes=41),
        resolved_at=T0 + timedelta(hours=2, minutes=5),
        closed_at=T0 + timedelta(days=1),
        resolution="Rolled back config revision 812 and added a canary stage.",
        impact="About 31% of checkout attempts failed with a 502 for 45 minutes.",
        root_cause="A connection-pool limit was lowered from 200 to 20 in one config push.",
        users_affected=12400,
        estimated_cost="USD 18,000 in lost orders",
        review_due_at=T0 + timedelta(days=7),
    )
    rows = Rows(incident, room="inc-42-checkout-api-returning-502s")
    rows.roles = [
        IncidentRole(incident_id=1, role=Role.RESPONDER, user_id="U4", assigned_at=T0),
        IncidentRole(incident_id=1, role=Role.COMMANDER, user_id="U1", assigned_at=T0),
        IncidentRole(incident_id=1, role=Role.SCRIBE, user_id="U3", assigned_at=T0),
        IncidentRole(incident_id=1, role=Role.COMMS, user_id="U2", assigned_at=T0),
    ]
    rows.event(0, EventKind.DECLARED, f"SEV2 declared by <@U1>: {incident.title}", "U1")
    rows.event(2, EventKind.ACK_TARGET_MISSED, "Not acknowledged within the SEV2 target (2m)")
    rows.event(3, EventKind.ACKNOWLEDGED, "Acknowledged by <@U2>", "U2")
    rows.event(3, EventKind.STATUS_CHANGED, "Status Triage → Investigating by <@U2>", "U2")
    rows.event(5, EventKind.SEVERITY_CHANGED, "Severity SEV2 → SEV1 by <@U1>", "U1")
    rows.event(6, EventKind.ROLE_ASSIGNED, "<@U3> is now scribe (set by <@U1>)", "U1")
    rows.update(10, "Investigating elevated 502s on checkout.", "U2", Status.INVESTIGATING)
    rows.event(12, EventKind.NOTE, "Pool exhaustion in the checkout-api logs", "U4")
    rows.event(15, EventKind.PINNED, "Config push 812 went out at 08:55", "U3", permalink=PERMALINK)
    rows.event(25, EventKind.STATUS_CHANGED, "Status Investigating → Identified by <@U1>", "U1")
    rows.event(40, EventKind.UPDATE_MISSED, "Status update missed (1st reminder in a row)")
    rows.event(41, EventKind.STATUS_CHANGED, "Status Identified → Mitigated by <@U1>", "U1")
    rows.update(45, "Rolled back; error rate back to baseline.", "U2", Status.MITIGATED)
    rows.event(125, EventKind.RESOLVED, "Status Mitigated → Resolved by <@U1>", "U1")
    rows.event(1440, EventKind.CLOSED, "Status Resolved → Closed by <@U1>", "U1")
    rows.action_items = [
        ActionItem(
            incident_id=1,
            text="Add a canary stage for config pushes",
            owner="U4",
            due_on=date(2026, 3, 20),
            created_by="U1",
            created_at=T0 + timedelta(days=1),
        ),
        ActionItem(
            incident_id=1,
            text="Alert on connection-pool saturation",
            owner="U3",
            created_by="U1",
            created_at=T0 + timedelta(days=1, minutes=1),
            done_at=T0 + timedelta(days=2),
        ),
        ActionItem(
            incident_id=1,
            text="Document the config rollback runbook",
            due_on=date(2026, 3, 27),
            created_by="U1",
            created_at=T0 + timedelta(days=1, minutes=2),
        ),
    ]
    return rows


def empty_incident() -> Rows:
    """A fresh declaration: nothing written yet, so every section is a prompt."""
    incident = Incident(
        id=1,
        number=7,
        title="Search is slow",
        severity=Severity.SEV3,
        status=Status.TRIAGE,
        declared_by="U1",
        detected_at=T0,
        declared_at=T0,
    )
    rows = Rows(incident, room="inc-7-search-is-slow")
    rows.event(0, EventKind.DECLARED, "SEV3 declared by <@U1>: Search is slow", "U1")
    return rows


def private_incident() -> Rows:
    """A private incident whose channel name was never recorded: it is called INC-N."""
    incident = Incident(
        id=1,
        number=9,
        title="Credential exposure review",
        summary="A token was found in a public paste.",
        severity=Severity.SEV2,
        status=Status.RESOLVED,
        private=True,
        declared_by="U2",
        detected_at=T0,
        declared_at=T0 + timedelta(minutes=1),
        acknowledged_at=T0 + timedelta(minutes=2),
        acknowledged_by="U1",
        resolved_at=T0 + timedelta(minutes=50),
        resolution="The token was revoked and rotated.",
    )
    rows = Rows(incident)
    rows.roles = [IncidentRole(incident_id=1, role=Role.COMMANDER, user_id="U2", assigned_at=T0)]
    rows.event(1, EventKind.DECLARED, "SEV2 declared by <@U2>: Credential exposure review", "U2")
    rows.event(2, EventKind.ACKNOWLEDGED, "Acknowledged by <@U1>", "U1")
    rows.event(50, EventKind.RESOLVED, "Status Investigating → Resolved by <@U2>", "U2")
    return rows
