"""The status page's read side as subscribers see it: the publication a `statuspage.published`
effect names, as a mail tells it, and the summary JSON webhooks are posted."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.kernel.transactions import read
from bot.statuspage.definitions import PublicStatus, StatusPageConfig
from bot.statuspage.rules.summary import PageInfo, build_summary, stable_id
from bot.statuspage.service import StatusPageService
from bot.statuspage.subscribers_ports import ComponentChange, PublicationView
from storage.models.statuspage import Maintenance, PublicIncident, PublicUpdate
from storage.queries import statuspage_subscribers as queries


def page_info(config: StatusPageConfig, public_url: str) -> PageInfo:
    """Who the page is, as the summary JSON names it (as `/status/api/v2/summary.json` does)."""
    page_url = f"{public_url.rstrip('/')}/status"
    return PageInfo(id=stable_id("page", page_url), name=config.branding.name, url=page_url)


class ServicePublications:
    """The `Publications` port on the status page's tables and service."""

    def __init__(
        self, engine: Engine, service: StatusPageService, config: StatusPageConfig, public_url: str
    ) -> None:
        self.engine = engine
        self.service = service
        self.config = config
        self.public_url = public_url.rstrip("/")

    async def publication(self, event: Mapping[str, Any]) -> PublicationView | None:
        """The update or maintenance phase `event` names; None when it is gone."""
        if "update_id" in event:
            update_id = int(event["update_id"])
            found = await read(
                self.engine, lambda s: queries.get_public_update(s, update_id=update_id)
            )
            return None if found is None else self._update_view(*found)
        maintenance_id, phase = int(event["maintenance_id"]), str(event["phase"])

        def work(session: Session) -> Maintenance | None:
            return queries.get_maintenance(session, maintenance_id=maintenance_id)

        row = await read(self.engine, work)
        return None if row is None else self._maintenance_view(row, phase)

    async def summary_json(self) -> dict[str, Any]:
        """The page's summary now, as `/status/api/v2/summary.json` serves it."""
        return build_summary(page_info(self.config, self.public_url), await self.service.summary())

    def _update_view(self, update: PublicUpdate, incident: PublicIncident) -> PublicationView:
        assert update.id is not None and update.created_at is not None
        named = dict(update.components)
        if not named:  # the update changed no state: the incident's components, as they end up
            resolved = update.status == PublicStatus.RESOLVED
            named = {n: "operational" if resolved else s for n, s in incident.components.items()}
        return PublicationView(
            event=f"update:{update.id}",
            kind="incident",
            title=incident.title,
            status=update.status,
            message=update.message,
            at=update.created_at,
            components=tuple(ComponentChange(n, str(s)) for n, s in named.items()),
            affected=tuple(dict.fromkeys([*incident.components, *update.components])),
            url=f"{self.public_url}/status/incidents/{incident.id}",
            impact=incident.impact,
        )

    def _maintenance_view(self, row: Maintenance, phase: str) -> PublicationView:
        assert row.id is not None
        status = {"started": "in_progress", "completed": "completed"}.get(phase, phase)
        during = "under_maintenance" if phase == "started" else "operational"
        at: datetime | None = row.started_at if phase == "started" else row.completed_at
        return PublicationView(
            event=f"maintenance:{row.id}:{phase}",
            kind="maintenance",
            title=row.title,
            status=status,
            message=row.body,
            at=at or row.updated_at or row.created_at or row.starts_at,  # type: ignore[arg-type]
            components=tuple(ComponentChange(name, during) for name in row.components),
            affected=tuple(row.components),
            url=f"{self.public_url}/status",
            starts=row.starts_at,
            ends=row.ends_at,
        )
