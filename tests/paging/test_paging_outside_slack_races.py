"""Paging beyond Slack when things happen at once, end to end (the real app, a real database,
the Slack sandbox, emulate's Twilio behind a proxy that can fail or hold requests, aiosmtpd): a
crash or a stop mid-climb, two processes on one database, two pages calling one person, a
repeated page's text, an answer that comes back after the page was acknowledged. Each person is
reached once per level by every method; nothing is lost, doubled or misrecorded."""

import pytest
from oncall.slack_oncall_app import message_text
from paging_app import (
    StartApp,
    alert,
    all_notifications,
    assert_reached_once,
    climb,
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
from paging_vendors import Person, Vendors, new_people
from servers.twilio_server import twilio_emulator_fixture

from bot.slack.ids import ActionId

twilio = twilio_emulator_fixture(scope="module")
sandbox = sandbox_fixture()
vendors = vendors_fixture()
start_app = start_app_fixture()


@pytest.fixture
def people() -> dict[str, Person]:
    """carol, bob and alice, with a number and an address of this test's own."""
    return new_people()


@pytest.mark.slow
def test_a_crash_after_the_first_text_loses_and_doubles_nothing(
    start_app: StartApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    app = start_app()
    alert(app)
    assert len(vendors.texts_to(people["carol"])) == 1
    app.crash()  # before her mail, her call and the level's timeout
    again = start_app(fresh=False)
    again.clock.offset = app.clock.offset
    climb(again)
    assert_reached_once(again, vendors, people)


@pytest.mark.slow
def test_two_processes_at_once_reach_each_person_once_per_level(
    start_app: StartApp, vendors: Vendors, people: dict[str, Person], database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("two processes on one database at once: PostgreSQL only")
    first = start_app()
    second = start_app(fresh=False)
    second.clock.offset = first.clock.offset
    alert(first)
    climb(first, second)
    assert_reached_once(second, vendors, people)


@pytest.mark.slow
def test_a_stop_while_the_text_is_on_its_way_sends_it_once(
    start_app: StartApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol = people["carol"]
    app = start_app(through_proxy=True)
    vendors.twilio_proxy.fail("POST", "/Messages.json", times=1, status=502, after=True, hold=True)
    post_alert(app)
    (text,) = app.driver.wait_for(lambda: vendors.texts_to(carol), description="carol's text")
    app.crash()  # its answer never came: the send is cut off, the effect left to the next
    vendors.twilio_proxy.release()
    again = start_app(fresh=False, through_proxy=True)
    again.clock.offset = app.clock.offset
    settle(again)
    assert vendors.texts_to(carol) == [text]
    sms = notifications(again, carol)["sms"]
    assert (sms.state, sms.provider_id, sms.detail) == ("sent", text["sid"], "adopted (queued)")
    climb(again)
    assert_reached_once(again, vendors, people)


def test_two_pages_calling_one_person_at_once_make_two_calls_though_one_was_refused(
    start_app: StartApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol = people["carol"]
    app = start_app(through_proxy=True)
    alert(app)
    alert(app, "Payments failing", "payments")
    # Twilio takes one call a second by default: the second call of the burst is refused
    vendors.twilio_proxy.fail(
        "POST", "/Calls.json", times=1, status=429, headers={"Retry-After": "1"}
    )
    later(app, minutes=5, seconds=5)
    calls = vendors.calls_to(carol)
    voice = [n for n in all_notifications(app) if n.method == "voice"]
    assert len(calls) == 2
    assert sorted(n.provider_id for n in voice) == sorted(c["sid"] for c in calls)


def test_a_repeated_page_texts_again_though_its_first_try_was_refused(
    start_app: StartApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol = people["carol"]
    app = start_app(through_proxy=True)
    alert(app, "Batch stuck", "batch")
    (first,) = vendors.texts_to(carol)
    vendors.twilio_proxy.fail("POST", "/Messages.json", times=1, status=503)
    later(app, minutes=10, seconds=5)  # the policy starts again: the same text, word for word
    texts = vendors.texts_to(carol)
    assert [t["body"] for t in texts] == [first["body"]] * 2
    sms = [n for n in all_notifications(app) if n.method == "sms"]
    assert [(n.loop, n.provider_id) for n in sms] == [(0, first["sid"]), (1, texts[1]["sid"])]


def test_a_text_on_its_way_when_the_page_is_acknowledged_is_recorded_sent(
    start_app: StartApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol = people["carol"]
    app = start_app(through_proxy=True)
    # Twilio makes the text, and its answer is slow to come back
    vendors.twilio_proxy.fail("POST", "/Messages.json", times=1, status=None, after=True, hold=True)
    post_alert(app)
    (dm,) = app.driver.wait_for(lambda: page_dms(app, carol), description="carol's page DM")
    (text,) = app.driver.wait_for(lambda: vendors.texts_to(carol), description="carol's text")
    channel = app.driver.dm_channel("carol") or ""
    app.driver.click("carol", channel, dm["ts"], ActionId.ACKNOWLEDGE_PAGE)
    app.driver.wait_for(lambda: the_page(app).state == "acknowledged", description="the ack")
    vendors.twilio_proxy.release()  # Twilio's answer arrives after the acknowledgement
    settle(app)
    sms = notifications(app, carol)["sms"]
    assert (sms.state, sms.provider_id) == ("sent", text["sid"])
    assert sms.sent_at is not None


def test_a_page_dm_on_its_way_when_the_page_is_acknowledged_is_edited_too(
    start_app: StartApp, vendors: Vendors, people: dict[str, Person]
) -> None:
    carol = people["carol"]
    app = start_app(slack_proxy=True)
    vendors.slack_proxy.fail(
        "POST",
        "/chat.postMessage",
        times=1,
        status=None,
        after=True,
        hold=True,
        body_has=b"warroom_page",
    )
    post_alert(app)
    app.driver.wait_for(lambda: page_dms(app, carol), description="carol's page DM")
    # Slack posted it; its answer is slow to come back. Carol answers the page meanwhile.
    assert vendors.text_from(carol.phone, f"ack {the_page(app).id}").status_code == 201
    app.driver.wait_for(lambda: the_page(app).state == "acknowledged", description="the ack")
    vendors.slack_proxy.release()
    settle(app)
    (dm,) = page_dms(app, carol)
    assert "Acknowledged by <@U0CAROL>" in message_text(dm)
    slack = notifications(app, carol)["slack"]
    assert (slack.state, slack.provider_id) == ("sent", dm["ts"])
