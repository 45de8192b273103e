"""On-call rosters, overrides, feed tokens. Session first, keyword arguments after."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, or_, text, update
from sqlmodel import Session, col, select

from storage.database import affected_rows
from storage.models import OncallFeedToken, OncallOverride, OncallRoster, Person


def lock_rosters(session: Session) -> None:
    """Make concurrent roster writers take turns until this transaction ends (PostgreSQL; a
    SQLite write transaction holds the one write lock already). The unique key cannot do it
    alone: a first version's `effective_from` is NULL, and NULLs never collide."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE oncallroster IN SHARE ROW EXCLUSIVE MODE"))


def list_rosters(
    session: Session, *, schedule: str | None = None, schedules: Sequence[str] | None = None
) -> list[OncallRoster]:
    """Roster versions (of one schedule, of some, or all), per layer oldest first."""
    query = select(OncallRoster)
    if schedule is not None:
        query = query.where(OncallRoster.schedule == schedule)
    if schedules is not None:
        query = query.where(col(OncallRoster.schedule).in_(list(schedules)))
    query = query.order_by(
        col(OncallRoster.schedule),
        col(OncallRoster.layer),
        col(OncallRoster.effective_from).is_not(None),
        col(OncallRoster.effective_from),
        col(OncallRoster.id),
    )
    return list(session.exec(query))


def change_marker(session: Session) -> tuple[Any, ...]:
    """Values that differ whenever a roster version or an override is stored, replaced or
    removed, by any process: compared with an earlier read, never interpreted. One query.

    Overrides are only ever added and marked removed (never un-removed or deleted): the count,
    the highest id and the count of removed ones tell every change. Roster versions are added,
    and pending ones deleted and replaced; a replacement may reuse the deleted row's id on
    SQLite, so the newest `recorded_at` (the replacing process's clock) is part of it too: only
    a replacement reusing the id and recorded at the very microsecond of the version it
    replaced would go unseen (PostgreSQL never reuses an id)."""
    return tuple(session.execute(_CHANGE_MARKER).one())


def _change_marker() -> Select[Any]:
    # Built once: read on every schedule read, and building it costs more than running it.
    rosters, overrides = OncallRoster, OncallOverride
    parts: list[Select[Any]] = [
        select(func.count()).select_from(rosters),
        select(func.max(col(rosters.id))),
        select(func.max(col(rosters.recorded_at))),
        select(func.count()).select_from(overrides),
        select(func.max(col(overrides.id))),
        select(func.count(col(overrides.removed_at))),
    ]
    return select(*(part.scalar_subquery() for part in parts))


_CHANGE_MARKER = _change_marker()


def add_roster(
    session: Session,
    *,
    schedule: str,
    layer: str,
    users: Sequence[str],
    rotation: dict[str, Any],
    effective_from: datetime | None,
    now: datetime,
) -> OncallRoster:
    """Store a roster version."""
    roster = OncallRoster(
        schedule=schedule,
        layer=layer,
        users=list(users),
        rotation=rotation,
        effective_from=effective_from,
        recorded_at=now,
    )
    session.add(roster)
    session.flush()
    return roster


def delete_rosters_after(session: Session, *, schedule: str, layer: str, after: datetime) -> int:
    """Forget the versions of a layer that are not in force yet; how many."""
    statement = delete(OncallRoster).where(
        col(OncallRoster.schedule) == schedule,
        col(OncallRoster.layer) == layer,
        col(OncallRoster.effective_from) > after,
    )
    return affected_rows(session, statement)


def list_overrides(
    session: Session,
    *,
    schedule: str | None = None,
    schedules: Sequence[str] | None = None,
    ending_after: datetime | None = None,
    starting_before: datetime | None = None,
    with_past: bool = False,
) -> list[OncallOverride]:
    """Overrides not removed, by start; optionally of one schedule (or some) and meeting a
    period. `with_past`: removed ones too when they had begun (they held until removed)."""
    in_force: ColumnElement[bool] = col(OncallOverride.removed_at).is_(None)
    if with_past:
        in_force = or_(in_force, col(OncallOverride.removed_at) > col(OncallOverride.start_at))
    query = select(OncallOverride).where(in_force)
    if schedule is not None:
        query = query.where(OncallOverride.schedule == schedule)
    if schedules is not None:
        query = query.where(col(OncallOverride.schedule).in_(list(schedules)))
    if ending_after is not None:
        query = query.where(col(OncallOverride.end_at) > ending_after)
    if starting_before is not None:
        query = query.where(col(OncallOverride.start_at) < starting_before)
    return list(session.exec(query.order_by(col(OncallOverride.start_at), col(OncallOverride.id))))


def add_override(
    session: Session,
    *,
    schedule: str,
    layer: str,
    user: str,
    start: datetime,
    end: datetime,
    by: str,
    now: datetime,
) -> OncallOverride:
    """Store an override."""
    override = OncallOverride(
        schedule=schedule,
        layer=layer,
        user=user,
        start_at=start,
        end_at=end,
        created_by=by,
        created_at=now,
    )
    session.add(override)
    session.flush()
    return override


def remove_override(session: Session, *, override_id: int, by: str, now: datetime) -> bool:
    """Mark an override removed; False when there is none or it was removed already. One
    conditional UPDATE, so of two removals at once (a double click) exactly one succeeds."""
    statement = (
        update(OncallOverride)
        .where(col(OncallOverride.id) == override_id, col(OncallOverride.removed_at).is_(None))
        .values(removed_at=now, removed_by=by)
    )
    return affected_rows(session, statement) == 1


def get_feed_token(session: Session, *, feed: str) -> OncallFeedToken | None:
    """The token of a calendar feed, if one was made."""
    return session.exec(select(OncallFeedToken).where(OncallFeedToken.feed == feed)).first()


def add_feed_token(session: Session, *, feed: str, token: str, now: datetime) -> None:
    """Store a feed's token."""
    session.add(OncallFeedToken(feed=feed, token=token, created_at=now))
    session.flush()


def map_emails(session: Session, *, emails: Sequence[str]) -> dict[str, str]:
    """The user id of each e-mail the people directory knows (case-insensitive), by e-mail."""
    if not emails:
        return {}
    wanted = {email.lower(): email for email in emails}
    query = select(Person).where(
        func.lower(col(Person.email)).in_(list(wanted)), col(Person.deleted).is_(False)
    )
    return {
        wanted[person.email.lower()]: person.id
        for person in session.exec(query)
        if person.email and person.email.lower() in wanted
    }
