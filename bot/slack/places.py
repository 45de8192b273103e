"""Where Slack shows an incident, read from the snapshot's places (the rows the Slack
surfaces wrote): its channel, the pinned status message, the digest post, the shared
postmortem and the all-resolved notice."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from bot.incidents.ports import (
    ALERTS_NOTICE,
    ANNOUNCEMENT,
    POSTMORTEM,
    ROOM,
    STATUS,
    IncidentSnapshot,
    Place,
)
from storage.models import Incident
from storage.queries import places as places_queries

SLACK = "slack"


@dataclass(frozen=True)
class SlackPlaces:
    """An incident's Slack places; None where it has none yet."""

    channel: str | None = None
    channel_name: str | None = None
    topic: str | None = None
    status_ts: str | None = None
    status_pinned: bool = False
    digest_channel: str | None = None
    digest_ts: str | None = None
    postmortem_link: str | None = None
    postmortem_file: str | None = None
    notice_ts: str | None = None


def slack_places(snapshot: IncidentSnapshot) -> SlackPlaces:
    """The Slack places of a snapshot."""
    room, status = snapshot.place(SLACK, ROOM), snapshot.place(SLACK, STATUS)
    digest, document = snapshot.place(SLACK, ANNOUNCEMENT), snapshot.place(SLACK, POSTMORTEM)
    notice = snapshot.place(SLACK, ALERTS_NOTICE)
    return SlackPlaces(
        channel=room.channel_id if room else None,
        channel_name=_text(room, "name"),
        topic=_text(room, "topic"),
        status_ts=status.ts if status and status.ts else None,
        status_pinned=bool(status and status.data.get("pinned")),
        digest_channel=digest.channel_id if digest else None,
        digest_ts=digest.ts if digest and digest.ts else None,
        postmortem_link=_text(document, "permalink"),
        postmortem_file=_text(document, "file_id"),
        notice_ts=notice.ts if notice and notice.ts else None,
    )


def _text(place: Place | None, key: str) -> str | None:
    if place is None:
        return None
    value = place.data.get(key)
    return str(value) if value else None


# Attribute names the demo and tests read an incident's Slack places by.
_SHOWN_AS = {
    "channel_id": "channel",
    "channel_name": "channel_name",
    "channel_topic": "topic",
    "status_ts": "status_ts",
    "status_pinned": "status_pinned",
    "digest_channel_id": "digest_channel",
    "digest_ts": "digest_ts",
    "postmortem_permalink": "postmortem_link",
    "postmortem_file_id": "postmortem_file",
    "notice_ts": "notice_ts",
}


@dataclass(frozen=True)
class ShownIncident:
    """An incident as read back with where Slack shows it (the demo and tests read these):
    `shown.title` is the incident's, `shown.channel_id` its channel's."""

    incident: Incident
    places: SlackPlaces

    def __getattr__(self, name: str) -> Any:
        if name in _SHOWN_AS:
            return getattr(self.places, _SHOWN_AS[name])
        return getattr(self.incident, name)


def read_shown(session: Session, incident: Incident) -> ShownIncident:
    """An incident with its Slack places, read in the caller's session."""
    assert incident.id is not None
    rows = places_queries.list_places(session, incident_id=incident.id)
    found = {
        (row.surface, row.kind): Place(row.surface, row.kind, row.channel_id, row.ts, row.data)
        for row in rows
    }
    snapshot = IncidentSnapshot(incident=incident, roles=[], latest_update=None, places=found)
    return ShownIncident(incident, slack_places(snapshot))
