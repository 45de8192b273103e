"""Socket Mode as Slack runs it: tickets, WebSocket connections, envelopes, acks and retries.

Slack's side of the protocol: the app calls `apps.connections.open` with its app-level token,
connects to the URL it gets, receives `hello`, then receives every payload as an envelope
`{envelope_id, type, payload, accepts_response_payload}` (events also carry `retry_attempt` and
`retry_reason`) and must answer `{envelope_id, payload?}` within 3 seconds. Events that are not
acknowledged in time are sent again; an interaction that is not is shown to the user as failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Future as ThreadFuture
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.sandbox.model import APP_ID

DEFAULT_APP_TOKEN = "xapp-sandbox-app-token"
ACK_TIMEOUT_SECONDS = 3.0
SOCKET_PATH = "/_sandbox/socket"
ENVELOPE_TYPES = frozenset({"slash_commands", "interactive", "events_api"})
# Interaction types whose ack may carry an answer (Slack's examples mark them as accepting one).
ANSWERABLE_INTERACTIONS = frozenset({"block_actions", "view_submission", "block_suggestion"})
DEBUG_HOST = "applink-sandbox"
# How long Slack says it keeps one connection before refreshing it (seconds).
APPROXIMATE_CONNECTION_TIME = 18060
GOING_AWAY = 1001
POLICY_VIOLATION = 1008


def check_app_token(token: str | None, *, app_token: str, bot_token: str) -> str | None:
    """Return Slack's error for calling `apps.connections.open` with `token`, or None if allowed."""
    if not token:
        return "not_authed"
    if token == app_token:
        return None
    if token == bot_token:
        return "not_allowed_token_type"
    return "invalid_auth"


def accepts_response_payload(kind: str, payload: dict[str, Any]) -> bool:
    """Return whether Slack lets the ack of this envelope carry an answer."""
    if kind == "slash_commands":
        return True
    if kind == "interactive":
        return payload.get("type") in ANSWERABLE_INTERACTIONS
    return False


def build_hello(app_id: str, num_connections: int) -> dict[str, Any]:
    """Return the `hello` message Slack sends first on every new connection."""
    return {
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {
            "host": DEBUG_HOST,
            "build_number": 1,
            "approximate_connection_time": APPROXIMATE_CONNECTION_TIME,
        },
        "connection_info": {"app_id": app_id},
    }


def build_disconnect(reason: str) -> dict[str, Any]:
    """Return a `disconnect` message (`warning`, `refresh_requested`, `link_disabled`)."""
    return {"type": "disconnect", "reason": reason, "debug_info": {"host": DEBUG_HOST}}


