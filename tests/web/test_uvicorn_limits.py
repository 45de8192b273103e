"""The uvicorn settings that bound connection use, as the guarded server runs with them."""

import socket
import time

import httpx
import pytest
import uvicorn
from guarded_server import Served, serve_guarded

from bot.web.limits import HEAD_LIMIT_BYTES, HeadTimeoutProtocol, uvicorn_limits


def test_uvicorn_accepts_the_limits_and_picks_the_protocol_that_honours_them() -> None:
    config = uvicorn.Config(lambda: None, log_config=None, **uvicorn_limits())  # type: ignore[arg-type]
    config.load()

    assert config.http_protocol_class is HeadTimeoutProtocol
    assert config.h11_max_incomplete_event_size == HEAD_LIMIT_BYTES
    assert config.limit_concurrency == 1000


def test_an_oversized_request_head_is_cut_off_not_buffered(server: Served) -> None:
    limit = 64 * 1024 * 1024  # httptools would read and keep all of it (see bot.web.limits)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /other HTTP/1.1\r\nHost: x\r\nX-Big: ")
        sent = 0
        try:
            while sent < limit:
                sock.sendall(b"a" * 65536)
                sent += 65536
            answer = sock.recv(65536)
        except (BrokenPipeError, ConnectionResetError):
            answer = b""  # refused and closed while we were still sending

    assert sent < limit
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400"), answer[:100]


def test_a_connection_that_stalls_in_its_request_head_is_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(HeadTimeoutProtocol, "head_timeout", 0.5)
    with serve_guarded() as server:
        stalled = [
            socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(20)
        ]
        # Ten send half a head and stop; ten send nothing at all.
        for sock in stalled[:10]:
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Half")  # then nothing
        started = time.monotonic()
        closed = [sock.recv(1) == b"" for sock in stalled]  # EOF once the server gives up
        waited = time.monotonic() - started
        for sock in stalled:
            sock.close()
        # A client that sends its head in time is served, on a kept-alive connection too.
        with httpx.Client(base_url=server.url) as client:
            assert client.post("/other", content=b"x").status_code == 200
            time.sleep(0.7)  # longer than the head timeout, shorter than keep-alive
            assert client.post("/other", content=b"y").status_code == 200
    assert all(closed) and waited < 3
