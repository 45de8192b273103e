"""Drafting the postmortem on close: render from the timeline, keep it, share it, link it."""

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core.errors import IncidentNotFound
from bot.core.postmortem import PostmortemContext, build_postmortem_context
from bot.core.text import user_ids_in
from bot.services.ports import IncidentSurfaces, ShareFailed, StepFailure, SurfaceResult
from bot.services.publishing import Publisher
from bot.services.transactions import run_in_transaction
from storage import queries
from storage.models import Postmortem

Render = Callable[[PostmortemContext], str]


def people_in(session: Session, incident_id: int) -> list[str]:
    """Everyone the postmortem names: role holders, actors, owners, the declarer."""
    incident = queries.get_incident(session, incident_id=incident_id)
    ids = [incident.declared_by] if incident else []
    ids += [r.user_id for r in queries.list_roles(session, incident_id=incident_id)]
    timeline = queries.list_timeline(session, incident_id=incident_id)
    ids += [e.actor for e in timeline if e.actor]
    ids += [u for event in timeline for u in user_ids_in(event.text)]
    items = queries.list_action_items(session, incident_id=incident_id)
    ids += [i.owner for i in items if i.owner]
    return [i for i in dict.fromkeys(ids) if i.startswith(("U", "W"))]


def render_postmortem(
    session: Session,
    incident_id: int,
    render: Render,
    people: Mapping[str, str] | None = None,
) -> str:
    """The postmortem document for an incident, from what the database holds now."""
    incident = queries.get_incident(session, incident_id=incident_id)
    if incident is None:
        raise IncidentNotFound("That incident no longer exists.")
    context = build_postmortem_context(
        incident,
        list(queries.list_roles(session, incident_id=incident_id)),
        list(queries.list_timeline(session, incident_id=incident_id)),
        list(queries.list_status_updates(session, incident_id=incident_id)),
        list(queries.list_action_items(session, incident_id=incident_id)),
        people=people,
    )
    return render(context)


class PostmortemService:
    """Renders, stores and shares the postmortem draft."""

    def __init__(
        self,
        engine: Engine,
        surfaces: IncidentSurfaces,
        publisher: Publisher,
        *,
        render: Render,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.surfaces = surfaces
        self.publisher = publisher
        self.render = render
        self.clock = clock

    def _store(self, session: Session, incident_id: int, people: Mapping[str, str]) -> str:
        markdown = render_postmortem(session, incident_id, self.render, people)
        row = session.exec(select(Postmortem).where(Postmortem.incident_id == incident_id)).first()
        if row is None:
            row = Postmortem(incident_id=incident_id, markdown=markdown)
        row.markdown, row.rendered_at = markdown, self.clock()
        session.add(row)
        return markdown

    async def draft(self, incident_id: int) -> str:
        """Render and store the document, upload it to the channel, link it everywhere."""
        ids = await run_in_transaction(self.engine, lambda s: people_in(s, incident_id))
        people = await self.surfaces.display_names(ids)
        markdown = await run_in_transaction(
            self.engine, lambda s: self._store(s, incident_id, people)
        )
        snapshot = await self.publisher.snapshot(incident_id)
        due = snapshot.incident.review_due_at
        comment = (
            f":memo: Postmortem draft for INC-{snapshot.incident.number}, written from the "
            "timeline. Fill in what it asks for"
            + (f"; the review is due {due.date().isoformat()}" if due else "")
            + ". Run `/incident reviewed` after the review."
        )
        try:
            file_id, permalink = await self.surfaces.share_postmortem(
                snapshot, markdown, comment=comment
            )
        except ShareFailed as failure:
            failed = SurfaceResult(failures=[StepFailure("share_postmortem", failure.error)])
            await self.publisher.store_outcome(incident_id, failed)
            await self.surfaces.report(snapshot, failed.failures)
            return markdown
        shared = SurfaceResult(
            changes={"postmortem_file_id": file_id, "postmortem_permalink": permalink}
        )
        await self.publisher.store_outcome(incident_id, shared)
        await self.publisher.publish(incident_id)
        return markdown
