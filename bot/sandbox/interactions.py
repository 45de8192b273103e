"""trigger_ids and response_urls: the short-lived handles an interaction gives the app."""

from __future__ import annotations

import secrets
import threading
from itertools import count

from bot.sandbox.clock import Clock
from bot.sandbox.errors import SlackError
from bot.sandbox.model import ResponseUrl, Trigger

TRIGGER_TTL_SECONDS = 3.0


class Interactions:
    """Issues and checks trigger_ids (3 seconds, once) and response_urls."""

    def __init__(self, clock: Clock, lock: threading.RLock) -> None:
        self.clock = clock
        self.lock = lock
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self._numbers = count(1)

    def issue_trigger(self, user: str) -> str:
        """Hand out a trigger_id for an interaction by `user`."""
        with self.lock:
            now = self.clock.now()
            trigger_id = f"{next(self._numbers)}.{int(now)}.{secrets.token_hex(16)}"
            self.triggers[trigger_id] = Trigger(trigger_id, user, now)
            return trigger_id

    def consume_trigger(self, trigger_id: str | None) -> Trigger:
        """Use a trigger_id once, within its 3 seconds, or raise Slack's error."""
        with self.lock:
            trigger = self.triggers.get(trigger_id or "")
            if trigger is None or trigger.used:
                raise SlackError("invalid_trigger_id")
            if self.clock.now() - trigger.issued_at > TRIGGER_TTL_SECONDS:
                raise SlackError("expired_trigger_id")
            trigger.used = True
            return trigger

    def issue_response_url(
        self,
        base_url: str,
        channel: str,
        user: str,
        *,
        message_ts: str | None = None,
        is_ephemeral: bool = False,
    ) -> str:
        """Hand out a response_url bound to a conversation (and the message acted on)."""
        with self.lock:
            token = secrets.token_urlsafe(18)
            self.response_urls[token] = ResponseUrl(
                token, channel, user, self.clock.now(), message_ts, is_ephemeral
            )
        return f"{base_url.rstrip('/')}/_sandbox/response/{token}"
