"""Status page tables: every change of a component's state, public incidents and their updates
(written by people, never copied from an incident's channel), and scheduled maintenance.

A component's state now is its newest `ComponentState` row (operational when it has none); the
rows together are the history the uptime bars are drawn from. A public incident is linked to at
most one internal incident, and an internal incident has at most one public incident.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from storage.models.columns import json_dict, json_list, utc_column


class ComponentState(SQLModel, table=True):
    """A component entered `status` at `at`, because of an update or a maintenance."""

    # The uptime bars read one component's rows over a span of time.
    __table_args__ = (Index("ix_componentstate_component_at", "component", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    component: str = Field(max_length=100)
    status: str = Field(max_length=32)
    at: datetime | None = utc_column()
    update_id: int | None = Field(default=None, foreign_key="publicupdate.id")
    maintenance_id: int | None = Field(default=None, foreign_key="maintenance.id")


class PublicIncident(SQLModel, table=True):
    """An incident as the status page shows it. `components` holds the state each affected
    component was last given by this incident's updates; while the incident is open, those
    not operational are held in that state."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", unique=True)
    title: str = Field(max_length=200)
    status: str = Field(max_length=32, index=True)
    impact: str = Field(max_length=32)
    components: dict[str, Any] = json_dict()
    created_by: str = Field(max_length=100)
    created_at: datetime | None = utc_column(index=True)
    updated_at: datetime | None = utc_column()
    identified_at: datetime | None = utc_column()
    monitoring_at: datetime | None = utc_column()
    resolved_at: datetime | None = utc_column()


class PublicUpdate(SQLModel, table=True):
    """One publication: the incident's status and message, and the component states it set."""

    id: int | None = Field(default=None, primary_key=True)
    public_incident_id: int = Field(foreign_key="publicincident.id", index=True)
    status: str = Field(max_length=32)
    message: str = Field(sa_type=Text)
    components: dict[str, Any] = json_dict()
    created_by: str = Field(max_length=100)
    created_at: datetime | None = utc_column()


class Maintenance(SQLModel, table=True):
    """Scheduled maintenance: its components are under maintenance from `starts_at` to
    `ends_at`, started and completed by the scheduler's tick."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    body: str = Field(default="", sa_type=Text)
    components: list[str] = json_list()
    status: str = Field(max_length=32, index=True)  # scheduled, in_progress, completed
    starts_at: datetime | None = utc_column(index=True)
    ends_at: datetime | None = utc_column()
    started_at: datetime | None = utc_column()
    completed_at: datetime | None = utc_column()
    created_by: str = Field(max_length=100)
    created_at: datetime | None = utc_column()
    updated_at: datetime | None = utc_column()
