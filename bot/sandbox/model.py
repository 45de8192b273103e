"""Plain records the sandbox world keeps, and the fixed identity of its workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEAM_ID = "T0SANDBOX"
TEAM_NAME = "Sandbox"
TEAM_DOMAIN = "sandbox"
APP_ID = "A0SANDBOX"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
BOT_NAME = "warroom"
DEFAULT_TOKEN = "xoxb-sandbox-token"
DEFAULT_SIGNING_SECRET = "sandbox-signing-secret"
VERIFICATION_TOKEN = "sandbox-verification-token"
PERMALINK_BASE = "https://sandbox.slack.local"
DEFAULT_TZ = "Europe/London"

DEFAULT_SCOPES = frozenset(
    {
        "channels:manage",
        "channels:read",
        "channels:join",
        "channels:history",
        "channels:write.topic",
        "groups:read",
        "groups:write",
        "groups:history",
        "chat:write",
        "chat:write.public",
        "commands",
        "pins:read",
        "pins:write",
        "reactions:read",
        "reactions:write",
        "users:read",
        "users:read.email",
        "usergroups:read",
        "usergroups:write",
        "files:read",
        "files:write",
        "im:read",
        "im:write",
        "im:history",
    }
)

DEFAULT_SUBSCRIPTIONS = frozenset(
    {
        "pin_added",
        "reaction_added",
        "message.channels",
        "message.groups",
        "member_joined_channel",
        "channel_created",
    }
)


@dataclass
class User:
    """A workspace member (human or bot)."""

    id: str
    name: str
    real_name: str
    tz: str = DEFAULT_TZ
    email: str | None = None
    is_bot: bool = False
    bot_id: str | None = None
    deleted: bool = False


@dataclass
class UserGroup:
    """A user group (`@handle`, an `S…` id): people mentioned together, e.g. an on-call team."""

    id: str
    handle: str
    name: str
    users: list[str] = field(default_factory=list)
    description: str = ""
    created: int = 0
    created_by: str = ""
    updated: int = 0  # 0: never changed since it was made
    updated_by: str = ""


@dataclass
class Topic:
    """A channel topic or purpose."""

    value: str = ""
    creator: str = ""
    last_set: int = 0


@dataclass
class Channel:
    """A public or private channel, or a direct message (`is_im`) between the bot and `user`."""

    id: str
    name: str
    is_private: bool
    created: int
    creator: str
    members: set[str] = field(default_factory=set)
    topic: Topic = field(default_factory=Topic)
    purpose: Topic = field(default_factory=Topic)
    pins: list[str] = field(default_factory=list)
    archived: bool = False
    is_general: bool = False
    previous_names: list[str] = field(default_factory=list)
    is_im: bool = False
    user: str | None = None


@dataclass
class Message:
    """A message in a channel; every version it ever had is kept in `versions`."""

    ts: str
    channel: str
    text: str
    user: str
    bot_id: str | None = None
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    subtype: str | None = None
    reply_broadcast: bool = False
    files: list[str] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    edited: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    versions: list[dict[str, Any]] = field(default_factory=list)
    origin: str = "api"
    deleted: bool = False
    # Slack returns it only to readers who ask (`include_all_metadata`).
    metadata: dict[str, Any] | None = None


@dataclass
class Ephemeral:
    """A message only one user sees."""

    ts: str
    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]] | None
    source: str
    thread_ts: str | None = None
    deleted: bool = False
    versions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class View:
    """A modal as Slack stores it for one user."""

    id: str
    user: str
    data: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    external_id: str | None = None
    is_open: bool = True
    errors: dict[str, str] = field(default_factory=dict)
    versions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Trigger:
    """A trigger_id handed to the app with an interaction."""

    id: str
    user: str
    issued_at: float
    used: bool = False


@dataclass
class ResponseUrl:
    """Where a response_url points: the conversation and message it answers."""

    token: str
    channel: str
    user: str
    created: float
    message_ts: str | None = None
    is_ephemeral: bool = False
    uses: int = 0


@dataclass
class StoredFile:
    """A file uploaded through the external-upload flow."""

    id: str
    filename: str
    length: int
    user: str
    created: int
    title: str | None = None
    alt_txt: str | None = None
    data: bytes | None = None
    channels: list[str] = field(default_factory=list)
    shares: dict[str, list[str]] = field(default_factory=dict)
    completed: bool = False


@dataclass
class Call:
    """One Web API call as the sandbox answered it.

    `ok`, `error` and `status` are what the caller was told (`status` is None when the
    connection was dropped without an answer); `work_done` says whether Slack's side effects
    happened, which differs from `ok` when a fault loses the answer; `fault` names the
    injected fault mode (or `outage`) that shaped the answer.
    """

    method: str
    params: dict[str, Any]
    ok: bool
    error: str | None
    status: int | None
    at: float
    work_done: bool = field(kw_only=True)
    fault: str | None = field(default=None, kw_only=True)
