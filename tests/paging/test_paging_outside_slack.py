"""Paging beyond Slack end to end: the real app over real HTTP, a real database, the Slack
sandbox, emulate's Twilio and an aiosmtpd server, the clock moved by hand. A person's rules in
warroom.yml reach them by SMS at once, by e-mail after a minute, by a call after five; an
acknowledgement (in Slack, by a texted `ack <code>`, by pressing 1 in the call) stops the rest;
contact methods set in Slack win over the file; a test page tries every method; what is not set
up fails alone, what fails for a while is sent once, and what never goes is recorded failed.
Restarts, two processes and races: test_paging_outside_slack_races.py."""

import html
import re
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
from oncall.slack_oncall_app import OncallApp, message_text
from paging_app import (
    StartApp,
    acknowledgements,
    alert,
    later,
    notifications,
    page_dms,
    post_alert,
    sandbox_fixture,
    settle,
    start_app_fixture,
    the_page,
    vendors_fixture,
)
from paging_vendors import Person, Vendors, new_people, twilio_signature
from servers.twilio_server import twilio_emulator_fixture

from bot.slack.ids import ActionId, BlockId

twilio = twilio_emulator_fixture(scope="module")
sandbox = sandbox_fixture()
vendors = vendors_fixture()
start_app = start_app_fixture()
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def people() -> dict[str, Person]:
    """carol, bob and alice, with a number and an address of this test's own."""
    return new_people()


@pytest.fixture
def app(start_app: StartApp) -> OncallApp:
    """The app wired to every vendor."""
    return start_app()


