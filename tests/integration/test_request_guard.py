"""The guard in front of Bolt: a request to the Slack path that is not signed, fresh and well
formed is refused with a JSON reason before anything reads it; nothing is stored, Slack is
never called, and the response URL it names is never requested."""

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from harness import SECRET, Harness

from bot.sandbox.payloads import build_slash_form
from bot.sandbox.signing import sign
from bot.web.slack_guard import MIB
from storage.models import InboxItem

FORM = "application/x-www-form-urlencoded"
GUARD_LOGGER = "warroom.slack.guard"
MARKER = "BODY-MARKER-7f3a"  # in every body sent here: it must never reach a log line


class ResponseUrl:
    """A tiny HTTP server standing in for a response URL; it records every request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        recorded = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                recorded.append(("POST", self.path))
                self.send_response(200)
                self.end_headers()

            def do_GET(self) -> None:
                recorded.append(("GET", self.path))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T1/B1/secret"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def response_url() -> Iterator[ResponseUrl]:
    server = ResponseUrl()
    yield server
    server.close()


def _slash_body(response_url: str) -> str:
    return urlencode(
        build_slash_form(
            token="t",
            team_id="T1",
            team_domain="acme",
            channel_id="C1",
            channel_name="general",
            user_id="U1",
            user_name="mallory",
            command="/incident",
            text=f"declare sev1 {MARKER}",
            api_app_id="A1",
            response_url=response_url,
            trigger_id="1.2.forged",
        )
    )


def _interaction(response_url: str, payload: str | None = None) -> str:
    """A form body whose `payload` field is `payload`; by default a valid-looking click."""
    if payload is None:
        payload = json.dumps(
            {
                "type": "block_actions",
                "user": {"id": "U1"},
                "trigger_id": "1.2.forged",
                "response_url": response_url,
                "actions": [{"action_id": "incident_resolve", "value": "1", "text": MARKER}],
            }
        )
    return urlencode({"payload": payload, "response_url": response_url, "note": MARKER})


def _post(harness: Harness, body: Any, headers: dict[str, str]) -> httpx.Response:
    url = f"{harness.handle.url}/slack/events"
    return httpx.post(url, content=body, headers={"Content-Type": FORM, **headers}, timeout=10)


def _signed(body: str | bytes, *, timestamp: str | None = None, secret: str = SECRET) -> dict:
    sent_at = timestamp if timestamp is not None else str(int(time.time()))
    return {"X-Slack-Request-Timestamp": sent_at, "X-Slack-Signature": sign(secret, sent_at, body)}


def _refused_once(caplog: pytest.LogCaptureFixture, status: int, error: str) -> None:
    """One WARNING line on the guard's logger for the refusal, without the body; no ERROR."""
    lines = [r for r in caplog.records if r.name == GUARD_LOGGER]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].levelno == logging.WARNING
    message = lines[0].getMessage()
    assert f"{status} {error}" in message
    assert MARKER not in message and "hooks/T1" not in message
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def _nothing_happened(harness: Harness, calls_before: int, response_url: ResponseUrl) -> None:
    harness.settle()
    time.sleep(0.1)  # anything Bolt would have started has had time to reach the network
    assert harness.rows(InboxItem) == []
    assert len(harness.driver.calls()) == calls_before
    assert response_url.requests == []
    assert harness.incidents() == []


BAD_TIMESTAMPS = {"abc": "abc", "empty": "", "fraction": "1.5", "stale": "stale"}


@pytest.mark.parametrize("timestamp", BAD_TIMESTAMPS.values(), ids=BAD_TIMESTAMPS)
def test_bad_timestamp_is_refused_before_anything_reads_the_body(
    harness: Harness,
    response_url: ResponseUrl,
    caplog: pytest.LogCaptureFixture,
    timestamp: str,
) -> None:
    caplog.set_level(logging.INFO)
    calls_before = len(harness.driver.calls())
    body = _slash_body(response_url.url)
    stale = timestamp == "stale"
    if stale:  # well formed and correctly signed, but more than five minutes old
        timestamp = str(int(time.time()) - 301)
    # Signed with the right secret over the bad timestamp: only the timestamp is wrong.
    response = _post(harness, body, _signed(body, timestamp=timestamp))
    assert response.status_code == 401
    answer = response.json()
    error = "stale_timestamp" if stale else "invalid_timestamp"
    assert answer["ok"] is False and answer["error"] == error and answer["reason"]
    _refused_once(caplog, 401, error)
    _nothing_happened(harness, calls_before, response_url)


