"""One writer per incident across two `warroom run` processes on one PostgreSQL database.

Two or three people act at the same moment, each request signed to a different process (the
requests are built first, then a barrier lets them go together), and every race is run on five
incidents: a missed lock would show as two commanders, two acknowledgements, two resolutions or
two severity changes.
"""

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from processes import WarroomProcess, own_session, start_warroom
from sqlmodel import col, select

from bot.sandbox import SandboxServer
from bot.sandbox.driver import SlackDriver
from bot.slack.ids import ActionId, BlockId
from bot.slack.places import ShownIncident, read_shown
from storage.enums import EventKind, Role, Severity, Status
from storage.models import Effect, InboxItem, Incident, IncidentRole, TimelineEvent

pytestmark = pytest.mark.slow

SECRET = "race-test-signing-secret"
TOKEN = "race-test-webhook-token-0123"
ROUNDS = 5
DECLARE_EVERY_ALERT = """
routes:
  - name: everything-declares
    match: {}
    action: declare
    severity: sev2
"""


class RacingDriver(SlackDriver):
    """A driver that builds each request, then waits at `barrier` (when set) to send it."""

    barrier: threading.Barrier | None = None

    def post_signed(self, body: str, content_type: str, **options: Any) -> httpx.Response:
        if self.barrier is not None:
            self.barrier.wait(timeout=15)
        return super().post_signed(body, content_type, **options)


Move = Callable[[RacingDriver], httpx.Response]


@dataclass
class Pair:
    """Two processes on one database behind one sandbox, and a driver signing to each."""

    sandbox: SandboxServer
    processes: tuple[WarroomProcess, WarroomProcess]
    database_url: str
    stack: ExitStack

    def driver(self, process: int) -> RacingDriver:
        """A new driver (one per thread) sending to process 0 or 1."""
        events_url = self.processes[process].events_url
        driver = RacingDriver(events_url, SECRET, self.sandbox.url)
        return self.stack.enter_context(driver)

    def at_once(self, *moves: tuple[int, Move]) -> list[int]:
        """Make every move at the same moment, each to its process; the answers' statuses."""
        barrier = threading.Barrier(len(moves))
        drivers = [self.driver(process) for process, _ in moves]
        for driver in drivers:
            driver.barrier = barrier
        with ThreadPoolExecutor(max_workers=len(moves)) as threads:
            sent = [threads.submit(move, d) for d, (_, move) in zip(drivers, moves, strict=True)]
            statuses = [future.result(timeout=30).status_code for future in sent]
        self.wait_quiet()
        return statuses

    def wait_quiet(self) -> None:
        """Wait until every stored request was carried out and no effect is pending."""
        deadline = time.monotonic() + 30
        while _backlog(self.database_url):
            for process in self.processes:
                assert process.process.poll() is None, process.output()
            assert time.monotonic() < deadline, f"still busy: {_backlog(self.database_url)}"
            time.sleep(0.1)

    def output(self) -> str:
        """What both processes printed."""
        return "".join(p.output() for p in self.processes)


