"""Queries of the inbox and the outbox. Session first, keyword arguments after.

They are SQLAlchemy Core statements on the two tables, not ORM queries: they run several times
for every request and every effect, and what they hand back is plain values (a claim is never
an object the session would flush again at the commit).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, exists, func, insert, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session

from storage.models import Effect, InboxItem

PENDING, DONE, FAILED = "pending", "done", "failed"
EFFECTS: Table = Effect.__table__  # type: ignore[attr-defined]
INBOX: Table = InboxItem.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ClaimedEffect:
    """An effect this process holds: what its handler needs to carry it out."""

    id: int
    kind: str
    key: str
    stream: str
    payload: dict[str, Any]
    attempts: int  # this try included
    created_at: datetime


@dataclass(frozen=True)
class Outcome:
    """How one attempt at an effect ended: done, failed, or pending again from
    `next_try_at`."""

    effect_id: int
    state: str
    error: str | None = None
    next_try_at: datetime | None = None


@dataclass(frozen=True)
class ClaimedRequest:
    """A stored request this process holds."""

    id: int
    key: str
    kind: str
    payload: dict[str, Any]
    attempts: int  # this try included


def _rowcount(session: Session, statement: Any) -> int:
    return cast(CursorResult[Any], session.execute(statement)).rowcount


# -- the outbox -------------------------------------------------------------------------------


def insert_effects(session: Session, *, rows: Sequence[dict[str, Any]]) -> None:
    """Add effects; one whose key is taken already is the same effect, and is left alone."""
    keys = [row["key"] for row in rows]
    if not keys:
        return
    taken = set(session.execute(select(EFFECTS.c.key).where(EFFECTS.c.key.in_(keys))).scalars())
    fresh = [row for row in rows if row["key"] not in taken]
    # Two rows of one call with the same key: the first one counts.
    unique = list({row["key"]: row for row in reversed(fresh)}.values())[::-1]
    if unique:
        session.execute(insert(EFFECTS), unique)


def _claimable(now: datetime, kinds: Sequence[str]) -> list[Any]:
    """Pending, due, nobody's claim alive, of these kinds, and first of its stream."""
    earlier = EFFECTS.alias("earlier")
    blocked = exists().where(
        earlier.c.stream == EFFECTS.c.stream,
        earlier.c.id < EFFECTS.c.id,
        earlier.c.state == PENDING,
    )
    return [
        EFFECTS.c.state == PENDING,
        EFFECTS.c.kind.in_(list(kinds)),
        EFFECTS.c.next_try_at <= now,
        or_(EFFECTS.c.claimed_until.is_(None), EFFECTS.c.claimed_until < now),
        ~blocked,
    ]


def list_claimable_effects(
    session: Session,
    *,
    now: datetime,
    limit: int,
    kinds: Sequence[str],
    streams: Sequence[str] | None = None,
) -> list[ClaimedEffect]:
    """Pending effects due now that head their stream and nobody holds, oldest first (of
    these `streams` only, if given); locked for this transaction on PostgreSQL, skipping those
    another process is claiming. `attempts` is as stored: `claim_effects` counts the try."""
    query = select(
        EFFECTS.c.id,
        EFFECTS.c.kind,
        EFFECTS.c.key,
        EFFECTS.c.stream,
        EFFECTS.c.payload,
        EFFECTS.c.attempts,
        EFFECTS.c.created_at,
    ).where(*_claimable(now, kinds))
    if streams is not None:
        query = query.where(EFFECTS.c.stream.in_(list(streams)))
    query = query.order_by(EFFECTS.c.id).limit(limit).with_for_update(skip_locked=True)
    return [ClaimedEffect(*row) for row in session.execute(query)]


