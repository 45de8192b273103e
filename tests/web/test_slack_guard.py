"""SlackRequestGuard over real HTTP: what reaches the app, what is refused, and at what cost."""

import json
import logging
import select
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from guarded_server import Served

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
MIB = 1024 * 1024


def post(served: Served, body: bytes, headers: dict[str, str]) -> httpx.Response:
    """POST `body` to the Slack route with exactly these headers."""
    return httpx.post(f"{served.url}/slack/events", content=body, headers=headers, timeout=10)


def refused(response: httpx.Response, status: int, error: str | None = None) -> dict[str, Any]:
    """Check a refusal's status and JSON shape; return its JSON."""
    assert response.status_code == status, response.text
    data: dict[str, Any] = response.json()
    assert data["ok"] is False
    assert data["reason"]
    if error is not None:
        assert data["error"] == error
    assert response.headers["connection"] == "close"
    return data


# --------------------------------------------------------------------------------------------
# Raw sockets, for what an HTTP client library will not do: stall, stream forever, lie.
# --------------------------------------------------------------------------------------------


@dataclass
class RawResponse:
    """A response read off a raw socket, and whether the server closed the connection after it."""

    status: int
    body: dict[str, Any]
    closed: bool


def connect(served: Served) -> socket.socket:
    """A fresh connection to the server, with a timeout so that no test can hang."""
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
    sock.settimeout(10)
    return sock


def head(served: Served, *, length: int | None = None, signed_for: bytes = b"") -> bytes:
    """A request head for the Slack route, well signed for `signed_for`; chunked without length."""
    lines = [b"POST /slack/events HTTP/1.1", b"Host: 127.0.0.1", b"Content-Type: application/json"]
    lines += [f"{name}: {value}".encode() for name, value in served.sign(signed_for).items()]
    framing = "Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}"
    lines.append(framing.encode())
    return b"\r\n".join(lines) + b"\r\n\r\n"


def read_response(sock: socket.socket) -> RawResponse:
    """Read one JSON response, then whether the connection ends there."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a full response: {data!r}"
        data += chunk
    raw_head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = raw_head.split(b"\r\n")
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(b":") for line in header_lines)
    }
    length = int(headers[b"content-length"])
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed in the middle of the response body"
        rest += chunk
    sock.settimeout(2)
    try:
        closed = sock.recv(1) == b""
    except ConnectionResetError:
        closed = True
    except TimeoutError:
        closed = False
    return RawResponse(int(status_line.split()[1]), json.loads(rest[:length]), closed)


def stream_until_answered(served: Served, total: int, chunk: int = 64 * 1024) -> tuple[int, int]:
    """Stream a chunked body of up to `total` bytes until the server answers: (status, sent)."""
    piece = b"%x\r\n" % chunk + b"a" * chunk + b"\r\n"
    with connect(served) as sock:
        sock.sendall(head(served))
        sent = 0
        try:
            while sent < total and not select.select([sock], [], [], 0)[0]:
                sock.sendall(piece)
                sent += chunk
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending
        return read_response(sock).status, sent


def rss_mib() -> float:
    """This process's resident memory now, in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.fixture
def guard_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record of the process, at any level, from any thread."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="warroom.slack.guard")
    yield caplog


def guard_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The guard's WARNING records so far."""
    return [
        record
        for record in caplog.records
        if record.name == "warroom.slack.guard" and record.levelno == logging.WARNING
    ]


# --------------------------------------------------------------------------------------------
# What passes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            b"payload=%7B%22type%22%3A%22block_actions%22%2C%22t%22%3A%22caf%C3%A9+%26+%3C%3E%22%7D",
            FORM,
        ),
        (b"command=%2Fincident&text=declare+db+down%0Anow&trigger_id=1.2.3", FORM),
        (b'{"type":"event_callback","event":{"text":"a\\nb \xc3\xa9"}}', JSON),
        (b"", FORM),
    ],
    ids=["interaction", "command", "event", "empty-form"],
)
def test_signed_request_reaches_the_app_with_the_identical_body(
    served: Served, body: bytes, content_type: dict[str, str]
) -> None:
    response = post(served, body, {**content_type, **served.sign(body)})

    assert response.status_code == 200, response.text
    assert served.calls == [body]


