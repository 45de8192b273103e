"""On-call: the rosters each layer had over time, overrides, handoffs, iCal feeds' last good
copies and the secret tokens of the calendar feeds Warroom serves.

Schedules themselves are defined in `warroom.yml`; the database keeps what must not be
recomputed (who a layer rotated through before its roster changed, who took a shift over, who
was handed the pager) and what is fetched (the feeds).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.columns import json_dict, json_list, utc_column


class OncallRoster(SQLModel, table=True):
    """One version of a layer's people and rotation, in force from `effective_from` until the
    next version of the same layer. A roster change takes effect at the next handoff, so past
    and current shifts keep the people they had."""

    __table_args__ = (UniqueConstraint("schedule", "layer", "effective_from"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule: str = Field(max_length=64, index=True)
    layer: str = Field(max_length=64)
    users: list[str] = json_list()
    rotation: dict[str, Any] = json_dict()  # the layer's definition as read from warroom.yml
    effective_from: datetime | None = utc_column()
    recorded_at: datetime | None = utc_column()


class OncallOverride(SQLModel, table=True):
    """Someone takes a schedule's shifts (one layer's, or the final one's when `layer` is
    empty) from `start_at` to `end_at`. Removed overrides are kept, marked removed."""

    id: int | None = Field(default=None, primary_key=True)
    schedule: str = Field(max_length=64, index=True)
    layer: str = Field(default="", max_length=64)
    user: str = Field(max_length=32)
    start_at: datetime | None = utc_column(index=True)
    end_at: datetime | None = utc_column(index=True)
    created_by: str = Field(default="", max_length=32)
    created_at: datetime | None = utc_column()
    removed_by: str | None = Field(default=None, max_length=32)
    removed_at: datetime | None = utc_column()


class OncallHandoff(SQLModel, table=True):
    """The pager changing hands in a schedule at `at`: who had it and who has it now. One row
    per schedule and instant, so a handoff is announced once whatever the number of processes."""

    __table_args__ = (UniqueConstraint("schedule", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule: str = Field(max_length=64, index=True)
    at: datetime | None = utc_column(index=True)
    outgoing: list[str] = json_list()
    incoming: list[str] = json_list()
    recorded_at: datetime | None = utc_column()


class OncallFeedCopy(SQLModel, table=True):
    """The last good copy of an iCal layer's feed, and how the latest fetch went."""

    __table_args__ = (UniqueConstraint("schedule", "layer"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule: str = Field(max_length=64)
    layer: str = Field(max_length=64)
    url: str = Field(max_length=2000)
    body: str = Field(default="", sa_type=Text)
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    fetched_at: datetime | None = utc_column()  # when `body` was last taken
    checked_at: datetime | None = utc_column(index=True)  # the latest attempt, good or bad
    error: str | None = Field(default=None, max_length=500)  # the latest attempt's failure
    error_at: datetime | None = utc_column()


class OncallFeedToken(SQLModel, table=True):
    """The secret in the URL of a calendar feed Warroom serves (`schedule:<name>` or
    `user:<id>`)."""

    id: int | None = Field(default=None, primary_key=True)
    feed: str = Field(unique=True, max_length=100)
    token: str = Field(unique=True, max_length=100)
    created_at: datetime | None = utc_column()