def claim_effects(
    session: Session, *, effect_ids: Sequence[int], now: datetime, until: datetime
) -> set[int]:
    """Hold these effects until `until` and count the attempt; the ids this call got (not
    those another process got first)."""
    if not effect_ids:
        return set()
    statement = (
        update(EFFECTS)
        .where(
            EFFECTS.c.id.in_(list(effect_ids)),
            EFFECTS.c.state == PENDING,
            or_(EFFECTS.c.claimed_until.is_(None), EFFECTS.c.claimed_until < now),
        )
        .values(claimed_until=until, attempts=EFFECTS.c.attempts + 1)
        .returning(EFFECTS.c.id)
    )
    return set(session.execute(statement).scalars())


def claim_effect(session: Session, *, effect_id: int, now: datetime, until: datetime) -> bool:
    """Hold one effect until `until` and count the attempt; False when another got it first."""
    return effect_id in claim_effects(session, effect_ids=[effect_id], now=now, until=until)


def supersede_effects(
    session: Session, *, stream: str, kind: str, after_id: int, now: datetime
) -> list[dict[str, Any]]:
    """Mark the later pending effects of this kind in this stream done: the one running now
    covers them. Returns their payloads, oldest first, to merge into it."""
    query = (
        select(EFFECTS.c.id, EFFECTS.c.payload)
        .where(
            EFFECTS.c.stream == stream,
            EFFECTS.c.kind == kind,
            EFFECTS.c.state == PENDING,
            EFFECTS.c.id > after_id,
            or_(EFFECTS.c.claimed_until.is_(None), EFFECTS.c.claimed_until < now),
        )
        .order_by(EFFECTS.c.id)
        .with_for_update(skip_locked=True)
    )
    rows = session.execute(query).all()
    if rows:
        session.execute(
            update(EFFECTS)
            .where(EFFECTS.c.id.in_([row.id for row in rows]))
            .values(state=DONE, done_at=now, last_error="superseded")
        )
    return [dict(row.payload) for row in rows]


def replace_effect_payload(session: Session, *, effect_id: int, payload: dict[str, Any]) -> None:
    """Store the payload an effect runs with (the merge of those it superseded)."""
    session.execute(update(EFFECTS).where(EFFECTS.c.id == effect_id).values(payload=payload))


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
    session.execute(update(EFFECTS).where(EFFECTS.c.id == effect_id).values(**values))