@dataclass
class SocketConnection:
    """One WebSocket the app opened, and how much went over it."""

    id: str
    websocket: WebSocket
    opened_at: float
    closed_at: float | None = None
    sent: int = 0
    received: int = 0
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, message: dict[str, Any]) -> None:
        """Send one JSON text frame (frames never interleave)."""
        async with self.send_lock:
            await self.websocket.send_text(json.dumps(message))
            self.sent += 1

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready description of this connection."""
        return {
            "id": self.id,
            "open": self.closed_at is None,
            "opened_at": self.opened_at,
            "closed_at": self.closed_at,
            "sent": self.sent,
            "received": self.received,
        }


@dataclass
class Envelope:
    """One envelope sent to the app, and the ack that came back (or did not)."""

    envelope_id: str
    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    connection: str
    source: str
    retry_attempt: int | None = None
    retry_reason: str | None = None
    sent_at: float = field(default_factory=time.time)
    acked: bool = False
    late: bool = False
    ack_payload: dict[str, Any] | None = None
    ack_seconds: float | None = None
    failure: str | None = None
    effect: dict[str, Any] | None = None
    started: float = field(default_factory=time.monotonic, repr=False)

    def message(self) -> dict[str, Any]:
        """Return the frame exactly as Slack writes it."""
        frame: dict[str, Any] = {
            "envelope_id": self.envelope_id,
            "payload": self.payload,
            "type": self.type,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            frame["retry_attempt"] = self.retry_attempt or 0
            frame["retry_reason"] = self.retry_reason or ""
        return frame

    def to_json(self) -> dict[str, Any]:
        """Return the frame plus what happened to it."""
        return {
            **self.message(),
            "event_id": self.payload.get("event_id") if self.type == "events_api" else None,
            "connection": self.connection,
            "source": self.source,
            "sent_at": self.sent_at,
            "acked": self.acked,
            "late": self.late,
            "ack_payload": self.ack_payload,
            "ack_seconds": self.ack_seconds,
            "failure": self.failure,
            "effect": self.effect,
        }


class SocketModeHub:
    """Slack's end of Socket Mode for one workspace; safe to call from any thread.

    Network work runs on the event loop of the server that accepted the connections.
    """

    def __init__(
        self,
        *,
        app_id: str = APP_ID,
        ack_timeout: float = ACK_TIMEOUT_SECONDS,
        retry_delays: Sequence[float] = (),
    ) -> None:
        self.app_id = app_id
        self.ack_timeout = ack_timeout
        self.retry_delays = tuple(retry_delays)
        self._lock = threading.Lock()
        self._tickets: set[str] = set()
        self._connections: list[SocketConnection] = []
        self._envelopes: list[Envelope] = []
        self._by_id: dict[str, Envelope] = {}
        self._waiting: dict[str, asyncio.Future[None]] = {}
        self._unmatched: list[Any] = []
        self._pending = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._deliveries: set[ThreadFuture[None]] = set()
        self._closed = False
        self._numbers = itertools.count(1)

    # -- tickets and connections -------------------------------------------------------

    def issue_ticket(self) -> str:
        """Return a fresh ticket for one WebSocket connection."""
        ticket = secrets.token_urlsafe(18)
        with self._lock:
            self._tickets.add(ticket)
        return ticket

    def redeem_ticket(self, ticket: str) -> bool:
        """Use a ticket up; False if it was never issued or is already used."""
        with self._lock:
            if self._closed or ticket not in self._tickets:
                return False
            self._tickets.remove(ticket)
            return True

    def is_connected(self) -> bool:
        """Return whether the app has at least one open connection."""
        return self._newest() is not None

    def _newest(self) -> SocketConnection | None:
        with self._lock:
            live = [c for c in self._connections if c.closed_at is None]
        # With several connections Slack may use any; the newest survives a refresh best.
        return live[-1] if live else None

    async def serve(self, websocket: WebSocket) -> None:
        """Run one accepted connection: say hello, then read acks until it closes."""
        try:
            connection = await self._attach(websocket)
        except (WebSocketDisconnect, RuntimeError, OSError):
            return  # gone before hello
        try:
            while True:
                frame = await websocket.receive()
                if frame["type"] == "websocket.disconnect":
                    break
                text = frame.get("text")
                if text is None and frame.get("bytes") is not None:
                    text = frame["bytes"].decode("utf-8", errors="replace")
                self.receive(connection, text or "")
        except WebSocketDisconnect:
            pass
        finally:
            with self._lock:
                connection.closed_at = time.time()

    async def _attach(self, websocket: WebSocket) -> SocketConnection:
        with self._lock:
            self._loop = asyncio.get_running_loop()
            number = next(self._numbers)
            live = sum(1 for c in self._connections if c.closed_at is None)
        connection = SocketConnection(f"sock-{number}", websocket, time.time())
        # hello goes first: the connection takes envelopes only once it is registered
        await connection.send(build_hello(self.app_id, live + 1))
        with self._lock:
            self._connections.append(connection)
        return connection

    def receive(self, connection: SocketConnection, text: str) -> None:
        """Take one frame from the app: an ack `{envelope_id, payload?}` or something stray."""
        connection.received += 1
        try:
            frame = json.loads(text)
        except ValueError:
            frame = None
        envelope_id = frame.get("envelope_id") if isinstance(frame, dict) else None
        with self._lock:
            record = self._by_id.get(str(envelope_id)) if envelope_id else None
            if record is None or record.ack_payload is not None or record.acked or record.late:
                self._unmatched.append(frame if frame is not None else text)
                return
            assert isinstance(frame, dict)
            payload = frame.get("payload")
            record.ack_payload = payload if isinstance(payload, dict) else {}
            record.ack_seconds = time.monotonic() - record.started
            waiting = self._waiting.get(record.envelope_id)
            if waiting is not None and not waiting.done():
                record.acked = True
                waiting.set_result(None)
            else:
                record.late = True

    # -- sending -----------------------------------------------------------------------

    async def exchange(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        source: str = "driver",
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
    ) -> Envelope | None:
        """Send one envelope and wait for its ack; None when the app is not connected."""
        connection = self._newest()
        if connection is None:
            return None
        record = Envelope(
            str(uuid.uuid4()),
            kind,
            payload,
            accepts_response_payload(kind, payload),
            connection.id,
            source,
            retry_attempt,
            retry_reason,
        )
        waiting: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        with self._lock:
            self._envelopes.append(record)
            self._by_id[record.envelope_id] = record
            self._waiting[record.envelope_id] = waiting
        try:
            await connection.send(record.message())
            await asyncio.wait_for(waiting, self.ack_timeout)
        except TimeoutError:
            record.failure = "timeout"
        except (WebSocketDisconnect, RuntimeError, OSError):
            record.failure = "connection_closed"
        finally:
            with self._lock:
                self._waiting.pop(record.envelope_id, None)
        return record

    def submit_event(self, envelope: dict[str, Any]) -> bool:
        """Queue an Events API envelope for the socket; False when no connection is open."""
        with self._lock:
            loop = self._loop
            if self._closed or loop is None:
                return False
        if not self.is_connected():
            return False
        with self._lock:
            self._pending += 1
        try:
            future = asyncio.run_coroutine_threadsafe(self._deliver_event(envelope), loop)
        except RuntimeError:  # the server's loop has already stopped
            with self._lock:
                self._pending -= 1
            return False
        with self._lock:
            self._deliveries.add(future)
        future.add_done_callback(self._forget)
        return True

    def _forget(self, future: ThreadFuture[None]) -> None:
        with self._lock:
            self._deliveries.discard(future)
            self._pending -= 1

    async def _deliver_event(self, envelope: dict[str, Any]) -> None:
        reason = ""
        for attempt in range(len(self.retry_delays) + 1):
            if attempt:
                await asyncio.sleep(self.retry_delays[attempt - 1])
            record = await self.exchange(
                "events_api", envelope, source="event", retry_attempt=attempt, retry_reason=reason
            )
            if record is not None and record.acked:
                return
            reason = "timeout"

    async def disconnect_all(self, reason: str) -> int:
        """Send `disconnect` with `reason` on every open connection; return how many."""
        with self._lock:
            live = [c for c in self._connections if c.closed_at is None]
        for connection in live:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await connection.send(build_disconnect(reason))
        return len(live)

    # -- reading and closing -----------------------------------------------------------

    def pending(self) -> int:
        """Return how many events are still on their way over the socket."""
        with self._lock:
            return self._pending

    def envelopes(self) -> list[Envelope]:
        """Return every envelope sent so far, oldest first."""
        with self._lock:
            return list(self._envelopes)

    def state(self) -> dict[str, Any]:
        """Return connections, envelopes with their acks, stray frames and pending events."""
        with self._lock:
            return {
                "connections": [c.to_json() for c in self._connections],
                "envelopes": [e.to_json() for e in self._envelopes],
                "unmatched_acks": list(self._unmatched),
                "pending_deliveries": self._pending,
            }

    def close(self) -> None:
        """Stop delivering and close every connection (the app sees the server go away)."""
        with self._lock:
            self._closed = True
            loop, live = self._loop, [c for c in self._connections if c.closed_at is None]
            deliveries = list(self._deliveries)
        for future in deliveries:
            future.cancel()
        if loop is None or loop.is_closed():
            return
        for connection in live:
            with contextlib.suppress(RuntimeError):
                asyncio.run_coroutine_threadsafe(_close_quietly(connection.websocket), loop)


async def _close_quietly(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await websocket.close(code=GOING_AWAY)
