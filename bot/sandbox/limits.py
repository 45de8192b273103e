"""Rate tiers and injected faults: how a Web API call fails before it runs, or loses its answer."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

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
    "usergroups.users.update": 2,
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


# How an injected fault answers: Slack's JSON error, or what a proxy in front of Slack does.
# `after` and `drop_after` let Slack do the work first, so only the answer is lost.
FAULT_MODES = ("error", "plain", "after", "drop_after", "drop")
OUTAGE_MODES = ("plain", "drop")
DOES_WORK = frozenset({"after", "drop_after"})
HANGS_UP = frozenset({"drop", "drop_after"})
DEFAULT_PROXY_STATUS = 502


@dataclass
class Fault:
    """The next `times` calls of a method fail the way `mode` says."""

    method: str
    error: str | None
    times: int
    retry_after: int | None
    status: int
    mode: str = "error"

    @property
    def does_work(self) -> bool:
        """Whether Slack does the work before the answer is lost."""
        return self.mode in DOES_WORK

    @property
    def hangs_up(self) -> bool:
        """Whether the connection is closed without any HTTP answer."""
        return self.mode in HANGS_UP

    def slack_error(self) -> SlackError:
        """Return the Slack error an `error`-mode fault answers with."""
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        return SlackError(self.error or "internal_error", status=self.status, headers=headers)

    def describe(self) -> dict[str, object]:
        """Describe the fault as `pending()` and the state snapshot show it."""
        return {
            "method": self.method,
            "error": self.error,
            "times": self.times,
            "status": self.status,
            "mode": self.mode,
            "retry_after": self.retry_after,
        }


def build_fault(
    method: str,
    error: str | None,
    *,
    times: int,
    retry_after: int | None,
    status: int | None,
    mode: str,
) -> Fault:
    """Check a planned fault and fill in its defaults; ValueError when it makes no sense."""
    if mode not in FAULT_MODES:
        raise ValueError(f"unknown fault mode {mode!r}; expected one of {FAULT_MODES}")
    if times < 1:
        raise ValueError("times must be at least 1")
    if mode == "error":
        if not error:
            raise ValueError("an error-mode fault needs the Slack error code to answer")
        if error == "ratelimited":
            status = 429 if status in (None, 200) else status
            retry_after = 1 if retry_after is None else retry_after
        return Fault(method, error, times, retry_after, 200 if status is None else status)
    status = DEFAULT_PROXY_STATUS if status is None else status
    if not 100 <= status <= 599:
        raise ValueError(f"HTTP status {status} is out of range")
    return Fault(method, error, times, retry_after, status, mode)


@dataclass(frozen=True)
class Outage:
    """Slack unreachable: every Web API call fails this way, without doing the work."""

    mode: str
    status: int

    def as_fault(self, method: str) -> Fault:
        """Return the one-off fault a call meets during the outage."""
        return Fault(method, None, 1, None, self.status, self.mode)


class FaultInjector:
    """Queue of planned failures, consumed in order per method, and the outage switch."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self.outage: Outage | None = None

    def add(
        self,
        method: str,
        error: str | None = None,
        *,
        times: int = 1,
        retry_after: int | None = None,
        status: int | None = None,
        mode: str = "error",
    ) -> None:
        """Plan `times` failures of `method`; `ratelimited` always comes as HTTP 429.

        `status` defaults to 200 for Slack's JSON errors and to 502 for the proxy modes.
        """
        fault = build_fault(
            method, error, times=times, retry_after=retry_after, status=status, mode=mode
        )
        self._faults.append(fault)

    def take_fault(self, method: str) -> Fault | None:
        """Consume one planned failure for `method`, if any."""
        for fault in self._faults:
            if fault.method == method and fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return replace(fault, times=1)
        return None

    def set_outage(self, on: bool, *, mode: str = "plain", status: int = 503) -> None:
        """Start (or end) an outage: every Web API call fails as `mode` says until ended."""
        if not on:
            self.outage = None
            return
        if mode not in OUTAGE_MODES:
            raise ValueError(f"unknown outage mode {mode!r}; expected one of {OUTAGE_MODES}")
        if not 100 <= status <= 599:
            raise ValueError(f"HTTP status {status} is out of range")
        self.outage = Outage(mode, status)

    def pending(self) -> list[dict[str, object]]:
        """Describe the failures still planned."""
        return [f.describe() for f in self._faults]

    def clear(self) -> None:
        """Drop every planned failure and end any outage."""
        self._faults.clear()
        self.outage = None
