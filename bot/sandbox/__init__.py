"""A faithful, stateful stand-in for the parts of Slack the bot uses, served over real HTTP.

`SandboxServer` serves a `World` (the workspace state) on 127.0.0.1; point the bot's
`AsyncWebClient(base_url=server.api_url)` at it. `SlackDriver` plays people and Slack itself
against the app: signed slash commands, clicks, modal submissions and events;
`SocketModeDriver` sends the same as Socket Mode envelopes to an app connected with its
app-level token (`apps.connections.open`).
"""

from __future__ import annotations

from bot.sandbox.client import SandboxActionError, SandboxClient
from bot.sandbox.driver import SlackDriver
from bot.sandbox.runner import SandboxServer, ServerHandle, serve_in_thread
from bot.sandbox.server import create_sandbox_app
from bot.sandbox.signing import sign
from bot.sandbox.socket_driver import SocketModeDriver
from bot.sandbox.world import World

__all__ = [
    "SandboxActionError",
    "SandboxClient",
    "SandboxServer",
    "ServerHandle",
    "SlackDriver",
    "SocketModeDriver",
    "World",
    "create_sandbox_app",
    "serve_in_thread",
    "sign",
]
