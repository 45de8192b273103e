"""Which channels' integration posts are read as alerts (`WARROOM_ALERT_CHANNELS`)."""

import logging
import re

from bot.slack.calls import SlackCalls, SlackRefused

log = logging.getLogger(__name__)
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")


class WatchedChannels:
    """Which channels' integration posts are read as alerts.

    Configured ids match at once; configured names are compared with the channel's name,
    looked up once per channel with `conversations.info` and remembered (a renamed channel
    keeps its old name until the process restarts).
    """

    def __init__(self, configured: frozenset[str]) -> None:
        self.ids = frozenset(c for c in configured if _CHANNEL_ID.fullmatch(c))
        self.names = frozenset(c.lstrip("#").lower() for c in configured if c not in self.ids)
        self._known: dict[str, str] = {}

    async def watches(self, calls: SlackCalls, channel: str) -> bool:
        """Whether `channel` (an id) is watched."""
        if channel in self.ids:
            return True
        if not self.names or not channel:
            return False
        if channel not in self._known:
            try:
                info = await calls.call(lambda: calls.client.conversations_info(channel=channel))
            except SlackRefused as refused:
                log.warning("cannot name channel %s: %s", channel, refused.error)
                return False  # not remembered: the next post asks again
            self._known[channel] = str((info.get("channel") or {}).get("name", "")).lower()
        return self._known[channel] in self.names
