"""Status page subscribers, their sign-ups, webhook subscribers and the link key. Session
first, keyword arguments after."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, update
from sqlmodel import Session, col, select

from storage.database import affected_rows
from storage.models.statuspage import Maintenance, PublicIncident, PublicUpdate
from storage.models.statuspage_subscribers import (
    StatusLinkKey,
    StatusSignup,
    StatusSubscriber,
    StatusWebhook,
)

# -- e-mail subscribers -----------------------------------------------------------------------


def get_subscriber(session: Session, *, subscriber_id: int) -> StatusSubscriber | None:
    """The subscriber with this id, if any."""
    return session.get(StatusSubscriber, subscriber_id)


def get_subscriber_by_email(session: Session, *, email: str) -> StatusSubscriber | None:
    """The subscriber with this (lower-cased) address, locked for the transaction."""
    query = select(StatusSubscriber).where(StatusSubscriber.email == email).with_for_update()
    return session.exec(query).first()


def add_subscriber(session: Session, *, subscriber: StatusSubscriber) -> StatusSubscriber:
    """Store a new subscriber and give it its id."""
    session.add(subscriber)
    session.flush()
    return subscriber


def confirm_subscriber(
    session: Session, *, subscriber_id: int, nonce: str, components: Sequence[str], now: datetime
) -> bool:
    """Confirm a pending or confirmed subscription with this nonce (the components its link
    carries); False when it is unsubscribed or the nonce is another subscription's."""
    values = {
        "components": list(components),
        "confirmed_at": func.coalesce(col(StatusSubscriber.confirmed_at), now),
    }
    statement = (
        update(StatusSubscriber)
        .where(
            col(StatusSubscriber.id) == subscriber_id,
            col(StatusSubscriber.nonce) == nonce,
            col(StatusSubscriber.unsubscribed_at).is_(None),
        )
        .values(**values)
    )
    return affected_rows(session, statement) == 1


def unsubscribe_subscriber(session: Session, *, subscriber_id: int, now: datetime) -> bool:
    """Mark the subscriber unsubscribed; False when it already was, or does not exist."""
    statement = (
        update(StatusSubscriber)
        .where(
            col(StatusSubscriber.id) == subscriber_id,
            col(StatusSubscriber.unsubscribed_at).is_(None),
        )
        .values(unsubscribed_at=now)
    )
    return affected_rows(session, statement) == 1


def list_recipients(session: Session) -> Sequence[tuple[int, list[str]]]:
    """(id, components) of every confirmed subscriber still subscribed, by id."""
    query = (
        select(StatusSubscriber.id, StatusSubscriber.components)
        .where(
            col(StatusSubscriber.confirmed_at).is_not(None),
            col(StatusSubscriber.unsubscribed_at).is_(None),
        )
        .order_by(col(StatusSubscriber.id))
    )
    return [(int(i), list(c or [])) for i, c in session.exec(query).all() if i is not None]


def count_subscribers(session: Session) -> dict[str, int]:
    """How many subscribers are pending, confirmed and unsubscribed."""
    rows = session.exec(
        select(StatusSubscriber.confirmed_at, StatusSubscriber.unsubscribed_at)
    ).all()
    counts = {"pending": 0, "confirmed": 0, "unsubscribed": 0}
    for confirmed_at, unsubscribed_at in rows:
        state = "unsubscribed" if unsubscribed_at else "confirmed" if confirmed_at else "pending"
        counts[state] += 1
    return counts


# -- sign-ups (rate limits) -------------------------------------------------------------------


def add_signup(session: Session, *, ip: str, email: str, mailed: bool, at: datetime) -> int:
    """Record one accepted sign-up request; its id."""
    signup = StatusSignup(ip=ip, email=email, mailed=mailed, at=at)
    session.add(signup)
    session.flush()
    assert signup.id is not None
    return signup.id


