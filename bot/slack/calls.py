"""One way to call Slack's Web API, with one retry regime: none here.

Every call either answers or raises the outbox's `Transient` (a rate limit, any 5xx whatever
its body, a timeout, a dropped connection: the outbox tries again with backoff) or
`SlackRefused` (Slack said no; a `Permanent` failure unless the caller expects the code).
The client itself retries nothing, so no failure is retried twice over.
"""

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from enum import StrEnum
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.kernel.outbox import Permanent, Transient
from bot.observability.metrics import Metrics, SlackOutcome

log = logging.getLogger(__name__)
Response = AsyncSlackResponse | dict[str, Any]
HISTORY_LOOKBACK = 100
_CHANNEL_ID = re.compile(
    r"[CGD][A-Z0-9]{2,}"
)  # messages searched for one we may have posted before a lost answer


class SlackError(StrEnum):
    """Slack error codes the bot acts on."""

    RATELIMITED = "ratelimited"
    INTERNAL_ERROR = "internal_error"
    FATAL_ERROR = "fatal_error"
    SERVICE_UNAVAILABLE = "service_unavailable"
    REQUEST_TIMEOUT = "request_timeout"
    NAME_TAKEN = "name_taken"
    INVALID_NAME_SPECIALS = "invalid_name_specials"
    ALREADY_IN_CHANNEL = "already_in_channel"
    CANT_INVITE_SELF = "cant_invite_self"
    ALREADY_PINNED = "already_pinned"
    MESSAGE_NOT_FOUND = "message_not_found"
    CHANNEL_NOT_FOUND = "channel_not_found"
    INVALID_AUTH = "invalid_auth"
    NOT_AUTHED = "not_authed"
    ACCOUNT_INACTIVE = "account_inactive"
    TOKEN_REVOKED = "token_revoked"


TRANSIENT_CODES = frozenset(
    {
        SlackError.RATELIMITED,
        SlackError.INTERNAL_ERROR,
        SlackError.FATAL_ERROR,
        SlackError.SERVICE_UNAVAILABLE,
        SlackError.REQUEST_TIMEOUT,
    }
)


UNREADABLE = frozenset({SlackError.CHANNEL_NOT_FOUND, "not_in_channel", "thread_not_found"})


class SlackRefused(Permanent):
    """Slack answered, and said no: `error` is its code."""


def _status(response: object) -> int:
    """The HTTP status of a failed call: the SDK's response has `status_code`; when the SDK
    could not parse a body labelled JSON it hands over aiohttp's response, with `status`."""
    return int(getattr(response, "status_code", None) or getattr(response, "status", None) or 200)


def error_code(error: SlackApiError) -> str:
    """Slack's error code, whatever the body was (a proxy's HTML page has none)."""
    data = getattr(error.response, "data", None)
    if isinstance(data, Mapping):
        return str(data.get("error") or "unknown_error")
    return f"http_{_status(error.response)}"


