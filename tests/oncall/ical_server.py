"""A calendar server on a real local port, as Google or Outlook publish a feed: it answers
`ETag`/`Last-Modified` and 304 to a conditional GET, and can be told to fail in the ways real
ones do (5xx, an HTML error page, a slow answer, an endless body)."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


@dataclass
class Seen:
    """A request the server received."""

    path: str
    headers: dict[str, str]


@dataclass
class Plan:
    """What the server answers next."""

    body: bytes = b""
    etag: str | None = '"v1"'
    last_modified: str | None = "Sun, 01 Mar 2026 12:00:00 GMT"
    status: int = 200
    content_type: str = "text/calendar; charset=utf-8"
    delay: float = 0.0  # seconds before the answer
    stream_bytes: int = 0  # >0: send this many bytes of padding instead of the body
    seen: list[Seen] = field(default_factory=list)


class FeedServer:
    """Serves `plan.body` at any path until stopped."""

    def __init__(self, body: bytes = b"") -> None:
        self.plan = Plan(body=body)
        plan = self.plan

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                plan.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                if plan.delay:
                    time.sleep(plan.delay)
                if (
                    plan.status == 200
                    and plan.etag
                    and self.headers.get("If-None-Match") == plan.etag
                ):
                    self.send_response(304)
                    self.send_header("ETag", plan.etag)
                    self.end_headers()
                    return
                if plan.stream_bytes:
                    self._stream(plan.stream_bytes)
                    return
                self.send_response(plan.status)
                self.send_header("Content-Type", plan.content_type)
                self.send_header("Content-Length", str(len(plan.body)))
                if plan.etag:
                    self.send_header("ETag", plan.etag)
                if plan.last_modified:
                    self.send_header("Last-Modified", plan.last_modified)
                self.end_headers()
                self.wfile.write(plan.body)

            def _stream(self, size: int) -> None:
                # No Content-Length: the client only learns the size by reading.
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"X" * 65536
                try:
                    for _ in range(size // len(chunk) + 1):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading, as it should

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/calendar/oncall.ics"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def seen(self) -> list[Seen]:
        """Every request so far."""
        return self.plan.seen

    def stop(self) -> None:
        """Stop serving and close the port: the feed is down."""
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
