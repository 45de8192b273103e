"""The tables. These sqlmodel classes are the entities; nothing mirrors them."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.enums import (
    AlertSource,
    AlertState,
    EventKind,
    Refire,
    ReminderKind,
    Role,
    RouteAction,
    Severity,
    Status,
)
from storage.types import StrEnumType, UTCDateTime

# Named constraints let later migrations drop or alter them, SQLite batch mode included.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _ts(**kwargs: Any) -> Any:
    """A UTC timestamp column."""
    return Field(default=None, sa_type=UTCDateTime, **kwargs)


class Incident(SQLModel, table=True):
    """One incident: what it is, where it lives in Slack, and every lifecycle time."""

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True, index=True)
    title: str = Field(max_length=200)
    summary: str = Field(default="", sa_type=Text)
    severity: Severity = Field(sa_type=StrEnumType(Severity))
    status: Status = Field(sa_type=StrEnumType(Status), index=True)
    services: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    private: bool = False
    declared_by: str = Field(max_length=32)
    idempotency_key: str | None = Field(default=None, unique=True, max_length=255)

    channel_id: str | None = Field(default=None, unique=True, max_length=32)
    channel_name: str | None = Field(default=None, max_length=80)
    status_ts: str | None = Field(default=None, max_length=32)
    status_pinned: bool = False
    channel_topic: str | None = Field(default=None, max_length=250)
    digest_channel_id: str | None = Field(default=None, max_length=32)
    digest_ts: str | None = Field(default=None, max_length=32)

    detected_at: datetime | None = _ts()
    declared_at: datetime | None = _ts()
    acknowledged_at: datetime | None = _ts()
    acknowledged_by: str | None = Field(default=None, max_length=32)
    identified_at: datetime | None = _ts()
    mitigated_at: datetime | None = _ts()
    resolved_at: datetime | None = _ts()
    closed_at: datetime | None = _ts()

    resolution: str = Field(default="", sa_type=Text)
    impact: str = Field(default="", sa_type=Text)
    root_cause: str = Field(default="", sa_type=Text)
    users_affected: int | None = None
    estimated_cost: str = Field(default="", max_length=100)
    postmortem_file_id: str | None = Field(default=None, max_length=32)
    postmortem_permalink: str | None = Field(default=None, max_length=1000)
    review_due_at: datetime | None = _ts(index=True)
    reviewed_at: datetime | None = _ts()
    reviewed_by: str | None = Field(default=None, max_length=32)
    last_update_at: datetime | None = _ts()
    next_update_due_at: datetime | None = _ts()

    # What the scheduler acts on: when each reminder is next due (None: nothing to do).
    update_reminder_at: datetime | None = _ts(index=True)
    missed_updates: int = 0
    ack_due_at: datetime | None = _ts(index=True)
    ack_breached_at: datetime | None = _ts()
    commander_reminder_at: datetime | None = _ts(index=True)


class IncidentRole(SQLModel, table=True):
    """A person holding a role in an incident."""

    __table_args__ = (UniqueConstraint("incident_id", "role", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    role: Role = Field(sa_type=StrEnumType(Role))
    user_id: str = Field(max_length=32)
    assigned_by: str | None = Field(default=None, max_length=32)
    assigned_at: datetime | None = _ts()


class TimelineEvent(SQLModel, table=True):
    """Something that happened in an incident, in the order it happened."""

    __table_args__ = (UniqueConstraint("incident_id", "source_ts"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: EventKind = Field(sa_type=StrEnumType(EventKind))
    text: str = Field(default="", sa_type=Text)
    actor: str | None = Field(default=None, max_length=32)
    occurred_at: datetime | None = _ts()
    source_ts: str | None = Field(default=None, max_length=32)
    permalink: str | None = Field(default=None, max_length=1000)


class StatusUpdate(SQLModel, table=True):
    """A status update posted by a responder."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    text: str = Field(sa_type=Text)
    author: str = Field(max_length=32)
    posted_at: datetime | None = _ts()
    status: Status = Field(sa_type=StrEnumType(Status))
    severity: Severity = Field(sa_type=StrEnumType(Severity))
    message_ts: str | None = Field(default=None, max_length=32)


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
    created_at: datetime | None = _ts()
    claimed_until: datetime | None = _ts()
    sent_at: datetime | None = _ts(index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)


