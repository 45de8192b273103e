"""Slack listeners: acknowledge fast, after storing what was asked; `register` only wires."""

from slack_bolt.async_app import AsyncApp

from bot.slack.deps import SlackDeps
from bot.slack.listeners import actions, commands, events, views


def register(app: AsyncApp, deps: SlackDeps) -> None:
    """Attach every listener to the app."""
    for module in (events, commands, actions, views):
        module.register(app, deps)
