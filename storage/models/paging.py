"""Paging tables: escalations climbing a policy's levels, each level's step, every notification
with its delivery result, acknowledgements, and people's own contact methods.

An escalation keeps a copy of the levels it was started with, so editing `warroom.yml` never
changes a page already climbing. Every row keeps its times: time to acknowledge per responder,
pages per person and off-hours pages are computed from them.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.columns import json_dict, json_list, utc_column


class Escalation(SQLModel, table=True):
    """One page of an incident climbing levels until somebody acknowledges it. Its id is the
    page code a responder replies with by SMS (`ack 42`)."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    policy: str = Field(default="", max_length=64)  # empty: targets paged directly
    levels: list[dict[str, Any]] = json_list()  # [{"targets": [...], "timeout": seconds|None}]
    repeat: int = 0
    level: int = -1  # the level paged last; -1 before the first
    loop: int = 0
    state: str = Field(max_length=16, index=True)  # waiting, active, acknowledged, exhausted, ended
    reason: str = Field(default="", max_length=200)
    message: str = Field(default="", max_length=1000)
    condition: dict[str, Any] = json_dict()  # a waiting page's: {"severity": "sev2"}
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime | None = utc_column()
    next_at: datetime | None = utc_column()  # when the current level times out (or a wait ends)
    acknowledged_at: datetime | None = utc_column()
    acknowledged_by: str | None = Field(default=None, max_length=32)
    ended_at: datetime | None = utc_column()


class EscalationStep(SQLModel, table=True):
    """One level of an escalation paged once: who it reached, or that nobody was on call. One
    row per level and loop, so no level is paged twice whatever the number of processes."""

    __table_args__ = (UniqueConstraint("escalation_id", "level", "loop"),)

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    level: int
    loop: int
    targets: list[str] = json_list()
    people: list[str] = json_list()  # who the targets named at that instant
    outcome: str = Field(max_length=16)  # paged, no_responder
    at: datetime | None = utc_column()


class Notification(SQLModel, table=True):
    """One attempt to reach one person (or a group, or a channel) by one method, due at a time:
    pending until sent, failed or cancelled by an acknowledgement."""

    __table_args__ = (UniqueConstraint("escalation_id", "level", "loop", "target", "method"),)

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id", index=True)
    incident_id: int | None = Field(default=None, index=True)
    target: str = Field(max_length=100, index=True)  # U…, S… (a group), channel:<name>
    method: str = Field(max_length=8)  # slack, sms, voice, email
    purpose: str = Field(default="page", max_length=8)  # page, test
    level: int = 0
    loop: int = 0
    address: str = Field(default="", max_length=254)  # the number or e-mail it went to
    state: str = Field(max_length=16, index=True)  # pending, sent, failed, cancelled
    due_at: datetime | None = utc_column()
    sent_at: datetime | None = utc_column()
    provider_id: str = Field(default="", max_length=100)
    detail: str = Field(default="", max_length=300)
    messages: list[list[str]] = json_list()  # Slack: [channel, ts] of each DM
    created_at: datetime | None = utc_column()


class PageAcknowledgement(SQLModel, table=True):
    """Someone acknowledged a page, and how (slack, command, sms, voice). Several may; the
    first counts for time to acknowledge."""

    __table_args__ = (UniqueConstraint("escalation_id", "user"),)

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    incident_id: int = Field(index=True)
    user: str = Field(max_length=32)
    via: str = Field(max_length=16)
    at: datetime | None = utc_column()


class ContactMethods(SQLModel, table=True):
    """A person's own contact methods and notification rules, set with `/oncall contact`:
    these win over `warroom.yml`'s `people:`."""

    user: str = Field(primary_key=True, max_length=32)
    phone: str | None = Field(default=None, max_length=20, index=True)
    email: str | None = Field(default=None, max_length=254)
    rules: list[dict[str, Any]] = json_list()  # [{"method": "sms", "after": seconds}]
    updated_at: datetime | None = utc_column()
    updated_by: str = Field(default="", max_length=32)
