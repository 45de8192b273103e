"""The uvicorn settings that bound connection use, as the guarded server runs with them."""

import socket

import uvicorn
from guarded_server import Served
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.web.limits import HEAD_LIMIT_BYTES, uvicorn_limits


def test_uvicorn_accepts_the_limits_and_picks_the_protocol_that_honours_them() -> None:
    config = uvicorn.Config(lambda: None, log_config=None, **uvicorn_limits())  # type: ignore[arg-type]
    config.load()

    assert config.http_protocol_class is H11Protocol
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
