"""The webhook endpoints: `POST /webhooks/{source}`, authenticated, bounded, never 500 on input."""

import asyncio
import hmac
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.alerts.rules.signals import AlertBatch, AlertSource, PayloadError

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
DEADLINE = 16.0  # seconds a delivery may take to be stored before the answer is 503
Parser = Callable[[Any], AlertBatch]
Ingest = Callable[[AlertBatch, str], Awaitable[Any]]


def build_webhook_router(
    *,
    token: str | None,
    parsers: Mapping[str, Parser],
    ingest: Ingest,
    deadline: float = DEADLINE,
) -> APIRouter:
    """Routes for every parser; `ingest(batch, raw)` stores a parsed delivery, and a delivery
    not stored within `deadline` seconds is answered 503, so that its sender retries."""
    router = APIRouter()

    @router.post("/webhooks/{source}")
    async def receive(source: str, request: Request) -> JSONResponse:
        parser = parsers.get(source)
        if parser is None:
            known = ", ".join(sorted(parsers))
            return _error(404, "unknown_source", f"no webhook named {source!r}; use one of {known}")
        if not token:
            return _error(503, "disabled", "webhooks are off: WARROOM_WEBHOOK_TOKEN is not set")
        if not _authorised(request, token):
            return _error(
                401, "unauthorized", "send the token as 'Authorization: Bearer …' or ?token="
            )
        raw = await _read_body(request)
        if isinstance(raw, JSONResponse):
            return raw
        try:
            batch = parser(_decode(raw))
        except PayloadError as bad:
            return _error(400, "invalid_payload", bad.reason)
        return await _store(batch, raw.decode("utf-8"), ingest, deadline)

    return router


async def _store(batch: AlertBatch, raw: str, ingest: Ingest, deadline: float) -> JSONResponse:
    try:
        # Giving up here stops the wait, not the work: a delivery already handed to the group
        # commit may still be stored after its 503. That is safe: the sender retries, and the
        # retry merges into the stored alerts by their keys (a repeat, not a second alert or
        # incident); only its raw body is kept twice, as every redelivery's is.
        accepted = await asyncio.wait_for(ingest(batch, raw), timeout=deadline)
    except TimeoutError:
        log.error("webhook delivery not stored: the database did not answer in %.0fs", deadline)
        return _error(
            503, "unavailable", f"the database did not answer within {deadline:.0f}s; try again"
        )
    except Exception as error:
        if _unavailable(error):
            log.error("webhook delivery not stored: the database is unavailable: %s", _why(error))
            return _error(503, "unavailable", "the database is unavailable; try again")
        reference = uuid.uuid4().hex[:8]
        log.exception("webhook delivery failed (reference %s)", reference)
        return _error(
            500, "internal_error", f"something failed on our side (reference {reference})"
        )
    if batch.source == AlertSource.PAGERDUTY:
        key = batch.alerts[0].key if batch.alerts else ""
        body = {"status": "success", "message": "Event processed", "dedup_key": key}
        return JSONResponse(body, status_code=202)
    answer = {"ok": True, "alerts": len(batch.alerts), "delivery": accepted.delivery_id}
    return JSONResponse(answer, status_code=202)


def _unavailable(error: Exception) -> bool:
    """Whether the database failed rather than our code: unreachable, gone mid-transaction,
    out of pooled connections, or past a statement or lock timeout (PostgreSQL's
    `QueryCanceled` and `LockNotAvailable`, SQLite's "database is locked")."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _why(error: Exception) -> str:
    """The driver's first line, without the statement and its parameters (the alert's body)."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0][:200] if lines else type(error).__name__


def _authorised(request: Request, token: str) -> bool:
    """The Bearer header or the `token` query parameter, compared in constant time."""
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        given = request.query_params.get("token", "")
    return hmac.compare_digest(given.strip().encode(), token.encode())


async def _read_body(request: Request) -> bytes | JSONResponse:
    """The body, or a 413 as soon as it passes 1 MiB (whatever Content-Length claims)."""
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


def _decode(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PayloadError(f"the body is not UTF-8 (byte {error.start})") from None
    if not text.strip():
        raise PayloadError("the body is empty; send a JSON object")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PayloadError(f"the body is not JSON: {error.msg} at line {error.lineno}") from None
    except RecursionError:
        raise PayloadError("the body is nested too deeply") from None
    except ValueError as error:  # e.g. an integer over Python's 4,300-digit conversion limit
        raise PayloadError(f"the body holds a value we cannot read: {str(error)[:80]}") from None


def _too_large() -> JSONResponse:
    return _error(413, "payload_too_large", f"the body is over {MAX_BODY} bytes (1 MiB)")


def _error(status: int, error: str, reason: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": error, "reason": reason}, status_code=status)
