"""Typed access to a Web API call's arguments, whether they came as form, query or JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.sandbox.errors import SlackError


class Args:
    """The arguments of one Web API call."""

    def __init__(self, params: Mapping[str, Any], *, base_url: str = "") -> None:
        self.params = dict(params)
        self.base_url = base_url

    def has(self, name: str) -> bool:
        """Tell whether the caller sent the argument at all."""
        return name in self.params and self.params[name] is not None

    def text(self, name: str, default: str | None = None) -> str | None:
        """Return an argument as a string (numbers and booleans are stringified)."""
        value = self.params.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else str(value)

    def required(self, name: str) -> str:
        """Return a required string argument, or fail with `invalid_arguments`."""
        value = self.text(name)
        if value is None or value == "":
            raise SlackError(
                "invalid_arguments", messages=[f"[ERROR] missing required field: {name}"]
            )
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        """Return a boolean argument (`true`, `1`, or a JSON true)."""
        value = self.params.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "yes")

    def number(self, name: str, default: int) -> int:
        """Return an integer argument."""
        value = self.params.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise SlackError(
                "invalid_arguments", messages=[f"[ERROR] expected integer: {name}"]
            ) from exc

    def structured(self, name: str, *, error: str) -> Any:
        """Return a JSON argument: a list/dict as sent in JSON, or decoded from a form string."""
        value = self.params.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise SlackError(error) from exc
        return value