def _retry_after(error: SlackApiError) -> float | None:
    headers = getattr(error.response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(float(value), 0.0) if value is not None else None
    except (TypeError, ValueError):
        return None


def classify(error: BaseException) -> Exception:
    """The outbox's view of a failed call: Transient or SlackRefused."""
    if isinstance(error, SlackApiError):
        status = _status(error.response)
        code = error_code(error)
        if status == 429 or status >= 500 or code in TRANSIENT_CODES:
            return Transient(code, retry_after=_retry_after(error))
        return SlackRefused(code)
    if isinstance(error, aiohttp.ClientError | asyncio.TimeoutError | TimeoutError | OSError):
        return Transient(type(error).__name__)
    return Transient(f"{type(error).__name__}: {error}")


def outcome_of(failure: Exception, *, expected: bool = False) -> str:
    """The `outcome` label of a failed call, from `classify`'s verdict."""
    if isinstance(failure, SlackRefused):
        return SlackOutcome.EXPECTED if expected else SlackOutcome.REFUSED
    if getattr(failure, "error", "") in (SlackError.RATELIMITED, "http_429"):
        return SlackOutcome.RATELIMITED
    return SlackOutcome.UNAVAILABLE


# The Web API method the current call went to, as the client's `api_call` was asked for it.
_method: ContextVar[str] = ContextVar("slack_method", default="unknown")


def _name_methods(client: AsyncWebClient) -> None:
    """Every client method goes through `api_call(method, ...)`: note the method on the way,
    so that metrics can name it whatever the call's outcome (a timeout carries no URL)."""
    api_call = client.api_call

    async def named(api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        _method.set(api_method)
        return await api_call(api_method, **kwargs)

    client.api_call = named  # type: ignore[method-assign]


class SlackCalls:
    """The Web API client, the bot's own identity, and the few searches retries need."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        channels_per_minute: float = 20,
        metrics: Metrics | None = None,
    ) -> None:
        self.client = client
        # conversations.create is a Tier 2 method (about 20 a minute): new rooms queue here.
        self.channel_limit = AsyncLimiter(channels_per_minute, 60)
        self.metrics = metrics
        if metrics is not None:
            _name_methods(client)
        self._bot_user_id: str | None = None
        self._channel_ids: dict[str, str] = {}

    async def call(
        self,
        make: Callable[[], Awaitable[AsyncSlackResponse]],
        *,
        expected: frozenset[str] = frozenset(),
    ) -> Response:
        """Make one call; an `expected` error code answers `{"ok": False, "error": code}`
        instead of raising. Each call is counted by method and outcome."""
        started = time.perf_counter()
        _method.set("unknown")
        try:
            answer = await make()
        except Exception as error:
            failure = classify(error)
            if isinstance(failure, SlackRefused) and failure.error in expected:
                self._count(started, SlackOutcome.EXPECTED)
                return {"ok": False, "error": failure.error}
            self._count(started, outcome_of(failure))
            raise failure from error
        self._count(started, SlackOutcome.OK)
        return answer

    def _count(self, started: float, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.slack_call(_method.get(), outcome, time.perf_counter() - started)

    async def bot_user_id(self) -> str:
        """The bot's own user id (`auth.test`), asked once."""
        if self._bot_user_id is None:
            answer = await self.call(lambda: self.client.auth_test())
            self._bot_user_id = str(answer.get("user_id") or "")
        return self._bot_user_id

    async def find_posted(
        self, channel: str, event_type: str, match: Mapping[str, Any], *, thread_ts: str | None
    ) -> str | None:
        """The ts of a recent message the bot posted with this metadata, if any: after a lost
        answer, the retry edits that message instead of posting a second one. In a channel
        the bot cannot read (a public one it was never invited to) nothing is found."""
        if thread_ts:
            answer = await self.call(
                lambda: self.client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=HISTORY_LOOKBACK, include_all_metadata=True
                ),
                expected=UNREADABLE,
            )
        else:
            answer = await self.call(
                lambda: self.client.conversations_history(
                    channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
                ),
                expected=UNREADABLE,
            )
        for message in answer.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == event_type and all(
                payload.get(k) == v for k, v in match.items()
            ):
                return str(message.get("ts"))
        return None

    async def channel_id(self, channel: str) -> str | None:
        """The id of a channel given by id or by name (`incidents`), looked up once."""
        if _CHANNEL_ID.fullmatch(channel):
            return channel
        if channel not in self._channel_ids:
            cursor = ""
            while channel not in self._channel_ids:
                page = await self.call(
                    lambda c=cursor: self.client.conversations_list(  # type: ignore[misc]
                        types="public_channel,private_channel",
                        exclude_archived=True,
                        limit=200,
                        cursor=c or None,
                    )
                )
                for found in page.get("channels") or []:
                    self._channel_ids.setdefault(str(found.get("name")), str(found.get("id")))
                cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    break
        return self._channel_ids.get(channel)

    async def open_dm(self, user: str) -> str:
        """The DM channel with a person."""
        opened = await self.call(lambda: self.client.conversations_open(users=user))
        return str(opened["channel"]["id"])


def marker(event_type: str, **payload: Any) -> dict[str, Any]:
    """Message metadata that lets a retry recognise the message it may already have posted."""
    return {"event_type": event_type, "event_payload": payload}
