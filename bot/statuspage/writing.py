"""The status page's writes inside a caller's transaction: a publication, a maintenance moving
on, and the component states that follow from what is open.

A component's state is never set directly: it is worked out again from every open public
incident and every maintenance in progress after each write, and a history row is added for
each component whose state changed. So resolving one incident leaves a component another one
still holds as that one has it.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.kernel.errors import InvalidInput
from bot.kernel.outbox import add_effects, new_effect
from bot.statuspage.definitions import (
    ComponentStatus,
    Impact,
    MaintenanceStatus,
    PublicStatus,
    StatusPageConfig,
)
from bot.statuspage.rules.states import (
    held_states,
    holding,
    impact_of,
    merge_components,
    state_changes,
)
from storage.models import Maintenance, PublicIncident, PublicUpdate
from storage.queries import statuspage as queries

PUBLISHED = "statuspage.published"
STREAM = "statuspage"
MAX_TITLE, MAX_MESSAGE = 200, 20_000
# Control characters show as nothing on a page and cannot be written in XML (the feed).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Publication:
    """What a publication made: the public incident, its new update, and whether the public
    incident is new."""

    public_incident_id: int
    update_id: int
    created: bool


@dataclass(frozen=True)
class Draft:
    """A publication as asked for, checked."""

    title: str
    status: PublicStatus
    message: str
    components: dict[str, ComponentStatus]
    impact: Impact | None
    by: str


def check_draft(
    config: StatusPageConfig,
    *,
    title: str,
    status: PublicStatus | str,
    message: str,
    components: Mapping[str, ComponentStatus | str],
    impact: Impact | str | None,
    by: str,
) -> Draft:
    """The publication checked: known words, known components, sizes within bounds."""
    if status not in {s.value for s in PublicStatus}:
        raise InvalidInput(f"{status!r} is not a status ({_words(PublicStatus)}).", field="status")
    if impact is not None and impact not in {i.value for i in Impact}:
        raise InvalidInput(f"{impact!r} is not an impact ({_words(Impact)}).", field="impact")
    title, message = plain(title).strip(), plain(message).strip()
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"Keep the title within {MAX_TITLE} characters.", field="title")
    if not message:
        raise InvalidInput("Write the message the page shows.", field="message")
    if len(message) > MAX_MESSAGE:
        raise InvalidInput(f"Keep the message within {MAX_MESSAGE} characters.", field="message")
    return Draft(
        title=title,
        status=PublicStatus(status),
        message=message,
        components=check_components(config, components),
        impact=None if impact is None else Impact(impact),
        by=by[:100],
    )


def plain(text: str) -> str:
    """`text` without control characters (line breaks and tabs stay)."""
    return _CONTROL.sub("", text)


def check_components(
    config: StatusPageConfig, components: Mapping[str, ComponentStatus | str]
) -> dict[str, ComponentStatus]:
    """Each named component is configured and each state is a component state."""
    checked: dict[str, ComponentStatus] = {}
    for name, state in components.items():
        if config.component(name) is None:
            known = ", ".join(c.name for c in config.components) or "none are configured"
            raise InvalidInput(f"No component {name!r} (components: {known}).", field="components")
        if state not in {s.value for s in ComponentStatus}:
            raise InvalidInput(
                f"{state!r} is not a component state ({_words(ComponentStatus)}).",
                field="components",
            )
        checked[name] = ComponentStatus(state)
    return checked


def _words(enum: Iterable[Any]) -> str:
    return ", ".join(member.value for member in enum)


def publish_in(
    session: Session,
    config: StatusPageConfig,
    draft: Draft,
    *,
    incident_id: int | None,
    public_id: int | None,
    now: datetime,
) -> Publication:
    """Store the update, the public incident as it now stands and the states that follow, and
    the effect that tells subscribers; in the caller's transaction."""
    queries.lock_status_page(session)
    row = _public_incident(session, incident_id, public_id)
    created = row is None
    if row is None:
        if not draft.title:
            raise InvalidInput("Give the public incident a title.", field="title")
        row = PublicIncident(
            incident_id=incident_id,
            title=draft.title,
            status=draft.status.value,
            impact=Impact.NONE.value,
            created_by=draft.by,
            created_at=now,
        )
    _apply(row, draft, now, created=created)
    session.add(row)
    session.flush()
    assert row.id is not None
    update = PublicUpdate(
        public_incident_id=row.id,
        status=draft.status.value,
        message=draft.message,
        components={name: state.value for name, state in draft.components.items()},
        created_by=draft.by,
        created_at=now,
    )
    session.add(update)
    session.flush()
    assert update.id is not None
    settle_states(session, config, now, update_id=update.id)
    effect = new_effect(
        PUBLISHED,
        key=f"{PUBLISHED}:{update.id}",
        stream=STREAM,
        payload={"update_id": update.id},
        now=now,
    )
    add_effects(session, [effect])
    return Publication(row.id, update.id, created)


