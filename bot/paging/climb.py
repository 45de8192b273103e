"""Climbing a policy, inside the caller's transaction: page a level, time it out, move on.

Every move is rows and outbox effects written together: a level's step (one per level and
loop), a notification per person and method with its due time, the effect that sends it, and
the delayed effect that times the level out. A crash anywhere leaves either all of it or none;
the timeout effect carries the level and loop it was made for, so a late or repeated one (a
second process, an **Escalate now** meanwhile) finds the page moved on and does nothing.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.incidents.ports import incident_stream
from bot.kernel.outbox import add_effects, new_effect
from bot.kernel.text import mention
from bot.oncall.service import OncallService, UnknownTarget
from bot.paging.contacts import Contacts
from bot.paging.definitions import LevelDef, Method
from bot.paging.rules.durations import format_duration
from bot.paging.rules.steps import next_step, notification_plan
from storage.enums import Status
from storage.models import Escalation, EscalationStep, Incident, Notification
from storage.queries import paging as queries

ADVANCE, NOTIFY, TELL = "paging.advance", "paging.notify", "paging.tell"
WAITING, ACTIVE, ACKNOWLEDGED = "waiting", "active", "acknowledged"
EXHAUSTED, ENDED = "exhausted", "ended"
SCHEDULE = "schedule:"
NOBODY_ON_CALL = "nobody is on call"
DONE = (Status.RESOLVED, Status.CLOSED)

# Adds a timeline event: (session, incident, text, actor, now, mentions).
Record = Callable[[Session, Incident, str, str | None, datetime, Sequence[str]], None]


def levels_of(levels: Sequence[LevelDef]) -> list[dict[str, Any]]:
    """How an escalation keeps its policy's levels: targets, and timeout in seconds."""
    return [
        {"targets": list(level.targets), "timeout": level.timeout.total_seconds() or None}
        for level in levels
    ]


@dataclass
class Climber:
    """Pages levels and moves escalations on, in the caller's transaction."""

    contacts: Contacts
    record: Record
    oncall: OncallService | None = None

    def enter(
        self,
        session: Session,
        escalation: Escalation,
        level: int,
        loop: int,
        now: datetime,
        extra: Sequence[str] = (),
    ) -> None:
        """Page `level` of `loop`; an empty level is recorded as no responder and passed at
        once; past the last level (and its repeats) the escalation is exhausted."""
        incident = session.get(Incident, escalation.incident_id)
        assert incident is not None and escalation.id is not None
        while True:
            if queries.has_step(session, escalation_id=escalation.id, level=level, loop=loop):
                return  # paged already: a repeated move does nothing
            targets = list(dict.fromkeys([*escalation.levels[level]["targets"], *extra]))
            escalation.level, escalation.loop = level, loop
            people = self._people(session, escalation, incident, targets, now)
            session.add(
                EscalationStep(
                    escalation_id=escalation.id,
                    level=level,
                    loop=loop,
                    targets=targets,
                    people=people,
                    outcome="paged" if people else "no_responder",
                    at=now,
                )
            )
            if people:
                self._page(session, escalation, incident, people, now)
                return
            text = f"Page {escalation.id}, {_level_name(escalation)}: no responder"
            self.record(session, incident, text, None, now, [])
            after = next_step(len(escalation.levels), escalation.repeat, level, loop)
            if after is None:
                self.exhaust(session, escalation, incident, now)
                return
            level, loop, extra = after[0], after[1], ()

    def advance(self, session: Session, escalation: Escalation, now: datetime) -> bool:
        """Move a page past its current level (its timeout passed, or Escalate now); False
        when the incident is over and the page ended instead."""
        incident = session.get(Incident, escalation.incident_id)
        if incident is None or incident.status in DONE:
            end(session, escalation, now)
            return False
        after = next_step(
            len(escalation.levels), escalation.repeat, escalation.level, escalation.loop
        )
        if after is None:
            self.exhaust(session, escalation, incident, now)
        else:
            self.enter(session, escalation, after[0], after[1], now)
        return True

    def exhaust(
        self, session: Session, escalation: Escalation, incident: Incident, now: datetime
    ) -> None:
        """Every level (and repeat) passed unacknowledged: say so once, in the channel and the
        digest thread."""
        escalation.state, escalation.next_at = EXHAUSTED, None
        repeats = f", {escalation.repeat + 1} times over" if escalation.repeat else ""
        name = f"policy {escalation.policy}" if escalation.policy else "the page"
        text = (
            f"Nobody acknowledged page {escalation.id} ({name}): every level was paged"
            f"{repeats}. Page someone with /incident page."
        )
        self.record(session, incident, text, None, now, [])
        add_effects(session, [tell_effect(escalation, text, f"exhausted:{escalation.id}", now)])

    def _people(
        self,
        session: Session,
        escalation: Escalation,
        incident: Incident,
        targets: list[str],
        now: datetime,
    ) -> list[str]:
        """Who the targets name now: people, user groups and channels as they are, schedules
        resolved to who is on call (one with nobody is recorded)."""
        people: list[str] = []
        for target in targets:
            if not target.startswith(SCHEDULE):
                people.append(target)
                continue
            on_call, why = self._on_call(session, target, now)
            people += on_call
            if not on_call:
                self._nobody(session, escalation, incident, target, why, now)
        return list(dict.fromkeys(people))

    def _nobody(
        self,
        session: Session,
        escalation: Escalation,
        incident: Incident,
        target: str,
        why: str,
        now: datetime,
    ) -> None:
        """A schedule named nobody: recorded, and said once in the incident's channel."""
        self.record(session, incident, f"Nobody paged for {target}: {why}", None, now, [])
        name = target.removeprefix(SCHEDULE).partition("/")[0]
        because = "" if why == NOBODY_ON_CALL else f" ({why})"
        text = (
            f"Nobody is on call in {target}{because}, so nobody was paged for it. Page someone "
            f"by hand, or cover the gap: /oncall override {name} @person now +8h"
        )
        key = f"nobody:{escalation.id}:{escalation.level}:{escalation.loop}:{target}"
        add_effects(session, [tell_effect(escalation, text, key, now)])

    def _on_call(self, session: Session, target: str, now: datetime) -> tuple[list[str], str]:
        if self.oncall is None:
            return [], "on-call schedules are not set up"
        try:
            return self.oncall.resolve_targets(session, target, now), NOBODY_ON_CALL
        except UnknownTarget as unknown:
            return [], unknown.message

    def _page(
        self,
        session: Session,
        escalation: Escalation,
        incident: Incident,
        people: list[str],
        now: datetime,
    ) -> None:
        """A notification per person and method, each sent by its own effect when due; the
        level's timeout after."""
        assert escalation.id is not None
        rows: list[Notification] = []
        for target in people:
            for method, due, address in self._plan(session, target, now):
                rows.append(
                    Notification(
                        escalation_id=escalation.id,
                        incident_id=escalation.incident_id,
                        target=target,
                        method=method,
                        level=escalation.level,
                        loop=escalation.loop,
                        address=address,
                        state=queries.PENDING,
                        due_at=due,
                        created_at=now,
                    )
                )
        session.add_all(rows)
        session.flush()
        add_effects(session, [notify_effect(row, now) for row in rows])
        timeout = escalation.levels[escalation.level].get("timeout")
        escalation.next_at = now + timedelta(seconds=timeout) if timeout else None
        if escalation.next_at is not None:
            add_effects(session, [advance_effect(escalation, now, escalation.next_at)])
        named = ", ".join(mention(p) for p in people)
        text = f"Page {escalation.id}, {_level_name(escalation)}: paged {named}"
        if escalation.next_at is not None and timeout:
            text += f"; next level in {format_duration(timedelta(seconds=timeout))}"
        self.record(session, incident, text, None, now, [p for p in people if p[:1] in "UWS"])

    def _plan(
        self, session: Session, target: str, now: datetime
    ) -> list[tuple[str, datetime, str]]:
        """(method, due, address) for one target: Slack at once; a person's own rules too."""
        if target[:1] not in ("U", "W"):
            return [(Method.SLACK, now, "")]
        contact = self.contacts.lookup(session, target)
        plan = []
        for method, due in notification_plan(contact, now):
            address = ""
            if contact is not None and method in (Method.SMS, Method.VOICE):
                address = contact.phone or ""
            elif contact is not None and method == Method.EMAIL:
                address = contact.email or ""
            plan.append((str(method), due, address))
        return plan


