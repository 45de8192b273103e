"""Alert tables: webhook bodies as they arrived, alert groups (episodes) and alert instances."""

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.enums import AlertSource, AlertState, Refire, RouteAction, Severity
from storage.models.columns import json_dict, json_list, utc_column
from storage.types import StrEnumType


class WebhookDelivery(SQLModel, table=True):
    """A webhook body as it arrived, kept for audit; written with the alerts it carried."""

    id: int | None = Field(default=None, primary_key=True)
    source: AlertSource = Field(sa_type=StrEnumType(AlertSource))
    received_at: datetime | None = utc_column(index=True)
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
    page: list[str] = json_list()
    escalation: str | None = Field(default=None, max_length=64)  # a policy, instead of `page`
    on_refire: Refire = Field(sa_type=StrEnumType(Refire))
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    created_at: datetime | None = utc_column()
    updated_at: datetime | None = utc_column()
    # The offer: a message with a Declare incident button, edited in place. Where it goes is
    # decided by the intake (the alert's own Slack thread, or the offer channel).
    offer_channel_id: str | None = Field(default=None, max_length=80)
    offer_thread_ts: str | None = Field(default=None, max_length=32)
    offer_ts: str | None = Field(default=None, max_length=32)
    # When every alert had resolved (cleared when one fires again).
    all_resolved_at: datetime | None = utc_column()


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
    labels: dict[str, str] = json_dict()
    link: str = Field(default="", max_length=1000)
    starts_at: datetime | None = utc_column()
    ends_at: datetime | None = utc_column()
    first_seen_at: datetime | None = utc_column()
    last_seen_at: datetime | None = utc_column()
    resolved_at: datetime | None = utc_column()
    repeats: int = 0
