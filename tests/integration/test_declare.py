"""Declaring: `/incident declare` and the declare form."""

import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from harness import Harness

from bot.sandbox import payloads
from bot.sandbox.driver import SlackDriver
from bot.slack.ids import ActionId, BlockId, CallbackId
from storage.enums import Severity, Status


def test_declare_creates_channel_and_pins_status(harness: Harness) -> None:
    response = harness.driver.slash("alice", "general", "declare sev2 Checkout is failing")
    assert response.status_code == 200
    incident = harness.driver.wait_for(
        lambda: [i for i in harness.incidents() if i.status_pinned], description="pinned status"
    )[0]
    assert incident.number == 1 and incident.severity == Severity.SEV2
    assert incident.status == Status.INVESTIGATING
    channel = harness.driver.channel_by_name("inc-1-checkout-is-failing")
    assert channel is not None and channel["id"] == incident.channel_id
    assert not channel["is_private"]
    alice = harness.driver.user("alice")["id"]
    assert alice in channel["members"]
    pins = harness.driver.pins(channel["id"])
    assert [p["ts"] for p in pins] == [incident.status_ts]
    status = harness.status_message()
    texts = str(status["blocks"])
    for fragment in ("Checkout is failing", "SEV2", "Investigating", f"<@{alice}>"):
        assert fragment in texts
    buttons = {
        e["action_id"] for b in status["blocks"] if b["type"] == "actions" for e in b["elements"]
    }
    assert {ActionId.ACKNOWLEDGE, ActionId.POST_UPDATE, ActionId.CHANGE_SEVERITY} <= buttons
    assert {ActionId.CHANGE_STATUS, ActionId.RESOLVE} <= buttons
    assert "Checkout is failing" in harness.driver.topic(channel["id"])
    digest = harness.driver.messages("incidents")
    assert len(digest) == 1 and f"<#{channel['id']}>" in str(digest[0]["blocks"])
    assert harness.roles() == [("commander", alice)]
    harness.wait_for_ephemeral("INC-1")


def test_declare_counts_at_most_eight_web_api_calls(harness: Harness) -> None:
    harness.declare("sev2 Checkout is failing")
    harness.driver.wait_for(lambda: harness.driver.messages("incidents"), description="digest")
    methods = [c["method"] for c in harness.driver.calls() if c["method"] != "auth.test"]
    assert len(methods) <= 8, methods
    assert sorted(set(methods)) == [
        "chat.postMessage",
        "conversations.create",
        "conversations.invite",
        "conversations.setTopic",
        "pins.add",
    ]


def test_declare_form_with_commander_and_private_channel(harness: Harness) -> None:
    driver = harness.driver
    assert driver.slash("alice", "general", "declare").status_code == 200
    view = driver.wait_for(lambda: driver.latest_view("alice"), description="declare modal")
    assert view["callback_id"] == CallbackId.DECLARE
    bob = driver.user("bob")["id"]
    values = {
        BlockId.TITLE: {ActionId.TITLE: "Payments degraded"},
        BlockId.SEVERITY: {ActionId.SEVERITY: "sev1"},
        BlockId.SUMMARY: {ActionId.SUMMARY: "Card payments time out"},
        BlockId.SERVICE: {ActionId.SERVICE: "payments, checkout"},
        BlockId.PRIVATE: {ActionId.PRIVATE: ["private"]},
        BlockId.COMMANDER: {ActionId.COMMANDER: bob},
    }
    assert driver.submit_view("alice", view["id"], values).status_code == 200
    incident = driver.wait_for(
        lambda: [i for i in harness.incidents() if i.status_pinned], description="incident"
    )[0]
    assert (incident.title, incident.severity, incident.private) == (
        "Payments degraded",
        Severity.SEV1,
        True,
    )
    assert incident.services == ["payments", "checkout"]
    assert incident.summary == "Card payments time out"
    channel = driver.channel(incident.channel_id or "")
    assert channel["is_private"] and channel["name"] == "inc-1-payments-degraded"
    alice = driver.user("alice")["id"]
    assert {alice, bob} <= set(channel["members"])
    assert harness.roles() == [("commander", bob)]
    # A private incident is not announced in the digest channel.
    assert driver.messages("incidents") == []