def count_signups_from(session: Session, *, ip: str, since: datetime) -> int:
    """Sign-ups accepted from this client since `since`."""
    query = select(func.count()).where(StatusSignup.ip == ip, col(StatusSignup.at) >= since)
    return int(session.exec(query).one())


def count_mails_to(session: Session, *, email: str, since: datetime) -> int:
    """Confirmation mails sent to this address since `since`."""
    query = select(func.count()).where(
        StatusSignup.email == email,
        col(StatusSignup.mailed).is_(True),
        col(StatusSignup.at) >= since,
    )
    return int(session.exec(query).one())


def delete_signups_before(session: Session, *, before: datetime) -> int:
    """Forget sign-ups older than `before` (no limit looks that far back); how many."""
    return affected_rows(session, delete(StatusSignup).where(col(StatusSignup.at) < before))


# -- webhook subscribers ----------------------------------------------------------------------


def add_webhook(session: Session, *, webhook: StatusWebhook) -> StatusWebhook:
    """Store a webhook subscriber and give it its id."""
    session.add(webhook)
    session.flush()
    return webhook


def get_webhook(session: Session, *, webhook_id: int) -> StatusWebhook | None:
    """The webhook subscriber with this id, if any."""
    return session.get(StatusWebhook, webhook_id)


def list_webhooks(session: Session, *, active_only: bool = False) -> Sequence[StatusWebhook]:
    """Webhook subscribers by id; only those not disabled with `active_only`."""
    query = select(StatusWebhook).order_by(col(StatusWebhook.id))
    if active_only:
        query = query.where(col(StatusWebhook.disabled_at).is_(None))
    return session.exec(query).all()


def delete_webhook(session: Session, *, webhook_id: int) -> bool:
    """Remove a webhook subscriber; False when there was none."""
    return (
        affected_rows(session, delete(StatusWebhook).where(col(StatusWebhook.id) == webhook_id))
        == 1
    )


def record_webhook_success(session: Session, *, webhook_id: int, now: datetime) -> None:
    """A delivery succeeded: the count of failures in a row starts again."""
    statement = (
        update(StatusWebhook)
        .where(col(StatusWebhook.id) == webhook_id)
        .values(failures=0, last_success_at=now)
    )
    session.execute(statement)


def record_webhook_failure(
    session: Session, *, webhook_id: int, error: str, now: datetime, disable_after: int
) -> StatusWebhook | None:
    """A delivery was refused for good: count it, and disable the webhook at `disable_after`
    failures in a row; the webhook as it is now."""
    webhook = session.exec(
        select(StatusWebhook).where(StatusWebhook.id == webhook_id).with_for_update()
    ).first()
    if webhook is None:
        return None
    webhook.failures += 1
    webhook.last_error, webhook.last_error_at = error[:300], now
    if webhook.failures >= disable_after and webhook.disabled_at is None:
        webhook.disabled_at = now
    session.add(webhook)
    session.flush()
    return webhook


# -- the link key -----------------------------------------------------------------------------


def get_link_key(session: Session, *, name: str) -> str | None:
    """The stored secret called `name`, if made."""
    row = session.get(StatusLinkKey, name)
    return None if row is None else row.value


def add_link_key(session: Session, *, name: str, value: str, now: datetime) -> None:
    """Store the secret called `name`."""
    session.execute(insert(StatusLinkKey).values(name=name, value=value, created_at=now))


# -- what the mails tell (the status page's own rows, read by id) -----------------------------


def get_public_update(
    session: Session, *, update_id: int
) -> tuple[PublicUpdate, PublicIncident] | None:
    """A public update and its public incident, if the update exists."""
    update_row = session.get(PublicUpdate, update_id)
    if update_row is None:
        return None
    incident = session.get(PublicIncident, update_row.public_incident_id)
    return None if incident is None else (update_row, incident)


def get_maintenance(session: Session, *, maintenance_id: int) -> Maintenance | None:
    """A scheduled maintenance, if it exists."""
    return session.get(Maintenance, maintenance_id)
