"""Twilio's webhooks into Warroom: a text to our number and a key pressed in a paging call,
verified on the raw form first, stored in the inbox before the 200, over real HTTP. The
inbound text comes from emulate's Twilio, signed by it, not by us."""

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
import pytest
from servers.twilio_server import TwilioEmulator
from sqlalchemy.engine import Engine
from webhook_server import Served, serve_twilio_webhooks, stored

from bot.kernel.inbox import Inbox
from bot.web.twilio_webhooks import MAX_BODY
from storage.database import make_engine

TOKEN = "twilio_test_auth_token"  # emulate's, so that its signatures are good here
CALL_SID = "CA" + "a" * 32
SMS_SID = "SM" + "b" * 32
FORM = "application/x-www-form-urlencoded"


def sign(url: str, form: Sequence[tuple[str, str]], token: str = TOKEN) -> str:
    """Twilio's signature as its documentation describes it, written apart from ours."""
    data = url + "".join(f"{k}{v}" for k, v in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def sms_form(**changes: str) -> list[tuple[str, str]]:
    """An inbound text's form, as Twilio posts it."""
    form = {"MessageSid": SMS_SID, "AccountSid": "AC" + "0" * 32, "From": "+15557654321"}
    form |= {"To": "+15551234567", "Body": "ACK P-1001", "NumMedia": "0"}
    return [(k, v) for k, v in (form | changes).items() if v != ""]


@pytest.fixture
async def inbox(engine: Engine) -> Inbox:
    """A real inbox on this test's database."""
    return Inbox(engine, lambda: datetime.now(UTC))


@pytest.fixture
async def served(inbox: Inbox) -> AsyncIterator[Served]:
    """The routes, checking signatures with emulate's auth token."""
    async with serve_twilio_webhooks(inbox, auth_token=TOKEN) as running:
        yield running


async def post(
    served: Served, path: str, form: Sequence[tuple[str, str]], signature: str | None
) -> httpx.Response:
    """POST `form` to our route, with `signature` (none when None)."""
    headers = {"Content-Type": FORM}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    async with httpx.AsyncClient(base_url=served.url) as client:
        return await client.post(path, content=urlencode(form), headers=headers)


async def test_a_text_to_our_number_is_stored_before_the_answer(
    twilio: TwilioEmulator, served: Served, inbox: Inbox
) -> None:
    twilio.set_sms_url(f"{served.public_url}/webhooks/twilio")
    async with httpx.AsyncClient(auth=(twilio.account_sid, twilio.auth_token)) as client:
        simulated = await client.post(
            f"{twilio.url}/_twilio/simulate/inbound-message",
            data={"To": twilio.phone_number, "From": "+15557654321", "Body": "ACK P-1001"},
        )
    assert simulated.status_code == 201, simulated.text
    sid = simulated.json()["sid"]

    assert served.answers == [("/webhooks/twilio", 200)]
    [item] = stored(inbox)
    assert (item.key, item.kind) == (f"twilio:sms:{sid}", "paging.sms_reply")
    assert item.payload == {
        "from": "+15557654321",
        "to": twilio.phone_number,
        "body": "ACK P-1001",
        "sid": sid,
    }


async def test_the_answer_is_empty_twiml(served: Served) -> None:
    url = f"{served.public_url}/webhooks/twilio"
    answer = await post(served, "/webhooks/twilio", sms_form(), sign(url, sms_form()))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")
    assert answer.text.endswith("<Response/>")


async def test_twilio_redelivering_a_text_stores_it_once(served: Served, inbox: Inbox) -> None:
    url = f"{served.public_url}/webhooks/twilio"
    for _ in range(2):
        answer = await post(served, "/webhooks/twilio", sms_form(), sign(url, sms_form()))
        assert answer.status_code == 200
    assert [item.key for item in stored(inbox)] == [f"twilio:sms:{SMS_SID}"]


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (None, "the X-Twilio-Signature header is missing"),
        ("", "the X-Twilio-Signature header is missing"),
        ("forged", "the signature does not match"),
    ],
    ids=["missing", "empty", "forged"],
)
async def test_an_unsigned_or_forged_text_is_refused_and_not_stored(
    served: Served, inbox: Inbox, signature: str | None, reason: str
) -> None:
    answer = await post(served, "/webhooks/twilio", sms_form(), signature)
    assert answer.status_code == 403
    assert answer.json()["error"] == "bad_signature"
    assert answer.json()["reason"].startswith(reason)
    assert stored(inbox) == []


async def test_a_signature_made_with_another_token_or_form_is_refused(
    served: Served, inbox: Inbox
) -> None:
    url = f"{served.public_url}/webhooks/twilio"
    other_token = sign(url, sms_form(), token="someone-elses-token")
    tampered = sign(url, sms_form(Body="ACK P-9999"))
    for signature in (other_token, tampered):
        answer = await post(served, "/webhooks/twilio", sms_form(), signature)
        assert (answer.status_code, answer.json()["error"]) == (403, "bad_signature")
    assert stored(inbox) == []


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        (sms_form(MessageSid=""), "the form has no MessageSid"),
        (sms_form(From=""), "the form has no From"),
        (sms_form(MessageSid="SM123"), "MessageSid 'SM123' is not a Twilio SID"),
    ],
    ids=["no-sid", "no-from", "bad-sid"],
)
async def test_a_signed_but_malformed_text_is_400(
    served: Served, inbox: Inbox, form: list[tuple[str, str]], reason: str
) -> None:
    url = f"{served.public_url}/webhooks/twilio"
    answer = await post(served, "/webhooks/twilio", form, sign(url, form))
    assert answer.status_code == 400
    assert answer.json() == {"ok": False, "error": "invalid_form", "reason": reason}
    assert stored(inbox) == []


