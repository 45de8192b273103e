"""Serving: HTTP always (Slack requests, health, alert webhooks), Socket Mode when configured."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable
from typing import Any

import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import Warroom
from bot.ops.problems import SetupError, app_token_refused, bot_token_refused
from bot.slack.identity import (
    FIRST_RETRY,
    MAX_RETRY,
    SlackUnreachable,
    TokenRefused,
    ask_slack,
    describe_bot,
)
from bot.web.limits import uvicorn_limits

log = logging.getLogger("warroom")
SOCKET_OPEN_TIMEOUT = 15.0  # seconds the SDK may try to open one Socket Mode URL


def freeze_startup_objects() -> None:
    """Keep what the wired app holds out of the cyclic collector's full passes.

    Everything alive once the app is built lives as long as the process. Left in the collector's
    oldest generation, it is walked by every full collection, which then stalls every request
    in flight for tens of milliseconds (measured by bench/webhooks.py). Garbage is collected
    first, so that none of it is kept for good.
    """
    gc.collect()
    gc.freeze()


async def serve(warroom: Warroom) -> None:
    """Check the bot token, then serve HTTP at once (Slack's requests, health, the webhooks)
    and, with an app token, connect Socket Mode in the background. Runs until interrupted; a
    token Slack refuses (at start, or once Slack is reachable again) stops it: SetupError."""
    freeze_startup_objects()
    settings = warroom.settings
    config = uvicorn.Config(
        warroom.http,
        host=settings.warroom_host,
        port=settings.warroom_port,
        log_level=settings.warroom_log_level.lower(),
        log_config=None,  # its loggers go through the one handler configure_logging set up
        access_log=False,
        # Requests in flight get a moment to finish on SIGTERM; what is stored is not lost.
        timeout_graceful_shutdown=10,
        **uvicorn_limits(),  # type: ignore[arg-type]
    )
    server = uvicorn.Server(config)
    stopped: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def stop(problem: str) -> None:
        if not stopped.done():
            stopped.set_result(problem)

    await check_bot_token(warroom, stop)
    http = asyncio.create_task(server.serve(), name="http")
    socket: AsyncSocketModeHandler | None = None
    connecting: asyncio.Task[None] | None = None
    if settings.slack_app_token:
        socket = AsyncSocketModeHandler(warroom.slack, settings.slack_app_token)
        connecting = asyncio.create_task(
            connect_socket_mode(socket, warroom.client, settings.slack_app_token, stop),
            name="socket mode",
        )
    else:
        log.info(
            "listening for Slack on http://%s:%s/slack/events",
            settings.warroom_host,
            settings.warroom_port,
        )
    try:
        waits: set[asyncio.Future[Any]] = {http, stopped}
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        if stopped.done():
            server.should_exit = True
            await http
            raise SetupError(stopped.result())
        await http
    finally:
        if connecting is not None:
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connecting
        if socket is not None:
            await socket.close_async()
        await warroom.identity.stop()


async def check_bot_token(warroom: Warroom, stop: Callable[[str], None]) -> None:
    """`auth.test` once, quickly: a refused SLACK_BOT_TOKEN stops the start (SetupError);
    an unreachable Slack is a warning, and the check goes on in the background."""
    try:
        me = await warroom.identity.check()
    except TokenRefused as refused:
        raise SetupError(bot_token_refused(refused)) from None
    except SlackUnreachable as unreachable:
        log.warning(
            "Slack cannot be reached at %s (%s); starting anyway: what Slack sends is "
            "acknowledged and stored, and SLACK_BOT_TOKEN is checked again in the background",
            warroom.settings.slack_api_url,
            unreachable.reason,
        )
        warroom.identity.keep_checking(lambda refused: stop(bot_token_refused(refused)))
        return
    log.info("Slack token checked: %s", describe_bot(me))


async def connect_socket_mode(
    socket: AsyncSocketModeHandler,
    client: AsyncWebClient,
    app_token: str,
    stop: Callable[[str], None],
) -> None:
    """Open Socket Mode, retrying with backoff while Slack cannot be reached (HTTP serves
    meanwhile); a refused SLACK_APP_TOKEN stops the process, since it can never connect."""
    delay, warned = FIRST_RETRY, False
    while True:
        try:
            ticket, _headers = await ask_slack(client, "apps.connections.open", token=app_token)
            socket.client.wss_uri = str(ticket.get("url") or "")
            # The SDK retries a WebSocket that will not open with the same single-use URL
            # forever: give it a while, then ask for a new URL.
            await asyncio.wait_for(socket.client.connect(), SOCKET_OPEN_TIMEOUT)
        except TokenRefused as refused:
            stop(app_token_refused(refused))
            return
        except SlackUnreachable as unreachable:
            reason = unreachable.reason
        except TimeoutError:
            socket.client.wss_uri = None
            reason = f"the WebSocket did not open within {SOCKET_OPEN_TIMEOUT:g} s"
        else:
            (log.warning if warned else log.info)("connected to Slack over Socket Mode")
            return
        if not warned:
            log.warning(
                "Socket Mode cannot connect yet (%s); HTTP serves meanwhile and the connection "
                "is retried in the background",
                reason,
            )
            warned = True
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_RETRY)
