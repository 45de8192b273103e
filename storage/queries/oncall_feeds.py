"""iCal layers' feed copies: which are due, who fetches them, what came back. Session first,
keyword arguments after."""

from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from storage.database import affected_rows
from storage.models import OncallFeedCopy


def list_feed_copies(session: Session, *, bodies: bool = True) -> list[OncallFeedCopy]:
    """Every feed copy, by schedule and layer; without `bodies`, the copies' text (megabytes,
    maybe) is left unread, for whoever only needs to know how the feeds are doing."""
    query = select(OncallFeedCopy).order_by(col(OncallFeedCopy.schedule), col(OncallFeedCopy.layer))
    if not bodies:
        query = query.options(defer(OncallFeedCopy.body))  # type: ignore[arg-type]
    return list(session.exec(query))


def get_feed_copy(session: Session, *, schedule: str, layer: str) -> OncallFeedCopy | None:
    """The copy of one layer's feed, if it was ever set up."""
    query = select(OncallFeedCopy).where(
        OncallFeedCopy.schedule == schedule, OncallFeedCopy.layer == layer
    )
    return session.exec(query).first()


def get_feed_fetched_at(session: Session, *, schedule: str, layer: str) -> datetime | None:
    """When the copy of one layer's feed in use was taken (None: no copy yet), without
    reading the copy itself."""
    query = select(OncallFeedCopy.fetched_at).where(
        OncallFeedCopy.schedule == schedule, OncallFeedCopy.layer == layer
    )
    return session.exec(query).first()


def add_feed_copy(session: Session, *, schedule: str, layer: str, url: str) -> None:
    """Set up a layer's feed copy, empty and due, unless another process just did."""
    values = {"schedule": schedule, "layer": layer, "url": url, "body": ""}
    dialect = session.get_bind().dialect.name
    insert = postgres_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(OncallFeedCopy).values(**values).on_conflict_do_nothing()
    session.execute(statement)


def move_feed_copy(session: Session, *, copy_id: int, url: str) -> None:
    """The layer's feed moved to `url`: forget the old validators and make it due now. The
    old copy stays in use until the new address gives a good one."""
    statement = (
        update(OncallFeedCopy)
        .where(col(OncallFeedCopy.id) == copy_id)
        .values(url=url, etag=None, last_modified=None, checked_at=None)
    )
    session.execute(statement)


def claim_feed_copy(session: Session, *, copy_id: int, due_before: datetime, now: datetime) -> bool:
    """Take a due copy to fetch: mark it checked now, unless it was checked since
    `due_before` (by another process, say); whether it is ours."""
    statement = (
        update(OncallFeedCopy)
        .where(
            col(OncallFeedCopy.id) == copy_id,
            or_(
                col(OncallFeedCopy.checked_at).is_(None),
                col(OncallFeedCopy.checked_at) <= due_before,
            ),
        )
        .values(checked_at=now)
    )
    return affected_rows(session, statement) == 1


def save_feed_body(
    session: Session,
    *,
    copy_id: int,
    body: str,
    etag: str | None,
    last_modified: str | None,
    now: datetime,
) -> None:
    """A good new copy: keep it, with its validators; the feed is well again."""
    statement = (
        update(OncallFeedCopy)
        .where(col(OncallFeedCopy.id) == copy_id)
        .values(
            body=body,
            etag=etag,
            last_modified=last_modified,
            fetched_at=now,
            checked_at=now,
            error=None,
            error_at=None,
        )
    )
    session.execute(statement)


def save_feed_unchanged(session: Session, *, copy_id: int, now: datetime) -> None:
    """The feed answered that our copy is current: it is well again."""
    statement = (
        update(OncallFeedCopy)
        .where(col(OncallFeedCopy.id) == copy_id)
        .values(checked_at=now, error=None, error_at=None)
    )
    session.execute(statement)


def save_feed_error(session: Session, *, copy_id: int, error: str, now: datetime) -> None:
    """A failed fetch: the copy stays; `error_at` keeps when the failures began."""
    copy = session.get(OncallFeedCopy, copy_id)
    if copy is None:
        return
    copy.error = error[:500]
    copy.error_at = copy.error_at or now
    copy.checked_at = now
    session.add(copy)
