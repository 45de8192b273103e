"""Queries of the inbox and the outbox. Session first, keyword arguments after.

They run several times for every request and every effect, so they are SQLAlchemy Core
statements built once, when this module is imported, with bound parameters: building a
statement costs more than running it (an alias alone makes a dozen column objects), and a
statement built once also keeps its cache key. What they hand back is plain values (a claim is
never an object the session would flush again at the commit).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, Table, and_, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session

from storage.models import Effect, InboxItem
from storage.types import UTCDateTime

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
    attempts: int  # as stored by the claim's query: `claim_effects` counts this try
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
    attempts: int  # as stored by the claim's query: `claim_inbox_items` counts this try


# -- the statements, built once ----------------------------------------------------------------

_NOW = bindparam("now", type_=UTCDateTime())
_KINDS: BindParameter[str] = bindparam("kinds", expanding=True)
_IDS: BindParameter[int] = bindparam("ids", expanding=True)
_LIMIT = bindparam("limit", type_=Integer())


def _lapsed(table: Table) -> Any:
    """Nobody holds it: never claimed, or the claim has lapsed."""
    return or_(table.c.claimed_until.is_(None), table.c.claimed_until < _NOW)


_EARLIER = EFFECTS.alias("earlier")
_HEADS_ITS_STREAM = ~exists().where(
    _EARLIER.c.stream == EFFECTS.c.stream,
    _EARLIER.c.id < EFFECTS.c.id,
    _EARLIER.c.state == PENDING,
)
# Pending, of these kinds, nobody's claim alive, first of its stream (due: see the callers).
_WAITING = and_(
    EFFECTS.c.state == PENDING, EFFECTS.c.kind.in_(_KINDS), _lapsed(EFFECTS), _HEADS_ITS_STREAM
)
_CLAIMABLE = (
    select(
        EFFECTS.c.id,
        EFFECTS.c.kind,
        EFFECTS.c.key,
        EFFECTS.c.stream,
        EFFECTS.c.payload,
        EFFECTS.c.attempts,
        EFFECTS.c.created_at,
    )
    .where(_WAITING, EFFECTS.c.next_try_at <= _NOW)
    .order_by(EFFECTS.c.id)
    .limit(_LIMIT)
    .with_for_update(skip_locked=True)
)
_CLAIMABLE_IN_STREAMS = _CLAIMABLE.where(EFFECTS.c.stream.in_(bindparam("streams", expanding=True)))
_CLAIM_EFFECTS = (
    update(EFFECTS)
    .where(EFFECTS.c.id.in_(_IDS), EFFECTS.c.state == PENDING, _lapsed(EFFECTS))
    .values(claimed_until=bindparam("until", type_=UTCDateTime()), attempts=EFFECTS.c.attempts + 1)
    .returning(EFFECTS.c.id)
)
_LATER_OF_KIND = (
    select(EFFECTS.c.id, EFFECTS.c.payload)
    .where(
        EFFECTS.c.stream == bindparam("stream"),
        EFFECTS.c.kind == bindparam("kind"),
        EFFECTS.c.state == PENDING,
        EFFECTS.c.id > bindparam("after_id"),
        _lapsed(EFFECTS),
    )
    .order_by(EFFECTS.c.id)
    .with_for_update(skip_locked=True)
)
_SUPERSEDE = (
    update(EFFECTS)
    .where(EFFECTS.c.id.in_(_IDS))
    .values(state=DONE, done_at=_NOW, last_error="superseded")
)
_THIS_EFFECT = EFFECTS.c.id == bindparam("effect_id")
_OVER = update(EFFECTS).where(_THIS_EFFECT)
_FINISHED = _OVER.values(
    state=bindparam("b_state"), claimed_until=None, last_error=bindparam("b_error"), done_at=_NOW
)
_PENDING_AGAIN = _OVER.values(  # without a time for the next try, it keeps the one it had
    state=PENDING,
    claimed_until=None,
    last_error=bindparam("b_error"),
    next_try_at=func.coalesce(
        bindparam("b_next_try_at", type_=UTCDateTime()), EFFECTS.c.next_try_at
    ),
)
_NEXT_DUE = select(func.min(EFFECTS.c.next_try_at)).where(_WAITING)
_CLAIMABLE_REQUESTS = (
    select(INBOX.c.id, INBOX.c.key, INBOX.c.kind, INBOX.c.payload, INBOX.c.attempts)
    .where(INBOX.c.done_at.is_(None), INBOX.c.kind.in_(_KINDS), _lapsed(INBOX))
    .order_by(INBOX.c.id)
    .limit(_LIMIT)
    .with_for_update(skip_locked=True)
)
_CLAIM_REQUESTS = (
    update(INBOX)
    .where(INBOX.c.id.in_(_IDS), INBOX.c.done_at.is_(None), _lapsed(INBOX))
    .values(claimed_until=bindparam("until", type_=UTCDateTime()), attempts=INBOX.c.attempts + 1)
    .returning(INBOX.c.id)
)
_COMPLETE_REQUEST = (
    update(INBOX)
    .where(INBOX.c.id == bindparam("item_id"), INBOX.c.done_at.is_(None))
    .values(done_at=_NOW, claimed_until=None, last_error=bindparam("b_error"))
)
_TAKEN_EFFECT_KEYS = select(EFFECTS.c.key).where(
    EFFECTS.c.key.in_(bindparam("keys", expanding=True))
)
_TAKEN_REQUEST_KEYS = select(INBOX.c.key).where(INBOX.c.key.in_(bindparam("keys", expanding=True)))


# -- the outbox -------------------------------------------------------------------------------


def insert_effects(session: Session, *, rows: Sequence[dict[str, Any]]) -> None:
    """Add effects; one whose key is taken already is the same effect, and is left alone."""
    keys = [row["key"] for row in rows]
    if not keys:
        return
    taken = set(session.execute(_TAKEN_EFFECT_KEYS, {"keys": keys}).scalars())
    fresh = [row for row in rows if row["key"] not in taken]
    # Two rows of one call with the same key: the first one counts.
    unique = list({row["key"]: row for row in reversed(fresh)}.values())[::-1]
    if unique:
        session.execute(insert(EFFECTS), unique)


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
    another process is claiming."""
    values: dict[str, Any] = {"now": now, "limit": limit, "kinds": list(kinds)}
    query = _CLAIMABLE
    if streams is not None:
        query, values["streams"] = _CLAIMABLE_IN_STREAMS, list(streams)
    return [ClaimedEffect(*row) for row in session.execute(query, values)]