@pytest.fixture
def pair(database_url: str, tmp_path: Path) -> Iterator[Pair]:
    """Two `warroom run` on this test's database; alerts declare, nobody leading is asked
    about after a second."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share one database on PostgreSQL; SQLite is one host's")
    routing = tmp_path / "warroom.yml"
    routing.write_text(DECLARE_EVERY_ALERT)
    with ExitStack() as stack:
        sandbox = stack.enter_context(SandboxServer())
        env = {
            "SLACK_BOT_TOKEN": "xoxb-sandbox-token",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": sandbox.api_url,
            "DATABASE_URL": database_url,
            "WARROOM_LOG_LEVEL": "WARNING",
            "WARROOM_WEBHOOK_TOKEN": TOKEN,
            "WARROOM_CONFIG": str(routing),
            "WARROOM_COMMANDER_REMINDER": "1s",
            "WARROOM_TICK_INTERVAL": "1s",
            "WARROOM_CHANNELS_PER_MINUTE": "600",
        }
        with ThreadPoolExecutor(max_workers=2) as starting:
            started = [starting.submit(start_warroom, tmp_path, name=n, **env) for n in "ab"]
        for future in started:
            if future.exception() is None:
                stack.callback(future.result().stop)
        a, b = (future.result() for future in started)
        found = Pair(sandbox, (a, b), database_url, stack)
        yield found
        assert "Traceback" not in found.output(), found.output()


# -- reading back -----------------------------------------------------------------------------


def _backlog(database_url: str) -> int:
    with own_session(database_url) as session:
        requests = session.exec(select(InboxItem.id).where(col(InboxItem.done_at).is_(None)))
        effects = session.exec(select(Effect.id).where(Effect.state == "pending"))
        return len(requests.all()) + len(effects.all())


def _shown(database_url: str) -> list[ShownIncident]:
    with own_session(database_url) as session:
        rows = session.exec(select(Incident).order_by(col(Incident.number))).all()
        return [read_shown(session, incident) for incident in rows]


def _incident(database_url: str, incident_id: int) -> Incident:
    with own_session(database_url) as session:
        found = session.get(Incident, incident_id)
        assert found is not None
        return found


def _events(database_url: str, incident_id: int, kind: EventKind) -> list[TimelineEvent]:
    with own_session(database_url) as session:
        query = (
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == kind)
            .order_by(col(TimelineEvent.id))
        )
        return list(session.exec(query))


def _commanders(database_url: str, incident_id: int) -> list[str]:
    with own_session(database_url) as session:
        rows = session.exec(
            select(IncidentRole).where(
                IncidentRole.incident_id == incident_id, IncidentRole.role == Role.COMMANDER
            )
        )
        return [row.user_id for row in rows]


def _told(pair: Pair, user: str, channel: str, words: str) -> int:
    """How many ephemeral messages in `channel` told `user` something with `words`."""
    driver = pair.driver(0)
    return sum(words in str(e.get("text")) for e in driver.ephemerals(user, channel))


# -- the races --------------------------------------------------------------------------------


def _click(user: str, channel: str, ts: str, action: str) -> Move:
    """`user` clicks the button `action` on a message."""
    return lambda driver: driver.click(user, channel, ts, action)


def _alert(number: int) -> dict[str, Any]:
    """An Alertmanager notification for group `number`, one alert firing."""
    labels = {"alertname": f"Saturation{number}", "severity": "critical", "service": "web"}
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="Saturation{number}"}}',
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {"alertname": f"Saturation{number}"},
        "commonLabels": labels,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": f"Saturation {number} on web"},
                "startsAt": "2026-11-25T10:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": f"{number:08x}",
            }
        ],
    }


def test_take_command_clicked_on_both_processes_leaves_one_commander(pair: Pair) -> None:
    for n in range(ROUNDS):
        answer = httpx.post(
            f"{pair.processes[n % 2].url}/webhooks/alertmanager",
            json=_alert(n),
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        assert answer.status_code == 202, answer.text
    reader = pair.driver(0)

    def asks() -> dict[int, tuple[str, str]]:
        """Each incident's channel and its "who is leading" message, once all are asked."""
        found = {}
        for incident in _shown(pair.database_url):
            channel = str(incident.channel_id)
            take = [
                m for m in reader.messages(channel) if ActionId.TAKE_COMMAND in str(m.get("blocks"))
            ]
            if take:
                found[incident.id] = (channel, take[0]["ts"])
        return found if len(found) == ROUNDS else {}

    asked = reader.wait_for(asks, timeout=30, interval=0.2, description="every incident asked")
    pair.wait_quiet()
    bob, carol = reader.user("bob")["id"], reader.user("carol")["id"]
    for incident_id, (channel, ts) in asked.items():
        assert _commanders(pair.database_url, incident_id) == []
        statuses = pair.at_once(
            (0, _click("bob", channel, ts, ActionId.TAKE_COMMAND)),
            (1, _click("carol", channel, ts, ActionId.TAKE_COMMAND)),
        )
        assert statuses == [200, 200]
        # Both take it, one after the other: the second replaces the first, never joins them.
        holders = _commanders(pair.database_url, incident_id)
        assigned = _events(pair.database_url, incident_id, EventKind.ROLE_ASSIGNED)
        assert len(holders) == 1 and holders[0] in (bob, carol), holders
        assert [e.actor for e in assigned][-1:] == holders
        assert len(assigned) == 2, [e.text for e in assigned]


def test_one_writer_per_incident_across_two_processes(pair: Pair) -> None:
    declarer = pair.driver(0)
    for n in range(ROUNDS):
        response = declarer.slash("alice", "general", f"declare sev2 Race {n}")
        assert response.status_code == 200
    incidents = declarer.wait_for(
        lambda: (
            [i for i in _shown(pair.database_url) if i.status_pinned]
            if len(_shown(pair.database_url)) == ROUNDS
            and all(i.status_pinned for i in _shown(pair.database_url))
            else []
        ),
        timeout=30,
        interval=0.2,
        description="every incident declared and pinned",
    )
    pair.wait_quiet()
    people = {name: declarer.user(name)["id"] for name in ("alice", "bob", "carol")}
    for incident in incidents:
        _race_commander_me(pair, incident, people)
        _race_acknowledge(pair, incident, people)
        _race_one_form_twice(pair, incident)
        _race_two_forms(pair, incident, people)
        _race_resolve(pair, incident, people)