def test_slack_and_sms_at_once_mail_after_a_minute_a_call_after_five(
    app: OncallApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol = people["carol"]
    alert(app)
    page = the_page(app)
    (dm,) = page_dms(app, carol)
    (text,) = vendors.texts_to(carol)
    assert f"Reply 'ack {page.id}' to acknowledge." in text["body"]
    assert vendors.mails_to(carol) == [] and vendors.calls_to(carol) == []

    later(app, seconds=50)  # settling waits out what is due within 2 s: stay clear of it
    assert vendors.mails_to(carol) == []
    later(app, seconds=11)
    (mail,) = vendors.mails_to(carol)
    assert mail.message["Subject"] == "[Warroom] Paged: INC-1 (SEV2): Checkout errors"
    assert vendors.calls_to(carol) == []

    later(app, minutes=3, seconds=49)
    assert vendors.calls_to(carol) == []
    later(app, seconds=11)
    (call,) = vendors.calls_to(carol)
    assert vendors.twilio.twiml_steps(call["sid"]) == ["Gather", "Say", "Say"]

    sent = notifications(app, carol)
    assert {m: n.state for m, n in sent.items()} == dict.fromkeys(
        ["slack", "sms", "voice", "email"], "sent"
    )
    assert sent["slack"].provider_id == dm["ts"]
    assert sent["sms"].provider_id == text["sid"]
    assert sent["email"].provider_id == mail.message["Message-ID"]
    assert sent["voice"].provider_id == call["sid"]
    times = {m: (n.due_at, n.sent_at) for m, n in sent.items()}
    assert all(due and at and at >= due for due, at in times.values()), times
    (sms_due, _), (mail_due, _) = times["sms"], times["email"]
    assert sms_due and mail_due and (mail_due - sms_due).total_seconds() == 60


def test_an_acknowledgement_in_slack_stops_the_mail_and_the_call(
    app: OncallApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol, bob = people["carol"], people["bob"]
    alert(app)
    (dm,) = page_dms(app, carol)
    assert len(vendors.texts_to(carol)) == 1
    app.driver.click(
        "carol", app.driver.dm_channel("carol") or "", dm["ts"], ActionId.ACKNOWLEDGE_PAGE
    )
    settle(app)
    later(app, minutes=1, seconds=5)
    later(app, minutes=5)
    later(app, minutes=5)  # past the level's ten minutes too
    assert vendors.mails_to(carol) == [] and vendors.calls_to(carol) == []
    assert vendors.texts_to(bob) == [] and page_dms(app, bob) == []
    sent = notifications(app, carol)
    assert {m: (n.state, n.detail) for m, n in sent.items() if m in ("email", "voice")} == {
        "email": ("cancelled", "acknowledged by @U0CAROL"),
        "voice": ("cancelled", "acknowledged by @U0CAROL"),
    }
    assert (sent["email"].sent_at, sent["voice"].sent_at) == (None, None)
    assert (sent["slack"].state, sent["sms"].state) == ("sent", "sent")


def test_resolving_the_incident_stops_the_mail_and_the_call(
    app: OncallApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol = people["carol"]
    alert(app)
    room = app.driver.channel_by_name("inc-1-checkout-errors")
    assert room is not None
    assert app.driver.slash("alice", str(room["id"]), "resolve fixed").status_code == 200
    settle(app)
    later(app, minutes=1, seconds=5)
    later(app, minutes=5)
    assert vendors.mails_to(carol) == [] and vendors.calls_to(carol) == []
    sent = notifications(app, carol)
    assert {(n.state, n.detail) for m, n in sent.items() if m in ("email", "voice")} == {
        ("cancelled", "the incident was resolved")
    }


def test_texting_back_ack_and_the_code_acknowledges_and_stops_the_rest(
    app: OncallApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol, bob = people["carol"], people["bob"]
    alert(app)
    page = the_page(app)
    received = vendors.text_from(carol.phone, f"ack {page.id}")
    assert received.status_code == 201, received.text
    # emulate posted it, signed, to the public URL, which forwarded it to the app
    assert [(s.path, s.status) for s in vendors.front_door.seen] == [("/webhooks/twilio", 200)]
    settle(app)
    assert the_page(app).state == "acknowledged"
    assert acknowledgements(app) == [("U0CAROL", "sms")]
    (dm,) = page_dms(app, carol)
    assert "Acknowledged by <@U0CAROL>" in message_text(dm)
    later(app, minutes=1, seconds=5)
    later(app, minutes=10)
    assert vendors.mails_to(carol) == [] and vendors.calls_to(carol) == []
    assert len(vendors.texts_to(carol)) == 1
    assert vendors.texts_to(bob) == [] and page_dms(app, bob) == []


def test_a_text_from_a_stranger_or_naming_no_page_acknowledges_nothing(
    app: OncallApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol = people["carol"]
    alert(app)
    page = the_page(app)
    for phone, body in [
        ("+15559990000", f"ack {page.id}"),  # a number nobody has
        (carol.phone, "ack 999"),  # no such page
        (carol.phone, "on my way"),  # not an acknowledgement
    ]:
        assert vendors.text_from(phone, body).status_code == 201
    assert [s.status for s in vendors.front_door.seen] == [200] * 3  # stored, not redelivered
    settle(app)
    assert (the_page(app).state, acknowledgements(app)) == ("active", [])
    later(app, minutes=1, seconds=5)
    assert len(vendors.mails_to(carol)) == 1  # still paging
    vendors.text_from(carol.phone, "ACK")  # alone: every page still climbing that texted her
    settle(app)
    assert acknowledgements(app) == [("U0CAROL", "sms")]


def test_pressing_1_in_the_call_acknowledges(
    start_app: StartApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol = people["carol"]
    app = start_app(through_proxy=True)
    alert(app)
    later(app, minutes=5, seconds=5)
    (call,) = vendors.calls_to(carol)
    (made,) = vendors.twilio_proxy.posts_to("/Calls.json")
    twiml = parse_qs(made.body.decode())["Twiml"][0]
    action = html.unescape(re.findall(r'<Gather [^>]*action="([^"]+)"', twiml)[0])
    voice = notifications(app, carol)["voice"]
    assert action == f"{vendors.front_door.url}/webhooks/twilio/voice?n={voice.id}"

    def press(digits: str) -> httpx.Response:
        form = [("AccountSid", vendors.twilio.account_sid), ("CallSid", call["sid"])]
        form += [("From", vendors.twilio.phone_number), ("To", carol.phone)]
        form += [("CallStatus", "in-progress"), ("Digits", digits)]
        signature = twilio_signature(vendors.twilio.auth_token, action, form)
        return httpx.post(
            action,
            content=urlencode(form),
            headers={"Content-Type": FORM, "X-Twilio-Signature": signature},
            timeout=30,
        )

    assert press("2").status_code == 200
    settle(app)
    assert acknowledgements(app) == []
    pressed = press("1")
    assert (pressed.status_code, pressed.text.endswith("<Say>Thank you.</Say></Response>")) == (
        200,
        True,
    )
    settle(app)
    assert (the_page(app).state, acknowledgements(app)) == ("acknowledged", [("U0CAROL", "voice")])


def set_own_contact(app: OncallApp, name: str, answers: dict[str, str]) -> None:
    """`/oncall contact`, filled in and submitted: the form closes (nothing wrong in it)."""
    response = app.driver.slash(name, "general", "contact", command="/oncall")
    assert response.status_code == 200, response.text
    opened = app.driver.wait_for(lambda: app.driver.views(name), description="the contact form")
    fields = {
        "phone": (BlockId.CONTACT_PHONE, ActionId.CONTACT_PHONE),
        "email": (BlockId.CONTACT_EMAIL, ActionId.CONTACT_EMAIL),
        "sms": (BlockId.CONTACT_SMS_AFTER, ActionId.CONTACT_SMS_AFTER),
        "voice": (BlockId.CONTACT_VOICE_AFTER, ActionId.CONTACT_VOICE_AFTER),
        "mail": (BlockId.CONTACT_EMAIL_AFTER, ActionId.CONTACT_EMAIL_AFTER),
    }
    values = {block: {action: answers.get(key, "")} for key, (block, action) in fields.items()}
    submitted = app.driver.submit_view(name, opened[-1]["id"], values)
    assert submitted.status_code == 200 and not submitted.content.strip(), submitted.text


def test_contact_methods_set_in_slack_win_over_the_file(
    app: OncallApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol = people["carol"]
    own = Person("carol", carol.user, carol.phone[:-3] + "900", "own." + carol.email)
    set_own_contact(
        app, "carol", {"phone": own.phone, "email": own.email, "sms": "0s", "mail": "0s"}
    )
    alert(app)
    later(app, minutes=10)
    assert [len(vendors.texts_to(p)) for p in (own, carol)] == [1, 0]
    assert [len(vendors.mails_to(p)) for p in (own, carol)] == [1, 0]
    assert vendors.calls_to(own) == [] and vendors.calls_to(carol) == []  # no voice rule of hers
    assert {m: n.address for m, n in notifications(app, carol).items()} == {
        "slack": "",
        "sms": own.phone,
        "email": own.email,
    }


def test_a_test_page_tries_every_method_now_and_dms_each_result(
    app: OncallApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol = people["carol"]
    own = Person("carol", carol.user, carol.phone[:-3] + "901", "test." + carol.email)
    set_own_contact(app, "carol", {"phone": own.phone, "email": own.email, "voice": "5m"})
    assert app.ask("carol", "test-page") == (
        f"Sending a test page by slack, sms {own.phone}, voice {own.phone}, email {own.email};"
        " each result follows by DM."
    )
    (text,), (call,), (mail,) = (
        vendors.texts_to(own),
        vendors.calls_to(own),
        vendors.mails_to(own),
    )
    assert text["body"].startswith("Warroom test page")
    assert mail.message["Subject"] == "Warroom test page"
    assert vendors.twilio.twiml_steps(call["sid"]) == ["Say"]  # nothing to press
    dms = app.driver.dm_messages("carol")
    test_dm = next(m for m in dms if str(m.get("text")).startswith("Warroom test page"))
    assert "by a Slack DM" in str(test_dm["text"])
    # Slack's escaping of &, < and > undone: what the person reads
    said = [html.unescape(str(m["text"])) for m in dms if m is not test_dm]
    results = {text.partition(":")[0]: text for text in said}
    assert results == {
        "Test slack": f"Test slack: sent ({test_dm['ts']}).",
        f"Test sms to {own.phone}": f"Test sms to {own.phone}: sent ({text['sid']}).",
        f"Test voice to {own.phone}": f"Test voice to {own.phone}: sent ({call['sid']}).",
        f"Test email to {own.email}": (
            f"Test email to {own.email}: sent ({mail.message['Message-ID']})."
        ),
    }


def test_without_twilio_the_sms_fails_saying_so_and_the_rest_still_goes(
    start_app: StartApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol = people["carol"]
    app = start_app(twilio_account_sid=None, twilio_auth_token=None, twilio_from=None)
    alert(app)
    later(app, minutes=5, seconds=5)
    assert len(page_dms(app, carol)) == 1 and len(vendors.mails_to(carol)) == 1
    assert vendors.texts_to(carol) == [] and vendors.calls_to(carol) == []
    failed = {m: (n.state, n.detail) for m, n in notifications(app, carol).items()}
    assert failed == {
        "slack": ("sent", "1 DM"),
        "sms": ("failed", "SMS is not set up (TWILIO_ACCOUNT_SID)"),
        "email": ("sent", failed["email"][1]),
        "voice": ("failed", "voice is not set up (TWILIO_ACCOUNT_SID)"),
    }


@pytest.mark.parametrize(
    ("faults", "answered"),
    [
        ([(429, {"Retry-After": "1"}, False), (503, {}, False)], [429, 503, 201]),
        ([(500, {}, True)], [500]),  # made, then the answer lost: the retry finds it
    ],
    ids=["refused-then-sent", "answer-lost"],
)
def test_a_text_twilio_fails_for_a_while_is_sent_once(
    start_app: StartApp,
    vendors: Vendors,
    people: dict[str, Person],
    faults: list[tuple[int, dict[str, str], bool]],
    answered: list[int],
) -> None:
    carol = people["carol"]
    app = start_app(through_proxy=True)
    for status, headers, after in faults:
        vendors.twilio_proxy.fail(
            "POST", "/Messages.json", times=1, status=status, headers=headers, after=after
        )
    alert(app)
    (text,) = vendors.texts_to(carol)
    assert [s.status for s in vendors.twilio_proxy.posts_to("/Messages.json")] == answered
    sms = notifications(app, carol)["sms"]
    assert (sms.state, sms.provider_id) == ("sent", text["sid"])


def test_a_text_twilio_never_takes_is_recorded_failed_once_the_outbox_gives_up(
    start_app: StartApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol = people["carol"]
    app = start_app(through_proxy=True)
    vendors.twilio_proxy.fail("POST", "/Messages.json", times=1000, status=503)

    def settle_now() -> None:  # retries keep coming due: wait only for what is due already
        app.handle.run(app.warroom.settle(horizon=0))

    post_alert(app)
    settle_now()
    assert notifications(app, carol)["sms"].state == "pending"  # being retried
    app.clock.advance(hours=25)
    settle_now()
    sms = notifications(app, carol)["sms"]
    assert (sms.state, sms.detail) == ("failed", "twilio http 503 (gave up after retrying)")
    assert vendors.texts_to(carol) == []
