"""What a post-mortem says about an incident, as plain values ready for a template.

Every string here is plain text (people shown as `@name`); escaping for Markdown is the
renderer's job. Nothing reads a clock, so the same rows always give the same document.
"""

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.incidents.rules.lifecycle import STATUS_LABELS
from bot.incidents.rules.roles import ROLE_LABELS
from bot.kernel.text import render_mentions
from bot.kernel.timing import between, format_span
from storage.enums import EventKind, Role, Severity, Status
from storage.models import ActionItem, Incident, IncidentRole, StatusUpdate, TimelineEvent

UNKNOWN = "—"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DETECTED = "detected"  # the kind of the timeline entry that marks when impact began

EVENT_LABELS: dict[EventKind, str] = {
    EventKind.DECLARED: "Declared",
    EventKind.ACKNOWLEDGED: "Acknowledged",
    EventKind.SEVERITY_CHANGED: "Severity changed",
    EventKind.STATUS_CHANGED: "Status changed",
    EventKind.ROLE_ASSIGNED: "Role assigned",
    EventKind.UPDATE: "Status update",
    EventKind.NOTE: "Note",
    EventKind.PINNED: "Pinned message",
    EventKind.RESOLVED: "Resolved",
    EventKind.CLOSED: "Closed",
    EventKind.IMPACT: "Impact",
    EventKind.ROOT_CAUSE: "Root cause",
    EventKind.ACTION_ADDED: "Action item added",
    EventKind.ACTION_DONE: "Action item done",
    EventKind.REVIEWED: "Reviewed",
    EventKind.UPDATE_MISSED: "Update missed",
    EventKind.ACK_TARGET_MISSED: "Acknowledgement target missed",
    EventKind.SNOOZED: "Reminders snoozed",
    EventKind.ALERT_FIRED: "Alert firing",
    EventKind.ALERT_RESOLVED: "Alert resolved",
    EventKind.PAGED: "Paged",
    EventKind.STAKEHOLDER_UPDATE: "Stakeholder update",
    EventKind.PUBLIC_UPDATE: "Status page update",
    EventKind.TIMESTAMP_CHANGED: "Time corrected",
    EventKind.MARKED_DRILL: "Marked as a drill",
}

# Kinds whose text is somebody's own words, so the entry names who said it.
_SPOKEN = frozenset({EventKind.UPDATE, EventKind.NOTE, EventKind.PINNED})


_WEB_LINK = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


