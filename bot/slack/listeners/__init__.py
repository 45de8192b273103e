"""Slack listeners: acknowledge fast, after storing what was asked; `register` only wires."""

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.slack.deps import SlackDeps
from bot.slack.ids import CallbackId
from bot.slack.listeners.actions import handle_button
from bot.slack.listeners.commands import COMMAND, handle_incident_command
from bot.slack.listeners.events import store_events
from bot.slack.listeners.oncall import ONCALL, handle_oncall_command, handle_override_submission
from bot.slack.listeners.statuspage import MAINTENANCE, handle_maintenance_command
from bot.slack.listeners.timestamps import handle_timestamps_submission
from bot.slack.listeners.views import handle_form_submission

EVERY = re.compile(r".+")
# Every slash command the app answers (the manifest declares the same, a test checks).
COMMANDS = {
    COMMAND: handle_incident_command,
    ONCALL: handle_oncall_command,
    MAINTENANCE: handle_maintenance_command,
}


def register(app: AsyncApp, deps: SlackDeps) -> None:
    """Attach every listener to the app; they find their dependencies in the context."""

    async def provide_deps(context: dict[str, Any], next: Any) -> None:
        context["deps"] = deps
        await next()

    app.middleware(provide_deps)
    app.middleware(store_events)
    for command, handler in COMMANDS.items():
        app.command(command)(handler)
    app.action(EVERY)(handle_button)
    # Before the catch-all: the override form is checked against the schedules.
    app.view(CallbackId.ONCALL_OVERRIDE.value)(handle_override_submission)
    app.view(CallbackId.CORRECT_TIMES.value)(handle_timestamps_submission)
    app.view(EVERY)(handle_form_submission)
