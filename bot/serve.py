"""Serving: HTTP always (Slack requests, health, alert webhooks), Socket Mode when configured."""

import logging

import uvicorn

from bot.app import Warroom

log = logging.getLogger("warroom")


async def serve(warroom: Warroom) -> None:
    """Run until interrupted: Socket Mode with an app token, HTTP requests otherwise."""
    settings = warroom.settings
    config = uvicorn.Config(
        warroom.http,
        host=settings.warroom_host,
        port=settings.warroom_port,
        log_level=settings.warroom_log_level.lower(),
        access_log=False,
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
