"""The page in the shape of Atlassian Statuspage's public `GET /api/v2/summary.json`, so widgets
and monitors written for Statuspage read ours."""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.statuspage.rules.states import worst
from bot.statuspage.rules.views import (
    ComponentView,
    MaintenanceView,
    PageView,
    PublicIncidentView,
)

Json = dict[str, Any]


@dataclass(frozen=True)
class PageInfo:
    """Who the page is: its id and name, and where it is served."""

    id: str
    name: str
    url: str  # the page itself, `<public url>/status`


def stable_id(kind: str, name: str) -> str:
    """An opaque id that stays the same for the same name (Statuspage's ids are 12 characters)."""
    return hashlib.sha256(f"{kind}:{name}".encode()).hexdigest()[:12]


def timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds, as Statuspage writes them."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_summary(info: PageInfo, view: PageView) -> Json:
    """The summary document of the page as it is now."""
    components = build_components(info, view.components, fallback=view.now)
    by_name = {c["name"]: c for c in components if not c.get("group")}
    return {
        "page": {
            "id": info.id,
            "name": info.name,
            "url": info.url,
            "time_zone": "Etc/UTC",
            "updated_at": timestamp(view.updated_at or view.now),
        },
        "components": components,
        "incidents": [build_incident(info, i, by_name) for i in view.incidents],
        "scheduled_maintenances": [build_maintenance(info, m, by_name) for m in view.maintenances],
        "status": {"indicator": view.indicator.value, "description": view.description},
    }


def build_components(
    info: PageInfo, components: Sequence[ComponentView], *, fallback: datetime
) -> list[Json]:
    """Components, and their groups as Statuspage writes them (a component with `group: true`
    listing its members, as bad as its worst one), in the configured order."""
    found: list[Json] = []
    members: dict[str, list[ComponentView]] = {}
    for component in components:
        if component.group and component.group not in members:
            members[component.group] = []
            found.append({"name": component.group, "group": True})  # filled in below
        if component.group:
            members[component.group].append(component)
        found.append(_component(info, component, fallback))
    for position, entry in enumerate(found, start=1):
        entry["position"] = position
        if entry["group"] and "id" not in entry:
            entry.update(_group(info, entry["name"], members[entry["name"]], fallback))
    return found


def _component(info: PageInfo, component: ComponentView, fallback: datetime) -> Json:
    return {
        "id": stable_id("component", component.name),
        "name": component.name,
        "status": component.status.value,
        "created_at": timestamp(component.first_seen or fallback),
        "updated_at": timestamp(component.since or fallback),
        "position": 0,
        "description": component.description or None,
        "showcase": True,
        "start_date": _day(component.first_seen),
        "group_id": stable_id("group", component.group) if component.group else None,
        "page_id": info.id,
        "group": False,
        "only_show_if_degraded": False,
    }


def _group(info: PageInfo, name: str, members: list[ComponentView], fallback: datetime) -> Json:
    """A group is as bad as its worst member, began with its first and changed with its
    newest."""
    began = [m.first_seen for m in members if m.first_seen is not None]
    changed = [m.since for m in members if m.since is not None]
    return {
        "id": stable_id("group", name),
        "status": worst(m.status for m in members).value,
        "created_at": timestamp(min(began, default=fallback)),
        "updated_at": timestamp(max(changed, default=fallback)),
        "description": None,
        "showcase": False,
        "start_date": _day(min(began, default=None)),
        "group_id": None,
        "page_id": info.id,
        "only_show_if_degraded": False,
        "components": [stable_id("component", m.name) for m in members],
    }


def _day(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).date().isoformat() if moment else None


def build_incident(
    info: PageInfo, incident: PublicIncidentView, components: Mapping[str, Json]
) -> Json:
    """A public incident with its updates, newest first."""
    incident_id = str(incident.id)
    return {
        "id": incident_id,
        "name": incident.title,
        "status": incident.status.value,
        "impact": incident.impact.value,
        "shortlink": f"{info.url}/incidents/{incident.id}",
        "created_at": timestamp(incident.created_at),
        "updated_at": timestamp(incident.updated_at),
        "monitoring_at": timestamp(incident.monitoring_at),
        "resolved_at": timestamp(incident.resolved_at),
        "started_at": timestamp(incident.created_at),
        "page_id": info.id,
        "incident_updates": [
            {
                "id": str(update.id),
                "status": update.status.value,
                "body": update.message,
                "incident_id": incident_id,
                "created_at": timestamp(update.at),
                "updated_at": timestamp(update.at),
                "display_at": timestamp(update.at),
                "affected_components": [
                    {"code": stable_id("component", name), "name": name, "new_status": state}
                    for name, state in update.components.items()
                ],
            }
            for update in incident.updates
        ],
        "components": [components[name] for name in incident.components if name in components],
    }


def build_maintenance(
    info: PageInfo, maintenance: MaintenanceView, components: Mapping[str, Json]
) -> Json:
    """A scheduled maintenance, its phases written as updates, newest first."""
    maintenance_id = f"m{maintenance.id}"
    phases = [("scheduled", maintenance.created_at, maintenance.body or maintenance.title)]
    if maintenance.started_at is not None:
        phases.append(("in_progress", maintenance.started_at, "Maintenance is in progress."))
    if maintenance.completed_at is not None:
        phases.append(("completed", maintenance.completed_at, "Maintenance is complete."))
    return {
        "id": maintenance_id,
        "name": maintenance.title,
        "status": maintenance.status.value,
        "impact": "maintenance",
        "shortlink": f"{info.url}#maintenance-{maintenance.id}",
        "created_at": timestamp(maintenance.created_at),
        "updated_at": timestamp(maintenance.updated_at),
        "monitoring_at": None,
        "resolved_at": timestamp(maintenance.completed_at),
        "started_at": timestamp(maintenance.started_at or maintenance.starts_at),
        "scheduled_for": timestamp(maintenance.starts_at),
        "scheduled_until": timestamp(maintenance.ends_at),
        "page_id": info.id,
        "incident_updates": [
            {
                "id": f"{maintenance_id}-{status}",
                "status": status,
                "body": body,
                "incident_id": maintenance_id,
                "created_at": timestamp(at),
                "updated_at": timestamp(at),
                "display_at": timestamp(at),
                "affected_components": [],
            }
            for status, at, body in reversed(phases)
        ],
        "components": [components[n] for n in maintenance.components if n in components],
    }
