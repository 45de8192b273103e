"""Message metadata (`{"event_type": ..., "event_payload": {...}}`) as chat.* methods check it."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.sandbox.errors import SlackError
from bot.sandbox.methods.args import Args

# Slack's documented event_type alphabet; other names are ignored with a warning.
_EVENT_TYPE = re.compile(r"[A-Za-z0-9_\-]+")
SCHEMA_WARNING = "invalid_metadata_schema"


def parse_metadata(args: Args) -> tuple[dict[str, Any] | None, str | None]:
    """Return the call's metadata (None when not sent) and a warning when Slack ignores it.

    Fails with `invalid_metadata_format` when it is not a JSON object, and with
    `invalid_metadata_schema` when `event_type` is not a string or `event_payload` not an
    object; an `event_type` with other characters than letters, digits, `_` and `-` is
    dropped with an `invalid_metadata_schema` warning, as Slack documents.
    """
    raw = args.params.get("metadata")
    if raw is None or raw == "":
        return None, None
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise SlackError("invalid_metadata_format") from exc
    if not isinstance(value, dict):
        raise SlackError("invalid_metadata_format")
    event_type, payload = value.get("event_type"), value.get("event_payload")
    if not isinstance(event_type, str) or not event_type or not isinstance(payload, dict):
        raise SlackError("invalid_metadata_schema")
    if not _EVENT_TYPE.fullmatch(event_type):
        return None, SCHEMA_WARNING
    return {"event_type": event_type, "event_payload": payload}, None


def add_warning(body: dict[str, Any], warning: str | None) -> dict[str, Any]:
    """Add Slack's `warning` and `response_metadata.warnings` to a successful answer."""
    if warning:
        body["warning"] = warning
        body["response_metadata"] = {"warnings": [warning]}
    return body
