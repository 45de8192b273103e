"""Serving: HTTP always (Slack requests, health, alert webhooks), Socket Mode when configured."""

import gc
import logging

import uvicorn

from bot.app import Warroom
from bot.web.limits import uvicorn_limits

log = logging.getLogger("warroom")


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
    """Run until interrupted: Socket Mode with an app token, HTTP requests otherwise."""
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
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        socket = AsyncSocketModeHandler(warroom.slack, settings.slack_app_token)
        await socket.connect_async()
        log.info("connected to Slack over Socket Mode")
        try:
            await server.serve()
        finally:
            await socket.close_async()
    else:
        log.info(
            "listening for Slack on http://%s:%s/slack/events",
            settings.warroom_host,
            settings.warroom_port,
        )
        await server.serve()
