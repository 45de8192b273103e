"""An ASGI guard in front of `POST /slack/events`: bounded reading, verification, then parsing.

Bolt reads the whole body, parses it and only then verifies the signature; a malformed
timestamp makes slack_sdk raise, and Bolt's error handling then trusts the unverified body.
This middleware answers every request to the Slack path before the app sees it:

1. a method other than POST is refused (405);
2. a Content-Length above `max_body` is refused at once, before any body is read (413);
3. the timestamp and signature headers must be well formed, and the timestamp fresh (401);
4. the body is read chunk by chunk, never holding more than `max_body` bytes (413), and it must
   be complete within `body_timeout` seconds of the request reaching the app (408);
5. the HMAC must match (401); only then is the body parsed, to check its shape (400, 415);
6. the app gets the exact raw body, replayed.

Every refusal closes the connection and is logged once, at WARNING, on `warroom.slack.guard`,
on one line, with attacker-controlled values cut short and `repr()`-escaped.

What this cannot bound: the time and bytes a client spends before its headers are complete.
An ASGI app is only called once the server has parsed the whole request head, so a header
timeout is out of its reach; see `bot.web.limits` for what uvicorn bounds there, and what not.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("warroom.slack.guard")

MIB = 1024 * 1024
MAX_CLOCK_SKEW_SECONDS = 5 * 60

# Slack sends a Unix time in seconds; 12 digits is past year 33000, and anything else
# (signs, dots, spaces, non-ASCII digits) is refused rather than coerced.
_TIMESTAMP = re.compile(rb"[0-9]{1,12}")
_SIGNATURE = re.compile(rb"v0=[0-9a-f]{64}")
_CONTENT_LENGTH = re.compile(rb"[0-9]{1,19}")
_PLAIN = re.compile(r"[!-~]{1,64}")  # printable ASCII without spaces: safe to log as is
_FRAGMENT_BYTES = 32

_FORM = b"application/x-www-form-urlencoded"
_JSON = b"application/json"


class _Refusal(Exception):
    """A request the guard answers itself instead of passing it on."""

    def __init__(self, status: int, error: str, reason: str, received: int = 0) -> None:
        super().__init__(reason)
        self.status = status
        self.error = error
        self.reason = reason
        self.received = received


class _Disconnected(Exception):
    """The client went away before its body was complete: there is no one to answer."""


class SlackRequestGuard:
    """Pure ASGI middleware that verifies and bounds requests to the Slack path."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        signing_secret: str,
        path: str = "/slack/events",
        max_body: int = MIB,
        body_timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not signing_secret:
            raise ValueError("signing_secret must not be empty")
        self.app = app
        self.path = path
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.clock = clock
        self._secret = signing_secret.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Guard requests to the Slack path; pass everything else through untouched."""
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        # The deadline counts from the moment the app is called: the server calls it as soon
        # as the request head is complete, which is the earliest an ASGI app can know of it.
        deadline = asyncio.get_running_loop().time() + self.body_timeout
        body = b""
        try:
            if scope["method"] != "POST":
                raise _Refusal(405, "method_not_allowed", "only POST is accepted")
            headers = _Headers(scope)
            self._check_length(headers)
            timestamp, signature = self._check_headers(headers)
            body = await self._read_body(receive, deadline)
            self._check_signature(timestamp, signature, body)
            _check_shape(headers.one(b"content-type", 400, "invalid_body"), body)
        except _Refusal as refusal:
            await _refuse(scope, send, refusal, refusal.received or len(body))
            return
        except _Disconnected:
            log.info("Slack request abandoned by %s before its body was complete", _client(scope))
            return
        await self.app(scope, _replay(body, receive), send)

    def _check_length(self, headers: _Headers) -> None:
        declared = headers.one(b"content-length", 400, "invalid_content_length")
        if declared is None:
            return
        if not _CONTENT_LENGTH.fullmatch(declared):
            raise _Refusal(
                400, "invalid_content_length", f"bad Content-Length {_fragment(declared)}"
            )
        if int(declared) > self.max_body:
            raise _Refusal(
                413, "body_too_large", f"Content-Length {int(declared)} exceeds {self.max_body}"
            )

    def _check_headers(self, headers: _Headers) -> tuple[bytes, bytes]:
        timestamp = headers.one(b"x-slack-request-timestamp", 401, "invalid_timestamp")
        if timestamp is None:
            raise _Refusal(401, "invalid_timestamp", "missing X-Slack-Request-Timestamp")
        if not _TIMESTAMP.fullmatch(timestamp):
            raise _Refusal(
                401,
                "invalid_timestamp",
                f"X-Slack-Request-Timestamp is not 1-12 digits: {_fragment(timestamp)}",
            )
        if abs(self.clock() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
            raise _Refusal(401, "stale_timestamp", "timestamp is more than 5 minutes from now")
        signature = headers.one(b"x-slack-signature", 401, "invalid_signature")
        if signature is None:
            raise _Refusal(401, "invalid_signature", "missing X-Slack-Signature")
        if not _SIGNATURE.fullmatch(signature):
            raise _Refusal(
                401,
                "invalid_signature",
                f"X-Slack-Signature is not v0= and 64 lowercase hex: {_fragment(signature)}",
            )
        return timestamp, signature

    async def _read_body(self, receive: Receive, deadline: float) -> bytes:
        chunks: list[bytes] = []
        received = 0
        try:
            async with asyncio.timeout_at(deadline):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise _Disconnected
                    chunk: bytes = message.get("body", b"")
                    received += len(chunk)
                    # Checked before keeping the chunk, so that no more than max_body is held.
                    if received > self.max_body:
                        raise _Refusal(
                            413, "body_too_large", f"body exceeds {self.max_body}", received
                        )
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            raise _Refusal(
                408,
                "request_timeout",
                f"body not complete within {self.body_timeout:g} s",
                received,
            ) from None

    def _check_signature(self, timestamp: bytes, signature: bytes, body: bytes) -> None:
        mac = hmac.new(self._secret, b"v0:" + timestamp + b":", hashlib.sha256)
        mac.update(body)  # no copy of the body just to prepend the prefix
        expected = b"v0=" + mac.hexdigest().encode()
        if not hmac.compare_digest(expected, signature):
            raise _Refusal(401, "invalid_signature", "signature does not match the body")


class _Headers:
    """The request headers, looked up by lowercase name, refusing duplicates."""

    def __init__(self, scope: Scope) -> None:
        self._pairs: list[tuple[bytes, bytes]] = list(scope["headers"])

    def one(self, name: bytes, status: int, error: str) -> bytes | None:
        """The header's only value, None when absent; duplicates are ambiguous, so refused."""
        values = [value for key, value in self._pairs if key == name]
        if len(values) > 1:
            raise _Refusal(status, error, f"more than one {name.decode()} header")
        return values[0] if values else None


