"""Sharing the postmortem: uploaded to the incident channel through Slack's current flow."""

from bot.incidents.ports import POSTMORTEM, IncidentSnapshot, Place, PlaceStore
from bot.kernel.outbox import Permanent
from bot.slack.calls import SlackCalls
from bot.slack.places import SLACK, slack_places


class SlackDocuments:
    """Uploads documents to incident channels and remembers where they are."""

    def __init__(self, calls: SlackCalls, places: PlaceStore) -> None:
        self.calls = calls
        self.places = places

    async def share_postmortem(
        self, snapshot: IncidentSnapshot, markdown: str, *, retry: bool
    ) -> None:
        """Upload the document with a word on what to do next; keep its link.

        `files.getUploadURLExternal` → upload → `files.completeUploadExternal`, as slack-sdk's
        `files_upload_v2` does. An upload whose answer was lost may be repeated: Slack gives
        no way to find an upload by a key of ours.
        """
        incident = snapshot.incident
        channel = slack_places(snapshot).channel
        if channel is None:
            raise Permanent("no_incident_channel")
        answer = await self.calls.call(
            lambda: self.calls.client.files_upload_v2(
                channel=channel,
                content=markdown,
                filename=f"INC-{incident.number}-postmortem.md",
                title=f"Post-mortem: INC-{incident.number}",
                initial_comment=_comment(snapshot),
            )
        )
        files = answer.get("files") or [answer.get("file") or {}]
        shared = files[0]
        data = {"file_id": str(shared.get("id", "")), "permalink": str(shared.get("permalink", ""))}
        await self.places.save(snapshot.incident_id, Place(SLACK, POSTMORTEM, channel, data=data))


def _comment(snapshot: IncidentSnapshot) -> str:
    """The words posted with the shared draft."""
    incident = snapshot.incident
    due = incident.review_due_at
    return (
        f":memo: Postmortem draft for INC-{incident.number}, written from the "
        "timeline. Fill in what it asks for"
        + (f"; the review is due {due.date().isoformat()}" if due else "")
        + ". Run `/incident reviewed` after the review."
    )
