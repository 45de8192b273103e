"""Drafting the postmortem on close: render from the timeline, keep it, share it, link it.

Closing an incident writes a `postmortem.draft` effect; this service carries it out.
"""

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.incidents.ports import Documents, People, StepFailure
from bot.incidents.publishing import Publisher, read_snapshot
from bot.incidents.rules.postmortem import PostmortemContext, build_postmortem_context
from bot.incidents.service import IncidentService
from bot.kernel.errors import IncidentNotFound
from bot.kernel.outbox import Attempt, Payload, Permanent
from bot.kernel.text import is_person
from bot.kernel.transactions import read, run_in_transaction
from storage.models import Postmortem
from storage.queries import incidents as queries

Render = Callable[[PostmortemContext], str]


def people_in(session: Session, incident_id: int) -> list[str]:
    """Everyone the postmortem names: role holders, actors, mentions, owners, the declarer."""
    incident = queries.get_incident(session, incident_id=incident_id)
    ids = [incident.declared_by] if incident else []
    ids += [r.user_id for r in queries.list_roles(session, incident_id=incident_id)]
    timeline = queries.list_timeline(session, incident_id=incident_id)
    ids += [e.actor for e in timeline if e.actor]
    ids += [person for event in timeline for person in event.mentions]
    ids += [u.author for u in queries.list_status_updates(session, incident_id=incident_id)]
    items = queries.list_action_items(session, incident_id=incident_id)
    ids += [i.owner for i in items if i.owner]
    return [i for i in dict.fromkeys(ids) if is_person(i)]


def postmortem_context(
    session: Session, incident_id: int, people: Mapping[str, str] | None = None
) -> PostmortemContext:
    """What incident `incident_id`'s postmortem shows, from the rows the database holds now."""
    snapshot = read_snapshot(session, incident_id)
    room = snapshot.room()
    return build_postmortem_context(
        snapshot.incident,
        snapshot.roles,
        list(queries.list_timeline(session, incident_id=incident_id)),
        list(queries.list_status_updates(session, incident_id=incident_id)),
        snapshot.action_items,
        room=str(room.data.get("name") or "") if room is not None else None,
        people=people,
    )


class PostmortemService:
    """Renders, stores and shares the postmortem draft."""

    def __init__(
        self,
        engine: Engine,
        incidents: IncidentService,
        publisher: Publisher,
        *,
        documents: Documents,
        people: People,
        render: Render,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.incidents = incidents
        self.outbox = incidents.outbox
        self.publisher = publisher
        self.documents = documents
        self.people = people
        self.render = render
        self.clock = clock

    def register(self) -> None:
        """Draft postmortems from the outbox."""
        self.outbox.handle("postmortem.draft", self.draft)

    async def draft(self, payload: Payload, attempt: Attempt) -> None:
        """Render and store the document, share it in the room, link it everywhere."""
        incident_id = int(payload["incident_id"])
        ids = await read(self.engine, lambda s: people_in(s, incident_id))
        names = await self.people.display_names(ids)
        try:
            markdown = await run_in_transaction(
                self.engine, lambda s: self._store(s, incident_id, names)
            )
        except IncidentNotFound:
            raise Permanent("incident_not_found") from None
        snapshot = await self.publisher.snapshot(incident_id)
        try:
            await self.documents.share_postmortem(snapshot, markdown, retry=attempt.is_retry)
        except Permanent as failure:
            await self.publisher.record_failures(
                incident_id, [StepFailure("share_postmortem", failure.error)]
            )
            return
        # The status block and the digest link the shared document.
        await self.incidents.change(incident_id, lambda _s, _incident, _now: True)

    def _store(self, session: Session, incident_id: int, people: Mapping[str, str]) -> str:
        markdown = self.render(postmortem_context(session, incident_id, people))
        row = session.exec(select(Postmortem).where(Postmortem.incident_id == incident_id)).first()
        if row is None:
            row = Postmortem(incident_id=incident_id, markdown=markdown)
        row.markdown, row.rendered_at = markdown, self.clock()
        session.add(row)
        return markdown
