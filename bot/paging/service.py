"""Paging use cases: start a page (an alert's policy, or `/incident page`), acknowledge it from
any surface, escalate it now; and the outbox handlers that time levels out.

A page is stored first, then delivered: every use case is one transaction writing the rows and
the effects that carry them out (see `bot.paging.climb`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.incidents.ports import IncidentSnapshot
from bot.incidents.service import IncidentService
from bot.kernel.errors import DomainError, IncidentNotFound, InvalidInput
from bot.kernel.outbox import Attempt, Payload, Permanent
from bot.kernel.transactions import read, run_in_transaction
from bot.oncall.service import OncallService
from bot.paging.acknowledging import SHOW_ACK, Acknowledger
from bot.paging.climb import (
    ACKNOWLEDGED,
    ACTIVE,
    ADVANCE,
    DONE,
    EXHAUSTED,
    TELL,
    WAITING,
    Climber,
    end,
    levels_of,
)
from bot.paging.contacts import Contacts
from bot.paging.definitions import PagingConfig, PolicyDef
from bot.paging.ports import ChatPages
from bot.paging.rules.targets import parse_target
from bot.paging.starting import new_escalation, wait_for_unresolved
from bot.paging.views import load_shown
from storage.enums import EventKind, Severity
from storage.models import Escalation, Incident
from storage.queries import paging as queries

_SEVERITY_ORDER = [Severity.SEV1, Severity.SEV2, Severity.SEV3, Severity.SEV4]


@dataclass(frozen=True)
class PageStarted:
    """A page made by hand: its code, and whether its first level reached anybody."""

    escalation_id: int
    state: str


@dataclass(frozen=True)
class Acknowledged:
    """How an acknowledgement went: the page, whether this person was the first, and the
    incident it belongs to."""

    escalation_id: int
    incident_id: int
    first: bool


class PagingService:
    """Starts, acknowledges and escalates pages."""

    def __init__(
        self,
        engine: Engine,
        incidents: IncidentService,
        chat: ChatPages,
        *,
        config: PagingConfig,
        clock: Callable[[], datetime],
        oncall: OncallService | None = None,
    ) -> None:
        self.engine = engine
        self.incidents = incidents
        self.outbox = incidents.outbox
        self.chat = chat
        self.config = config
        self.clock = clock
        self.contacts = Contacts(config.people)
        self.climber = Climber(self.contacts, self._record, oncall)
        self.acknowledger = Acknowledger(incidents, self._record)

    def register(self) -> None:
        """Time levels out, tell incidents, and edit acknowledged pages, from the outbox."""
        self.outbox.handle(ADVANCE, self.advance)
        self.outbox.handle(TELL, self.tell)
        self.outbox.handle(SHOW_ACK, self.show_acknowledged)

    # -- starting --------------------------------------------------------------------------

    def start_in(
        self,
        session: Session,
        incident: Incident,
        *,
        targets: Sequence[str] = (),
        policy: PolicyDef | None = None,
        reason: str,
        by: str | None = None,
        message: str = "",
        now: datetime,
    ) -> Escalation | None:
        """Inside the caller's transaction: page a policy (with its severity rules) or a list
        of targets (one level, no timeout); None when there is nothing to page."""
        if policy is None and not targets:
            return None
        at_once: Sequence[str] = ()
        if policy is None:
            levels: list[dict[str, Any]] = [
                {"targets": list(dict.fromkeys(targets)), "timeout": None}
            ]
            repeat, name = 0, ""
        else:
            levels, repeat, name = levels_of(policy.levels), policy.repeat, policy.name
            at_once = policy.notify_at_once.get(Severity(incident.severity), ())
        escalation = new_escalation(
            session,
            incident,
            levels,
            repeat=repeat,
            policy=name,
            reason=reason,
            by=by,
            message=message,
            now=now,
        )
        escalation.state = ACTIVE
        self.climber.enter(session, escalation, 0, 0, now, extra=at_once)
        if policy is not None:
            wait_for_unresolved(session, incident, policy, now)
        return escalation

    def start_for_alert_in(
        self,
        session: Session,
        incident: Incident,
        *,
        targets: Sequence[str],
        policy: str | None,
        now: datetime,
    ) -> None:
        """An alert made an incident: its route's policy, else its route's targets, else the
        policy of its service, else the default policy."""
        service = incident.services[0] if incident.services else None
        chosen = self.config.policies.get(policy) if policy else None
        if chosen is None and not targets:
            chosen = self.config.policy_for(service)
        self.start_in(session, incident, targets=targets, policy=chosen, reason="an alert", now=now)

    async def page(
        self, incident_id: int, targets: Sequence[str], *, message: str, by: str
    ) -> PageStarted:
        """`/incident page`: page people, groups, schedules, channels or a policy through the
        same machinery; they join the incident when they acknowledge."""
        policy, people = self._split_targets(targets)

        def work(session: Session, incident: Incident, now: datetime) -> PageStarted:
            if incident.status in DONE:
                raise DomainError("This incident is resolved: there is nobody to page for it.")
            oncall = self.climber.oncall
            for text in people:
                if text.startswith("schedule:") and oncall is not None:
                    oncall.resolve_targets(session, text, now)  # UnknownTarget says what exists
            escalation = self.start_in(
                session,
                incident,
                targets=people,
                policy=policy,
                reason=f"paged by @{by}",
                by=by,
                message=message,
                now=now,
            )
            assert escalation is not None and escalation.id is not None
            return PageStarted(escalation.id, escalation.state)

        return await self.incidents.change(incident_id, work)

    def _split_targets(self, targets: Sequence[str]) -> tuple[PolicyDef | None, list[str]]:
        """A policy name, or targets (checked); one-line errors for anything else."""
        if not targets:
            raise InvalidInput("Say whom to page: @person, @group, schedule:<name> or a policy.")
        if len(targets) == 1 and targets[0] in self.config.policies:
            return self.config.policies[targets[0]], []
        people = []
        for text in targets:
            if text in self.config.policies:
                raise InvalidInput(f"Page policy {text} on its own, not with others.")
            try:
                parse_target(text)
            except ValueError as problem:
                known = ", ".join(self.config.policies) or "none defined"
                raise InvalidInput(f"{problem}, nor a policy (policies: {known}).") from None
            people.append(text)
        return None, people

    # -- moving on -------------------------------------------------------------------------

    async def advance(self, payload: Payload, _attempt: Attempt) -> None:
        """A level's timeout (or a waiting page's time) came: move on, unless the page moved
        on meanwhile, was acknowledged, or its incident is over."""
        escalation_id, level, loop = (int(payload[k]) for k in ("escalation_id", "level", "loop"))

        def work(session: Session) -> None:
            escalation = queries.lock_escalation(session, escalation_id=escalation_id)
            if escalation is None or (escalation.level, escalation.loop) != (level, loop):
                return
            now = self.clock()
            if escalation.state == WAITING:
                self._start_waiting(session, escalation, now)
            elif escalation.state == ACTIVE:
                self.climber.advance(session, escalation, now)

        await run_in_transaction(self.engine, work)
        self.outbox.kick()

    def _start_waiting(self, session: Session, escalation: Escalation, now: datetime) -> None:
        incident = session.get(Incident, escalation.incident_id)
        wanted = Severity(escalation.condition.get("severity", Severity.SEV4))
        if incident is None or incident.status in DONE:
            end(session, escalation, now)
            return
        if _SEVERITY_ORDER.index(Severity(incident.severity)) > _SEVERITY_ORDER.index(wanted):
            end(session, escalation, now)  # it became less severe than the rule's
            return
        escalation.state = ACTIVE
        self.climber.enter(session, escalation, 0, 0, now)

    async def escalate_now(self, escalation_id: int, user: str) -> str:
        """**Escalate now**: page the next level at once; what happened, in a few words."""

        def work(session: Session) -> str:
            escalation = queries.lock_escalation(session, escalation_id=escalation_id)
            if escalation is None:
                raise DomainError("That page is no longer on record.")
            if escalation.state != ACTIVE:
                return _why_not_active(escalation)
            incident = session.get(Incident, escalation.incident_id)
            now = self.clock()
            if incident is not None:
                text = f"@{user} escalated page {escalation_id} now"
                self._record(session, incident, text, user, now, [user])
            if not self.climber.advance(session, escalation, now):
                return "The incident is resolved: the page stopped."
            if escalation.state == EXHAUSTED:
                return "That was the last level: nobody is left to page."
            return f"Paged level {escalation.level + 1}."

        result = await run_in_transaction(self.engine, work)
        self.outbox.kick()
        return result

    # -- acknowledging ---------------------------------------------------------------------

    async def acknowledge(self, escalation_id: int, user: str, *, via: str) -> Acknowledged:
        """Acknowledge one page: every further notification of it stops, its DMs say who; the
        person joins the incident (and leads it if nobody does)."""
        found = await read(self.engine, lambda s: s.get(Escalation, escalation_id))
        if found is None:
            raise DomainError(f"There is no page {escalation_id}.")

        def work(session: Session, incident: Incident, now: datetime) -> Acknowledged:
            escalation = queries.lock_escalation(session, escalation_id=escalation_id)
            assert escalation is not None
            first = self.acknowledger.page_in(session, incident, escalation, user, via, now)
            return Acknowledged(escalation_id, found.incident_id, first)

        return await self.incidents.change(found.incident_id, work, invite=[user])

    async def acknowledge_incident(self, incident_id: int, user: str, *, via: str) -> int:
        """`/incident ack`: acknowledge every page of the incident still climbing (and the
        incident itself); how many pages."""

        def work(session: Session, incident: Incident, now: datetime) -> int:
            open_pages = queries.list_escalations(
                session, incident_id=incident_id, states=[ACTIVE, EXHAUSTED, WAITING]
            )
            for escalation in open_pages:
                self.acknowledger.page_in(session, incident, escalation, user, via, now)
            if not open_pages:
                self.acknowledger.incident_in(session, incident, user, now)
            return len(open_pages)

        return await self.incidents.change(incident_id, work, invite=[user])

    # -- effects ---------------------------------------------------------------------------

    async def show_acknowledged(self, payload: Payload, _attempt: Attempt) -> None:
        """Edit every Slack page of the page to say who acknowledged."""
        escalation_id = int(payload["escalation_id"])
        view, messages = await read(self.engine, lambda s: load_shown(s, escalation_id))
        if view is not None and messages:
            await self.chat.show_acknowledged(messages, view)

    async def tell(self, payload: Payload, attempt: Attempt) -> None:
        """Say something of a page in its incident's channel and digest thread, once."""
        try:
            snapshot: IncidentSnapshot = await self.incidents.snapshot(int(payload["incident_id"]))
        except IncidentNotFound:
            raise Permanent("incident_not_found") from None
        key, text = str(payload["key"]), str(payload["text"])
        await self.chat.tell_incident(snapshot, text, key=key, retry=attempt.is_retry)

    def _record(
        self,
        session: Session,
        incident: Incident,
        text: str,
        actor: str | None,
        now: datetime,
        mentions: Sequence[str],
    ) -> None:
        self.incidents.record_in(session, incident, EventKind.PAGED, text, actor, now, mentions)


def _why_not_active(escalation: Escalation) -> str:
    if escalation.state == ACKNOWLEDGED:
        return f"@{escalation.acknowledged_by} acknowledged that page already."
    if escalation.state == EXHAUSTED:
        return "Every level of that page was paged already."
    return "That page has stopped."
