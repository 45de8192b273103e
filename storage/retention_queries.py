"""Deleting rows kept only for a while. Session first, keyword arguments after."""

from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from storage.models import ProcessedEvent, WebhookDelivery


def delete_webhook_deliveries(session: Session, *, received_before: datetime, limit: int) -> int:
    """Delete up to `limit` of the oldest deliveries received before a time; how many went."""
    oldest = (
        select(WebhookDelivery.id)
        .where(col(WebhookDelivery.received_at) < received_before)
        # By the indexed time, so a table with nothing to prune costs one index probe.
        .order_by(col(WebhookDelivery.received_at))
        .limit(limit)
        # PostgreSQL: rows another process is pruning right now are left to it, not waited
        # for. SQLite has one writer at a time and ignores the clause.
        .with_for_update(skip_locked=True)
    )
    statement = delete(WebhookDelivery).where(col(WebhookDelivery.id).in_(oldest.scalar_subquery()))
    return _deleted(session, statement)


def delete_event_claims(session: Session, *, received_before: datetime, limit: int) -> int:
    """Delete up to `limit` of the oldest Events API claims made before a time; how many went."""
    oldest = (
        select(ProcessedEvent.event_id)
        .where(col(ProcessedEvent.received_at) < received_before)
        .order_by(col(ProcessedEvent.received_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = delete(ProcessedEvent).where(
        col(ProcessedEvent.event_id).in_(oldest.scalar_subquery())
    )
    return _deleted(session, statement)


def _deleted(session: Session, statement: Any) -> int:
    # A row another process deleted first simply is not counted: pruning twice is harmless.
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount
