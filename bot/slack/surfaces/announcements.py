"""The digest: one post per incident in the announce channel, edited in place."""

from collections.abc import Callable
from datetime import datetime

from bot.incidents.ports import ANNOUNCEMENT, IncidentSnapshot, Place, PlaceStore, StepFailure
from bot.slack.blocks.digest import build_digest_blocks
from bot.slack.blocks.status import build_status_text
from bot.slack.calls import SlackCalls, SlackError, SlackRefused, marker
from bot.slack.places import SLACK, slack_places

DIGEST_EVENT = "warroom_digest"


class SlackAnnouncements:
    """Posts and edits each incident's digest post."""

    def __init__(
        self,
        calls: SlackCalls,
        places: PlaceStore,
        *,
        announce_channel: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.calls = calls
        self.client = calls.client
        self.places = places
        self.announce_channel = announce_channel
        self.clock = clock

    async def sync(self, snapshot: IncidentSnapshot, *, retry: bool) -> list[StepFailure]:
        """Edit the digest post, or post it (once: a retry finds the one it may have made)."""
        where = slack_places(snapshot)
        incident = snapshot.incident
        blocks = build_digest_blocks(
            incident,
            snapshot.roles,
            snapshot.latest_update,
            now=self.clock(),
            channel_id=where.channel,
            postmortem_link=where.postmortem_link,
        )
        text = build_status_text(incident)
        step = "update_digest"
        try:
            if where.digest_channel and where.digest_ts:
                channel, ts = where.digest_channel, where.digest_ts
                edited = await self.calls.call(
                    lambda: self.client.chat_update(
                        channel=channel, ts=ts, text=text, blocks=blocks
                    ),
                    expected=frozenset({SlackError.MESSAGE_NOT_FOUND}),
                )
                if not edited.get("error"):
                    return []
            step = "post_digest"
            channel, ts = await self._post(snapshot, text, blocks, retry=retry)
        except SlackRefused as refused:
            return [StepFailure(step, refused.error)]
        await self.places.save(snapshot.incident_id, Place(SLACK, ANNOUNCEMENT, channel, ts))
        return []

    async def _post(
        self, snapshot: IncidentSnapshot, text: str, blocks: list[dict[str, object]], *, retry: bool
    ) -> tuple[str, str]:
        if retry:
            channel = await self.calls.channel_id(self.announce_channel)
            if channel is not None:
                match = {"incident_id": snapshot.incident_id}
                found = await self.calls.find_posted(channel, DIGEST_EVENT, match, thread_ts=None)
                if found is not None:
                    return channel, found
        metadata = marker(DIGEST_EVENT, incident_id=snapshot.incident_id)
        posted = await self.calls.call(
            lambda: self.client.chat_postMessage(
                channel=self.announce_channel, text=text, blocks=blocks, metadata=metadata
            )
        )
        return str(posted["channel"]), str(posted["ts"])