def _race_commander_me(pair: Pair, incident: ShownIncident, people: dict[str, str]) -> None:
    channel = str(incident.channel_id)
    statuses = pair.at_once(
        (0, lambda d: d.slash("bob", channel, "commander me")),
        (1, lambda d: d.slash("carol", channel, "commander me")),
    )
    assert statuses == [200, 200]
    holders = _commanders(pair.database_url, incident.id)
    assert len(holders) == 1 and holders[0] in (people["bob"], people["carol"]), holders
    assigned = _events(pair.database_url, incident.id, EventKind.ROLE_ASSIGNED)
    assert [e.actor for e in assigned] in (
        [people["bob"], people["carol"]],
        [people["carol"], people["bob"]],
    )
    assert assigned[-1].actor == holders[0]


def _race_acknowledge(pair: Pair, incident: ShownIncident, people: dict[str, str]) -> None:
    channel, ts = str(incident.channel_id), str(incident.status_ts)
    statuses = pair.at_once(
        (0, _click("bob", channel, ts, ActionId.ACKNOWLEDGE)),
        (1, _click("carol", channel, ts, ActionId.ACKNOWLEDGE)),
    )
    assert statuses == [200, 200]
    acks = _events(pair.database_url, incident.id, EventKind.ACKNOWLEDGED)
    by = _incident(pair.database_url, incident.id).acknowledged_by
    assert len(acks) == 1 and by in (people["bob"], people["carol"]), [e.text for e in acks]
    assert acks[0].actor == by
    other = "carol" if by == people["bob"] else "bob"
    pair.driver(0).wait_for(
        lambda: _told(pair, other, channel, "Already acknowledged"),
        description=f"{other} told who was first",
    )


def _open_severity_form(pair: Pair, incident: ShownIncident, user: str) -> str:
    driver = pair.driver(0)
    before = {v["id"] for v in driver.views(user)}
    channel, ts = str(incident.channel_id), str(incident.status_ts)
    assert driver.click(user, channel, ts, ActionId.CHANGE_SEVERITY).status_code == 200
    opened = driver.wait_for(
        lambda: [v for v in driver.views(user) if v["id"] not in before],
        description=f"{user}'s severity form",
    )
    return str(opened[0]["id"])


def _choose(severity: Severity) -> dict[str, dict[str, Any]]:
    return {BlockId.SEVERITY: {ActionId.SEVERITY: severity.value}}


def _race_one_form_twice(pair: Pair, incident: ShownIncident) -> None:
    # One submission delivered twice, once to each process: the same key, so a replay.
    view = _open_severity_form(pair, incident, "bob")
    statuses = pair.at_once(
        (0, lambda d: d.submit_view("bob", view, _choose(Severity.SEV1))),
        (1, lambda d: d.submit_view("bob", view, _choose(Severity.SEV1))),
    )
    assert statuses == [200, 200], pair.output()
    changes = _events(pair.database_url, incident.id, EventKind.SEVERITY_CHANGED)
    assert len(changes) == 1, [e.text for e in changes]
    assert _incident(pair.database_url, incident.id).severity == Severity.SEV1
    assert _told(pair, "bob", str(incident.channel_id), "already SEV1") == 0


def _race_two_forms(pair: Pair, incident: ShownIncident, people: dict[str, str]) -> None:
    # Two people, two forms, the same choice: one change; the other is told it already is.
    bobs, carols = (_open_severity_form(pair, incident, u) for u in ("bob", "carol"))
    statuses = pair.at_once(
        (0, lambda d: d.submit_view("bob", bobs, _choose(Severity.SEV3))),
        (1, lambda d: d.submit_view("carol", carols, _choose(Severity.SEV3))),
    )
    assert statuses == [200, 200]
    changes = _events(pair.database_url, incident.id, EventKind.SEVERITY_CHANGED)
    assert len(changes) == 2, [e.text for e in changes]
    assert _incident(pair.database_url, incident.id).severity == Severity.SEV3
    winner = changes[-1].actor
    other = "carol" if winner == people["bob"] else "bob"
    assert winner in (people["bob"], people["carol"])
    pair.driver(0).wait_for(
        lambda: _told(pair, other, str(incident.channel_id), "already SEV3"),
        description=f"{other} told the incident already is SEV3",
    )


def _race_resolve(pair: Pair, incident: ShownIncident, people: dict[str, str]) -> None:
    channel, ts = str(incident.channel_id), str(incident.status_ts)
    clickers = ("alice", "bob", "carol")
    statuses = pair.at_once(
        *((n % 2, _click(who, channel, ts, ActionId.RESOLVE)) for n, who in enumerate(clickers))
    )
    assert statuses == [200, 200, 200]
    resolved = _events(pair.database_url, incident.id, EventKind.RESOLVED)
    assert len(resolved) == 1, [e.text for e in resolved]
    assert _incident(pair.database_url, incident.id).status == Status.RESOLVED
    winner = resolved[0].actor
    others = [who for who in clickers if people[who] != winner]
    assert len(others) == 2
    for other in others:
        pair.driver(0).wait_for(
            partial(_told, pair, other, channel, "already resolved"),
            description=f"{other} told the incident is already resolved",
        )