def _public_incident(
    session: Session, incident_id: int | None, public_id: int | None
) -> PublicIncident | None:
    if incident_id is not None:
        return queries.get_public_incident_for(session, incident_id=incident_id)
    if public_id is None:
        return None
    row = queries.get_public_incident(session, public_id=public_id)
    if row is None:
        raise InvalidInput(f"No public incident {public_id}.", field="public_id")
    return row


def _apply(row: PublicIncident, draft: Draft, now: datetime, *, created: bool) -> None:
    """The public incident after this update: title, status and its times, components, impact."""
    before = {name: ComponentStatus(state) for name, state in row.components.items()}
    affected = merge_components(before, draft.components)
    row.components = {name: state.value for name, state in affected.items()}
    row.title = draft.title or row.title
    resolved = draft.status is PublicStatus.RESOLVED
    if draft.impact is not None:
        row.impact = draft.impact.value
    elif created or not resolved:
        # A resolved incident keeps the impact it had: its history says how bad it was.
        row.impact = impact_of(affected.values(), open_incident=not resolved).value
    row.status = draft.status.value
    if draft.status is PublicStatus.IDENTIFIED and row.identified_at is None:
        row.identified_at = now
    if draft.status is PublicStatus.MONITORING and row.monitoring_at is None:
        row.monitoring_at = now
    row.resolved_at = now if resolved else None
    row.updated_at = now


def settle_states(
    session: Session,
    config: StatusPageConfig,
    now: datetime,
    *,
    update_id: int | None = None,
    maintenance_id: int | None = None,
) -> dict[str, ComponentStatus]:
    """Record the components whose state changes now, from what holds them; the changes."""
    open_incidents = queries.list_open_public_incidents(session)
    in_progress = queries.list_maintenances(session, statuses=[queries.IN_PROGRESS])
    held = held_states(
        [holding(_states(row.components)) for row in open_incidents],
        [row.components for row in in_progress],
    )
    current = {
        name: ComponentStatus(row.status)
        for name, row in queries.map_current_states(session).items()
    }
    changes = state_changes([c.name for c in config.components], current, held)
    queries.add_states(
        session,
        states={name: state.value for name, state in changes.items()},
        at=now,
        update_id=update_id,
        maintenance_id=maintenance_id,
    )
    return changes


def _states(components: Mapping[str, Any]) -> dict[str, ComponentStatus]:
    return {name: ComponentStatus(state) for name, state in components.items()}


def advance_maintenance_in(session: Session, config: StatusPageConfig, now: datetime) -> int:
    """Start the maintenance due to start and complete the maintenance due to end, each with
    its states and the effect that tells subscribers; how many moved on."""
    queries.lock_status_page(session)
    due = queries.list_due_maintenances(session, now=now)
    for row in due:
        assert row.id is not None
        phase = _next_phase(row, now)
        row.updated_at = now
        session.add(row)
        session.flush()
        settle_states(session, config, now, maintenance_id=row.id)
        effect = new_effect(
            PUBLISHED,
            key=f"{PUBLISHED}:maintenance:{row.id}:{phase}",
            stream=STREAM,
            payload={"maintenance_id": row.id, "phase": phase},
            now=now,
        )
        add_effects(session, [effect])
    return len(due)


def _next_phase(row: Maintenance, now: datetime) -> str:
    """Move a due maintenance on; the phase it reached (`started` or `completed`). One whose
    whole window passed unstarted (nothing ran the tick) is only completed."""
    assert row.ends_at is not None
    if row.status == MaintenanceStatus.SCHEDULED and row.ends_at > now:
        row.status, row.started_at = MaintenanceStatus.IN_PROGRESS.value, now
        return "started"
    row.status, row.completed_at = MaintenanceStatus.COMPLETED.value, now
    return "completed"


def record_first_seen(session: Session, config: StatusPageConfig, now: datetime) -> int:
    """Begin the history of every configured component that has none (operational from now):
    the uptime bars count from there. How many began."""
    queries.lock_status_page(session)
    recorded = queries.map_current_states(session)
    missing = [c.name for c in config.components if c.name not in recorded]
    queries.add_states(
        session, states={name: ComponentStatus.OPERATIONAL.value for name in missing}, at=now
    )
    return len(missing)
