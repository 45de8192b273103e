"""SandboxClient: what people do in Slack, and what tests read back, over the sandbox's HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from bot.sandbox.fault_client import FaultControls
from bot.sandbox.workspace_actions import WorkspaceActions

T = TypeVar("T")

# Messages Slack itself writes into a channel; hidden from `messages()` unless asked for.
SYSTEM_SUBTYPES = frozenset(
    {
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "pinned_item",
    }
)


class SandboxActionError(RuntimeError):
    """The sandbox refused a user action (with Slack's error code)."""

    def __init__(self, error: str, status: int) -> None:
        super().__init__(f"{error} (HTTP {status})")
        self.error = error
        self.status = status


class SandboxClient(WorkspaceActions, FaultControls):
    """HTTP client for `/_sandbox`: people's actions, configuration and state."""

    def __init__(self, sandbox_url: str, *, timeout: float = 10.0) -> None:
        self.sandbox_url = sandbox_url.rstrip("/")
        self.http = httpx.Client(timeout=timeout)

    def close(self) -> None:
        """Close the HTTP connections."""
        self.http.close()

    def _check(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 300:
            try:
                error = str(response.json().get("error", response.text))
            except ValueError:
                error = response.text
            raise SandboxActionError(error, response.status_code)
        data: dict[str, Any] = response.json()
        return data

    def _post_control(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._check(self.http.post(f"{self.sandbox_url}/_sandbox{path}", json=body))

    def _get_control(self, path: str, **params: str) -> dict[str, Any]:
        return self._check(self.http.get(f"{self.sandbox_url}/_sandbox{path}", params=params))

    # -- people ---------------------------------------------------------------------

    def post_message(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> str:
        """A person posts a message; return its ts."""
        body = {
            "user": self.user(user)["id"],
            "channel": self.channel(channel)["id"],
            "text": text,
            "thread_ts": thread_ts,
        }
        return str(self._post_control("/act/post_message", body)["ts"])

    def pin(self, user: str, channel: str, ts: str) -> None:
        """A person pins a message."""
        self._post_control(
            "/act/pin",
            {"user": self.user(user)["id"], "channel": self.channel(channel)["id"], "ts": ts},
        )

    def react(self, user: str, channel: str, ts: str, name: str) -> None:
        """A person adds a reaction."""
        self._post_control(
            "/act/react",
            {
                "user": self.user(user)["id"],
                "channel": self.channel(channel)["id"],
                "ts": ts,
                "name": name,
            },
        )

    def join(self, user: str, channel: str) -> None:
        """A person joins a public channel."""
        self._post_control(
            "/act/join", {"user": self.user(user)["id"], "channel": self.channel(channel)["id"]}
        )

    def create_channel(self, user: str, name: str, *, is_private: bool = False) -> str:
        """A person creates a channel; return its id."""
        body = {"user": self.user(user)["id"], "name": name, "is_private": is_private}
        return str(self._post_control("/act/create_channel", body)["channel"])

    def add_user(self, name: str, real_name: str | None = None, **fields: Any) -> str:
        """Add a person to the workspace; return their id."""
        body = {"name": name, "real_name": real_name, **fields}
        return str(self._post_control("/users", body)["id"])

    # -- configuration --------------------------------------------------------------

    def configure(self, **settings: Any) -> None:
        """Set event_url, signing_secret, subscriptions, scopes or enforce_rate_limits."""
        self._post_control("/config", settings)

    def advance_clock(self, seconds: float) -> None:
        """Move the sandbox clock forward (e.g. to expire trigger_ids)."""
        self._post_control("/clock", {"advance": seconds})

    # -- reading state --------------------------------------------------------------

    def state(self, *sections: str) -> dict[str, Any]:
        """Return the sandbox state (only the named sections, if any)."""
        params = {"sections": ",".join(sections)} if sections else {}
        return self._get_control("/state", **params)

    def user(self, ref: str) -> dict[str, Any]:
        """Return a user by id or name."""
        for user in self.state("users")["users"]:
            if ref in (user["id"], user["name"]):
                return dict(user)
        raise LookupError(f"no user {ref!r} in the sandbox")

    def channel(self, ref: str) -> dict[str, Any]:
        """Return a channel by id, name or #name."""
        name = ref.removeprefix("#")
        for channel in self.state("channels")["channels"]:
            if ref == channel["id"] or name == channel["name"]:
                return dict(channel)
        raise LookupError(f"no channel {ref!r} in the sandbox")

    def channel_by_name(self, name: str) -> dict[str, Any] | None:
        """Return a channel by name, or None."""
        try:
            return self.channel(name)
        except LookupError:
            return None

    def messages(self, channel: str, *, include_system: bool = False) -> list[dict[str, Any]]:
        """Return a channel's live messages (thread replies too), oldest first."""
        channel_id = self.channel(channel)["id"]
        found = self.state("messages")["messages"].get(channel_id, [])
        return [m for m in found if include_system or m.get("subtype") not in SYSTEM_SUBTYPES]

    def dm_channel(self, user: str) -> str | None:
        """Return the id of the bot's DM with a person (by id or name), or None if never opened."""
        user_id = self.user(user)["id"]
        for channel in self.state("channels")["channels"]:
            if channel.get("is_im") and channel["user"] == user_id:
                return str(channel["id"])
        return None

    def dm_messages(self, user: str) -> list[dict[str, Any]]:
        """Return what the bot sent a person (by id or name) by DM, oldest first."""
        user_id = self.user(user)["id"]
        state = self.state("team", "channels", "messages")
        bot_user = state["team"]["bot_user_id"]
        for channel in state["channels"]:
            if channel.get("is_im") and channel["user"] == user_id:
                found = state["messages"].get(channel["id"], [])
                return [m for m in found if m.get("user") == bot_user]
        return []

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """Return {message, is_ephemeral, channel} for a channel or ephemeral message."""
        return self._get_control("/message", channel=self.channel(channel)["id"], ts=ts)

    def pins(self, channel: str) -> list[dict[str, Any]]:
        """Return the pinned messages of a channel, in pin order."""
        target = self.channel(channel)
        by_ts = {m["ts"]: m for m in self.messages(target["id"], include_system=True)}
        return [by_ts[ts] for ts in target["pins"] if ts in by_ts]

    def topic(self, channel: str) -> str:
        """Return a channel's topic."""
        return str(self.channel(channel)["topic"])

    def purpose(self, channel: str) -> str:
        """Return a channel's purpose (description)."""
        return str(self.channel(channel)["purpose"])

    def ephemerals(
        self, user: str | None = None, channel: str | None = None
    ) -> list[dict[str, Any]]:
        """Return ephemeral messages still shown, for a user and/or channel."""
        user_id = self.user(user)["id"] if user else None
        channel_id = self.channel(channel)["id"] if channel else None
        return [
            e
            for e in self.state("ephemerals")["ephemerals"]
            if not e["deleted"]
            and user_id in (None, e["user"])
            and channel_id in (None, e["channel"])
        ]

    def views(self, user: str, *, include_closed: bool = False) -> list[dict[str, Any]]:
        """Return a user's modals (open ones by default), oldest first."""
        user_id = self.user(user)["id"]
        return [
            v
            for v in self.state("views")["views"]
            if v["user"] == user_id and (include_closed or v["is_open"])
        ]

    def latest_view(self, user: str) -> dict[str, Any] | None:
        """Return the modal the user is looking at, or None."""
        views = self.views(user)
        return views[-1] if views else None

    def view(self, view_id: str) -> dict[str, Any]:
        """Return a stored view object as the app would receive it."""
        data = self._get_control(f"/views/{view_id}")
        if not data["is_open"]:
            raise LookupError(f"view {view_id} is closed")
        view: dict[str, Any] = data["view"]
        return view

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """Return every event the sandbox produced (delivered or not)."""
        return [
            e
            for e in self.state("events")["events"]
            if event_type in (None, e["envelope"]["event"]["type"])
        ]

    def deliveries(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """Return event deliveries to the app, with each attempt's answer."""
        return [
            d
            for d in self.state("deliveries")["deliveries"]
            if event_type in (None, d["event_type"])
        ]

    def file_bytes(self, file_id: str) -> bytes:
        """Return the bytes of an uploaded file."""
        response = self.http.get(f"{self.sandbox_url}/_sandbox/files/{file_id}")
        if response.status_code >= 300:
            self._check(response)
        return response.content

    def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 10.0,
        *,
        interval: float = 0.02,
        description: str = "",
    ) -> T:
        """Poll `predicate` until it returns something truthy; AssertionError on timeout.

        A predicate that raises counts as "not yet" (the state it reads may not exist yet);
        the last error is attached to the timeout.
        """
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while True:
            try:
                result = predicate()
            except Exception as error:
                result, last_error = None, error
            if result:
                return result
            if time.monotonic() > deadline:
                what = description or getattr(predicate, "__name__", "condition")
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}"
                ) from last_error
            time.sleep(interval)

    def wait_for_deliveries(self, timeout: float = 5.0) -> None:
        """Wait until every queued event has been delivered (or given up on)."""
        self.wait_for(
            lambda: self.state("deliveries")["pending_deliveries"] == 0,
            timeout,
            description="event deliveries to finish",
        )