UNVERIFIED = {
    "wrong-secret-slash": lambda url: (_slash_body(url), "wrong"),
    "wrong-secret-click": lambda url: (_interaction(url), "wrong"),
    "unsigned-click": lambda url: (_interaction(url), None),
    "unsigned-open-brace": lambda url: (_interaction(url, "{"), None),
    "unsigned-null": lambda url: (_interaction(url, "null"), None),
    "unsigned-string": lambda url: (_interaction(url, '"x"'), None),
}


@pytest.mark.parametrize("build", UNVERIFIED.values(), ids=UNVERIFIED)
def test_unverified_request_is_refused(
    harness: Harness, response_url: ResponseUrl, caplog: pytest.LogCaptureFixture, build: Any
) -> None:
    caplog.set_level(logging.INFO)
    calls_before = len(harness.driver.calls())
    body, how = build(response_url.url)
    headers = _signed(body, secret="not-the-signing-secret") if how == "wrong" else {}
    response = _post(harness, body, headers)
    assert response.status_code == 401
    answer = response.json()
    error = "invalid_signature" if how == "wrong" else "invalid_timestamp"
    assert answer["ok"] is False and answer["error"] == error and answer["reason"]
    _refused_once(caplog, 401, error)
    _nothing_happened(harness, calls_before, response_url)


MALFORMED = {
    "open-brace": lambda url: _interaction(url, '{"response_url": "' + url + '"'),
    "null": lambda url: _interaction(url, "null"),
    "string": lambda url: _interaction(url, '"x"'),
    "list": lambda url: _interaction(url, f'["{url}"]'),
    "two-payloads": lambda url: _interaction(url) + "&payload=%7B%7D",
    "not-utf8": lambda url: _interaction(url).encode() + b"&x=\xff\xfe",
}


@pytest.mark.parametrize("build", MALFORMED.values(), ids=MALFORMED)
def test_signed_but_malformed_body_is_refused(
    harness: Harness, response_url: ResponseUrl, caplog: pytest.LogCaptureFixture, build: Any
) -> None:
    caplog.set_level(logging.INFO)
    calls_before = len(harness.driver.calls())
    body = build(response_url.url)
    response = _post(harness, body, _signed(body))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"
    _refused_once(caplog, 400, "invalid_body")
    _nothing_happened(harness, calls_before, response_url)


def test_oversized_body_is_refused(
    harness: Harness, response_url: ResponseUrl, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    calls_before = len(harness.driver.calls())
    body = _slash_body(response_url.url) + "&pad=" + "a" * MIB
    response = _post(harness, body, _signed(body))  # correctly signed, only too big
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
    _refused_once(caplog, 413, "body_too_large")
    _nothing_happened(harness, calls_before, response_url)


def test_oversized_body_without_a_length_is_cut_off(
    harness: Harness, response_url: ResponseUrl, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    calls_before = len(harness.driver.calls())
    body = (_slash_body(response_url.url) + "&pad=" + "a" * MIB).encode()

    def chunks() -> Iterator[bytes]:  # chunked transfer: no Content-Length to refuse early
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    response = _post(harness, chunks(), _signed(body))
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
    _refused_once(caplog, 413, "body_too_large")
    _nothing_happened(harness, calls_before, response_url)


def test_a_good_request_still_passes_the_guard(
    harness: Harness, response_url: ResponseUrl, caplog: pytest.LogCaptureFixture
) -> None:
    """The same request, signed and fresh, is carried out and answered at its response URL:
    the refusals above are the guard's doing, and the stand-in URL would have seen a call."""
    caplog.set_level(logging.INFO)
    body = _slash_body(response_url.url)
    response = _post(harness, body, _signed(body))
    assert response.status_code == 200, response.text
    assert len(harness.rows(InboxItem)) == 1
    harness.settle()
    harness.driver.wait_for(lambda: response_url.requests, description="the answer")
    assert [r for r in caplog.records if r.name == GUARD_LOGGER] == []
