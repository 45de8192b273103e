"""Paging calls through Twilio's Calls API, against emulate's Twilio over real HTTP."""

import itertools
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime, timedelta

import pytest
from servers.twilio_server import TwilioEmulator

from bot.kernel.outbox import Permanent
from bot.vendors.twilio import TWIML_LIMIT, TwilioClient, TwilioVoiceCaller, build_call_twiml

NUMBERS = (f"+1555100{n:04d}" for n in itertools.count(1))
GATHER = "https://warroom.example.com/webhooks/twilio/voice?notification=7&kind=page"


class Clock:
    """Real time, moved on by hand."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


def caller(
    twilio: TwilioEmulator, clock: Clock | None = None, **options: timedelta | None
) -> TwilioVoiceCaller:
    """A caller signed in as the emulator's account, from its number."""
    client = TwilioClient(
        twilio.account_sid, twilio.auth_token, api_url=twilio.url, clock=clock or Clock()
    )
    return TwilioVoiceCaller(client, twilio.phone_number, **options)


async def test_a_call_is_in_twilios_list_with_our_twiml(twilio: TwilioEmulator) -> None:
    to = next(NUMBERS)
    delivered = await caller(twilio).call(to, "Checkout is down.", gather_url=GATHER, retry=False)

    listed = twilio.listed("Calls", To=to)
    assert [(c["sid"], c["from"], c["status"]) for c in listed] == [
        (delivered.provider_id, twilio.phone_number, "ringing")
    ]
    assert twilio.twiml_steps(delivered.provider_id) == ["Gather", "Say", "Say"]


async def test_a_call_without_a_gather_url_only_speaks(twilio: TwilioEmulator) -> None:
    delivered = await caller(twilio).call(next(NUMBERS), "FYI.", gather_url=None, retry=False)
    assert twilio.twiml_steps(delivered.provider_id) == ["Say"]


async def test_a_number_twilio_refuses_is_permanent(twilio: TwilioEmulator) -> None:
    with pytest.raises(Permanent, match=r"^twilio 21201: To is required$"):
        await caller(twilio).call("not a number", "x", gather_url=None, retry=False)


async def test_a_retry_adopts_a_call_just_made_to_the_same_number(twilio: TwilioEmulator) -> None:
    to = next(NUMBERS)
    first = await caller(twilio).call(to, "Page 1.", gather_url=GATHER, retry=False)

    again = await caller(twilio).call(to, "Page 1.", gather_url=GATHER, retry=True)

    assert again.provider_id == first.provider_id
    assert again.detail == "adopted (ringing)"
    assert len(twilio.listed("Calls", To=to)) == 1


async def test_a_retry_calls_again_once_the_window_has_passed(twilio: TwilioEmulator) -> None:
    to = next(NUMBERS)
    clock = Clock()
    first = await caller(twilio, clock).call(to, "Page 2.", gather_url=GATHER, retry=False)
    clock.ahead = timedelta(minutes=3)

    again = await caller(twilio, clock).call(to, "Page 2.", gather_url=GATHER, retry=True)

    assert again.provider_id != first.provider_id
    assert len(twilio.listed("Calls", To=to)) == 2


async def test_a_retry_never_adopts_when_told_not_to(twilio: TwilioEmulator) -> None:
    to = next(NUMBERS)
    await caller(twilio).call(to, "Page 3.", gather_url=None, retry=False)
    never = caller(twilio, adopt_within=None)
    await never.call(to, "Page 3.", gather_url=None, retry=True)
    assert len(twilio.listed("Calls", To=to)) == 2


def test_the_twiml_gathers_one_key_and_escapes_text_and_url() -> None:
    twiml = build_call_twiml('Sev1 <checkout> & "payments"', GATHER)
    root = ElementTree.fromstring(twiml)
    gather = root.find("Gather")
    assert gather is not None
    assert gather.attrib == {"numDigits": "1", "action": GATHER, "method": "POST"}
    assert [say.text for say in gather.iter("Say")] == ['Sev1 <checkout> & "payments"']
    assert [child.tag for child in root] == ["Gather", "Say"]


def test_a_long_text_is_cut_to_fit_twilios_twiml_limit() -> None:
    twiml = build_call_twiml("a < b " * 2000, GATHER)
    assert len(twiml) <= TWIML_LIMIT
    said = ElementTree.fromstring(twiml).find("Gather/Say")
    assert said is not None and said.text is not None
    assert said.text.startswith("a < b a < b") and said.text.endswith("…")