@dataclass(frozen=True)
class PersonInRole:
    """Someone who held a role, as shown."""

    role: str
    person: str


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline: when (UTC), what kind, who said it, what, and a link."""

    at: str
    kind: str
    label: str
    actor: str | None
    text: str
    link: str | None


@dataclass(frozen=True)
class ActionEntry:
    """A follow-up, done or not, with its owner and due date when known."""

    text: str
    done: bool
    owner: str | None
    due: str | None


@dataclass(frozen=True)
class Metric:
    """A named figure; `value` is UNKNOWN when the times it needs were not recorded."""

    label: str
    value: str


@dataclass(frozen=True)
class PostmortemContext:
    """Everything the post-mortem template may show."""

    number: int
    reference: str
    channel: str | None
    title: str
    private: bool
    severity: str
    status: str
    services: tuple[str, ...]
    declared_by: str
    declared_at: str | None
    review_due: str | None
    roles: tuple[PersonInRole, ...]
    summary: str
    impact: str
    impact_duration: str
    impact_window: str
    users_affected: str | None
    estimated_cost: str | None
    root_cause: str
    resolution: str
    timeline: tuple[TimelineEntry, ...]
    action_items: tuple[ActionEntry, ...]
    metrics_origin: str
    metrics: tuple[Metric, ...]


def build_postmortem_context(
    incident: Incident,
    roles: Sequence[IncidentRole],
    timeline: Sequence[TimelineEvent],
    updates: Sequence[StatusUpdate],
    action_items: Sequence[ActionItem],
    *,
    room: str | None = None,
    people: Mapping[str, str] | None = None,
) -> PostmortemContext:
    """The post-mortem's content for an incident and its rows; all times in UTC. `room` is
    the name of the channel the incident was worked in, when it had one."""
    name = _namer(people or {})
    channel = (room or "").strip()
    origin, origin_at = _metrics_origin(incident)
    entries = _timeline(incident, timeline, updates, name)
    return PostmortemContext(
        number=incident.number,
        reference=f"#{channel}" if channel else f"INC-{incident.number}",
        channel=channel or None,
        title=_plain(incident.title, name),
        private=incident.private,
        severity=Severity(incident.severity).value.upper(),
        status=STATUS_LABELS[Status(incident.status)],
        services=tuple(s.strip() for s in incident.services if s.strip()),
        declared_by=name(incident.declared_by),
        declared_at=stamp(incident.declared_at) if incident.declared_at else None,
        review_due=_utc(incident.review_due_at).date().isoformat()
        if incident.review_due_at
        else None,
        roles=_roles(roles, name),
        summary=_plain(incident.summary, name),
        impact=_plain(incident.impact, name),
        impact_duration=_impact_duration(incident),
        impact_window=_impact_window(incident),
        users_affected=f"{incident.users_affected:,}"
        if incident.users_affected is not None
        else None,
        estimated_cost=incident.estimated_cost.strip() or None,
        root_cause=_plain(incident.root_cause, name),
        resolution=_plain(incident.resolution, name),
        timeline=entries,
        action_items=_actions(action_items, name),
        metrics_origin=f"{origin} at {stamp(origin_at)} UTC"
        if origin_at
        else f"{origin}, not recorded",
        metrics=_metrics(incident, origin_at, entries),
    )


def stamp(moment: datetime | None) -> str:
    """A moment as `YYYY-MM-DD HH:MM:SS` in UTC, or UNKNOWN."""
    return _utc(moment).strftime(TIME_FORMAT) if moment else UNKNOWN


def span(start: datetime | None, end: datetime | None) -> str:
    """The time from `start` to `end` computed in UTC, formatted, or UNKNOWN."""
    if start is None or end is None:
        return UNKNOWN
    return format_span(between(start, end))


def _namer(people: Mapping[str, str]) -> Callable[[str], str]:
    def name(user_id: str) -> str:
        shown = (people.get(user_id) or "").strip()
        return f"@{shown or user_id}"

    return name


def _plain(text: str, name: Callable[[str], str], mentions: Sequence[str] = ()) -> str:
    """Stored text with its mentions as `@name`, trimmed."""
    return render_mentions(text or "", mentions, lambda m: name(m.id)).strip()


def _roles(roles: Sequence[IncidentRole], name: Callable[[str], str]) -> tuple[PersonInRole, ...]:
    """Commander first, then comms, scribe, responders; each in the order they got the role."""
    by_time = [roles[i] for i in _in_time_order([r.assigned_at for r in roles])]
    ranked = sorted(by_time, key=lambda r: list(Role).index(Role(r.role)))
    return tuple(PersonInRole(ROLE_LABELS[Role(r.role)], name(r.user_id)) for r in ranked)


def _sort_time(moment: datetime | None) -> float:
    """A sort key by real time (seconds since the epoch), unknown times last."""
    return moment.timestamp() if moment else math.inf


def _in_time_order(moments: Sequence[datetime | None]) -> list[int]:
    """Indexes in time order; Python's sort is stable, so ties keep the order given."""
    keys = [_sort_time(moment) for moment in moments]
    return sorted(range(len(keys)), key=keys.__getitem__)


