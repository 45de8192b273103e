"""Incident tables: the incident, its roles, timeline, updates, reminders, follow-ups and where
it is shown. These sqlmodel classes are the entities; nothing mirrors them."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.enums import EventKind, IncidentSource, ReminderKind, Role, Severity, Status
from storage.models.columns import json_dict, json_list, utc_column
from storage.types import StrEnumType, UTCDateTime


class Incident(SQLModel, table=True):
    """One incident: what it is and every lifecycle time. Where it is shown lives elsewhere
    (`IncidentSurface`), written by the adapter that shows it."""

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True, index=True)
    title: str = Field(max_length=200)
    summary: str = Field(default="", sa_type=Text)
    severity: Severity = Field(sa_type=StrEnumType(Severity))
    status: Status = Field(sa_type=StrEnumType(Status), index=True)
    services: list[str] = json_list()
    private: bool = False
    declared_by: str = Field(max_length=32)
    # How it began, and whether it is a drill or a test: those are left out of every figure
    # insights give (and counted apart).
    source: IncidentSource = Field(
        default=IncidentSource.MANUAL, sa_type=StrEnumType(IncidentSource)
    )
    drill: bool = False
    idempotency_key: str | None = Field(default=None, unique=True, max_length=255)
    # Bumped by every change, under the incident's row lock: one writer at a time, in order.
    version: int = 0

    detected_at: datetime | None = utc_column()
    declared_at: datetime | None = utc_column(index=True)
    acknowledged_at: datetime | None = utc_column()
    acknowledged_by: str | None = Field(default=None, max_length=32)
    identified_at: datetime | None = utc_column()
    mitigated_at: datetime | None = utc_column()
    resolved_at: datetime | None = utc_column()
    closed_at: datetime | None = utc_column()

    resolution: str = Field(default="", sa_type=Text)
    impact: str = Field(default="", sa_type=Text)
    root_cause: str = Field(default="", sa_type=Text)
    users_affected: int | None = None
    estimated_cost: str = Field(default="", max_length=100)
    review_due_at: datetime | None = utc_column(index=True)
    reviewed_at: datetime | None = utc_column()
    reviewed_by: str | None = Field(default=None, max_length=32)
    last_update_at: datetime | None = utc_column()
    next_update_due_at: datetime | None = utc_column()

    # What the scheduler acts on: when each reminder is next due (None: nothing to do).
    update_reminder_at: datetime | None = utc_column(index=True)
    missed_updates: int = 0  # reminders in a row since the clock last restarted
    # Kept with the timeline's `update` and `update_missed` events, for insights: updates
    # posted with no reminder since the one before (or the declaration), reminders sent, and
    # when the last reminder was sent.
    updates_on_time: int = 0
    updates_missed: int = 0
    last_update_reminder_at: datetime | None = utc_column()
    ack_due_at: datetime | None = utc_column(index=True)
    ack_breached_at: datetime | None = utc_column()
    commander_reminder_at: datetime | None = utc_column(index=True)

    # Who outside the channel hears of it. Customers are affected since this moment (None: not
    # affected, or not known); set by `/incident impact customers yes` or the declare form.
    customers_affected_at: datetime | None = utc_column()
    # The last stakeholder update, and when the next is due (None: none are nagged for).
    last_stakeholder_update_at: datetime | None = utc_column()
    stakeholder_update_due_at: datetime | None = utc_column()
    # The status page as this incident last set it (its public status and when), written with
    # each publication; and the one reminder when customers are affected and nothing is public.
    public_status: str | None = Field(default=None, max_length=32)
    public_updated_at: datetime | None = utc_column()
    public_reminder_at: datetime | None = utc_column(index=True)
    public_reminded_at: datetime | None = utc_column()


class IncidentSurface(SQLModel, table=True):
    """Where an incident is shown on one surface: a Slack channel, its status message, the
    digest post, the shared postmortem file. Owned and written by the adapter that shows it.

    `channel_id` and `ts` locate the thing (empty when they do not apply); `data` holds what
    the adapter needs to edit it in place (a channel's name and topic, whether it is pinned).
    """

    __table_args__ = (
        UniqueConstraint("incident_id", "surface", "kind"),
        UniqueConstraint("surface", "kind", "channel_id", "ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    surface: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    channel_id: str = Field(default="", max_length=80)
    ts: str = Field(default="", max_length=32)
    data: dict[str, Any] = json_dict()
    updated_at: datetime | None = utc_column()


class IncidentRole(SQLModel, table=True):
    """A person holding a role in an incident."""

    __table_args__ = (UniqueConstraint("incident_id", "role", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    role: Role = Field(sa_type=StrEnumType(Role))
    user_id: str = Field(max_length=32)
    assigned_by: str | None = Field(default=None, max_length=32)
    assigned_at: datetime | None = utc_column()


class TimelineEvent(SQLModel, table=True):
    """Something that happened in an incident, in the order it happened.

    `text` is plain text; a person appears in it as `@<id>` and that id is listed in
    `mentions`, so every surface can render people its own way.
    """

    __table_args__ = (UniqueConstraint("incident_id", "source_ts"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: EventKind = Field(sa_type=StrEnumType(EventKind))
    text: str = Field(default="", sa_type=Text)
    mentions: list[str] = json_list()
    actor: str | None = Field(default=None, max_length=32)
    occurred_at: datetime | None = utc_column()
    source_ts: str | None = Field(default=None, max_length=32)
    permalink: str | None = Field(default=None, max_length=1000)


class StatusUpdate(SQLModel, table=True):
    """A status update posted by a responder: plain text, people as `@<id>` in `mentions`."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    text: str = Field(sa_type=Text)
    mentions: list[str] = json_list()
    author: str = Field(max_length=32)
    posted_at: datetime | None = utc_column()
    status: Status = Field(sa_type=StrEnumType(Status))
    severity: Severity = Field(sa_type=StrEnumType(Severity))


class Reminder(SQLModel, table=True):
    """One reminder the scheduler claimed: created once per due time, then delivered.

    The unique key makes a second claim of the same due time fail, whichever process tries.
    `subject_id` names what inside the incident it is about (an action item), 0 otherwise.
    """

    __table_args__ = (UniqueConstraint("incident_id", "kind", "subject_id", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: ReminderKind = Field(sa_type=StrEnumType(ReminderKind))
    subject_id: int = 0
    due_at: datetime = Field(sa_type=UTCDateTime)
    seq: int = 1
    created_at: datetime | None = utc_column()


class ActionItem(SQLModel, table=True):
    """Follow-up work from an incident, with an owner and a due date."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    text: str = Field(sa_type=Text)
    owner: str | None = Field(default=None, max_length=32, index=True)
    due_on: date | None = None
    created_by: str = Field(max_length=32)
    created_at: datetime | None = utc_column()
    done_at: datetime | None = utc_column(index=True)
    done_by: str | None = Field(default=None, max_length=32)


class Postmortem(SQLModel, table=True):
    """The postmortem document drafted on close, as rendered."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", unique=True)
    markdown: str = Field(sa_type=Text)
    rendered_at: datetime | None = utc_column()


class SideEffectFailure(SQLModel, table=True):
    """A step shown on a surface that failed for good (or gave up); kept for audit."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    step: str = Field(max_length=64)
    error: str = Field(max_length=500)
    occurred_at: datetime | None = utc_column()
