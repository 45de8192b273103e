"""What the workspace holds besides people's doings: user groups, invitations, integrations.

`SandboxClient` inherits these helpers; they live here to keep the client module small.
"""

from __future__ import annotations

from typing import Any, Protocol


class _Control(Protocol):
    """The part of `SandboxClient` these helpers use."""

    def _post_control(self, path: str, body: dict[str, Any]) -> dict[str, Any]: ...

    def _get_control(self, path: str, **params: str) -> dict[str, Any]: ...

    def user(self, ref: str) -> dict[str, Any]: ...

    def channel(self, ref: str) -> dict[str, Any]: ...


class WorkspaceActions:
    """User groups, invitations and integration messages, over `/_sandbox`."""

    def add_usergroup(
        self: _Control, handle: str, users: list[str], name: str | None = None
    ) -> str:
        """Add a user group of people (by name or id); return its `S…` id."""
        body = {"handle": handle, "name": name, "users": [self.user(u)["id"] for u in users]}
        return str(self._post_control("/usergroups", body)["id"])

    def usergroups(self: _Control) -> list[dict[str, Any]]:
        """Return every user group, with its members and count."""
        state = self._get_control("/state", sections="usergroups")
        return list(state["usergroups"])

    def invite(self: _Control, user: str, channel: str, invitee: str) -> None:
        """A member invites a person or the bot (by id or name) into a channel."""
        body = {
            "user": self.user(user)["id"],
            "channel": self.channel(channel)["id"],
            "invitee": self.user(invitee)["id"],
        }
        self._post_control("/act/invite", body)

    def post_integration_message(
        self: _Control,
        channel: str,
        *,
        text: str = "",
        attachments: list[dict[str, Any]] | None = None,
        blocks: list[dict[str, Any]] | None = None,
        username: str = "Alertmanager",
        bot_id: str | None = None,
    ) -> str:
        """An integration (incoming webhook, monitoring) posts a `bot_message`; return its ts.

        The message has no user: a `bot_id` (the same one per `username` unless given) and
        the `username` instead, like a message from Alertmanager or Grafana.
        """
        body = {
            "channel": self.channel(channel)["id"],
            "text": text,
            "attachments": attachments,
            "blocks": blocks,
            "username": username,
            "bot_id": bot_id,
        }
        return str(self._post_control("/act/post_integration_message", body)["ts"])