def test_other_paths_pass_through_untouched(served: Served) -> None:
    big = b"x" * (served.max_body * 3)  # over the guard's limit, and unsigned

    assert httpx.get(f"{served.url}/other").json() == {"ok": True}
    assert httpx.post(f"{served.url}/other", content=big).json() == {"length": len(big)}
    assert served.other_calls == [len(big)]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_refused(served: Served, method: str) -> None:
    response = httpx.request(method, f"{served.url}/slack/events", headers=served.sign(b""))

    refused(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"
    assert served.calls == []


# --------------------------------------------------------------------------------------------
# Verification, before anything is parsed
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timestamp", "error"),
    [
        ("abc", "invalid_timestamp"),
        ("", "invalid_timestamp"),
        ("1.5", "invalid_timestamp"),
        ("-1", "invalid_timestamp"),
        ("1700000000 0", "invalid_timestamp"),
        ("0x6553f100", "invalid_timestamp"),
        ("+1700000000", "invalid_timestamp"),
        ("1" * 13, "invalid_timestamp"),
        ("an hour ago", "stale_timestamp"),
        ("in an hour", "stale_timestamp"),
        ("0", "stale_timestamp"),
        ("9" * 12, "stale_timestamp"),
    ],
)
def test_bad_timestamps_are_refused_even_when_correctly_signed(
    served: Served, timestamp: str, error: str
) -> None:
    # Times near now are worked out when the test runs, so that the test's name is the same
    # in every process that collects it.
    near = {"an hour ago": -3600, "in an hour": 3600}
    if timestamp in near:
        timestamp = str(int(time.time()) + near[timestamp])
    body = b'{"type":"url_verification","challenge":"x"}'
    headers = {**JSON, **served.sign(body, timestamp=timestamp)}

    refused(post(served, body, headers), 401, error)
    assert served.calls == []


def test_missing_timestamp_is_refused(served: Served) -> None:
    body = b"{}"
    headers = {**JSON, "X-Slack-Signature": served.sign(body)["X-Slack-Signature"]}

    refused(post(served, body, headers), 401, "invalid_timestamp")
    assert served.calls == []


def _signature_variants(good: str) -> dict[str, str | None]:
    hexpart = good.removeprefix("v0=")
    wrong = ("0" if hexpart[0] != "0" else "1") + hexpart[1:]
    return {
        "missing": None,
        "empty": "",
        "wrong": "v0=" + wrong,
        "uppercase": "v0=" + hexpart.upper(),
        "other-version": "v1=" + hexpart,
        "too-long": good + "0",
        "too-short": good[:-1],
        "twice": f"{good},{good}",
    }


@pytest.mark.parametrize("variant", list(_signature_variants("v0=" + "a" * 64)))
def test_bad_signatures_are_refused(served: Served, variant: str) -> None:
    body = b"command=%2Fincident&text=help"
    headers = {**FORM, **served.sign(body)}
    signature = _signature_variants(headers["X-Slack-Signature"])[variant]
    if signature is None:
        del headers["X-Slack-Signature"]
    else:
        headers["X-Slack-Signature"] = signature

    refused(post(served, body, headers), 401, "invalid_signature")
    assert served.calls == []


def test_a_signature_for_another_body_is_refused(served: Served) -> None:
    headers = {**FORM, **served.sign(b"text=harmless")}

    refused(post(served, b"text=harmful", headers), 401, "invalid_signature")
    assert served.calls == []


def test_duplicate_signature_headers_are_refused(served: Served) -> None:
    body = b"{}"
    signed = served.sign(body)
    headers = [
        ("Content-Type", "application/json"),
        ("X-Slack-Request-Timestamp", signed["X-Slack-Request-Timestamp"]),
        ("X-Slack-Signature", signed["X-Slack-Signature"]),
        ("X-Slack-Signature", "v0=" + "0" * 64),
    ]
    response = httpx.post(f"{served.url}/slack/events", content=body, headers=headers)

    refused(response, 401, "invalid_signature")
    assert served.calls == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"payload={", FORM), (b"null", JSON), (b'"x"', JSON), (b"payload=null", FORM)],
)
@pytest.mark.parametrize("signature", ["none", "forged"])
def test_unsigned_malformed_bodies_are_refused_unparsed(
    served: Served, body: bytes, content_type: dict[str, str], signature: str
) -> None:
    headers = dict(content_type)
    if signature == "forged":
        headers.update(served.sign(b"something else"))

    refused(post(served, body, headers), 401)
    assert served.calls == []


# --------------------------------------------------------------------------------------------
# Shape, once verified
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"payload={", FORM, 400),
        (b"payload=null", FORM, 400),
        (b"payload=%5B1%5D", FORM, 400),
        (b"payload=%7B%7D&payload=%7B%7D", FORM, 400),
        (b"{not json", FORM, 400),  # Bolt parses a body starting with "{" as JSON
        (b"null", JSON, 400),
        (b'"x"', JSON, 400),
        (b"[]", JSON, 400),
        (b' {"a": 1}', JSON, 400),
        (b"", JSON, 400),
        (b"[" * 30_000, JSON, 400),
        (b'{"n": ' + b"1" * 5000 + b"}", JSON, 400),
        (b"text=\xff\xfe", FORM, 400),
        (b'{"text": "\xc3"}', JSON, 400),
        (b"text=hi", {"Content-Type": "text/plain"}, 415),
        (b"text=hi", {}, 415),
    ],
    ids=lambda value: repr(value)[:20] if isinstance(value, bytes) else None,
)
def test_signed_malformed_bodies_are_refused(
    served: Served, body: bytes, content_type: dict[str, str], status: int
) -> None:
    response = post(served, body, {**content_type, **served.sign(body)})

    refused(response, status)
    assert served.calls == []


