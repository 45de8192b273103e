"""A small HTTP front door on 127.0.0.1 that forwards every request to a target URL, and can
fail chosen requests the way a vendor does: before they reach the target (a 429 or 503 that
made nothing), or after (the target did it, and its answer is lost).

    with forwarding_proxy(emulator.url) as proxy:
        proxy.fail("POST", "/Messages.json", times=2, status=503)
        ... point a client at proxy.url ...
        proxy.seen  # every request: method, path, form or body, and the status answered

In front of the app it stands for the load balancer Twilio is configured with: its URL is
the app's public URL, fixed before the app starts, and it forwards to whichever app runs.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

# Headers that belong to one connection, not to the request forwarded.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "upgrade"}
    | {"content-encoding", "proxy-connection", "te", "trailer"}
)


@dataclass
class Fault:
    """Answer the next `times` requests whose method matches and whose path ends with
    `suffix` with `status`; with `after=True` the request is forwarded first (done there,
    the answer lost, or with no `status` passed on), and with `hold` set the answer waits
    until it is released."""

    method: str
    suffix: str
    times: int
    status: int | None
    headers: dict[str, str]
    after: bool
    held: threading.Event | None = None
    body_has: bytes = b""

    def matches(self, method: str, path: str, body: bytes) -> bool:
        """Whether this fault takes the request."""
        bare = path.split("?", 1)[0]
        wanted = self.times > 0 and method == self.method and bare.endswith(self.suffix)
        return wanted and self.body_has in body


@dataclass(frozen=True)
class Seen:
    """One request the proxy took, and what it answered."""

    method: str
    path: str
    body: bytes
    status: int


@dataclass
class ForwardingProxy:
    """Where requests go, the faults still to happen, and what was asked."""

    port: int = 0
    target: str | None = None
    faults: list[Fault] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """The front door's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def fail(
        self,
        method: str,
        suffix: str,
        *,
        times: int,
        status: int | None,
        headers: dict[str, str] | None = None,
        after: bool = False,
        hold: bool = False,
        body_has: bytes = b"",
    ) -> None:
        """Fail the next `times` matching requests, those whose body holds `body_has` when
        given (see `Fault`)."""
        held = threading.Event() if hold else None
        fault = Fault(method, suffix, times, status, headers or {}, after, held, body_has)
        with self.lock:
            self.faults.append(fault)

    def release(self) -> None:
        """Let held answers go."""
        with self.lock:
            for fault in self.faults:
                if fault.held is not None:
                    fault.held.set()

    def reset(self, target: str | None = None) -> None:
        """Let held answers go, forget faults and what was seen; forward to `target` when
        given."""
        self.release()
        with self.lock:
            self.faults.clear()
            self.seen.clear()
            if target is not None:
                self.target = target

    def take_fault(self, method: str, path: str, body: bytes) -> Fault | None:
        """The fault that takes this request, counted as used."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path, body):
                    fault.times -= 1
                    return fault
        return None

    def note(self, method: str, path: str, body: bytes, status: int) -> None:
        """Record a request and what it was answered."""
        with self.lock:
            self.seen.append(Seen(method, path, body, status))

    def posts_to(self, suffix: str) -> list[Seen]:
        """The POSTs whose path ends with `suffix`, in order."""
        with self.lock:
            return [s for s in self.seen if s.method == "POST" and s.path.endswith(suffix)]


def _handler(proxy: ForwardingProxy) -> type[BaseHTTPRequestHandler]:
    class Forward(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.forward()

        def do_POST(self) -> None:
            self.forward()

        def forward(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            fault = proxy.take_fault(self.command, self.path, body)
            if fault is not None and not fault.after:
                status = fault.status or 503
                self.answer(body, status, fault.headers, b'{"message": "injected fault"}')
                return
            status, headers, content = self.pass_on(body)
            if fault is not None and fault.held is not None:
                fault.held.wait(60)
            if fault is not None and fault.status is not None:
                status, headers, content = fault.status, fault.headers, b"injected after"
            self.answer(body, status, headers, content)

        def pass_on(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            if proxy.target is None:
                return 502, {}, b'{"message": "nothing to forward to"}'
            try:
                answer = httpx.request(
                    self.command,
                    proxy.target.rstrip("/") + self.path,
                    headers=headers,
                    content=body,
                    timeout=30,
                )
            except httpx.TransportError:
                return 502, {}, b'{"message": "the target did not answer"}'
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
            return answer.status_code, kept, answer.content

        def answer(
            self, asked: bytes, status: int, headers: dict[str, str], content: bytes
        ) -> None:
            proxy.note(self.command, self.path, asked, status)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the tests read `seen`

    return Forward


@contextmanager
def forwarding_proxy(target: str | None = None) -> Iterator[ForwardingProxy]:
    """Serve on a free port in a thread until the block ends."""
    proxy = ForwardingProxy(target=target)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    server.daemon_threads = True
    proxy.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name=f"proxy-{proxy.port}", daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