class ActionItem(SQLModel, table=True):
    """Follow-up work from an incident, with an owner and a due date."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    text: str = Field(sa_type=Text)
    owner: str | None = Field(default=None, max_length=32, index=True)
    due_on: date | None = None
    created_by: str = Field(max_length=32)
    created_at: datetime | None = _ts()
    done_at: datetime | None = _ts(index=True)
    done_by: str | None = Field(default=None, max_length=32)


class Postmortem(SQLModel, table=True):
    """The postmortem document drafted on close, as rendered and shared."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", unique=True)
    markdown: str = Field(sa_type=Text)
    rendered_at: datetime | None = _ts()


class SideEffectFailure(SQLModel, table=True):
    """A Slack step that still failed after its retries; kept for audit and repair."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    step: str = Field(max_length=64)
    error: str = Field(max_length=500)
    occurred_at: datetime | None = _ts()


class Counter(SQLModel, table=True):
    """A named number handed out atomically (incident numbers)."""

    name: str = Field(primary_key=True, max_length=32)
    value: int = 0


class ProcessedEvent(SQLModel, table=True):
    """An Events API delivery already handled; Slack re-sends on retry."""

    event_id: str = Field(primary_key=True, max_length=64)
    # Indexed so pruning old claims finds them without scanning the whole table.
    received_at: datetime | None = _ts(index=True)


class WebhookDelivery(SQLModel, table=True):
    """A webhook body as it arrived, kept for audit; written with the alerts it carried."""

    id: int | None = Field(default=None, primary_key=True)
    source: AlertSource = Field(sa_type=StrEnumType(AlertSource))
    received_at: datetime | None = _ts(index=True)
    body: str = Field(sa_type=Text)
    alert_count: int = 0


class AlertGroup(SQLModel, table=True):
    """Alerts that belong in one incident; a source's group gets a new episode on re-fire."""

    __table_args__ = (UniqueConstraint("source", "group_key", "episode"),)

    id: int | None = Field(default=None, primary_key=True)
    source: AlertSource = Field(sa_type=StrEnumType(AlertSource))
    group_key: str = Field(max_length=255)
    episode: int = 1
    title: str = Field(max_length=200)
    severity: Severity = Field(sa_type=StrEnumType(Severity))
    service: str = Field(default="", max_length=100)
    action: RouteAction = Field(sa_type=StrEnumType(RouteAction))
    rule: str = Field(default="", max_length=100)
    runbook: str = Field(default="", max_length=1000)
    page: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    on_refire: Refire = Field(sa_type=StrEnumType(Refire))
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    created_at: datetime | None = _ts()
    updated_at: datetime | None = _ts()
    # The offer: a message with a Declare incident button, edited in place.
    offer_channel_id: str | None = Field(default=None, max_length=80)
    offer_thread_ts: str | None = Field(default=None, max_length=32)
    offer_ts: str | None = Field(default=None, max_length=32)
    offer_dirty: bool = Field(default=False, index=True)
    offer_attempts: int = 0
    # Held while one process posts or edits the offer, so two never post it twice.
    offer_claimed_until: datetime | None = _ts()
    # When every alert had resolved (cleared when one fires again), and the notice posted then.
    all_resolved_at: datetime | None = _ts()
    resolved_notice_ts: str | None = Field(default=None, max_length=32)


class Alert(SQLModel, table=True):
    """One alert instance; a source's key that fires again after resolving is a new instance."""

    __table_args__ = (UniqueConstraint("source", "key", "instance"),)

    id: int | None = Field(default=None, primary_key=True)
    source: AlertSource = Field(sa_type=StrEnumType(AlertSource))
    key: str = Field(max_length=255)
    instance: int = 1
    group_id: int = Field(foreign_key="alertgroup.id", index=True)
    state: AlertState = Field(sa_type=StrEnumType(AlertState))
    title: str = Field(max_length=200)
    severity: str = Field(default="", max_length=32)
    service: str = Field(default="", max_length=100)
    summary: str = Field(default="", sa_type=Text)
    labels: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    link: str = Field(default="", max_length=1000)
    starts_at: datetime | None = _ts()
    ends_at: datetime | None = _ts()
    first_seen_at: datetime | None = _ts()
    last_seen_at: datetime | None = _ts()
    resolved_at: datetime | None = _ts()
    repeats: int = 0


class Page(SQLModel, table=True):
    """A responder (a user or a user group) paged for an incident, by DM, until acknowledged."""

    __table_args__ = (UniqueConstraint("incident_id", "target"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    target: str = Field(max_length=32)
    created_at: datetime | None = _ts()
    claimed_until: datetime | None = _ts()
    sent_at: datetime | None = _ts(index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    # Where the DMs went, as [channel, ts] pairs, so an acknowledgement can edit them all.
    messages: list[list[str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    acknowledged_at: datetime | None = _ts()
    acknowledged_by: str | None = Field(default=None, max_length=32)