# --------------------------------------------------------------------------------------------
# Size and time
# --------------------------------------------------------------------------------------------


def test_a_large_content_length_is_refused_before_the_body_is_sent(served: Served) -> None:
    with connect(served) as sock:
        sock.sendall(head(served, length=200 * MIB))
        response = read_response(sock)

    assert (response.status, response.body["error"]) == (413, "body_too_large")
    assert response.closed
    assert served.calls == []


def test_a_chunked_body_over_the_limit_is_refused_while_streaming(served: Served) -> None:
    status, sent = stream_until_answered(served, total=50 * MIB)

    assert status == 413
    assert sent < 50 * MIB
    assert served.calls == []


def test_a_body_at_the_limit_still_passes(served: Served) -> None:
    body = b'{"pad": "' + b"p" * (served.max_body - 11) + b'"}'
    assert len(body) == served.max_body

    assert post(served, body, {**JSON, **served.sign(body)}).status_code == 200
    assert served.calls == [body]


def test_memory_stays_flat_under_concurrent_huge_bodies(served: Served) -> None:
    post(served, b"{}", {**JSON, **served.sign(b"{}")})  # warm up every code path first
    baseline = rss_mib()
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mib())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda _: stream_until_answered(served, 50 * MIB), range(4)))
    finally:
        done.set()
        sampler.join()

    assert [status for status, _ in results] == [413] * 4
    # Four 50 MiB bodies would be 200 MiB if buffered; the guard holds 64 KiB of each at most.
    assert peak - baseline < 20, f"RSS grew from {baseline:.0f} to {peak:.0f} MiB"


def test_a_stalled_body_is_cut_off_at_the_deadline(served: Served) -> None:
    body = b'{"type": "event_callback", "pad": "' + b"p" * 1000 + b'"}'
    with connect(served) as sock:
        started = time.monotonic()
        sock.sendall(head(served, length=len(body), signed_for=body) + body[: len(body) // 2])
        response = read_response(sock)
        elapsed = time.monotonic() - started

    assert (response.status, response.body["error"]) == (408, "request_timeout")
    assert served.body_timeout - 0.1 < elapsed < served.body_timeout + 1.0
    assert response.closed
    assert served.calls == []


def test_a_trickled_body_gets_no_more_time_than_a_stalled_one(served: Served) -> None:
    body = b'{"pad": "' + b"p" * 10_000 + b'"}'
    with connect(served) as sock:
        started = time.monotonic()
        sock.sendall(head(served, length=len(body), signed_for=body))
        offset = 0
        # Ten bytes every 50 ms: each receive() is quick, the whole body is not.
        while offset < len(body) and not select.select([sock], [], [], 0.05)[0]:
            sock.sendall(body[offset : offset + 10])
            offset += 10
        response = read_response(sock)
        elapsed = time.monotonic() - started

    assert response.status == 408
    assert elapsed < served.body_timeout + 1.0
    assert served.calls == []


# --------------------------------------------------------------------------------------------
# Logging
# --------------------------------------------------------------------------------------------


def test_each_refusal_logs_one_safe_warning(
    served: Served, guard_log: pytest.LogCaptureFixture
) -> None:
    forged = b"payload={\nWARNING forged line\r\npayload=%7B%22secret%22%7D"
    long_timestamp = "1" * 5000
    refusals = [
        post(served, forged, FORM).status_code,  # unsigned
        post(served, forged, {**FORM, **served.sign(forged)}).status_code,  # signed, malformed
        post(served, forged, {**FORM, **served.sign(forged, long_timestamp)}).status_code,
        httpx.post(
            f"{served.url}/slack/events",
            content=forged,
            headers=[(b"X-Slack-Request-Timestamp", b"1 \xe9\xff\xc2\x85")],  # obs-text, NEL
        ).status_code,
        httpx.get(f"{served.url}/slack/events").status_code,
    ]
    with connect(served) as sock:
        sock.sendall(head(served, length=200 * MIB))
        refusals.append(read_response(sock).status)

    assert refusals == [401, 400, 401, 401, 405, 413]
    warnings = guard_warnings(guard_log)
    assert len(warnings) == len(refusals)
    for record in warnings:
        message = record.getMessage()
        assert message.isprintable() and message.isascii(), message
        assert len(message) < 300, message
        assert "/slack/events" in message and "127.0.0.1" in message
    logged = "\n".join(record.getMessage() for record in guard_log.records)
    for fragment in ("forged line", "secret", "payload=", "payload%3D"):
        assert fragment not in logged
    assert "1" * 100 not in logged
