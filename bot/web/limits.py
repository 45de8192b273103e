"""uvicorn settings that bound what one client can hold, and what they leave unbounded.

Measured with the installed uvicorn 0.55 (h11 0.16, httptools 0.9), reading its protocol code
(`uvicorn/protocols/http/h11_impl.py`, `httptools_impl.py`):

Bounded, with `uvicorn_limits()`:
- Bytes of a request head: h11 refuses a head larger than `h11_max_incomplete_event_size` with
  400 and closes. That setting only exists for h11, and with httptools installed (it is, by
  `uvicorn[standard]`) `http="auto"` picks httptools, which has no limit at all: one request with
  a 64 MiB header grew the process by 62 MiB, 64 MiB of 1 KB headers by 77 MiB. Hence `http="h11"`,
  which is slower per request (pure Python), a fair price at Slack's and alerting's rates.
- Request bodies: both protocols stop reading the socket once 64 KiB of body are waiting for the
  app (`flow_control.HIGH_WATER_LIMIT`), so a body costs the server no more than the app keeps;
  on `/slack/events`, `SlackRequestGuard` keeps at most `max_body` and no longer than
  `body_timeout`. Other routes read bodies as they please.
- Idle time between requests on a kept-alive connection: `timeout_keep_alive` seconds. The timer
  is only armed once a response is complete.
- Requests in progress: once the open connections or running requests reach
  `limit_concurrency`, every further request gets 503 as soon as its head is complete.
- The accept queue: `backlog` (the kernel caps it at net.core.somaxconn).
- WebSocket upgrades: `ws="none"`; the bot serves none, so nothing may hold a socket that way.

Not bounded by uvicorn itself, whatever the settings:
- The time to send a request head. No timer runs from `connection_made` until the head is
  complete (the ASGI app is only called then), so a connection that sends nothing, or stops
  halfway through its headers (slowloris), stays open for good: measured still open after 6 s
  with `timeout_keep_alive=2`, on h11 and on httptools alike. No ASGI middleware can see such a
  connection, so `SlackRequestGuard` cannot time it out either. `HeadTimeoutProtocol` below
  closes it: it is h11's protocol with a timer armed whenever a request head is awaited.
- The number of open connections. `limit_concurrency` does not stop accepting: 50 stalled
  connections against `limit_concurrency=10` were all held, and a complete request got 503. So
  stalled connections cost memory (a few KiB each, at most the head limit) and file descriptors,
  up to the process's open-file limit, and about `limit_concurrency` of them deny service to
  everyone else.

Both need a front that times out request heads and caps connections per client (a reverse proxy
such as nginx: `client_header_timeout`, `limit_conn`), or a load balancer doing the same.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

HEAD_LIMIT_BYTES = 16 * 1024  # h11's default, stated here: Slack's request heads are ~1 KiB
HEAD_TIMEOUT_SECONDS = 10.0  # a client gets this long to send a whole request head


class HeadTimeoutProtocol(H11Protocol):
    """h11's protocol, closing a connection whose request head does not arrive in time."""

    head_timeout = HEAD_TIMEOUT_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request head."""
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        """Once a request is under way, its head has arrived: stop the clock."""
        super().data_received(data)
        if self.cycle is not None and not self.cycle.response_complete:
            self._disarm_head_timer()

    def on_response_complete(self) -> None:
        """A kept-alive connection waits for its next head: the clock runs again."""
        super().on_response_complete()
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        """No clock for a closed connection."""
        self._disarm_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        if self.cycle is None or self.cycle.response_complete:
            self.transport.close()


def _protocol_class() -> Any:
    return HeadTimeoutProtocol


def uvicorn_limits() -> dict[str, object]:
    """Keyword arguments for `uvicorn.Config` that bound connection use (see module docstring)."""
    return {
        # h11 is the only protocol that honours a head-size limit; this one also times heads.
        "http": _protocol_class(),
        "h11_max_incomplete_event_size": HEAD_LIMIT_BYTES,
        "ws": "none",
        "timeout_keep_alive": 5,
        "limit_concurrency": 1000,
        # A queue longer than what the loop accepts in a second or so only holds clients that
        # will have given up by the time they are served.
        "backlog": 512,
    }