def claim_effects(
    session: Session, *, effect_ids: Sequence[int], now: datetime, until: datetime
) -> set[int]:
    """Hold these effects until `until` and count the attempt; the ids this call got (not
    those another process got first)."""
    if not effect_ids:
        return set()
    values = {"ids": list(effect_ids), "now": now, "until": until}
    return set(session.execute(_CLAIM_EFFECTS, values).scalars())


def claim_effect(session: Session, *, effect_id: int, now: datetime, until: datetime) -> bool:
    """Hold one effect until `until` and count the attempt; False when another got it first."""
    return effect_id in claim_effects(session, effect_ids=[effect_id], now=now, until=until)


def supersede_effects(
    session: Session, *, stream: str, kind: str, after_id: int, now: datetime
) -> list[dict[str, Any]]:
    """Mark the later pending effects of this kind in this stream done: the one running now
    covers them. Returns their payloads, oldest first, to merge into it."""
    values = {"stream": stream, "kind": kind, "after_id": after_id, "now": now}
    rows = session.execute(_LATER_OF_KIND, values).all()
    if rows:
        session.execute(_SUPERSEDE, {"ids": [row.id for row in rows], "now": now})
    return [dict(row.payload) for row in rows]


def replace_effect_payload(session: Session, *, effect_id: int, payload: dict[str, Any]) -> None:
    """Store the payload an effect runs with (the merge of those it superseded)."""
    session.execute(
        update(EFFECTS).where(_THIS_EFFECT).values(payload=payload), {"effect_id": effect_id}
    )


def finish_effect(
    session: Session,
    *,
    effect_id: int,
    now: datetime,
    state: str,
    error: str | None = None,
    next_try_at: datetime | None = None,
) -> None:
    """Record how one attempt ended: done, failed, or pending again from `next_try_at`."""
    finish_effects(session, outcomes=[Outcome(effect_id, state, error, next_try_at)], now=now)


def finish_effects(session: Session, *, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Record how several attempts ended, in the caller's transaction."""
    over = [o for o in outcomes if o.state != PENDING]
    again = [o for o in outcomes if o.state == PENDING]  # to be tried again
    if over:
        session.execute(
            _FINISHED,
            [
                {"effect_id": o.effect_id, "b_state": o.state, "b_error": o.error, "now": now}
                for o in over
            ],
        )
    if again:
        session.execute(
            _PENDING_AGAIN,
            [
                {"effect_id": o.effect_id, "b_error": o.error, "b_next_try_at": o.next_try_at}
                for o in again
            ],
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
    due = session.execute(_NEXT_DUE, {"kinds": list(kinds), "now": now}).scalar_one()
    return cast(datetime | None, due)


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
    taken = set(session.execute(_TAKEN_REQUEST_KEYS, {"keys": keys}).scalars())
    stored, rows = [], []
    for key, kind, payload in items:
        fresh = key not in taken
        stored.append(fresh)
        if fresh:
            taken.add(key)
            rows.append(
                {"key": key, "kind": kind, "payload": payload, "received_at": now, "attempts": 0}
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
    """Requests not yet carried out that nobody holds, oldest first."""
    values = {"now": now, "limit": limit, "kinds": list(kinds)}
    return [ClaimedRequest(*row) for row in session.execute(_CLAIMABLE_REQUESTS, values)]


def claim_inbox_items(
    session: Session, *, item_ids: Sequence[int], now: datetime, until: datetime
) -> set[int]:
    """Hold these requests until `until` and count the try; the ids this call got."""
    if not item_ids:
        return set()
    values = {"ids": list(item_ids), "now": now, "until": until}
    return set(session.execute(_CLAIM_REQUESTS, values).scalars())


def claim_inbox_item(session: Session, *, item_id: int, now: datetime, until: datetime) -> bool:
    """Hold one request until `until`; False when another worker got it first."""
    return item_id in claim_inbox_items(session, item_ids=[item_id], now=now, until=until)


def complete_inbox_item(
    session: Session, *, item_id: int, now: datetime, error: str | None = None
) -> bool:
    """Mark a request carried out; False when it already was (then nothing must change)."""
    values = {"item_id": item_id, "now": now, "b_error": error}
    return cast(CursorResult[Any], session.execute(_COMPLETE_REQUEST, values)).rowcount == 1


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
