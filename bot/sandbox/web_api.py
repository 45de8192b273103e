"""One Web API call, end to end: parse the request, authenticate, fail on purpose, dispatch."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from bot.sandbox.errors import SlackError
from bot.sandbox.methods import METHOD_SCOPES, METHODS
from bot.sandbox.methods.args import Args
from bot.sandbox.methods.common import require_scope
from bot.sandbox.model import Call
from bot.sandbox.multipart import parse_multipart
from bot.sandbox.world import World


@dataclass
class ApiAnswer:
    """What the sandbox sends back for one Web API call."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def parse_api_request(
    query: Mapping[str, str], body: bytes, content_type: str, authorization: str | None
) -> tuple[dict[str, Any], str | None]:
    """Merge query, form or JSON arguments; return them and the token (header first)."""
    params: dict[str, Any] = dict(query)
    kind = content_type.split(";")[0].strip().lower()
    if body and kind == "application/json":
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise SlackError("invalid_json") from exc
        if not isinstance(data, dict):
            raise SlackError("json_not_object")
        data.pop("token", None)  # Slack reads the token of a JSON call from the header only
        params.update(data)
    elif body and kind == "multipart/form-data":
        for name, (_, raw) in parse_multipart(body, content_type).items():
            params[name] = raw.decode("utf-8", errors="replace")
    elif body:
        try:
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        except UnicodeDecodeError as exc:
            raise SlackError("invalid_form_data") from exc
    body_token = params.pop("token", None)
    token = None
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    return params, token or body_token


def _check_access(world: World, method: str, token: str | None, params: dict[str, Any]) -> None:
    if method not in METHODS:
        raise SlackError("unknown_method")
    if not token:
        raise SlackError("not_authed")
    if token != world.token:
        # An app-level token is a real token of the wrong kind for bot methods.
        raise SlackError("not_allowed_token_type" if token == world.app_token else "invalid_auth")
    fault = world.faults.take(method)
    if fault is not None:
        raise fault
    if world.enforce_rate_limits:
        ref = str(params.get("channel") or "")
        channel = world.find_channel(ref) if ref else None
        world.rate_limiter.check(method, world.now(), channel=channel.id if channel else ref)
    accepted = METHOD_SCOPES.get(method, ())
    if accepted:
        require_scope(world, *accepted)


def handle_api_call(
    world: World,
    method: str,
    *,
    query: Mapping[str, str],
    body: bytes,
    content_type: str,
    authorization: str | None,
    base_url: str,
) -> ApiAnswer:
    """Answer one Web API call the way Slack would, and log it."""
    params: dict[str, Any] = dict(query)
    with world.lock:
        try:
            params, token = parse_api_request(query, body, content_type, authorization)
            _check_access(world, method, token, params)
            result = METHODS[method](world, Args(params, base_url=base_url))
            answer = ApiAnswer(200, {"ok": True, **result})
        except SlackError as exc:
            answer = ApiAnswer(exc.status, exc.build_body(), dict(exc.headers))
        world.calls.append(
            Call(
                method,
                params,
                bool(answer.body["ok"]),
                answer.body.get("error"),
                answer.status,
                world.now(),
            )
        )
        if answer.body.get("error") not in ("not_authed", "invalid_auth", "unknown_method"):
            answer.headers["X-OAuth-Scopes"] = ",".join(sorted(world.scopes))
    return answer