def finish_effects(session: Session, *, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Record how several attempts ended, in the caller's transaction."""
    for outcome in outcomes:
        finish_effect(
            session,
            effect_id=outcome.effect_id,
            now=now,
            state=outcome.state,
            error=outcome.error,
            next_try_at=outcome.next_try_at,
        )


def release_effect(session: Session, *, effect_id: int) -> None:
    """Give up this process's claim on a pending effect, so any process may take it now."""
    session.execute(
        update(EFFECTS)
        .where(EFFECTS.c.id == effect_id, EFFECTS.c.state == PENDING)
        .values(claimed_until=None)
    )


def next_effect_due(session: Session, *, kinds: Sequence[str], now: datetime) -> datetime | None:
    """When the soonest pending effect of these kinds that heads its stream and nobody holds
    is due, if any."""
    earlier = EFFECTS.alias("earlier")
    blocked = exists().where(
        earlier.c.stream == EFFECTS.c.stream,
        earlier.c.id < EFFECTS.c.id,
        earlier.c.state == PENDING,
    )
    query = select(func.min(EFFECTS.c.next_try_at)).where(
        EFFECTS.c.state == PENDING,
        EFFECTS.c.kind.in_(list(kinds)),
        or_(EFFECTS.c.claimed_until.is_(None), EFFECTS.c.claimed_until < now),
        ~blocked,
    )
    return cast(datetime | None, session.execute(query).scalar_one())


def count_effects(session: Session, *, state: str = PENDING) -> int:
    """How many effects are in this state."""
    query = select(func.count(EFFECTS.c.id)).where(EFFECTS.c.state == state)
    return int(session.execute(query).scalar_one())


# -- the inbox --------------------------------------------------------------------------------


def insert_inbox_items(
    session: Session, *, items: Sequence[tuple[str, str, dict[str, Any]]], now: datetime
) -> list[bool]:
    """Store requests given as (key, kind, payload); for each, whether it was stored (False:
    one with its key was stored already, a replay, or earlier in the same call)."""
    keys = [key for key, _, _ in items]
    if not keys:
        return []
    taken = set(session.execute(select(INBOX.c.key).where(INBOX.c.key.in_(keys))).scalars())
    stored, rows = [], []
    for key, kind, payload in items:
        fresh = key not in taken
        stored.append(fresh)
        if fresh:
            taken.add(key)
            rows.append(
                {
                    "key": key,
                    "kind": kind,
                    "payload": payload,
                    "received_at": now,
                    "attempts": 0,
                }
            )
    if rows:
        session.execute(insert(INBOX), rows)
    return stored


def insert_inbox_item(
    session: Session, *, key: str, kind: str, payload: dict[str, Any], now: datetime
) -> bool:
    """Store a request; False when one with this key is stored already (a replay)."""
    return insert_inbox_items(session, items=[(key, kind, payload)], now=now)[0]


def list_claimable_inbox(
    session: Session, *, now: datetime, limit: int, kinds: Sequence[str]
) -> list[ClaimedRequest]:
    """Requests not yet carried out that nobody holds, oldest first; `attempts` as stored."""
    query = (
        select(INBOX.c.id, INBOX.c.key, INBOX.c.kind, INBOX.c.payload, INBOX.c.attempts)
        .where(
            INBOX.c.done_at.is_(None),
            INBOX.c.kind.in_(list(kinds)),
            or_(INBOX.c.claimed_until.is_(None), INBOX.c.claimed_until < now),
        )
        .order_by(INBOX.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [ClaimedRequest(*row) for row in session.execute(query)]


def claim_inbox_items(
    session: Session, *, item_ids: Sequence[int], now: datetime, until: datetime
) -> set[int]:
    """Hold these requests until `until` and count the try; the ids this call got."""
    if not item_ids:
        return set()
    statement = (
        update(INBOX)
        .where(
            INBOX.c.id.in_(list(item_ids)),
            INBOX.c.done_at.is_(None),
            or_(INBOX.c.claimed_until.is_(None), INBOX.c.claimed_until < now),
        )
        .values(claimed_until=until, attempts=INBOX.c.attempts + 1)
        .returning(INBOX.c.id)
    )
    return set(session.execute(statement).scalars())


def claim_inbox_item(session: Session, *, item_id: int, now: datetime, until: datetime) -> bool:
    """Hold one request until `until`; False when another worker got it first."""
    return item_id in claim_inbox_items(session, item_ids=[item_id], now=now, until=until)


def complete_inbox_item(
    session: Session, *, item_id: int, now: datetime, error: str | None = None
) -> bool:
    """Mark a request carried out; False when it already was (then nothing must change)."""
    statement = (
        update(INBOX)
        .where(INBOX.c.id == item_id, INBOX.c.done_at.is_(None))
        .values(done_at=now, claimed_until=None, last_error=error)
    )
    return _rowcount(session, statement) == 1


def release_inbox_item(session: Session, *, item_id: int, retry_at: datetime, error: str) -> None:
    """Leave a request for another try from `retry_at` (its claim ends then)."""
    session.execute(
        update(INBOX)
        .where(INBOX.c.id == item_id)
        .values(claimed_until=retry_at, last_error=error[:500])
    )


def count_inbox(session: Session, *, now: datetime | None = None) -> int:
    """How many requests wait to be carried out (with `now`: only those nobody holds, or
    whose holder's claim has lapsed)."""
    query = select(func.count(INBOX.c.id)).where(INBOX.c.done_at.is_(None))
    if now is not None:
        query = query.where(or_(INBOX.c.claimed_until.is_(None), INBOX.c.claimed_until < now))
    return int(session.execute(query).scalar_one())