def _timeline(
    incident: Incident,
    events: Sequence[TimelineEvent],
    updates: Sequence[StatusUpdate],
    name: Callable[[str], str],
) -> tuple[TimelineEntry, ...]:
    """Events, plus updates with no event of their own, plus when impact began; in time order."""
    entries: list[TimelineEntry] = []
    moments: list[datetime | None] = []
    detected, declared = incident.detected_at, incident.declared_at
    # Compared as timestamps: aware datetimes sharing a zone compare by wall clock (wrong in DST).
    if detected and declared and detected.timestamp() < declared.timestamp():
        entries.append(TimelineEntry(stamp(detected), DETECTED, "Impact began", None, "", None))
        moments.append(detected)
    for event in events:
        kind = EventKind(event.kind)
        actor = name(event.actor) if kind in _SPOKEN and event.actor else None
        link = event.permalink if event.permalink and _WEB_LINK.match(event.permalink) else None
        text = _plain(event.text, name, event.mentions)
        entries.append(
            TimelineEntry(
                stamp(event.occurred_at), kind.value, EVENT_LABELS[kind], actor, text, link
            )
        )
        moments.append(event.occurred_at)
    recorded = {
        (_sort_time(e.occurred_at), e.text.strip()) for e in events if e.kind == EventKind.UPDATE
    }
    for update in updates:
        if (_sort_time(update.posted_at), update.text.strip()) in recorded:
            continue
        label = EVENT_LABELS[EventKind.UPDATE]
        text = _plain(update.text, name, update.mentions)
        entries.append(
            TimelineEntry(stamp(update.posted_at), "update", label, name(update.author), text, None)
        )
        moments.append(update.posted_at)
    return tuple(entries[i] for i in _in_time_order(moments))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def _actions(items: Sequence[ActionItem], name: Callable[[str], str]) -> tuple[ActionEntry, ...]:
    order = _in_time_order([item.created_at for item in items])
    return tuple(_action(items[i], name) for i in order)


def _action(item: ActionItem, name: Callable[[str], str]) -> ActionEntry:
    return ActionEntry(
        text=_plain(item.text, name),
        done=item.done_at is not None,
        owner=name(item.owner) if item.owner else None,
        due=item.due_on.isoformat() if item.due_on else None,
    )


def _recovered_at(incident: Incident) -> datetime | None:
    return incident.mitigated_at or incident.resolved_at


def _impact_start(incident: Incident) -> datetime | None:
    return incident.detected_at or incident.declared_at


def _impact_duration(incident: Incident) -> str:
    return span(_impact_start(incident), _recovered_at(incident))


def _impact_window(incident: Incident) -> str:
    """Where the impact duration is measured from and to, in words."""
    start = _impact_start(incident)
    if start is None:
        return "start of impact not recorded"
    since = f"from {'detection' if incident.detected_at else 'declaration'} at {stamp(start)} UTC"
    if incident.mitigated_at:
        return f"{since} to mitigation at {stamp(incident.mitigated_at)} UTC"
    if incident.resolved_at:
        return f"{since} to resolution at {stamp(incident.resolved_at)} UTC"
    return f"{since}; not mitigated or resolved yet"


def _metrics_origin(incident: Incident) -> tuple[str, datetime | None]:
    """Response times count from declaration, when the team was asked to respond."""
    if incident.declared_at is None and incident.detected_at is not None:
        return "detection", incident.detected_at
    return "declaration", incident.declared_at


def _metrics(
    incident: Incident, origin: datetime | None, timeline: Iterable[TimelineEntry]
) -> tuple[Metric, ...]:
    kinds = Counter(entry.kind for entry in timeline)
    if incident.ack_breached_at:
        target = f"missed (breached at {stamp(incident.ack_breached_at)} UTC)"
    elif kinds[EventKind.ACK_TARGET_MISSED.value]:
        target = "missed"
    else:
        target = "met" if incident.acknowledged_at else UNKNOWN
    return (
        Metric(
            "Time to declare (from detection)", span(incident.detected_at, incident.declared_at)
        ),
        Metric("Time to acknowledge", span(origin, incident.acknowledged_at)),
        Metric("Time to identify", span(origin, incident.identified_at)),
        Metric("Time to mitigate", span(origin, incident.mitigated_at)),
        Metric("Time to resolve", span(origin, incident.resolved_at)),
        Metric("Impact duration", _impact_duration(incident)),
        Metric("Acknowledgement target", target),
        Metric("Status updates posted", str(kinds[EventKind.UPDATE.value])),
        Metric("Status updates missed", str(kinds[EventKind.UPDATE_MISSED.value])),
    )