def _check_shape(content_type: bytes | None, body: bytes) -> None:
    """Refuse a signed body that Bolt would fail to parse, mirroring how Bolt picks a parser."""
    media = (content_type or b"").split(b";")[0].strip().lower()
    try:
        text = body.decode("utf-8")  # Bolt decodes the body as UTF-8 and raises otherwise
    except UnicodeDecodeError as exc:
        raise _Refusal(400, "invalid_body", f"body is not UTF-8 (byte {exc.start})") from None
    # Bolt parses JSON when the type says so or the body starts with "{", whatever the type.
    if media == _JSON or text.startswith("{"):
        if not text.startswith("{"):
            raise _Refusal(400, "invalid_body", "JSON body is not an object")
        _check_json_object(text, "body")
    elif media == _FORM:
        payload = parse_qs(text, keep_blank_values=True).get("payload")
        if payload is None:
            return
        if len(payload) != 1:
            raise _Refusal(400, "invalid_body", "more than one payload field")
        _check_json_object(payload[0], "payload")
    else:
        raise _Refusal(
            415, "unsupported_media_type", f"unexpected Content-Type {_fragment(content_type)}"
        )


def _check_json_object(text: str, what: str) -> None:
    try:
        value = json.loads(text)
    except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
        raise _Refusal(
            400, "invalid_body", f"{what} is not valid JSON: {_json_error(exc)}"
        ) from None
    except RecursionError:
        raise _Refusal(400, "invalid_body", f"{what} is nested too deeply") from None
    if not isinstance(value, dict):
        raise _Refusal(400, "invalid_body", f"{what} is not a JSON object")


def _json_error(exc: ValueError) -> str:
    # JSONDecodeError's message names a position, never the text; other ValueErrors may quote it.
    return exc.msg if isinstance(exc, json.JSONDecodeError) else "bad number"


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that yields the buffered body once, then whatever the server sends next."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # http.disconnect, when it comes

    return replay


async def _refuse(scope: Scope, send: Send, refusal: _Refusal, received: int) -> None:
    """Log one line, then answer with JSON and close the connection."""
    log.warning(
        "refused Slack request: %d %s (%s); %s %s from %s, %d body bytes read",
        refusal.status,
        refusal.error,
        refusal.reason,
        _plain(scope["method"]),
        _plain(scope["path"]),
        _client(scope),
        received,
    )
    content = json.dumps({"ok": False, "error": refusal.error, "reason": refusal.reason}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(content)).encode()),
        # Whatever is left of the body is never read: the connection cannot be reused.
        (b"connection", b"close"),
    ]
    if refusal.status == 405:
        headers.append((b"allow", b"POST"))
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": content, "more_body": False})


def _fragment(value: bytes | None) -> str:
    """At most a few bytes of an attacker's value, escaped so that it cannot forge log lines."""
    if value is None:
        return "none"
    shown = repr(value[:_FRAGMENT_BYTES])
    return f"{shown}... ({len(value)} bytes)" if len(value) > _FRAGMENT_BYTES else shown


def _plain(text: str) -> str:
    """Text shown as is when it is short printable ASCII, repr()-escaped and cut otherwise."""
    return text if _PLAIN.fullmatch(text) else repr(text[:64])


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return _plain(f"{client[0]}:{client[1]}") if client else "unknown"
