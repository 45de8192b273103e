"""Deleting rows kept only for a while. Session first, keyword arguments after."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.database import affected_rows
from storage.models import ProcessedEvent, WebhookDelivery


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


def delete_event_claims(session: Session, *, received_before: datetime, limit: int) -> int:
    """Delete up to `limit` of the oldest Events API claims made before a time; how many went."""
    return _delete_oldest(
        session,
        ProcessedEvent,
        col(ProcessedEvent.event_id),
        col(ProcessedEvent.received_at),
        received_before=received_before,
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
) -> int:
    oldest = (
        select(key)
        .where(received_at < received_before)
        # By the indexed time, so a table with nothing to prune costs one index probe.
        .order_by(received_at)
        .limit(limit)
        # PostgreSQL: rows another process is pruning right now are left to it, not waited
        # for. SQLite has one writer at a time and ignores the clause.
        .with_for_update(skip_locked=True)
    )
    # A row another process deleted first simply is not counted: pruning twice is harmless.
    return affected_rows(session, delete(model).where(key.in_(oldest.scalar_subquery())))
