"""Queries of the inbox and the outbox. Session first, keyword arguments after."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.database import affected_rows
from storage.models import Effect, InboxItem

PENDING, DONE, FAILED = "pending", "done", "failed"


# -- the outbox -------------------------------------------------------------------------------


def insert_effects(session: Session, *, rows: Sequence[dict[str, Any]]) -> None:
    """Add effects; one whose key is taken already is the same effect, and is left alone."""
    keys = [row["key"] for row in rows]
    if not keys:
        return
    taken = set(session.exec(select(Effect.key).where(col(Effect.key).in_(keys))).all())
    fresh = [row for row in rows if row["key"] not in taken]
    # Two rows of one call with the same key: the first one counts.
    unique = list({row["key"]: row for row in reversed(fresh)}.values())[::-1]
    if unique:
        session.execute(insert(Effect), unique)


def list_claimable_effects(
    session: Session, *, now: datetime, limit: int, kinds: Sequence[str]
) -> Sequence[Effect]:
    """Pending effects due now that head their stream and nobody holds, oldest first; locked
    for this transaction on PostgreSQL, skipping those another process is claiming."""
    earlier = aliased(Effect)
    blocked = (
        select(earlier.id)
        .where(
            earlier.stream == Effect.stream,
            col(earlier.id) < col(Effect.id),
            earlier.state == PENDING,
        )
        .exists()
    )
    query = (
        select(Effect)
        .where(
            col(Effect.state) == PENDING,
            col(Effect.kind).in_(list(kinds)),
            col(Effect.next_try_at) <= now,
            or_(col(Effect.claimed_until).is_(None), col(Effect.claimed_until) < now),
            ~blocked,
        )
        .order_by(col(Effect.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.exec(query).all()


def claim_effect(session: Session, *, effect_id: int, now: datetime, until: datetime) -> bool:
    """Hold one effect until `until` and count the attempt; False when another got it first."""
    statement = (
        update(Effect)
        .where(
            col(Effect.id) == effect_id,
            col(Effect.state) == PENDING,
            or_(col(Effect.claimed_until).is_(None), col(Effect.claimed_until) < now),
        )
        .values(claimed_until=until, attempts=col(Effect.attempts) + 1)
        .execution_options(synchronize_session=False)
    )
    return affected_rows(session, statement) == 1


def supersede_effects(
    session: Session, *, stream: str, kind: str, after_id: int, now: datetime
) -> Sequence[Effect]:
    """Mark the later pending effects of this kind in this stream done: the one running now
    covers them. Returns them, so their payloads can be merged into it."""
    query = select(Effect).where(
        Effect.stream == stream,
        Effect.kind == kind,
        Effect.state == PENDING,
        col(Effect.id) > after_id,
        or_(col(Effect.claimed_until).is_(None), col(Effect.claimed_until) < now),
    )
    rows = session.exec(query.with_for_update(skip_locked=True)).all()
    for row in rows:
        row.state, row.done_at, row.last_error = DONE, now, "superseded"
    return rows


def finish_effect(
    session: Session,
    *,
    effect_id: int,
    now: datetime,
    state: str,
    error: str | None = None,
    next_try_at: datetime | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Record how one attempt ended: done, failed, or pending again from `next_try_at`."""
    values: dict[str, Any] = {"state": state, "claimed_until": None, "last_error": error}
    if state != PENDING:
        values["done_at"] = now
    if next_try_at is not None:
        values["next_try_at"] = next_try_at
    if payload is not None:
        values["payload"] = payload
    session.execute(
        update(Effect)
        .where(col(Effect.id) == effect_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def release_effect(session: Session, *, effect_id: int) -> None:
    """Give up this process's claim on a pending effect, so any process may take it now."""
    session.execute(
        update(Effect)
        .where(col(Effect.id) == effect_id, col(Effect.state) == PENDING)
        .values(claimed_until=None)
        .execution_options(synchronize_session=False)
    )


def next_effect_due(session: Session, *, kinds: Sequence[str], now: datetime) -> datetime | None:
    """When the soonest pending effect of these kinds that heads its stream and nobody holds
    is due, if any."""
    earlier = aliased(Effect)
    blocked = (
        select(earlier.id)
        .where(
            earlier.stream == Effect.stream,
            col(earlier.id) < col(Effect.id),
            earlier.state == PENDING,
        )
        .exists()
    )
    query = select(func.min(Effect.next_try_at)).where(
        col(Effect.state) == PENDING,
        col(Effect.kind).in_(list(kinds)),
        or_(col(Effect.claimed_until).is_(None), col(Effect.claimed_until) < now),
        ~blocked,
    )
    return session.exec(query).one()


def count_effects(session: Session, *, state: str = PENDING) -> int:
    """How many effects are in this state."""
    query = select(func.count(col(Effect.id))).where(Effect.state == state)
    return int(session.exec(query).one())


# -- the inbox --------------------------------------------------------------------------------


def insert_inbox_item(
    session: Session, *, key: str, kind: str, payload: dict[str, Any], now: datetime
) -> int | None:
    """Store a request; None when one with this key is stored already (a replay)."""
    if session.exec(select(InboxItem.id).where(InboxItem.key == key)).first() is not None:
        return None
    item = InboxItem(key=key, kind=kind, payload=payload, received_at=now)
    session.add(item)
    session.flush()
    return item.id


def list_claimable_inbox(
    session: Session, *, now: datetime, limit: int, kinds: Sequence[str]
) -> Sequence[InboxItem]:
    """Requests not yet carried out that nobody holds, oldest first."""
    query = (
        select(InboxItem)
        .where(
            col(InboxItem.done_at).is_(None),
            col(InboxItem.kind).in_(list(kinds)),
            or_(col(InboxItem.claimed_until).is_(None), col(InboxItem.claimed_until) < now),
        )
        .order_by(col(InboxItem.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.exec(query).all()


def claim_inbox_item(session: Session, *, item_id: int, now: datetime, until: datetime) -> bool:
    """Hold one request until `until`; False when another worker got it first."""
    statement = (
        update(InboxItem)
        .where(
            col(InboxItem.id) == item_id,
            col(InboxItem.done_at).is_(None),
            or_(col(InboxItem.claimed_until).is_(None), col(InboxItem.claimed_until) < now),
        )
        .values(claimed_until=until, attempts=col(InboxItem.attempts) + 1)
        .execution_options(synchronize_session=False)
    )
    return affected_rows(session, statement) == 1


def complete_inbox_item(
    session: Session, *, item_id: int, now: datetime, error: str | None = None
) -> bool:
    """Mark a request carried out; False when it already was (then nothing must change)."""
    statement = (
        update(InboxItem)
        .where(col(InboxItem.id) == item_id, col(InboxItem.done_at).is_(None))
        .values(done_at=now, claimed_until=None, last_error=error)
        .execution_options(synchronize_session=False)
    )
    return affected_rows(session, statement) == 1


def release_inbox_item(session: Session, *, item_id: int, retry_at: datetime, error: str) -> None:
    """Leave a request for another try from `retry_at` (its claim ends then)."""
    session.execute(
        update(InboxItem)
        .where(col(InboxItem.id) == item_id)
        .values(claimed_until=retry_at, last_error=error[:500])
        .execution_options(synchronize_session=False)
    )


def count_inbox(session: Session, *, now: datetime | None = None) -> int:
    """How many requests wait to be carried out (with `now`: only those nobody holds, or
    whose holder's claim has lapsed)."""
    query = select(func.count(col(InboxItem.id))).where(col(InboxItem.done_at).is_(None))
    if now is not None:
        query = query.where(
            or_(col(InboxItem.claimed_until).is_(None), col(InboxItem.claimed_until) < now)
        )
    return int(session.exec(query).one())
