"""Crashes of real `warroom run` processes: what was acknowledged is carried out exactly once by
whichever process comes next, however the one that acknowledged it ended.

A SIGKILL lands right after a burst of declarations was acknowledged, a SIGTERM in the middle of
one, and a process dies holding a request and an effect, which the next process takes only once
those claims lapse. A claim lasts `Policy.lease` (two minutes, and no setting shortens it): where
a test would have to wait that long, it moves the dead process's claims into the past in the
database instead, which is all that two minutes passing does to them.
"""

import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from processes import WarroomProcess, own_session, running_warroom, start_warroom
from slack_relay import Answer, SlackRelay
from sqlalchemy import update
from sqlmodel import col, select

from bot.sandbox import SandboxServer
from bot.sandbox.client import SandboxClient
from bot.sandbox.driver import SlackDriver
from bot.slack.places import ShownIncident, read_shown
from storage.enums import EventKind
from storage.models import Effect, InboxItem, Incident, TimelineEvent

pytestmark = pytest.mark.slow

SECRET = "crash-test-signing-secret"
BURST = 20
STATUS_EVENT = "warroom_status"  # the metadata the pinned status block carries


# -- the database, read and written on connections of our own ---------------------------------


def _shown(database_url: str) -> list[ShownIncident]:
    """Every incident, by number, with where Slack shows it."""
    with own_session(database_url) as session:
        rows = session.exec(select(Incident).order_by(col(Incident.number))).all()
        return [read_shown(session, incident) for incident in rows]


def _held(database_url: str) -> tuple[list[int], list[int]]:
    """The requests and effects someone holds a live claim on: (inbox ids, effect ids)."""
    now = datetime.now(UTC)
    with own_session(database_url) as session:
        requests = session.exec(
            select(InboxItem.id).where(
                col(InboxItem.done_at).is_(None), col(InboxItem.claimed_until) > now
            )
        ).all()
        effects = session.exec(
            select(Effect.id).where(Effect.state == "pending", col(Effect.claimed_until) > now)
        ).all()
    return sorted(i for i in requests if i), sorted(e for e in effects if e)


def _lapse_claims(database_url: str) -> tuple[list[int], list[int]]:
    """Move every live claim into the past, as `Policy.lease` passing would; what was held.

    Only call this while no process runs that could hold a claim of its own.
    """
    requests, effects = _held(database_url)
    past = datetime.now(UTC) - timedelta(seconds=1)
    with own_session(database_url) as session:
        session.execute(
            update(InboxItem).where(col(InboxItem.id).in_(requests)).values(claimed_until=past)
        )
        session.execute(
            update(Effect).where(col(Effect.id).in_(effects)).values(claimed_until=past)
        )
        session.commit()
    return requests, effects


def _backlog(database_url: str) -> dict[str, int]:
    """Requests not yet carried out, and effects not yet done."""
    with own_session(database_url) as session:
        requests = session.exec(select(InboxItem).where(col(InboxItem.done_at).is_(None))).all()
        effects = session.exec(select(Effect).where(Effect.state == "pending")).all()
    return {"requests": len(requests), "effects": len(effects)}


def _wait_finished(database_url: str, count: int, process: WarroomProcess) -> None:
    """Wait until `count` incidents are declared, each with its pinned status, and nothing is
    left to do."""

    def finished() -> bool:
        shown = _shown(database_url)
        return (
            len(shown) >= count
            and all(i.status_pinned for i in shown)
            and _backlog(database_url) == {"requests": 0, "effects": 0}
        )

    deadline = time.monotonic() + 60
    while not finished():
        assert process.process.poll() is None, f"the process exited:\n{process.output()}"
        if time.monotonic() > deadline:
            shown = [(i.title, i.channel_id, i.status_pinned) for i in _shown(database_url)]
            raise AssertionError(
                f"not finished: {shown}, backlog {_backlog(database_url)}\n{process.output()}"
            )
        time.sleep(0.2)


# -- Slack ------------------------------------------------------------------------------------


def _env(api_url: str, database_url: str, **settings: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-sandbox-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
        "WARROOM_LOG_LEVEL": "WARNING",
        "WARROOM_CHANNELS_PER_MINUTE": "600",  # no wait for the creation limit on a restart
        **settings,
    }


