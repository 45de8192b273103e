"""Rate tiers and injected faults: the two ways a Web API call fails before it runs."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from bot.sandbox.errors import SlackError

# Calls per minute, per method and workspace (Slack's published tiers).
TIER_LIMITS: dict[int, int] = {1: 1, 2: 20, 3: 50, 4: 100}
WINDOW_SECONDS = 60.0

# chat.postMessage is "special": about one message a second per channel, short bursts allowed.
POST_MESSAGE_RATE_PER_SECOND = 1.0
POST_MESSAGE_BURST = 5

METHOD_TIERS: dict[str, int] = {
    "api.test": 4,
    "auth.test": 4,
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "chat.postEphemeral": 4,
    "chat.update": 3,
    "conversations.archive": 2,
    "conversations.create": 2,
    "conversations.history": 3,
    "conversations.info": 3,
    "conversations.invite": 3,
    "conversations.join": 3,
    "conversations.list": 2,
    "conversations.members": 4,
    "conversations.rename": 2,
    "conversations.replies": 3,
    "conversations.setPurpose": 2,
    "conversations.setTopic": 2,
    "files.completeUploadExternal": 4,
    "files.getUploadURLExternal": 4,
    "pins.add": 2,
    "pins.list": 2,
    "pins.remove": 2,
    "reactions.add": 3,
    "reactions.get": 3,
    "usergroups.list": 2,
    "usergroups.users.list": 2,
    "users.info": 4,
    "users.list": 2,
    "users.lookupByEmail": 3,
    "views.open": 4,
    "views.push": 4,
    "views.update": 4,
}


def build_ratelimited(retry_after: int) -> SlackError:
    """Return the error Slack answers when a limit is hit: HTTP 429 with Retry-After."""
    return SlackError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})


class RateLimiter:
    """Sliding one-minute windows per method, and a token bucket per channel for postMessage."""

    def __init__(self) -> None:
        self._windows: dict[str, deque[float]] = {}
        self._buckets: dict[str, tuple[float, float]] = {}

    def check(self, method: str, now: float, channel: str | None = None) -> None:
        """Record a call at `now`, or raise `ratelimited` when it is over the limit."""
        if method == "chat.postMessage":
            self._take_token(channel or "", now)
            return
        limit = TIER_LIMITS[METHOD_TIERS.get(method, 3)]
        window = self._windows.setdefault(method, deque())
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        if len(window) >= limit:
            wait = window[0] + WINDOW_SECONDS - now
            raise build_ratelimited(max(1, math.ceil(wait)))
        window.append(now)

    def _take_token(self, channel: str, now: float) -> None:
        tokens, last = self._buckets.get(channel, (float(POST_MESSAGE_BURST), now))
        tokens = min(POST_MESSAGE_BURST, tokens + (now - last) * POST_MESSAGE_RATE_PER_SECOND)
        if tokens < 1.0:
            self._buckets[channel] = (tokens, now)
            wait = (1.0 - tokens) / POST_MESSAGE_RATE_PER_SECOND
            raise build_ratelimited(max(1, math.ceil(wait)))
        self._buckets[channel] = (tokens - 1.0, now)

    def reset(self) -> None:
        """Forget every call seen so far."""
        self._windows.clear()
        self._buckets.clear()


@dataclass
class Fault:
    """The next `times` calls of a method fail with `error`."""

    method: str
    error: str
    times: int
    retry_after: int | None
    status: int


class FaultInjector:
    """Queue of planned failures, consumed in order per method."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(
        self,
        method: str,
        error: str,
        *,
        times: int = 1,
        retry_after: int | None = None,
        status: int = 200,
    ) -> None:
        """Plan `times` failures of `method`; `ratelimited` always comes as HTTP 429."""
        if error == "ratelimited":
            status = 429 if status == 200 else status
            retry_after = 1 if retry_after is None else retry_after
        self._faults.append(Fault(method, error, times, retry_after, status))

    def take(self, method: str) -> SlackError | None:
        """Consume one planned failure for `method`, if any."""
        for fault in self._faults:
            if fault.method == method and fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                retry = fault.retry_after
                headers = {} if retry is None else {"Retry-After": str(retry)}
                return SlackError(fault.error, status=fault.status, headers=headers)
        return None

    def pending(self) -> list[dict[str, object]]:
        """Describe the failures still planned."""
        return [
            {"method": f.method, "error": f.error, "times": f.times, "status": f.status}
            for f in self._faults
        ]

    def clear(self) -> None:
        """Drop every planned failure."""
        self._faults.clear()
