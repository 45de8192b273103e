"""Deleting rows kept only for a while. Session first, keyword arguments after."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.database import affected_rows
from storage.models import Effect, InboxItem, WebhookDelivery


def delete_webhook_deliveries(session: Session, *, received_before: datetime, limit: int) -> int:
    """Delete up to `limit` of the oldest deliveries received before a time; how many went."""
    return _delete_oldest(
        session,
        WebhookDelivery,
        col(WebhookDelivery.id),
        col(WebhookDelivery.received_at),
        received_before=received_before,
        limit=limit,
    )


def delete_inbox_items(session: Session, *, received_before: datetime, limit: int) -> int:
    """Delete up to `limit` of the oldest carried-out requests received before a time (their
    keys stop replays only while they are kept); how many went."""
    return _delete_oldest(
        session,
        InboxItem,
        col(InboxItem.id),
        col(InboxItem.received_at),
        received_before=received_before,
        limit=limit,
        where=col(InboxItem.done_at).is_not(None),
    )


def delete_effects(session: Session, *, done_before: datetime, limit: int) -> int:
    """Delete up to `limit` of the oldest effects finished (done or given up) before a time."""
    return _delete_oldest(
        session,
        Effect,
        col(Effect.id),
        col(Effect.done_at),
        received_before=done_before,
        limit=limit,
    )


def _delete_oldest(
    session: Session,
    model: Any,
    key: Any,
    received_at: Any,
    *,
    received_before: datetime,
    limit: int,
    where: Any = True,
) -> int:
    oldest = (
        select(key)
        .where(received_at < received_before, where)
        # By the indexed time, so a table with nothing to prune costs one index probe.
        .order_by(received_at)
        .limit(limit)
        # PostgreSQL: rows another process is pruning right now are left to it, not waited
        # for. SQLite has one writer at a time and ignores the clause.
        .with_for_update(skip_locked=True)
    )
    # A row another process deleted first simply is not counted: pruning twice is harmless.
    return affected_rows(session, delete(model).where(key.in_(oldest.scalar_subquery())))