def _declare_all(
    events_url: str,
    sandbox_url: str,
    titles: list[str],
    *,
    workers: int,
    answered: Callable[[], None] = lambda: None,
) -> dict[str, str]:
    """`/incident declare sev2 <title>` for every title, from `workers` threads at once; what
    each got back: "200", another status, or the name of the error that stopped it."""

    def send(title: str) -> tuple[str, str]:
        try:
            with SlackDriver(events_url, SECRET, sandbox_url) as driver:
                status = driver.slash("alice", "general", f"declare sev2 {title}").status_code
        except httpx.TransportError as error:
            return title, type(error).__name__
        answered()
        return title, str(status)

    with ThreadPoolExecutor(max_workers=workers) as senders:
        return dict(senders.map(send, titles))


def _assert_each_declared_once(
    database_url: str, reader: SandboxClient, acknowledged: list[str]
) -> None:
    """One incident per acknowledged title, each with one channel and one pinned status block;
    no other channel was made."""
    shown = _shown(database_url)
    assert sorted(i.title for i in shown) == sorted(acknowledged)
    rooms = [c for c in reader.state("channels")["channels"] if c["name"].startswith("inc-")]
    assert sorted(c["id"] for c in rooms) == sorted(str(i.channel_id) for i in shown), rooms
    made = [c for c in reader.calls("conversations.create") if c["work_done"]]
    assert len(made) == len(acknowledged)
    for incident in shown:
        channel = str(incident.channel_id)
        assert reader.channel(channel)["pins"] == [incident.status_ts], incident.title
        statuses = [
            m
            for m in reader.messages(channel)
            if (m.get("metadata") or {}).get("event_type") == STATUS_EVENT
        ]
        assert [m["ts"] for m in statuses] == [incident.status_ts], incident.title


# -- kill -9 and SIGTERM --------------------------------------------------------------------


def test_sigkill_right_after_the_acks_loses_and_doubles_nothing(
    database_url: str, tmp_path: Path
) -> None:
    titles = [f"Title {n}" for n in range(1, BURST + 1)]
    with SandboxServer() as sandbox, closing(SandboxClient(sandbox.url)) as reader:
        env = _env(sandbox.api_url, database_url)
        # The first BURST conversations.create calls fail (a proxy's 502, nothing made), each
        # retried a second later: when the process is killed, most channels are still to come.
        reader.inject("conversations.create", mode="plain", times=BURST)
        first = start_warroom(tmp_path, name="first", **env)
        try:
            answers = _declare_all(first.events_url, sandbox.url, titles, workers=BURST)
        finally:
            first.process.kill()
            first.process.wait(timeout=10)
        assert answers == dict.fromkeys(titles, "200"), answers
        at_kill = {**_backlog(database_url), "incidents": len(_shown(database_url))}
        assert at_kill["effects"] + at_kill["requests"] > 0, at_kill
        assert len([c for c in reader.calls("conversations.create") if c["work_done"]]) < BURST
        reader.clear_faults()
        _lapse_claims(database_url)  # what the dead process held, as two minutes later

        with running_warroom(tmp_path, name="second", **env) as second:
            _wait_finished(database_url, BURST, second)
        _assert_each_declared_once(database_url, reader, titles)
        assert "Traceback" not in second.output(), second.output()


def test_sigterm_mid_burst_leaves_the_rest_to_the_next_process(
    database_url: str, tmp_path: Path
) -> None:
    titles = [f"Title {n}" for n in range(1, BURST + 1)]
    with SandboxServer() as sandbox, closing(SandboxClient(sandbox.url)) as reader:
        env = _env(sandbox.api_url, database_url)
        reader.inject("conversations.create", mode="plain", times=BURST)
        first = start_warroom(tmp_path, name="first", **env)
        acks, stopping = [], threading.Event()
        lock = threading.Lock()

        def answered() -> None:
            # The service manager stops the process once a third of the burst was answered;
            # the senders go on meanwhile.
            with lock:
                acks.append(1)
                if len(acks) == BURST // 3:
                    threading.Thread(target=first.stop, daemon=True).start()
                    stopping.set()

        try:
            answers = _declare_all(
                first.events_url, sandbox.url, titles, workers=4, answered=answered
            )
            assert stopping.is_set()
            first.process.wait(timeout=30)
        finally:
            first.stop()
        # uvicorn shuts down gracefully and then re-raises the signal it caught; -9 would mean
        # `stop()` had to kill a process that hung.
        assert first.process.returncode in (0, -signal.SIGTERM), first.output()
        acknowledged = [t for t, answer in answers.items() if answer == "200"]
        refused = [a for a in answers.values() if a != "200"]
        assert len(acknowledged) >= BURST // 3 and refused, answers
        assert {a for a in refused if not a.isdigit()}, answers  # it stopped listening
        # A graceful stop leaves no claim behind: the next process needs no lapse to go on.
        assert _held(database_url) == ([], []), _held(database_url)
        left = _backlog(database_url)
        assert left["requests"] + left["effects"] > 0, left
        reader.clear_faults()

        with running_warroom(tmp_path, name="second", **env) as second:
            _wait_finished(database_url, len(acknowledged), second)
        declared = [i.title for i in _shown(database_url)]
        # An unanswered request may or may not have been stored (Slack told its sender it
        # failed); every answered one was, and nothing twice.
        assert set(acknowledged) <= set(declared) <= set(titles)
        assert len(declared) == len(set(declared)), declared
        _assert_each_declared_once(database_url, reader, declared)
        assert "Traceback" not in first.output() + second.output()