def test_submitting_the_same_declare_form_twice_makes_one_incident(harness: Harness) -> None:
    driver = harness.driver
    driver.slash("alice", "general", "declare")
    view = driver.wait_for(lambda: driver.latest_view("alice"), description="declare modal")
    # A double click on Submit sends the same view twice before Slack closes it.
    view = driver.view(view["id"])
    state = payloads.build_state_values(
        view["blocks"], {BlockId.TITLE: {ActionId.TITLE: "Search is slow"}}
    )
    payload = payloads.build_view_submission(
        user={"id": driver.user("alice")["id"], "username": "alice", "name": "alice"},
        team={"id": driver.team_id, "domain": driver.team_domain},
        api_app_id=driver.api_app_id,
        token=driver.verification_token,
        view=view,
        state_values=state,
        trigger_id="1.2.3",
    )
    body = urlencode({"payload": json.dumps(payload)})
    for _ in range(2):
        assert driver.post_signed(body, "application/x-www-form-urlencoded").status_code == 200
    driver.wait_for(lambda: harness.incidents() and harness.incidents()[0].status_pinned)
    assert len(harness.incidents()) == 1
    assert len(driver.calls("conversations.create")) == 1


def test_blank_title_in_the_form_is_a_field_error(harness: Harness) -> None:
    driver = harness.driver
    driver.slash("alice", "general", "declare")
    view = driver.wait_for(lambda: driver.latest_view("alice"), description="declare modal")
    response = driver.submit_view("alice", view["id"], {BlockId.TITLE: {ActionId.TITLE: "   "}})
    assert response.json()["response_action"] == "errors"
    assert BlockId.TITLE in response.json()["errors"]
    assert harness.incidents() == []


def test_declare_without_title_after_severity_is_refused(harness: Harness) -> None:
    response = harness.driver.slash("alice", "general", "declare sev1")
    assert response.status_code == 200
    assert "needs a title" in response.json()["text"]
    assert harness.incidents() == []


def test_taken_channel_name_gets_a_suffix(harness: Harness) -> None:
    harness.driver.create_channel("carol", "inc-1-checkout-is-failing")
    incident = harness.declare("Checkout is failing")
    assert incident.channel_name == "inc-1-checkout-is-failing-2"
    channel = harness.driver.channel_by_name("inc-1-checkout-is-failing-2")
    assert channel is not None and channel["id"] == incident.channel_id


def test_long_unicode_title_makes_a_legal_channel_name(harness: Harness) -> None:
    incident = harness.declare("sev3 Überlastung der Datenbank " + "sehr lange Wörter " * 7)
    name = incident.channel_name or ""
    assert len(name) <= 80 and name.startswith("inc-1-uberlastung-der-datenbank")


def test_concurrent_declarations_all_land_with_distinct_numbers(harness: Harness) -> None:
    count = 24

    def declare(n: int) -> int:
        with SlackDriver(
            harness.driver.events_url, harness.driver.signing_secret, harness.driver.sandbox_url
        ) as driver:
            return driver.slash("alice", "general", f"declare sev3 Burst {n}").status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        assert set(pool.map(declare, range(count))) == {200}
    harness.driver.wait_for(
        lambda: len([i for i in harness.incidents() if i.status_pinned]) == count,
        timeout=30,
        description=f"{count} pinned incidents",
    )
    numbers = sorted(i.number for i in harness.incidents())
    assert numbers == list(range(1, count + 1))
    assert sorted(i.title for i in harness.incidents()) == sorted(
        f"Burst {n}" for n in range(count)
    )
    assert not [t for t in harness.ephemeral_texts() if "went wrong" in t]
