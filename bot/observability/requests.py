"""An ASGI middleware in front of everything: a request id for each HTTP request (taken from
`X-Request-Id` when it is sane, made otherwise; sent back on the response and bound to every log
line written while handling it), its duration and status by route template, and one access log
line: INFO for Slack and webhooks, DEBUG for the probes (`/healthz`, `/readyz`, `/metrics`)."""

import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.observability.logs import log_context
from bot.observability.metrics import Metrics

log = logging.getLogger("warroom.http")
REQUEST_ID_HEADER = b"x-request-id"
_SANE_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
PROBES = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "unmatched"  # a path no route serves: never the raw path, which anyone can vary


class ObservedRequests:
    """Pure ASGI: cheap enough to sit in front of every request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        routes: Callable[[], Sequence[BaseRoute]],
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Bind a request id, time the request, count and log it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        started = time.perf_counter()
        status = 500  # what the server answers when the app raises before it answers
        done = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, done
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [*message.get("headers", ()), (REQUEST_ID_HEADER, request_id.encode())]
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                # Counted and logged before the last byte goes: whoever reads the answer can
                # already see the request in /metrics and the log.
                done = True
                self.observe(scope, status, time.perf_counter() - started)
            await send(message)

        with log_context(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                if not done:
                    self.observe(scope, status, time.perf_counter() - started)

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        """Count the request by route template and status, and write its access line."""
        route = self.route_of(scope)
        method = str(scope["method"])
        self.metrics.http_request(method, route, status, seconds)
        log.log(
            logging.DEBUG if route in PROBES else logging.INFO,
            "%s %s %d in %.0f ms",
            method if method.isalpha() and len(method) <= 10 else "OTHER",
            route,
            status,
            seconds * 1000,
            extra={"route": route, "status": status, "duration_ms": round(seconds * 1000, 1)},
        )

    def route_of(self, scope: Scope) -> str:
        """The template of the route that served the request (`/webhooks/{source}`)."""
        route = scope.get("route")
        if route is None:  # answered before routing (the Slack guard refused it, say)
            route = next((r for r in self.routes() if r.matches(scope)[0] is not Match.NONE), None)
        path = getattr(route, "path", None)
        if path is None:
            return UNMATCHED
        # A mounted app's routes (`/app`'s) are relative to its mount: routing left the mount
        # in root_path (Warroom is served at the root, so that is all root_path holds).
        return str(scope.get("root_path", "")) + str(path)


def request_id_of(scope: Scope) -> str:
    """The caller's `X-Request-Id` when it is 1-128 of `A-Z a-z 0-9 . _ -`, else a new one."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER and _SANE_ID.fullmatch(value):
            return str(value.decode("ascii"))
    return uuid.uuid4().hex
