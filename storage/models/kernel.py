"""Tables every feature stands on: the inbox of acknowledged requests, the outbox of side
effects, and named counters."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from storage.models.columns import json_dict, utc_column


class Counter(SQLModel, table=True):
    """A named number handed out atomically (incident numbers)."""

    name: str = Field(primary_key=True, max_length=32)
    value: int = 0


class InboxItem(SQLModel, table=True):
    """A request we acknowledged, stored before the acknowledgement and carried out after it.

    `key` makes a replay or a redelivery of the same request (a slash command's trigger id, a
    form's view id and hash, an event id) a no-op. `claimed_until` lets a worker hold it for a
    while; a worker that dies lets the claim lapse and another takes it.
    """

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=255)
    kind: str = Field(max_length=64)
    payload: dict[str, Any] = json_dict()
    received_at: datetime | None = utc_column(index=True)
    done_at: datetime | None = utc_column(index=True)
    claimed_until: datetime | None = utc_column()
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)


class Effect(SQLModel, table=True):
    """One side effect to carry out after a commit: the outbox.

    `key` is its idempotency key; `stream` orders effects (those of one stream run one at a
    time, oldest first: an incident's channel before its status post); `state` is pending,
    done or failed; a transient failure moves `next_try_at` on with backoff.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64)
    key: str = Field(unique=True, max_length=255)
    stream: str = Field(max_length=128, index=True)
    payload: dict[str, Any] = json_dict()
    state: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    created_at: datetime | None = utc_column()
    next_try_at: datetime | None = utc_column(index=True)
    claimed_until: datetime | None = utc_column()
    done_at: datetime | None = utc_column(index=True)
    last_error: str | None = Field(default=None, max_length=500)
