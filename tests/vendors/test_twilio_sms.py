"""Text messages through Twilio's Messages API, against emulate's Twilio over real HTTP."""

import itertools

import pytest
from servers.twilio_server import TwilioEmulator

from bot.kernel.outbox import Permanent
from bot.vendors.twilio import SMS_LIMIT, TwilioClient, TwilioSmsSender, fit_sms

NUMBERS = (f"+1555000{n:04d}" for n in itertools.count(1))


def sender(twilio: TwilioEmulator, *, token: str | None = None) -> TwilioSmsSender:
    """A sender signed in as the emulator's account, from its number."""
    client = TwilioClient(
        twilio.account_sid, token or twilio.auth_token, api_url=twilio.url, timeout=5.0
    )
    return TwilioSmsSender(client, twilio.phone_number)


async def test_a_text_is_in_twilios_list_of_messages(twilio: TwilioEmulator) -> None:
    to = next(NUMBERS)
    delivered = await sender(twilio).send_sms(to, "[P-1001] checkout is down", retry=False)

    listed = twilio.listed("Messages", To=to)
    assert [(m["sid"], m["from"], m["body"]) for m in listed] == [
        (delivered.provider_id, twilio.phone_number, "[P-1001] checkout is down")
    ]
    assert delivered.provider_id.startswith("SM")
    assert delivered.detail == "queued"


async def test_a_number_twilio_refuses_is_permanent_with_its_code(twilio: TwilioEmulator) -> None:
    with pytest.raises(Permanent) as refused:
        await sender(twilio).send_sms("12345", "[P-1002] hello", retry=False)
    # emulate answers 21201 where Twilio answers 21211; both carry the code and the message.
    assert refused.value.error.startswith("twilio 21201: ")
    assert "'To'" in refused.value.error


async def test_a_number_we_do_not_own_is_permanent(twilio: TwilioEmulator) -> None:
    client = TwilioClient(twilio.account_sid, twilio.auth_token, api_url=twilio.url)
    with pytest.raises(Permanent, match=r"^twilio 21606: "):
        await TwilioSmsSender(client, "+15559999999").send_sms(next(NUMBERS), "x", retry=False)


async def test_wrong_credentials_are_permanent(twilio: TwilioEmulator) -> None:
    with pytest.raises(Permanent, match=r"^twilio 20003: Authenticate$"):
        await sender(twilio, token="not-the-token").send_sms(next(NUMBERS), "x", retry=False)


async def test_a_retry_adopts_the_text_an_earlier_try_sent(twilio: TwilioEmulator) -> None:
    to = next(NUMBERS)
    first = await sender(twilio).send_sms(to, "[P-1003] db is slow", retry=False)
    await sender(twilio).send_sms(to, "[P-1004] another page", retry=False)

    again = await sender(twilio).send_sms(to, "[P-1003] db is slow", retry=True)

    assert again.provider_id == first.provider_id
    assert again.detail.startswith("adopted")
    assert sorted(m["body"] for m in twilio.listed("Messages", To=to)) == [
        "[P-1003] db is slow",
        "[P-1004] another page",
    ]


async def test_a_retry_sends_when_no_earlier_try_did(twilio: TwilioEmulator) -> None:
    to = next(NUMBERS)
    # The same text to someone else, or another text to the same person, is not ours.
    await sender(twilio).send_sms(next(NUMBERS), "[P-1005] cache full", retry=False)
    await sender(twilio).send_sms(to, "[P-1006] cache full", retry=False)

    sent = await sender(twilio).send_sms(to, "[P-1005] cache full", retry=True)

    assert not sent.detail.startswith("adopted")
    assert sent.provider_id in {m["sid"] for m in twilio.listed("Messages", To=to)}
    assert sorted(m["body"] for m in twilio.listed("Messages", To=to)) == [
        "[P-1005] cache full",
        "[P-1006] cache full",
    ]


async def test_a_long_text_is_cut_to_twilios_limit_and_adopted_as_cut(
    twilio: TwilioEmulator,
) -> None:
    to = next(NUMBERS)
    body = "[P-1007] " + "the payment service answers slowly " * 60
    first = await sender(twilio).send_sms(to, body, retry=False)
    again = await sender(twilio).send_sms(to, body, retry=True)

    (listed,) = twilio.listed("Messages", To=to)
    assert again.provider_id == first.provider_id == listed["sid"]
    assert len(listed["body"]) <= SMS_LIMIT
    assert listed["body"].startswith("[P-1007] the payment service")
    kept = listed["body"].removesuffix("…")
    assert listed["body"].endswith("…")
    assert body.startswith(kept)
    assert body[len(kept)] == " "  # cut between words


def test_cutting_counts_what_twilio_counts() -> None:
    assert fit_sms("short") == "short"
    assert fit_sms("x" * SMS_LIMIT) == "x" * SMS_LIMIT
    cut = fit_sms("x" * (SMS_LIMIT + 1))
    assert cut == "x" * (SMS_LIMIT - 1) + "…"
    # An emoji is two UTF-16 units: 800 of them fill the message, 801 do not fit.
    assert fit_sms("🔥" * 800) == "🔥" * 800
    emoji = fit_sms("🔥" * 801)
    assert len(emoji.encode("utf-16-le")) // 2 <= SMS_LIMIT
    assert emoji.endswith("…")


async def test_an_empty_text_is_permanent(twilio: TwilioEmulator) -> None:
    with pytest.raises(Permanent, match="empty"):
        await sender(twilio).send_sms(next(NUMBERS), "   ", retry=False)
