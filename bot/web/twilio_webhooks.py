"""Twilio's webhooks: a text message sent to our number, and the key pressed during a paging
call. The signature is checked first, on the raw form; what we answer 200 is in the inbox.

    POST /webhooks/twilio         inbound SMS   -> inbox kind `paging.sms_reply`
    POST /webhooks/twilio/voice   Gather action -> inbox kind `paging.voice_keypress`

Twilio signs the URL it was configured with, so the URL checked is the public one
(`WARROOM_PUBLIC_URL` + path + query), not the one a proxy in front of us forwards.
"""

import asyncio
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.kernel.inbox import Inbox
from bot.kernel.transactions import may_pass_later
from bot.vendors.twilio_signature import verify_twilio_signature

log = logging.getLogger(__name__)
SMS_PATH = "/webhooks/twilio"
VOICE_PATH = "/webhooks/twilio/voice"
SMS_REPLY = "paging.sms_reply"
VOICE_KEYPRESS = "paging.voice_keypress"
MAX_BODY = 64 * 1024  # Twilio's forms are a few hundred bytes; a text is 1,600 characters
DEADLINE = 10.0  # seconds to store a request before answering 503 (Twilio waits 15)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
THANKS_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Thank you.</Say></Response>'
SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
DIGITS = re.compile(r"[0-9*#]{1,20}")
Form = list[tuple[str, str]]
Parse = Callable[[dict[str, str], dict[str, str]], tuple[str, dict[str, Any]]]


class FormError(ValueError):
    """A signed form that lacks what its kind needs; the message says what."""


def build_twilio_router(
    *, auth_token: str | None, public_url: str, inbox: Inbox, deadline: float = DEADLINE
) -> APIRouter:
    """The two Twilio routes; include it before `build_webhook_router`, whose
    `POST /webhooks/{source}` would otherwise take `/webhooks/twilio`."""
    router = APIRouter()
    base = public_url.rstrip("/")

    async def receive(request: Request, kind: str, parse: Parse, answer: str) -> Response:
        if not auth_token:
            return _error(503, "disabled", "Twilio webhooks are off: TWILIO_AUTH_TOKEN is not set")
        signature = request.headers.get("x-twilio-signature", "")
        if not signature.strip():
            return _error(403, "bad_signature", "the X-Twilio-Signature header is missing")
        raw = await _read_body(request)
        if isinstance(raw, Response):
            return raw
        form = parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
        url = _signed_url(base, request)
        if not verify_twilio_signature(auth_token, url, form, signature):
            return _error(403, "bad_signature", f"the signature does not match {url} and its form")
        try:
            _check_form(request, raw)
            key, payload = parse(dict(form), dict(request.query_params))
        except FormError as bad:
            return _error(400, "invalid_form", str(bad))
        stored = await _store(lambda: inbox.accept(key, kind, payload), key, deadline)
        return stored or Response(answer, media_type="text/xml")

    @router.post(SMS_PATH)
    async def inbound_sms(request: Request) -> Response:
        return await receive(request, SMS_REPLY, parse_sms_reply, EMPTY_TWIML)

    @router.post(VOICE_PATH)
    async def voice_keypress(request: Request) -> Response:
        return await receive(request, VOICE_KEYPRESS, parse_voice_keypress, THANKS_TWIML)

    return router


def parse_sms_reply(form: dict[str, str], _query: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The inbox key and payload of an inbound text; `FormError` when a field is missing."""
    sid = _required(form, "MessageSid")
    if not SID.fullmatch(sid):
        raise FormError(f"MessageSid {sid[:40]!r} is not a Twilio SID")
    payload = {
        "from": _required(form, "From"),
        "to": _required(form, "To"),
        "body": form.get("Body", ""),
        "sid": sid,
    }
    return f"twilio:sms:{sid}", payload


def parse_voice_keypress(form: dict[str, str], query: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The inbox key and payload of a key pressed in a call; the query parameters the call's
    gather URL carried (e.g. `notification`) come along under `query`."""
    call_sid = _required(form, "CallSid")
    if not SID.fullmatch(call_sid):
        raise FormError(f"CallSid {call_sid[:40]!r} is not a Twilio SID")
    digits = _required(form, "Digits")
    if not DIGITS.fullmatch(digits):
        raise FormError(f"Digits {digits[:40]!r} are not keys of a phone")
    payload = {
        "from": _required(form, "From"),
        "to": _required(form, "To"),
        "digits": digits,
        "call_sid": call_sid,
        "query": query,
    }
    return f"twilio:voice:{call_sid}:{digits}", payload


def _required(form: dict[str, str], name: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise FormError(f"the form has no {name}")
    return value


def _check_form(request: Request, raw: bytes) -> None:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise FormError("send application/x-www-form-urlencoded, as Twilio does")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FormError(f"the body is not UTF-8 (byte {error.start})") from None


def _signed_url(base: str, request: Request) -> str:
    """The URL Twilio requested, as configured: public base, raw path, raw query."""
    path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    url = base + path.decode("latin-1")
    return f"{url}?{query.decode('latin-1')}" if query else url


async def _store(
    accept: Callable[[], Awaitable[bool]], key: str, deadline: float
) -> JSONResponse | None:
    """None once stored (or stored before: Twilio redelivers); a 503 if the database failed."""
    try:
        await asyncio.wait_for(accept(), timeout=deadline)
    except TimeoutError:
        log.error(
            "twilio webhook %s not stored: no answer from the database in %.0fs", key, deadline
        )
        return _error(503, "unavailable", f"the database did not answer within {deadline:.0f}s")
    except Exception as error:
        if may_pass_later(error):
            log.error("twilio webhook %s not stored: the database is unavailable", key)
            return _error(503, "unavailable", "the database is unavailable; try again")
        reference = uuid.uuid4().hex[:8]
        log.exception("twilio webhook %s failed (reference %s)", key, reference)
        return _error(500, "internal_error", f"something failed on our side ({reference})")
    return None


async def _read_body(request: Request) -> bytes | Response:
    """The body, or a 413 as soon as it passes `MAX_BODY` (whatever Content-Length claims)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        return _too_large()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> JSONResponse:
    return _error(413, "payload_too_large", f"the body is over {MAX_BODY} bytes")


def _error(status: int, error: str, reason: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": error, "reason": reason}, status_code=status)
