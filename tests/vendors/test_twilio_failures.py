"""How Twilio's failures reach the outbox: 429 and 5xx, timeouts and dropped connections may
pass (Transient, with Retry-After honoured); other 4xx cannot (Permanent, with the code).
Against a local HTTP server that answers as told, over real sockets."""

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from processes import free_port
from servers.faulty_http import FaultyServer, faulty_http

from bot.kernel.outbox import Permanent, Transient
from bot.vendors.twilio import TwilioClient, TwilioSmsSender, TwilioVoiceCaller

ACCOUNT = "AC" + "1" * 32
NOW = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC)
SMS_SID = "SM" + "2" * 32


@pytest.fixture
async def server() -> AsyncIterator[FaultyServer]:
    """A server that answers what each test tells it to."""
    async with faulty_http() as running:
        yield running


def sms(url: str, *, timeout: float = 2.0) -> TwilioSmsSender:
    """A sender against `url`, at a fixed time."""
    client = TwilioClient(ACCOUNT, "token", api_url=url, timeout=timeout, clock=lambda: NOW)
    return TwilioSmsSender(client, "+15550000001")


async def test_429_is_transient_and_honours_retry_after_seconds(server: FaultyServer) -> None:
    server.reply(429, {"Retry-After": "7"}, b'{"code": 20429, "message": "Too Many Requests"}')
    with pytest.raises(Transient) as raised:
        await sms(server.url).send_sms("+15550000002", "[P-1] x", retry=False)
    assert raised.value.retry_after == 7.0
    assert raised.value.error == "twilio 429: 20429: Too Many Requests"


async def test_429_with_an_http_date_waits_until_then(server: FaultyServer) -> None:
    server.reply(429, {"Retry-After": "Fri, 04 Dec 2026 12:01:30 GMT"})
    with pytest.raises(Transient) as raised:
        await sms(server.url).send_sms("+15550000002", "[P-1] x", retry=False)
    assert raised.value.retry_after == 90.0


async def test_429_without_retry_after_leaves_the_wait_to_the_outbox(
    server: FaultyServer,
) -> None:
    server.reply(429)
    with pytest.raises(Transient) as raised:
        await sms(server.url).send_sms("+15550000002", "[P-1] x", retry=False)
    assert raised.value.retry_after is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_any_5xx_is_transient_whatever_its_body(server: FaultyServer, status: int) -> None:
    server.reply(status, {"Content-Type": "text/html"}, b"<html>Service Unavailable</html>")
    with pytest.raises(Transient, match=f"^twilio http {status}$"):
        await sms(server.url).send_sms("+15550000002", "[P-1] x", retry=False)


async def test_a_4xx_is_permanent_with_twilios_code_and_message(server: FaultyServer) -> None:
    body = {"code": 21211, "message": "Invalid 'To' Phone Number: +1555", "status": 400}
    server.reply(400, {"Content-Type": "application/json"}, json.dumps(body).encode())
    with pytest.raises(Permanent) as raised:
        await sms(server.url).send_sms("+1555", "[P-1] x", retry=False)
    assert raised.value.error == "twilio 21211: Invalid 'To' Phone Number: +1555"


async def test_a_4xx_without_json_is_permanent_with_its_status(server: FaultyServer) -> None:
    server.reply(404, {"Content-Type": "text/plain"}, b"not here")
    with pytest.raises(Permanent, match=r"^twilio http 404$"):
        await sms(server.url).send_sms("+15550000002", "[P-1] x", retry=False)


async def test_no_answer_in_time_is_transient(server: FaultyServer) -> None:
    server.stall()
    with pytest.raises(Transient, match=r"^twilio timeout \(ReadTimeout\)$"):
        await sms(server.url, timeout=0.3).send_sms("+15550000002", "[P-1] x", retry=False)


async def test_a_dropped_connection_is_transient(server: FaultyServer) -> None:
    server.drop()
    with pytest.raises(Transient, match=r"^twilio unreachable \(RemoteProtocolError\)$"):
        await sms(server.url).send_sms("+15550000002", "[P-1] x", retry=False)


async def test_nobody_listening_is_transient() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(Transient, match=r"^twilio unreachable \(ConnectError\)$"):
        await sms(url).send_sms("+15550000002", "[P-1] x", retry=False)


async def test_a_success_without_json_is_transient_so_the_retry_looks_first(
    server: FaultyServer,
) -> None:
    server.reply(201, {"Content-Type": "text/html"}, b"<html>created?</html>")
    with pytest.raises(Transient, match="without a JSON object"):
        await sms(server.url).send_sms("+15550000002", "[P-1] x", retry=False)


async def test_the_request_is_twilios_form_with_basic_auth(server: FaultyServer) -> None:
    server.reply(201, {}, json.dumps({"sid": SMS_SID, "status": "queued"}).encode())
    delivered = await sms(server.url).send_sms("+15550000002", "[P-1] a&b", retry=False)
    assert delivered.provider_id == SMS_SID
    ((method, target, body),) = server.requests
    assert (method, target) == ("POST", f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json")
    assert body == b"To=%2B15550000002&From=%2B15550000001&Body=%5BP-1%5D+a%26b"


async def test_a_retry_that_cannot_look_is_transient_and_sends_nothing(
    server: FaultyServer,
) -> None:
    server.reply(503)
    with pytest.raises(Transient):
        await sms(server.url).send_sms("+15550000002", "[P-1] x", retry=True)
    with pytest.raises(Transient):
        client = TwilioClient(ACCOUNT, "token", api_url=server.url, clock=lambda: NOW)
        await TwilioVoiceCaller(client, "+15550000001").call(
            "+15550000002", "x", gather_url=None, retry=True
        )
    assert [method for method, _target, _body in server.requests] == ["GET", "GET"]
