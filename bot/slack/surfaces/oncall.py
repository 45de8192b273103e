"""On-call handoffs in Slack: DMs to the incoming and outgoing person, the handoff channel's
post, and the user group kept equal to who is on call.

Each message carries metadata naming the handoff, so a retry after a lost answer finds the one
it already posted instead of posting it twice. Setting a group's members is naturally safe to
repeat.
"""

import re

from bot.kernel.outbox import Permanent
from bot.oncall.ports import HandoffView
from bot.slack.blocks.oncall_handoffs import (
    build_handoff_post,
    build_incoming_dm,
    build_outgoing_dm,
)
from bot.slack.calls import SlackCalls, marker

HANDOFF_DM_EVENT = "warroom_oncall_handoff_dm"
HANDOFF_POST_EVENT = "warroom_oncall_handoff"
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,}")
NO_SUCH_GROUP = "no_such_subteam"


class SlackHandoffNotices:
    """The HandoffNotices port, in Slack."""

    def __init__(self, calls: SlackCalls) -> None:
        self.calls = calls
        self.client = calls.client
        self._group_ids: dict[str, str] = {}

    async def tell(self, view: HandoffView, user: str, *, incoming: bool, retry: bool) -> None:
        """DM the person (the incoming one's lists what is open and what fired)."""
        text, blocks = build_incoming_dm(view) if incoming else build_outgoing_dm(view)
        channel = await self.calls.open_dm(user)
        match = {"handoff_id": view.handoff_id, "user": user}
        if retry and await self.calls.find_posted(channel, HANDOFF_DM_EVENT, match, thread_ts=None):
            return
        metadata = marker(HANDOFF_DM_EVENT, **match)
        await self.calls.call(
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, metadata=metadata
            )
        )

    async def announce(self, view: HandoffView, channel: str, *, retry: bool) -> None:
        """Post once in the handoff channel (given by name or id)."""
        channel_id = await self.calls.channel_id(channel)
        if channel_id is None:
            raise Permanent("channel_not_found")
        text, blocks = build_handoff_post(view)
        match = {"handoff_id": view.handoff_id}
        if retry and await self.calls.find_posted(
            channel_id, HANDOFF_POST_EVENT, match, thread_ts=None
        ):
            return
        metadata = marker(HANDOFF_POST_EVENT, **match)
        await self.calls.call(
            lambda: self.client.chat_postMessage(
                channel=channel_id, text=text, blocks=blocks, metadata=metadata
            )
        )

    async def set_group(self, group: str, users: tuple[str, ...]) -> None:
        """Make the group (handle or id) exactly `users`; Slack refuses an empty list, and so
        does this. A group's id is looked up once (usergroups.list is Tier 2), and again if
        the group was deleted and made anew."""
        if not users:
            raise Permanent("no_users_provided")
        for fresh in (False, True):
            group_id = await self._group_id(group, fresh=fresh)
            answer = await self.calls.call(
                lambda g=group_id: self.client.usergroups_users_update(  # type: ignore[misc]
                    usergroup=g, users=",".join(users)
                ),
                expected=frozenset() if fresh else frozenset({NO_SUCH_GROUP}),
            )
            if not answer.get("error"):
                return

    async def _group_id(self, group: str, *, fresh: bool) -> str:
        """The id of a group given by handle (`sre-oncall`) or id (`S…`)."""
        if _GROUP_ID.fullmatch(group):
            return group
        if fresh or group not in self._group_ids:
            handle = group.removeprefix("@")
            listed = await self.calls.call(lambda: self.client.usergroups_list())
            for found in listed.get("usergroups") or []:
                if found.get("handle") == handle:
                    self._group_ids[group] = str(found["id"])
        if group not in self._group_ids:
            raise Permanent("usergroup_not_found")
        return self._group_ids[group]
