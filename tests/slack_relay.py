"""A relay in front of the sandbox's Web API that lets a test shape each call: delay it, hold
it unanswered, answer it itself. Used where a real process must see Slack misbehave in ways
the sandbox's own faults do not model (latency on every call, a call that hangs)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

import httpx

Answer = tuple[int, bytes, str]  # status, body, content type
PASSED_ON = ("content-type", "authorization")
ANSWERED_WITH = ("content-type", "retry-after")


class SlackRelay:
    """Passes every call on to `api_url` unchanged; subclasses override `before` (return an
    answer to give it instead of Slack's) and `after` (runs before Slack's answer goes back)."""

    def __init__(self, api_url: str) -> None:
        self.target = api_url
        self.upstream = httpx.Client(timeout=10)
        relay = self

        class Relay(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                method, _, query = self.path.rsplit("/", 1)[-1].partition("?")
                answer = relay.before(method)
                headers: dict[str, str] = {}
                if answer is None:
                    upstream = relay.upstream.request(
                        self.command,
                        f"{relay.target}{method}" + (f"?{query}" if query else ""),
                        content=body,
                        headers={k: v for k, v in self.headers.items() if k.lower() in PASSED_ON},
                    )
                    relay.after(method)
                    headers = {
                        k: v for k, v in upstream.headers.items() if k.lower() in ANSWERED_WITH
                    }
                    status, content = upstream.status_code, upstream.content
                else:
                    status, content, kind = answer
                    headers = {"Content-Type": kind}
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                except OSError:
                    pass  # the caller is gone (killed)

            do_GET = do_POST  # some methods are read with GET

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
        self.server.daemon_threads = True
        self.api_url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def before(self, method: str) -> Answer | None:
        """Runs as a call arrives; an answer returned here is given instead of Slack's."""
        return None

    def after(self, method: str) -> None:
        """Runs once Slack answered, before the answer goes back."""

    def close(self) -> None:
        """Stop relaying."""
        self.server.shutdown()
        self.server.server_close()
        self.upstream.close()

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
