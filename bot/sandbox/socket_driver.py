"""SocketModeDriver: the people and Slack itself, with payloads sent as Socket Mode envelopes."""

from __future__ import annotations

from typing import Any

from bot.sandbox.driver import BaseDriver


class SocketAckMissing(AssertionError):
    """The app did not acknowledge an envelope within Slack's 3 seconds."""

    def __init__(self, envelope: dict[str, Any]) -> None:
        reason = envelope.get("failure") or "no ack"
        super().__init__(f"{envelope['type']} envelope {envelope['envelope_id']}: {reason}")
        self.envelope = envelope


class SocketModeDriver(BaseDriver[dict[str, Any]]):
    """Sends the same payloads as Socket Mode envelopes over the app's open connection.

    Every action returns the payload of the app's ack (`{}` for a bare ack) and raises
    `SocketAckMissing` when no ack came in time. The sandbox itself applies the ack the way
    Slack does (a slash command's immediate reply, a modal's `response_action`).
    """

    def __init__(self, sandbox_url: str, **options: Any) -> None:
        super().__init__(sandbox_url, **options)
        self.last_envelope: dict[str, Any] | None = None

    def socket_state(self) -> dict[str, Any]:
        """Return Socket Mode connections, envelopes with their acks, and pending events."""
        return self._get_control("/socket")

    def connections(self, *, open_only: bool = True) -> list[dict[str, Any]]:
        """Return the app's Socket Mode connections (open ones by default)."""
        found: list[dict[str, Any]] = self.socket_state()["connections"]
        return [c for c in found if c["open"] or not open_only]

    def envelopes(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Return the envelopes sent to the app (of one type, if given), oldest first."""
        found: list[dict[str, Any]] = self.socket_state()["envelopes"]
        return [e for e in found if kind in (None, e["type"])]

    def wait_for_connection(self, timeout: float = 10.0) -> dict[str, Any]:
        """Wait until the app holds an open Socket Mode connection; return the newest."""
        live = self.wait_for(self.connections, timeout, description="a Socket Mode connection")
        return live[-1]

    def wait_for_deliveries(self, timeout: float = 5.0) -> None:
        """Wait until every event, over HTTP or the socket, is delivered or given up on."""
        super().wait_for_deliveries(timeout)
        self.wait_for(
            lambda: self.socket_state()["pending_deliveries"] == 0,
            timeout,
            description="Socket Mode event deliveries to finish",
        )

    def disconnect(self, reason: str = "refresh_requested") -> int:
        """Send Slack's `disconnect` message on every open connection; return how many."""
        return int(self._post_control("/socket/disconnect", {"reason": reason})["connections"])

    def _exchange(
        self, kind: str, payload: dict[str, Any], options: dict[str, Any], **retry: Any
    ) -> dict[str, Any]:
        if options:
            raise TypeError(f"{sorted(options)} only apply to signed HTTP requests")
        body = {"type": kind, "payload": payload, **retry}
        envelope: dict[str, Any] = self._post_control("/socket/send", body)["envelope"]
        self.last_envelope = envelope
        if not envelope["acked"]:
            raise SocketAckMissing(envelope)
        return dict(envelope["ack_payload"] or {})

    def _deliver_command(
        self, form: dict[str, str], response_url: str, options: dict[str, Any]
    ) -> dict[str, Any]:
        return self._exchange("slash_commands", dict(form), options)

    def _deliver_interaction(
        self, payload: dict[str, Any], options: dict[str, Any]
    ) -> dict[str, Any]:
        return self._exchange("interactive", payload, options)

    def _deliver_event(
        self,
        envelope: dict[str, Any],
        retry_num: int | None,
        retry_reason: str | None,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        attempt = retry_num or 0
        reason = (retry_reason or "timeout") if attempt else ""
        return self._exchange(
            "events_api", envelope, options, retry_attempt=attempt, retry_reason=reason
        )
