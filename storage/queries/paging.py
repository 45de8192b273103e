"""Escalations, their steps and notifications, acknowledgements, contact methods. Session first,
keyword arguments after."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import (
    ContactMethods,
    Escalation,
    EscalationStep,
    Notification,
    PageAcknowledgement,
)

PENDING, SENT, FAILED, CANCELLED = "pending", "sent", "failed", "cancelled"


def lock_escalation(session: Session, *, escalation_id: int) -> Escalation | None:
    """The escalation, locked until the transaction ends (PostgreSQL; SQLite's write
    transaction is the lock): two processes never move one page at once."""
    query = select(Escalation).where(Escalation.id == escalation_id).with_for_update()
    return session.exec(query).first()


def list_escalations(
    session: Session, *, incident_id: int, states: Sequence[str] | None = None
) -> Sequence[Escalation]:
    """An incident's escalations (in these states), oldest first."""
    query = select(Escalation).where(Escalation.incident_id == incident_id)
    if states is not None:
        query = query.where(col(Escalation.state).in_(list(states)))
    return session.exec(query.order_by(col(Escalation.id))).all()


def has_step(session: Session, *, escalation_id: int, level: int, loop: int) -> bool:
    """Whether this level of this loop was paged already."""
    query = select(EscalationStep.id).where(
        EscalationStep.escalation_id == escalation_id,
        EscalationStep.level == level,
        EscalationStep.loop == loop,
    )
    return session.exec(query).first() is not None


def list_steps(session: Session, *, escalation_id: int) -> Sequence[EscalationStep]:
    """The levels an escalation paged, in order."""
    query = select(EscalationStep).where(EscalationStep.escalation_id == escalation_id)
    return session.exec(query.order_by(col(EscalationStep.id))).all()


def list_notifications(
    session: Session,
    *,
    escalation_id: int | None = None,
    incident_id: int | None = None,
    method: str | None = None,
) -> Sequence[Notification]:
    """Notifications of an escalation or of an incident (of one method), oldest first."""
    query = select(Notification)
    if escalation_id is not None:
        query = query.where(Notification.escalation_id == escalation_id)
    if incident_id is not None:
        query = query.where(Notification.incident_id == incident_id)
    if method is not None:
        query = query.where(Notification.method == method)
    return session.exec(query.order_by(col(Notification.id))).all()


def cancel_pending(session: Session, *, escalation_id: int, now: datetime, why: str) -> int:
    """Cancel an escalation's notifications not yet sent; how many."""
    statement = (
        update(Notification)
        .where(
            col(Notification.escalation_id) == escalation_id,
            col(Notification.state) == PENDING,
        )
        .values(state=CANCELLED, detail=why, sent_at=None)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


def get_acknowledgement(
    session: Session, *, escalation_id: int, user: str
) -> PageAcknowledgement | None:
    """This person's acknowledgement of this page, if any."""
    query = select(PageAcknowledgement).where(
        PageAcknowledgement.escalation_id == escalation_id, PageAcknowledgement.user == user
    )
    return session.exec(query).first()


def list_acknowledgements(session: Session, *, escalation_id: int) -> Sequence[PageAcknowledgement]:
    """Who acknowledged a page, first first."""
    query = select(PageAcknowledgement).where(PageAcknowledgement.escalation_id == escalation_id)
    return session.exec(query.order_by(col(PageAcknowledgement.id))).all()


def get_contact(session: Session, *, user: str) -> ContactMethods | None:
    """A person's own contact methods, if they set any."""
    return session.get(ContactMethods, user)


def find_contact_by_phone(session: Session, *, phone: str) -> ContactMethods | None:
    """Whose own contact methods name this number."""
    return session.exec(select(ContactMethods).where(ContactMethods.phone == phone)).first()


def list_texted_escalations(session: Session, *, phone: str) -> Sequence[Escalation]:
    """Pages still climbing (or exhausted) that sent an SMS to this number, newest first."""
    texted = select(Notification.escalation_id).where(
        Notification.method == "sms", Notification.address == phone
    )
    query = select(Escalation).where(
        col(Escalation.id).in_(texted), col(Escalation.state).in_(["active", "exhausted"])
    )
    return session.exec(query.order_by(col(Escalation.id).desc())).all()
