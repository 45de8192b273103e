"""Who the bot token belongs to: `auth.test`, asked once at start and again in the background
while Slack cannot be reached, and handed to Bolt so that Bolt never asks per request.

Bolt's own single-workspace authorization calls `auth.test` before any listener runs, on every
request until one succeeds: while Slack is unreachable every slash command waited for it and
then failed with a 500. (`AsyncApp` has no `token_verification_enabled` switch, unlike `App`;
an `authorize` function is how an async app supplies the identity itself.)
"""

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.calls import error_code

log = logging.getLogger("warroom")
CHECK_TIMEOUT = 5.0  # seconds one `auth.test` may take before Slack counts as unreachable
# Slack's answers that mean the token itself can never work: no retry can help.
REFUSED_TOKEN = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
        "no_permission",
    }
)
FIRST_RETRY = 1.0  # seconds before the first background retry; doubled up to MAX_RETRY
MAX_RETRY = 60.0


@dataclass(frozen=True)
class BotUser:
    """What `auth.test` says about the bot token."""

    user_id: str
    bot_id: str | None
    user: str | None
    team_id: str | None
    team: str | None
    enterprise_id: str | None
    url: str | None
    scopes: frozenset[str] | None  # the `x-oauth-scopes` header; None when Slack sent none


class TokenRefused(Exception):
    """Slack answered and refused the token (`code`): it can never work as it is."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class SlackUnreachable(Exception):
    """Slack could not be asked (no connection, a timeout, a 5xx, a rate limit): try later."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def describe_failure(error: BaseException, timeout: float) -> str:
    """A few words on why a call did not reach Slack: `connection refused`, `HTTP 503`."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", None) or getattr(
            error.response, "status", None
        )
        code = error_code(error)
        named = code if code != "unknown_error" and not code.startswith("http_") else ""
        if status and status != 200:
            return " ".join(filter(None, [f"HTTP {status}", named]))
        return named or "an answer that is not Slack's"
    if isinstance(error, TimeoutError | asyncio.TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(error, aiohttp.ClientConnectorError):
        if isinstance(error.os_error, socket.gaierror):
            return f"cannot find host {error.host}"
        number = error.os_error.errno
        reason = os.strerror(number) if number else str(error.os_error)
        return f"cannot connect to {error.host}:{error.port}: {reason.lower()}"
    if isinstance(error, aiohttp.ClientError | OSError):
        return " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {error}"


async def ask_slack(
    client: AsyncWebClient,
    method: str,
    *,
    timeout: float = CHECK_TIMEOUT,
    token: str | None = None,
) -> tuple[dict[str, object], dict[str, str]]:
    """One Web API call (with the client's token, or `token`), a short timeout and no retries:
    its body and headers. Raises TokenRefused when Slack refuses the token, SlackUnreachable
    when Slack could not answer."""
    quick = AsyncWebClient(
        token=token or client.token,
        base_url=client.base_url,
        timeout=int(max(timeout, 1)),
        retry_handlers=[],
        headers=client.headers,
    )
    try:
        answer = await asyncio.wait_for(quick.api_call(method), timeout)
    except SlackApiError as error:
        code = error_code(error)
        if code in REFUSED_TOKEN:
            raise TokenRefused(code) from None
        raise SlackUnreachable(describe_failure(error, timeout)) from None
    except Exception as error:
        raise SlackUnreachable(describe_failure(error, timeout)) from None
    headers = {str(k).lower(): str(v) for k, v in (answer.headers or {}).items()}
    return dict(answer.data) if isinstance(answer.data, dict) else {}, headers


async def ask_auth_test(client: AsyncWebClient, *, timeout: float = CHECK_TIMEOUT) -> BotUser:
    """`auth.test` for the client's token, once."""
    data, headers = await ask_slack(client, "auth.test", timeout=timeout)
    scopes = headers.get("x-oauth-scopes")

    def text(name: str) -> str | None:
        value = data.get(name)
        return str(value) if value else None

    return BotUser(
        user_id=str(data.get("user_id") or ""),
        bot_id=text("bot_id"),
        user=text("user"),
        team_id=text("team_id"),
        team=text("team"),
        enterprise_id=text("enterprise_id"),
        url=text("url"),
        scopes=None
        if scopes is None
        else frozenset(s.strip() for s in scopes.split(",") if s.strip()),
    )


class BotIdentity:
    """The bot's identity, learned once; Bolt's `authorize` reads it instead of asking Slack.

    `warroom run` checks the token before it serves (`check`), and if Slack cannot be reached
    keeps checking in the background (`keep_checking`). Used without either (the tests'
    in-process app, the demo), the first request learns it, as Bolt used to.
    """

    def __init__(self, client: AsyncWebClient, *, timeout: float = CHECK_TIMEOUT) -> None:
        self.client = client
        self.timeout = timeout
        self.known: BotUser | None = None
        self.background: asyncio.Task[None] | None = None
        self._asking: asyncio.Future[BotUser] | None = None

    async def check(self) -> BotUser:
        """Ask `auth.test` now (one call at a time however many ask); remember the answer."""
        asking = self._asking
        if asking is None or asking.done() or asking.get_loop() is not asyncio.get_running_loop():
            asking = self._asking = asyncio.ensure_future(
                ask_auth_test(self.client, timeout=self.timeout)
            )
        self.known = await asyncio.shield(asking)
        return self.known

    def keep_checking(self, on_refused: Callable[[TokenRefused], None]) -> None:
        """Check again with backoff until Slack answers; say once when it does. A refused
        token is handed to `on_refused`."""
        if self.background is None or self.background.done():
            self.background = asyncio.create_task(self._retry(on_refused), name="auth.test")

    async def _retry(self, on_refused: Callable[[TokenRefused], None]) -> None:
        delay = FIRST_RETRY
        while self.known is None:
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY)
            try:
                me = await self.check()
            except SlackUnreachable as still:
                log.debug("Slack still unreachable (%s); next try in %g s", still.reason, delay)
                continue
            except TokenRefused as refused:
                on_refused(refused)
                return
            log.warning("Slack reached again: %s", describe_bot(me))

    async def stop(self) -> None:
        """Stop checking in the background."""
        if self.background is not None:
            self.background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.background

    def for_bolt(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        """Bolt's `authorize` function (Bolt passes arguments by the names of the function's
        parameters, so a bound method, whose first is `self`, will not do)."""

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return await self.authorize(enterprise_id, team_id)

        return authorize

    async def authorize(self, enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        """The bot token and the identity already known; never a wait on Slack once
        `warroom run` owns the checking."""
        me = self.known
        if me is None and self.background is None:
            with contextlib.suppress(TokenRefused, SlackUnreachable):
                me = await self.check()
        return AuthorizeResult(
            enterprise_id=(me.enterprise_id if me else None) or enterprise_id,
            team_id=(me.team_id if me else None) or team_id,
            team=me.team if me else None,
            url=me.url if me else None,
            bot_user_id=me.user_id if me else None,
            bot_id=me.bot_id if me else None,
            bot_token=self.client.token,
            bot_scopes=sorted(me.scopes) if me and me.scopes is not None else None,
        )


def describe_bot(me: BotUser) -> str:
    """`the bot is @warroom (U0BOT) in Sandbox`."""
    where = f" in {me.team}" if me.team else ""
    return f"the bot is @{me.user or '?'} ({me.user_id}){where}"
