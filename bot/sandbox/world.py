"""The sandbox workspace: every user, channel, message, view and file, behind one lock."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from bot.sandbox import events
from bot.sandbox.clock import Clock
from bot.sandbox.delivery import DEFAULT_DELIVERY_TIMEOUT, DEFAULT_RETRY_DELAYS, EventDispatcher
from bot.sandbox.interactions import Interactions
from bot.sandbox.limits import FaultInjector, RateLimiter
from bot.sandbox.model import (
    BOT_USER_ID,
    DEFAULT_SCOPES,
    DEFAULT_SIGNING_SECRET,
    DEFAULT_SUBSCRIPTIONS,
    DEFAULT_TOKEN,
    Call,
    Channel,
    Ephemeral,
    Message,
    StoredFile,
    User,
    UserGroup,
    View,
)
from bot.sandbox.rendering import render_message
from bot.sandbox.seed import seed_workspace
from bot.sandbox.shapes import build_permalink
from bot.sandbox.socket_mode import DEFAULT_APP_TOKEN, SocketModeHub

_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class World:
    """State of one sandbox workspace; every method is safe to call from any thread."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        app_token: str = DEFAULT_APP_TOKEN,
        signing_secret: str = DEFAULT_SIGNING_SECRET,
        event_url: str | None = None,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        subscriptions: Iterable[str] = DEFAULT_SUBSCRIPTIONS,
        enforce_rate_limits: bool = False,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        delivery_timeout: float = DEFAULT_DELIVERY_TIMEOUT,
        clock: Clock | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self.token = token
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.event_url = event_url
        self.scopes = set(scopes)
        self.subscriptions = set(subscriptions)
        self.enforce_rate_limits = enforce_rate_limits
        self.users: dict[str, User] = {}
        self.usergroups: dict[str, UserGroup] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, dict[str, Message]] = {}
        self.pin_info: dict[tuple[str, str], tuple[int, str]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.files: dict[str, StoredFile] = {}
        self.calls: list[Call] = []
        self.events: list[dict[str, Any]] = []
        self.faults = FaultInjector()
        self.rate_limiter = RateLimiter()
        self.dispatcher = EventDispatcher(retry_delays=retry_delays, timeout=delivery_timeout)
        self.socket_mode = SocketModeHub(ack_timeout=delivery_timeout, retry_delays=retry_delays)
        self._counters: dict[str, int] = {}
        self._last_us = 0
        self.interactions = Interactions(self.clock, self.lock)
        seed_workspace(self)

    # -- time and ids ---------------------------------------------------------------

    def now(self) -> float:
        """Return the sandbox clock's time."""
        return self.clock.now()

    def new_id(self, prefix: str) -> str:
        """Return a fresh Slack-style id such as `C0000000001`."""
        with self.lock:
            number = self._counters.get(prefix, 0) + 1
            self._counters[prefix] = number
        text = ""
        while number:
            number, rest = divmod(number, 36)
            text = _DIGITS[rest] + text
        return prefix + text.rjust(10, "0")

    def next_ts(self) -> str:
        """Return a message ts: from the clock, unique and strictly increasing."""
        with self.lock:
            micros = max(int(self.now() * 1_000_000), self._last_us + 1)
            self._last_us = micros
        seconds, fraction = divmod(micros, 1_000_000)
        return f"{seconds}.{fraction:06d}"

    # -- users and channels ---------------------------------------------------------

    def add_user(
        self,
        name: str,
        real_name: str | None = None,
        *,
        user_id: str | None = None,
        tz: str = "Europe/London",
        email: str | None = None,
    ) -> User:
        """Add a human member to the workspace."""
        with self.lock:
            user = User(user_id or self.new_id("U"), name, real_name or name.title(), tz, email)
            self.users[user.id] = user
            return user

    def find_user(self, user_id: str) -> User | None:
        """Return a live user by id."""
        user = self.users.get(user_id)
        return user if user and not user.deleted else None

    def find_channel(self, ref: str) -> Channel | None:
        """Return a channel by id, by name, or by `#name`."""
        with self.lock:
            if ref in self.channels:
                return self.channels[ref]
            name = ref[1:] if ref.startswith("#") else ref
            named = (c for c in self.channels.values() if c.name == name and not c.is_im)
            return next(named, None)

    def _new_channel(self, name: str, *, creator: str, is_private: bool) -> Channel:
        channel = Channel(self.new_id("C"), name, is_private, int(self.now()), creator)
        self.channels[channel.id] = channel
        self.messages[channel.id] = {}
        return channel

    def create_channel(self, name: str, *, creator: str, is_private: bool) -> Channel:
        """Create a channel with its creator as the only member, as Slack does."""
        with self.lock:
            channel = self._new_channel(name, creator=creator, is_private=is_private)
            if not is_private:
                self.emit(events.build_channel_created_event(channel, self.next_ts()), channel)
            self.add_member(channel, creator)
            return channel

    def add_member(self, channel: Channel, user_id: str, *, inviter: str | None = None) -> None:
        """Put a user in a channel, with the join message and events Slack produces."""
        with self.lock:
            channel.members.add(user_id)
            joined_ts = self.next_ts()
            joined = events.build_member_joined_event(user_id, channel, joined_ts, inviter)
            self.emit(joined, channel)
            extra = {"inviter": inviter} if inviter else {}
            self.post_message(
                channel,
                user=user_id,
                text=f"<@{user_id}> has joined the channel",
                subtype="channel_join",
                extra=extra,
                origin="system",
            )

    # -- messages -------------------------------------------------------------------

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        """Return a live (not deleted) message."""
        message = self.messages.get(channel_id, {}).get(ts)
        return message if message and not message.deleted else None

    def channel_messages(self, channel_id: str) -> list[Message]:
        """Return a channel's live messages, oldest first."""
        with self.lock:
            return [m for m in self.messages.get(channel_id, {}).values() if not m.deleted]

    def post_message(
        self,
        channel: Channel,
        *,
        user: str,
        text: str,
        bot_id: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        subtype: str | None = None,
        reply_broadcast: bool = False,
        files: list[str] | None = None,
        extra: dict[str, Any] | None = None,
        origin: str = "api",
    ) -> Message:
        """Store a new message and send the `message` event for it."""
        with self.lock:
            message = Message(
                self.next_ts(),
                channel.id,
                text,
                user,
                bot_id,
                blocks,
                attachments,
                thread_ts,
                subtype,
                reply_broadcast,
                list(files or []),
                extra=dict(extra or {}),
                origin=origin,
            )
            message.versions.append(self._version_of(message))
            self.messages[channel.id][message.ts] = message
            event = events.build_message_event(self.message_json(message), channel, message.ts)
            self.emit(event, channel)
            return message

    def edit_message(
        self,
        message: Message,
        *,
        text: str | None,
        blocks: list[dict[str, Any]] | None,
        attachments: list[dict[str, Any]] | None,
        editor: str,
        blocks_given: bool,
        attachments_given: bool,
    ) -> None:
        """Edit a message in place (same ts), keeping the old version, as chat.update does."""
        with self.lock:
            channel = self.channels[message.channel]
            before = self.message_json(message)
            if text is not None:
                message.text = text
            if blocks_given:
                message.blocks = blocks
            elif text is not None:
                # Slack drops old blocks when only text is sent; they survive text-less updates.
                message.blocks = None
            if attachments_given:
                message.attachments = attachments
            edit_ts = self.next_ts()
            if not blocks_given:
                message.edited = {"user": editor, "ts": edit_ts}
            message.versions.append(self._version_of(message))
            after = self.message_json(message)
            self.emit(events.build_message_changed_event(after, before, channel, edit_ts), channel)

    def delete_message(self, message: Message) -> None:
        """Delete a message and unpin it."""
        with self.lock:
            channel = self.channels[message.channel]
            before = self.message_json(message)
            message.deleted = True
            if message.ts in channel.pins:
                channel.pins.remove(message.ts)
            self.emit(events.build_message_deleted_event(before, channel, self.next_ts()), channel)

    def _version_of(self, message: Message) -> dict[str, Any]:
        return {"text": message.text, "blocks": message.blocks, "at": self.now()}

    def message_json(self, message: Message, *, with_metadata: bool = False) -> dict[str, Any]:
        """Return a message as the Web API writes it (its metadata only if asked)."""
        with self.lock:
            return render_message(self, message, with_metadata=with_metadata)

    def permalink(self, message: Message) -> str:
        """Return a message's permalink."""
        return build_permalink(message.channel, message.ts, message.thread_ts)

    def post_ephemeral(
        self,
        channel: Channel,
        user: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        *,
        source: str,
        thread_ts: str | None = None,
    ) -> Ephemeral:
        """Show a message to one user only."""
        with self.lock:
            item = Ephemeral(self.next_ts(), channel.id, user, text, blocks, source, thread_ts)
            item.versions.append({"text": text, "blocks": blocks, "at": self.now()})
            self.ephemerals.append(item)
            return item

    # -- events ---------------------------------------------------------------------

    def emit(self, event: dict[str, Any], channel: Channel | None) -> None:
        """Record an event and, if the app would receive it, queue its delivery."""
        with self.lock:
            event_id = events.build_event_id(len(self.events) + 1)
            envelope = events.build_envelope(event, event_id=event_id, event_time=int(self.now()))
            visible = event["type"] in events.WORKSPACE_EVENTS or (
                channel is not None and BOT_USER_ID in channel.members
            )
            wanted = visible and events.subscription_for(event, channel) in self.subscriptions
            # While the app is connected over Socket Mode, Slack sends events there, not over HTTP.
            socket = wanted and self.socket_mode.submit_event(envelope)
            queued = socket or (bool(self.event_url) and wanted)
            self.events.append({"event_id": event_id, "envelope": envelope, "queued": queued})
            if queued and not socket and self.event_url:
                key = channel.id if channel is not None else "workspace"
                self.dispatcher.submit(
                    envelope, key=key, url=self.event_url, secret=self.signing_secret
                )

    def inject(
        self,
        method: str,
        error: str | None = None,
        *,
        times: int = 1,
        retry_after: int | None = None,
        status: int | None = None,
        mode: str = "error",
    ) -> None:
        """Make the next `times` calls of `method` fail as `mode` says (see FaultInjector.add)."""
        with self.lock:
            self.faults.add(
                method, error, times=times, retry_after=retry_after, status=status, mode=mode
            )

    def calls_to(self, method: str) -> list[Call]:
        """Return the logged calls of one Web API method."""
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def close(self) -> None:
        """Stop background event delivery, over HTTP and over Socket Mode."""
        self.dispatcher.close()
        self.socket_mode.close()
