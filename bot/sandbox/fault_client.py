"""Planned Web API failures and the call log, as `SandboxClient` drives and reads them.

`SandboxClient` inherits these helpers; they live here to keep the client module small.
"""

from __future__ import annotations

from typing import Any, Protocol


class _Control(Protocol):
    """The part of `SandboxClient` these helpers use."""

    def _post_control(self, path: str, body: dict[str, Any]) -> dict[str, Any]: ...

    def _get_control(self, path: str, **params: str) -> dict[str, Any]: ...


class FaultControls:
    """Faults, outages and the call log, over `/_sandbox`."""

    def inject(
        self: _Control,
        method: str,
        error: str | None = None,
        *,
        times: int = 1,
        retry_after: int | None = None,
        status: int | None = None,
        mode: str = "error",
    ) -> None:
        """Make the next `times` calls of a Web API method fail the way `mode` says.

        `error` (default mode): Slack's JSON `error`, the work not done (`ratelimited` comes
        as HTTP 429). `plain`: a proxy's HTML error page with HTTP `status` (502 unless
        given), the work not done. `after`: the work done, then that same page. `drop`: the
        connection closed without an answer, the work not done. `drop_after`: the work
        done, then the connection closed without an answer.
        """
        body = {
            "method": method,
            "error": error,
            "times": times,
            "retry_after": retry_after,
            "status": status,
            "mode": mode,
        }
        self._post_control("/inject", body)

    def outage(self: _Control, on: bool, mode: str = "plain", status: int = 503) -> None:
        """Make every Web API call fail (`plain`: HTTP `status`; `drop`: no answer) until off."""
        self._post_control("/outage", {"on": on, "mode": mode, "status": status})

    def faults(self: _Control) -> dict[str, Any]:
        """Return {faults: the planned failures still pending, outage: None or its mode}."""
        return self._get_control("/faults")

    def clear_faults(self: _Control) -> None:
        """Drop every planned failure and end any outage."""
        self._post_control("/faults/clear", {})

    def calls(self: _Control, method: str | None = None) -> list[dict[str, Any]]:
        """Return the Web API calls made so far (of one method, if given).

        Each has `ok`, `error` and `status` as the caller saw them (`status` None when the
        connection was dropped), `work_done` (whether Slack did the work) and `fault`.
        """
        found = self._get_control("/state", sections="calls")["calls"]
        return [dict(c) for c in found if method in (None, c["method"])]
