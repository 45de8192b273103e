"""One Web API call, end to end: parse the request, authenticate, fail on purpose, dispatch."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from bot.sandbox.errors import SlackError
from bot.sandbox.limits import Fault
from bot.sandbox.methods import METHOD_SCOPES, METHODS
from bot.sandbox.methods.args import Args
from bot.sandbox.methods.common import require_scope
from bot.sandbox.model import Call
from bot.sandbox.multipart import parse_multipart
from bot.sandbox.transport import ApiAnswer, build_hang_up, build_proxy_answer
from bot.sandbox.world import World

# Errors Slack answers before it knows whose workspace this is: no scopes header then.
_ANONYMOUS_ERRORS = ("not_authed", "invalid_auth", "unknown_method")


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


def _authorize(world: World, method: str, token: str | None) -> Fault | None:
    """Check the method and token, then take the fault planned for this call, if any."""
    if method not in METHODS:
        raise SlackError("unknown_method")
    if not token:
        raise SlackError("not_authed")
    if token != world.token:
        # An app-level token is a real token of the wrong kind for bot methods.
        raise SlackError("not_allowed_token_type" if token == world.app_token else "invalid_auth")
    return world.faults.take_fault(method)


def _check_limits(world: World, method: str, params: dict[str, Any]) -> None:
    if world.enforce_rate_limits:
        ref = str(params.get("channel") or "")
        channel = world.find_channel(ref) if ref else None
        world.rate_limiter.check(method, world.now(), channel=channel.id if channel else ref)
    accepted = METHOD_SCOPES.get(method, ())
    if accepted:
        require_scope(world, *accepted)


def _lost_answer(fault: Fault) -> ApiAnswer:
    """The answer of a call whose fault is not Slack's own JSON error."""
    if fault.hangs_up:
        return build_hang_up()
    return build_proxy_answer(fault.status, retry_after=fault.retry_after)


def finish_call(
    world: World,
    method: str,
    params: dict[str, Any],
    reached: ApiAnswer | None,
    fault: Fault | None,
    *,
    outage: bool = False,
) -> ApiAnswer:
    """Pick what the caller gets (Slack's answer unless a fault loses it) and log the call.

    `reached` is Slack's own answer, or None when the call never got to Slack.
    """
    work_done = reached is not None and bool(reached.body.get("ok"))
    error = reached.body.get("error") if reached is not None else None
    if fault is not None and fault.mode != "error":
        answer = _lost_answer(fault)
    else:
        assert reached is not None  # no fault, or Slack's own error: Slack answered
        answer = reached
    world.calls.append(
        Call(
            method,
            params,
            answer.is_json and bool(answer.body.get("ok")),
            error,
            None if answer.hang_up else answer.status,
            world.now(),
            work_done=work_done,
            fault=None if fault is None else "outage" if outage else fault.mode,
        )
    )
    if answer.is_json and error not in _ANONYMOUS_ERRORS:
        answer.headers["X-OAuth-Scopes"] = ",".join(sorted(world.scopes))
    return answer


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
    """Answer one Web API call the way Slack (or a failing proxy before it) would, and log it."""
    params: dict[str, Any] = dict(query)
    with world.lock:
        # During an outage nothing reaches Slack: not even the token is looked at.
        outage = world.faults.outage
        fault = outage.as_fault(method) if outage is not None else None
        reached: ApiAnswer | None = None
        try:
            params, token = parse_api_request(query, body, content_type, authorization)
            if fault is None:
                fault = _authorize(world, method, token)
            if fault is not None and fault.mode == "error":
                raise fault.slack_error()
            if fault is None or fault.does_work:
                _check_limits(world, method, params)
                result = METHODS[method](world, Args(params, base_url=base_url))
                reached = ApiAnswer(200, {"ok": True, **result})
        except SlackError as exc:
            reached = ApiAnswer(exc.status, exc.build_body(), dict(exc.headers))
        return finish_call(world, method, params, reached, fault, outage=outage is not None)
