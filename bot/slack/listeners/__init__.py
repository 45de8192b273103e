"""Slack listeners, split by kind; each module has a `register(app, deps)`."""

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners import actions, alerts, commands, events, views
from bot.slack.listeners.deps import ListenerDeps


def register(app: AsyncApp, deps: ListenerDeps) -> None:
    """Attach every listener to the app."""
    for module in (commands, actions, views, events, alerts):
        module.register(app, deps)