async def test_a_signed_form_sent_as_another_type_is_400(served: Served, inbox: Inbox) -> None:
    url = f"{served.public_url}/webhooks/twilio"
    async with httpx.AsyncClient(base_url=served.url) as client:
        answer = await client.post(
            "/webhooks/twilio",
            content=urlencode(sms_form()),
            headers={"Content-Type": "text/plain", "X-Twilio-Signature": sign(url, sms_form())},
        )
    assert answer.status_code == 400
    assert answer.json()["reason"] == "send application/x-www-form-urlencoded, as Twilio does"
    assert stored(inbox) == []


async def test_a_json_body_is_not_what_twilio_signs(served: Served, inbox: Inbox) -> None:
    url = f"{served.public_url}/webhooks/twilio"
    async with httpx.AsyncClient(base_url=served.url) as client:
        answer = await client.post(
            "/webhooks/twilio",
            json=dict(sms_form()),
            headers={"X-Twilio-Signature": sign(url, sms_form())},
        )
    assert (answer.status_code, answer.json()["error"]) == (403, "bad_signature")
    assert stored(inbox) == []


async def test_an_oversized_body_is_refused_unread(served: Served, inbox: Inbox) -> None:
    form = sms_form(Body="x" * (MAX_BODY + 1))
    answer = await post(served, "/webhooks/twilio", form, "anything")
    assert answer.status_code == 413
    assert answer.json()["error"] == "payload_too_large"
    assert stored(inbox) == []


async def test_a_key_pressed_in_a_call_is_stored_with_the_gather_urls_query(
    served: Served, inbox: Inbox
) -> None:
    path = "/webhooks/twilio/voice?notification=123&attempt=2"
    form = [("CallSid", CALL_SID), ("Digits", "1"), ("From", "+15551234567")]
    form += [("To", "+15557654321"), ("AccountSid", "AC" + "0" * 32), ("CallStatus", "in-progress")]
    for _ in range(2):  # Twilio may post it twice: stored once, thanked twice
        answer = await post(served, path, form, sign(served.public_url + path, form))
        assert answer.status_code == 200
        assert answer.text.endswith("<Response><Say>Thank you.</Say></Response>")

    [item] = stored(inbox)
    assert (item.key, item.kind) == (f"twilio:voice:{CALL_SID}:1", "paging.voice_keypress")
    assert item.payload == {
        "from": "+15551234567",
        "to": "+15557654321",
        "digits": "1",
        "call_sid": CALL_SID,
        "query": {"notification": "123", "attempt": "2"},
    }


async def test_a_keypress_signed_without_its_query_is_refused(served: Served, inbox: Inbox) -> None:
    form = [("CallSid", CALL_SID), ("Digits", "1"), ("From", "+1555"), ("To", "+1556")]
    unsigned_query = sign(f"{served.public_url}/webhooks/twilio/voice", form)
    answer = await post(served, "/webhooks/twilio/voice?notification=666", form, unsigned_query)
    assert answer.status_code == 403
    assert stored(inbox) == []


async def test_emulates_signature_over_a_url_with_a_query_is_accepted(
    twilio: TwilioEmulator, served: Served, inbox: Inbox
) -> None:
    # emulate cannot press keys, but it signs a call's status callbacks: sent to the keypress
    # route with a query, they pass the signature and are refused only for having no Digits.
    callback = f"{served.public_url}/webhooks/twilio/voice?notification=9"
    # An async client: our server runs in this event loop and must answer emulate meanwhile.
    async with httpx.AsyncClient(auth=(twilio.account_sid, twilio.auth_token)) as client:
        made = await client.post(
            f"{twilio.account_url}/Calls.json",
            data={"To": "+15557654321", "From": twilio.phone_number, "Twiml": "<Response/>"}
            | {"StatusCallback": callback},
        )
    assert made.status_code == 201, made.text
    assert served.answers == [("/webhooks/twilio/voice", 400)] * 2  # queued, ringing
    assert stored(inbox) == []


async def test_behind_a_proxy_the_public_url_is_what_is_signed(inbox: Inbox) -> None:
    public = "https://warroom.example.com"
    async with serve_twilio_webhooks(inbox, auth_token=TOKEN, public_url=public) as served:
        local = sign(f"{served.url}/webhooks/twilio", sms_form())
        assert (await post(served, "/webhooks/twilio", sms_form(), local)).status_code == 403
        with_port = sign(f"{public}:443/webhooks/twilio", sms_form())
        assert (await post(served, "/webhooks/twilio", sms_form(), with_port)).status_code == 200
    assert len(stored(inbox)) == 1


async def test_without_an_auth_token_the_routes_are_off(inbox: Inbox) -> None:
    async with serve_twilio_webhooks(inbox, auth_token=None) as served:
        answer = await post(served, "/webhooks/twilio", sms_form(), "anything")
    assert answer.status_code == 503
    assert answer.json()["error"] == "disabled"


async def test_a_database_that_cannot_store_it_gets_503() -> None:
    engine = make_engine("sqlite:////nonexistent-folder/warroom.db")
    broken = Inbox(engine, lambda: datetime.now(UTC))
    try:
        async with serve_twilio_webhooks(broken, auth_token=TOKEN) as served:
            url = f"{served.public_url}/webhooks/twilio"
            answer = await post(served, "/webhooks/twilio", sms_form(), sign(url, sms_form()))
    finally:
        engine.dispose()
    assert answer.status_code == 503
    assert answer.json()["error"] == "unavailable"