# -- claims of a process that died ------------------------------------------------------------


class HeldSlack(SlackRelay):
    """The sandbox's Web API behind a relay that leaves the methods in `held` unanswered until
    the relay closes, as a hung connection would: a call to one stays in flight."""

    def __init__(self, api_url: str) -> None:
        super().__init__(api_url)
        self.held: set[str] = set()
        self.waiting: list[str] = []
        self.release = threading.Event()

    def before(self, method: str) -> Answer | None:
        if method not in self.held:
            return None
        self.waiting.append(method)
        self.release.wait(timeout=120)
        return 503, b"held", "text/plain"

    def close(self) -> None:
        self.release.set()
        super().close()


def _pushpin(channel: str, ts: str, user: str) -> dict[str, Any]:
    """Someone marks a message with :pushpin: (it joins the incident's timeline)."""
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": "pushpin",
        "item": {"type": "message", "channel": channel, "ts": ts},
        "item_user": user,
        "event_ts": f"{time.time():.6f}",
    }


def test_claims_of_a_killed_process_are_taken_once_they_lapse(
    database_url: str, tmp_path: Path
) -> None:
    note = "Failover to the replica started"
    with SandboxServer() as sandbox, HeldSlack(sandbox.api_url) as relay:
        first = start_warroom(tmp_path, name="first", **_env(relay.api_url, database_url))
        try:
            with SlackDriver(first.events_url, SECRET, sandbox.url) as driver:
                assert driver.slash("alice", "general", "declare sev2 Held").status_code == 200
                _wait_finished(database_url, 1, first)
                (incident,) = _shown(database_url)
                channel = str(incident.channel_id)
                ts = driver.post_message("alice", channel, note)
                # From now on the first process's calls of these never come back: the event's
                # handler hangs reading the message, the republish editing the status block.
                relay.held |= {"conversations.history", "chat.update"}
                assert driver.slash("alice", channel, "severity sev1").status_code == 200
                alice = driver.user("alice")["id"]
                assert driver.send_event(_pushpin(channel, ts, alice)).status_code == 200
                driver.wait_for(
                    lambda: {"conversations.history", "chat.update"} <= set(relay.waiting),
                    timeout=15,
                    description="both calls in flight",
                )
        finally:
            first.process.kill()
            first.process.wait(timeout=10)
        requests, effects = _held(database_url)
        assert len(requests) == 1 and effects, (requests, effects)

        with (
            running_warroom(tmp_path, name="second", **_env(sandbox.api_url, database_url)),
            closing(SandboxClient(sandbox.url)) as reader,
        ):
            time.sleep(3)  # three polls at least: a claim that has not lapsed is left alone
            assert _held(database_url) == (requests, effects)
            assert reader.calls("conversations.history") == []
            assert _lapse_claims(database_url) == (requests, effects)

            def status_shows_sev1() -> bool:
                found = reader.message(channel, str(incident.status_ts))["message"]
                return "SEV1" in str(found.get("blocks"))

            reader.wait_for(status_shows_sev1, timeout=15, description="the status edited")
            reader.wait_for(
                lambda: _backlog(database_url) == {"requests": 0, "effects": 0},
                timeout=15,
                description="nothing left to do",
            )

    with own_session(database_url) as session:
        pinned = session.exec(
            select(TimelineEvent).where(TimelineEvent.kind == EventKind.PINNED)
        ).all()
        request = session.get(InboxItem, requests[0])
        taken = session.exec(select(Effect).where(col(Effect.id).in_(effects))).all()
    assert [e.text for e in pinned] == [note]
    assert request is not None and request.done_at is not None and request.attempts == 2
    assert {(e.state, e.attempts) for e in taken} == {("done", 2)}