def end(session: Session, escalation: Escalation, now: datetime) -> None:
    """The incident is over: the page stops, and what it had not sent is cancelled."""
    assert escalation.id is not None
    escalation.state, escalation.next_at, escalation.ended_at = ENDED, None, now
    queries.cancel_pending(
        session, escalation_id=escalation.id, now=now, why="the incident was resolved"
    )


def notify_effect(notification: Notification, now: datetime) -> dict[str, Any]:
    """The effect that sends one notification when it is due. One due at once goes in its
    incident's stream, after the channel it links to; a delayed one in a stream of its own,
    so nothing waits behind it."""
    due = notification.due_at or now
    stream = f"notification:{notification.id}"
    if due <= now and notification.incident_id is not None:
        stream = incident_stream(notification.incident_id)
    return new_effect(
        NOTIFY,
        key=f"notification:{notification.id}",
        stream=stream,
        payload={"notification_id": notification.id},
        now=now,
        delay=max(due - now, timedelta(0)),
    )


def advance_effect(escalation: Escalation, now: datetime, at: datetime) -> dict[str, Any]:
    """The effect that moves the page on at `at`, if it is still at this level and loop."""
    level, loop = escalation.level, escalation.loop
    return new_effect(
        ADVANCE,
        key=f"advance:{escalation.id}:{level}:{loop}",
        stream=f"advance:{escalation.id}:{level}:{loop}",  # never behind an older delayed one
        payload={"escalation_id": escalation.id, "level": level, "loop": loop},
        now=now,
        delay=max(at - now, timedelta(0)),
    )


def tell_effect(escalation: Escalation, text: str, key: str, now: datetime) -> dict[str, Any]:
    """The effect that says something of a page in its incident's channel and digest."""
    return new_effect(
        TELL,
        key=key,
        stream=incident_stream(escalation.incident_id),  # after the channel it posts in
        payload={"incident_id": escalation.incident_id, "text": text, "key": key},
        now=now,
    )


def _level_name(escalation: Escalation) -> str:
    loop = f" (repeat {escalation.loop})" if escalation.loop else ""
    return f"level {escalation.level + 1}{loop}"
