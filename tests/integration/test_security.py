"""Signatures are checked; user text can neither ping nor disguise a link."""

import time

import pytest
from harness import Harness

from bot.slack.ids import ActionId, BlockId

HOSTILE = "<!channel> pwned <https://evil.example|click>"
FORBIDDEN = ("<!channel>", "<!here>", "<https://evil.example", "|click>")


def _everything_shown(harness: Harness, channel: str) -> str:
    driver = harness.driver
    shown = [str(m) for m in driver.messages(channel, include_system=True)]
    shown += [str(m) for m in driver.messages("incidents", include_system=True)]
    shown += [driver.topic(channel)]
    shown += [str(e) for e in driver.ephemerals()]
    return "\n".join(shown)


def test_hostile_title_from_the_form_pings_nobody(harness: Harness) -> None:
    driver = harness.driver
    driver.slash("alice", "general", "declare")
    view = driver.wait_for(lambda: driver.latest_view("alice"))
    driver.submit_view("alice", view["id"], {BlockId.TITLE: {ActionId.TITLE: HOSTILE}})
    incident = driver.wait_for(lambda: [i for i in harness.incidents() if i.digest_ts])[0]
    assert incident.title == HOSTILE  # stored as the person typed it
    shown = _everything_shown(harness, incident.channel_id or "")
    for fragment in FORBIDDEN:
        assert fragment not in shown
    assert "&lt;!channel&gt; pwned" in shown or "@channel pwned" in shown


def test_hostile_title_from_the_command_pings_nobody(harness: Harness) -> None:
    incident = harness.declare(f"sev1 {HOSTILE}")
    harness.driver.wait_for(lambda: harness.incident().digest_ts)
    harness.driver.slash("alice", incident.channel_id or "", f"update {HOSTILE} <!here>")
    harness.driver.wait_for(lambda: harness.incident().last_update_at)
    shown = _everything_shown(harness, incident.channel_id or "")
    for fragment in FORBIDDEN:
        assert fragment not in shown


@pytest.mark.parametrize(
    "options",
    [
        {"unsigned": True},
        {"signature": "v0=" + "0" * 64},
        {"timestamp": int(time.time()) - 301},
    ],
    ids=["missing", "wrong", "stale"],
)
def test_bad_signatures_are_rejected(harness: Harness, options: dict) -> None:
    response = harness.driver.slash("alice", "general", "declare sev1 Forged", **options)
    assert response.status_code == 401
    time.sleep(0.2)
    assert harness.incidents() == []
    assert harness.driver.calls("conversations.create") == []
