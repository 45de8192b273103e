"""The chaos run: `warroom run` is killed with SIGKILL at random moments, ten times, under a
steady mix of declarations, updates, Acknowledge clicks and Alertmanager notifications, and
restarted each time. Every request a process acknowledged is carried out exactly once.

On SQLite one process runs at a time. On PostgreSQL the first half of the kills hit one of two
processes behind one sandbox (requests spread over both; a request the dying one did not answer
goes to the other), the second half the one left. After the last kill a clean process finishes
the backlog; then every effect is counted at the sandbox and in the database.

A claim held by a killed process lapses after `Policy.lease` (two minutes). To keep the run
short the test writes the claims the dead process held into the past in the database right
after each kill, which is all that two minutes passing does to them (as
tests/test_crash_and_concurrency.py does).

Each run draws a seed and prints it; `WARROOM_CHAOS_SEED=<seed>` replays its draws (the mix of
requests, who sends them where, the uptime before each kill and its victim); what is in flight
at each kill still depends on timing.
"""

import os
import random
import secrets
import threading
import time
from collections import Counter
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from chaos_workload import Ledger, SlowSlack, Workload
from processes import WarroomProcess, own_session, start_warroom
from sqlalchemy import func, update
from sqlmodel import col, select

from bot.kernel.inbox import Policy as InboxPolicy
from bot.kernel.outbox import Policy as OutboxPolicy
from bot.sandbox import SandboxServer
from bot.sandbox.client import SandboxClient
from bot.slack.ids import ActionId
from bot.slack.places import ShownIncident, read_shown
from storage.database import affected_rows
from storage.enums import EventKind
from storage.models import (
    Alert,
    AlertGroup,
    Effect,
    InboxItem,
    Incident,
    Notification,
    SideEffectFailure,
    StatusUpdate,
    TimelineEvent,
)

pytestmark = pytest.mark.slow

SECRET = "chaos-test-signing-secret"
TOKEN = "chaos-test-webhook-token-0123"
KILLS = 10
UPTIME = (1.5, 4.5)  # seconds between a start (or a kill) and the next kill
NOTICED = 0.5  # seconds requests still go to a killed process
PAIR_SETTLE = 1.5  # after a kill, the other process has long finished what it held then
LEASE = max(InboxPolicy().lease, OutboxPolicy().lease)
FINISH_SECONDS = 120
ROUTING = """
routes:
  - name: critical-declares
    match: {severity: critical}
    action: declare
    severity: sev1
    page: [U0BOB]
"""
# The metadata each kind of message carries (what a retry searches for).
STATUS, DIGEST, UPDATE = "warroom_status", "warroom_digest", "warroom_update"
PAGE, NOTICE = "warroom_page", "warroom_alerts_notice"


class Fleet:
    """The `warroom run` processes up, by name; the workload sends only to these."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd = cwd
        self.env = env
        self.up: dict[str, WarroomProcess] = {}
        self.starts = 0
        self.lock = threading.Lock()

    def urls(self) -> list[str]:
        """The base URLs of the processes up now."""
        with self.lock:
            return [process.url for process in self.up.values()]

    def start(self) -> WarroomProcess:
        """Start one more process; return once it is healthy."""
        self.starts += 1
        name = f"run{self.starts:02d}"
        process = start_warroom(self.cwd, name=name, **self.env)
        with self.lock:
            self.up[name] = process
        return process

    def kill(self, name: str) -> datetime:
        """SIGKILL one process; when it was dead. Requests still go to it for a moment, as
        they would through a load balancer that has not noticed yet."""
        process = self.up[name]
        process.process.kill()
        process.process.wait(timeout=10)
        killed_at = datetime.now(UTC)
        time.sleep(NOTICED)
        with self.lock:
            del self.up[name]
        return killed_at

    def stop(self) -> None:
        """SIGTERM whatever is up."""
        with self.lock:
            processes, self.up = list(self.up.values()), {}
        for process in processes:
            process.stop()

    def output(self) -> str:
        """What every process ever started printed."""
        return "".join(log.read_text(errors="replace") for log in sorted(self.cwd.glob("run*.log")))


def _env(api_url: str, database_url: str, routing: Path) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-sandbox-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
        "WARROOM_LOG_LEVEL": "WARNING",
        "WARROOM_WEBHOOK_TOKEN": TOKEN,
        "WARROOM_CONFIG": str(routing),
        "WARROOM_CHANNELS_PER_MINUTE": "1000",  # no wait for the creation limit
        # Nothing but the workload posts during the run: no leader or update nags.
        "WARROOM_COMMANDER_REMINDER": "1h",
        "WARROOM_UPDATE_INTERVAL": "1h",
    }


# -- the database, on connections of our own --------------------------------------------------


def _backlog(database_url: str) -> tuple[int, int]:
    """Requests not carried out yet, and effects pending."""
    with own_session(database_url) as session:
        requests = session.exec(
            select(func.count(col(InboxItem.id))).where(col(InboxItem.done_at).is_(None))
        ).one()
        effects = session.exec(
            select(func.count(col(Effect.id))).where(Effect.state == "pending")
        ).one()
    return int(requests), int(effects)


def _lapse_claims(database_url: str, *, taken_before: datetime | None) -> tuple[int, int]:
    """Move live claims into the past, as `Policy.lease` passing would; how many (requests,
    effects). Without `taken_before` every claim (call it only while nothing runs); with it,
    only claims taken before then: with one process killed at `taken_before` and the other
    alive, those are the dead one's (the live one finished what it held then seconds ago, and
    what it claimed since holds until later)."""
    now = datetime.now(UTC)
    past = now - timedelta(seconds=1)
    held_requests = [col(InboxItem.done_at).is_(None), col(InboxItem.claimed_until) > now]
    held_effects = [Effect.state == "pending", col(Effect.claimed_until) > now]
    if taken_before is not None:
        held_requests.append(col(InboxItem.claimed_until) < taken_before + LEASE)
        held_effects.append(col(Effect.claimed_until) < taken_before + LEASE)
    with own_session(database_url) as session:
        requests = affected_rows(
            session, update(InboxItem).where(*held_requests).values(claimed_until=past)
        )
        effects = affected_rows(
            session, update(Effect).where(*held_effects).values(claimed_until=past)
        )
        session.commit()
    return requests, effects


def _wait_finished(database_url: str, process: WarroomProcess) -> float:
    """Wait until nothing is left to do; how long it took."""
    began = time.monotonic()
    while (left := _backlog(database_url)) != (0, 0):
        assert process.process.poll() is None, f"the process exited:\n{process.output()}"
        waited = time.monotonic() - began
        assert waited < FINISH_SECONDS, f"not finished after {waited:.0f}s: {left} left"
        time.sleep(0.1)
    return time.monotonic() - began


# -- the run ------------------------------------------------------------------------------------


# PostgreSQL's run is tests/test_chaos_postgres.py's: a file of its own, so that another worker
# runs it beside this one (a file goes to one worker; each run is a minute and a half, most of
# it waiting for kills and restarts).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sigkill_ten_times_under_load_carries_out_each_acknowledged_request_once(
    database_url: str, tmp_path: Path
) -> None:
    chaos_run(database_url, tmp_path)


def chaos_run(database_url: str, tmp_path: Path) -> None:
    """Kill and restart `warroom run` ten times under load on `database_url`; then count
    every effect of every acknowledged request."""
    seed = int(os.environ.get("WARROOM_CHAOS_SEED") or secrets.randbelow(1_000_000))
    backend = database_url.split(":", 1)[0].split("+", 1)[0]
    print(f"\nchaos run on {backend}: seed {seed} (replay: WARROOM_CHAOS_SEED={seed})")
    rng = random.Random(seed)
    paired_kills = KILLS // 2 if backend == "postgresql" else 0
    routing = tmp_path / "warroom.yml"
    routing.write_text(ROUTING)
    began = time.monotonic()
    figures: dict[str, Any] = {"seed": seed, "backend": backend, "kills": KILLS}
    lapsed = [0, 0]

    with (
        SandboxServer() as sandbox,
        SlowSlack(sandbox.api_url) as slack,
        closing(SandboxClient(sandbox.url)) as reader,
    ):
        # A retry finds a digest post whose answer was lost only in a channel the bot can read
        # (tests/integration/test_slack_faults.py): operators invite it to the announce channel.
        reader.invite("alice", "incidents", "warroom")
        fleet = Fleet(tmp_path, _env(slack.api_url, database_url, routing))
        workload = Workload(
            fleet.urls, secret=SECRET, token=TOKEN, sandbox_url=sandbox.url, seed=seed
        )
        try:
            for _ in range(2 if paired_kills else 1):
                fleet.start()
            workload.start()
            for kill in range(1, KILLS + 1):
                time.sleep(rng.uniform(*UPTIME))
                paired = kill <= paired_kills
                killed_at = fleet.kill(rng.choice(sorted(fleet.up)))
                if kill == KILLS:
                    workload.stop()
                    figures["backlog at the last kill"] = _backlog(database_url)
                if paired:
                    time.sleep(PAIR_SETTLE)
                    held = _lapse_claims(database_url, taken_before=killed_at)
                else:
                    held = _lapse_claims(database_url, taken_before=None)
                lapsed = [lapsed[0] + held[0], lapsed[1] + held[1]]
                if not paired or kill < paired_kills:
                    last = fleet.start()
            figures["finish after the last restart (s)"] = round(
                _wait_finished(database_url, last), 1
            )
            fleet.stop()
            figures["claims lapsed after kills (requests, effects)"] = tuple(lapsed)
            counted, problems = _check_exactly_once(database_url, reader, workload.ledger)
            figures.update(counted)
        finally:
            workload.stop()
            fleet.stop()
    figures["run time (s)"] = round(time.monotonic() - began, 1)
    print("chaos run figures:")
    for name, value in figures.items():
        print(f"  {name}: {value}")
    assert not problems, "\n".join(problems[:60]) + f"\n({len(problems)} problems)"
    output = fleet.output()
    assert "Traceback" not in output, output


# -- counting every effect -----------------------------------------------------------------------


def _marked(messages: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    """The top-level messages carrying this metadata."""
    return [
        m
        for m in messages
        if (m.get("metadata") or {}).get("event_type") == event_type
        and m.get("thread_ts") in (None, m["ts"])
    ]


def _payload(message: dict[str, Any], key: str) -> Any:
    return message["metadata"]["event_payload"].get(key)


def _twice(counts: Counter[Any]) -> list[Any]:
    return sorted(item for item, n in counts.items() if n > 1)


def _check_exactly_once(
    database_url: str, reader: SandboxClient, ledger: Ledger
) -> tuple[dict[str, Any], list[str]]:
    """Count every effect at the sandbox and in the database: the run's figures, and every
    way an acknowledged request was not carried out exactly once."""
    problems: list[str] = []
    state = reader.state("channels", "messages", "ephemerals", "calls")
    channels = {c["id"]: c for c in state["channels"]}
    messages: dict[str, list[dict[str, Any]]] = state["messages"]
    with own_session(database_url) as session:
        incidents = list(session.exec(select(Incident).order_by(col(Incident.number))))
        shown = {i.id: read_shown(session, i) for i in incidents}
        groups = list(session.exec(select(AlertGroup)))
        alerts = list(session.exec(select(Alert)))
        pages = list(session.exec(select(Notification).where(Notification.method == "slack")))
        updates = list(session.exec(select(StatusUpdate)))
        acks = list(
            session.exec(select(TimelineEvent).where(TimelineEvent.kind == EventKind.ACKNOWLEDGED))
        )
        effects = list(session.exec(select(Effect)))
        requests = list(session.exec(select(InboxItem)))
        failures = list(session.exec(select(SideEffectFailure)))

    # Who declared what: people (by title) or an alert group (by its alert's name).
    name_of_group = {a.group_id: a.labels["alertname"] for a in alerts}
    born = {g.incident_id: name_of_group.get(g.id or 0, "?") for g in groups if g.incident_id}
    by_people = [i for i in incidents if i.id not in born]
    titles = Counter(i.title for i in by_people)
    names = Counter(born.values())
    problems += [f"declared twice: {t}" for t in _twice(titles)]
    problems += [f"acknowledged, never declared: {t}" for t in sorted(ledger.titles - set(titles))]
    problems += [f"declared, never sent: {t}" for t in sorted(set(titles) - ledger.titles_sent)]
    problems += [f"alert group declared twice: {n}" for n in _twice(names)]
    problems += [
        f"alert acknowledged, no incident: {n}" for n in sorted(ledger.groups - set(names))
    ]
    problems += [f"alert incident never sent: {n}" for n in sorted(set(names) - ledger.groups_sent)]
    problems += [f"alert stored twice: {n}" for n in _twice(Counter(name_of_group.values()))]
    problems += [f"group without incident: {g.title}" for g in groups if g.incident_id is None]

    _check_rooms(problems, shown, channels, messages, state["calls"])
    _check_digests(problems, shown, channels, messages)
    _check_updates(problems, shown, messages, updates, ledger)
    _check_acknowledgements(problems, shown, messages, acks, ledger)
    _check_pages(problems, shown, born, pages, channels, messages)
    _check_notices(problems, shown, born, messages, ledger)

    problems += [
        f"effect failed: {e.kind} {e.key}: {e.last_error}" for e in effects if e.state == "failed"
    ]
    problems += [f"Slack step failed: {f.step}: {f.error}" for f in failures]
    problems += [f"request failed: {r.key}: {r.last_error}" for r in requests if r.last_error]
    problems += [f"workload error: {e}" for e in ledger.errors]
    problems += [f"unexpected answer: {kind} {status}" for kind, status in ledger.unexpected]
    confirmed = _confirmations(state["ephemerals"], by_people)
    unconfirmed = sorted(
        i.title for i in by_people if i.title in ledger.titles and not confirmed[i.id]
    )
    problems += [f"declaration never confirmed: {t}" for t in unconfirmed]

    carried_out = [e for e in effects if e.state == "done" and e.last_error != "superseded"]
    waits = sorted(ledger.ack_seconds) or [0.0]
    figures = {
        "requests sent": dict(ledger.sent),
        "requests acknowledged": dict(ledger.acknowledged),
        "requests refused (no process answered)": dict(ledger.refused),
        "acknowledged by the other process after a failed send": ledger.failed_over,
        "incidents (declared by people, of them unanswered; alert-born)": (
            len(by_people),
            len(set(titles) - ledger.titles),
            len(born),
        ),
        "updates posted": len(updates),
        "incidents acknowledged": len(acks),
        "pages sent": sum(1 for p in pages if p.sent_at),
        "effects carried out": len(carried_out),
        "effects merged into another (coalesced publishes)": sum(
            1 for e in effects if e.last_error == "superseded"
        ),
        "retried effects (attempts > 1)": sum(1 for e in carried_out if e.attempts > 1),
        "retried requests (attempts > 1)": sum(1 for r in requests if r.attempts > 1),
        "confirmations sent more than once": sum(1 for n in confirmed.values() if n > 1),
        "Slack Web API calls": len(state["calls"]),
        "acknowledgement p50 / p99 / max (ms)": tuple(
            round(1000 * waits[min(int(q * len(waits)), len(waits) - 1)]) for q in (0.5, 0.99, 1)
        ),
    }
    return figures, problems


def _check_rooms(
    problems: list[str],
    shown: dict[Any, ShownIncident],
    channels: dict[str, dict[str, Any]],
    messages: dict[str, list[dict[str, Any]]],
    calls: list[dict[str, Any]],
) -> None:
    """One channel per incident and no other; one pinned status block in each."""
    rooms = {c["id"] for c in channels.values() if not c["is_im"] and c["name"].startswith("inc-")}
    kept = Counter(i.channel_id for i in shown.values())
    problems += [f"orphan channel: {channels[c]['name']}" for c in sorted(rooms - set(kept))]
    problems += [f"no channel: INC-{i.number}" for i in shown.values() if i.channel_id is None]
    problems += [f"channel shared by incidents: {c}" for c in _twice(kept)]
    made = [c for c in calls if c["method"] == "conversations.create" and c["work_done"]]
    if len(made) != len(shown):
        problems.append(f"{len(made)} channels created for {len(shown)} incidents")
    for incident in shown.values():
        channel = incident.channel_id
        if channel is None:
            continue
        if not channels[channel]["name"].startswith(f"inc-{incident.number}-"):
            problems.append(f"INC-{incident.number} in {channels[channel]['name']}")
        statuses = [m["ts"] for m in _marked(messages.get(channel, []), STATUS)]
        if statuses != [incident.status_ts] or not incident.status_pinned:
            problems.append(f"INC-{incident.number}: status blocks {statuses}")
        if channels[channel]["pins"] != [incident.status_ts]:
            problems.append(f"INC-{incident.number}: pins {channels[channel]['pins']}")


def _check_digests(
    problems: list[str],
    shown: dict[Any, ShownIncident],
    channels: dict[str, dict[str, Any]],
    messages: dict[str, list[dict[str, Any]]],
) -> None:
    """One digest post per public incident in the announce channel."""
    (announce,) = [c for c in channels.values() if c["name"] == "incidents"]
    posts = _marked(messages.get(announce["id"], []), DIGEST)
    posted = Counter(_payload(m, "incident_id") for m in posts)
    problems += [f"digest posted twice: incident {i}" for i in _twice(posted)]
    for incident in shown.values():
        ts = [m["ts"] for m in posts if _payload(m, "incident_id") == incident.id]
        if ts != [incident.digest_ts] and not incident.private:
            problems.append(f"INC-{incident.number}: digest posts {ts}, kept {incident.digest_ts}")
    problems += [f"digest of no incident: {i}" for i in sorted(set(posted) - set(shown))]


def _check_updates(
    problems: list[str],
    shown: dict[Any, ShownIncident],
    messages: dict[str, list[dict[str, Any]]],
    updates: list[StatusUpdate],
    ledger: Ledger,
) -> None:
    """One update post per stored update, one stored update per acknowledged one."""
    texts = Counter(u.text for u in updates)
    problems += [f"update stored twice: {t}" for t in _twice(texts)]
    problems += [
        f"update acknowledged, not stored: {t}" for t in sorted(set(ledger.updates) - set(texts))
    ]
    for stored_update in updates:
        incident = shown[stored_update.incident_id]
        if ledger.updates_sent.get(stored_update.text) != incident.channel_id:
            problems.append(f"update {stored_update.text!r} stored on INC-{incident.number}")
    for incident in shown.values():
        posts = _marked(messages.get(incident.channel_id or "", []), UPDATE)
        posted = Counter(_payload(m, "update_id") for m in posts)
        stored = {u.id for u in updates if u.incident_id == incident.id}
        problems += [f"update {u} posted twice" for u in _twice(posted)]
        if set(posted) != stored:
            problems.append(f"INC-{incident.number}: updates {sorted(stored)}, posts {posted}")


def _check_acknowledgements(
    problems: list[str],
    shown: dict[Any, ShownIncident],
    messages: dict[str, list[dict[str, Any]]],
    acks: list[TimelineEvent],
    ledger: Ledger,
) -> None:
    """One acknowledgement per incident clicked, by one of its clickers, shown on its status."""
    counted = Counter(e.incident_id for e in acks)
    problems += [f"acknowledged twice: incident {i}" for i in _twice(counted)]
    for incident in shown.values():
        channel = incident.channel_id or ""
        clickers = ledger.clicks_sent.get(channel, set())
        if channel in ledger.clicks and counted[incident.id] != 1:
            problems.append(f"INC-{incident.number}: clicked, {counted[incident.id]} acks")
        if incident.acknowledged_by is not None and incident.acknowledged_by not in clickers:
            problems.append(f"INC-{incident.number}: acknowledged by {incident.acknowledged_by}")
        status = [m for m in messages.get(channel, []) if m["ts"] == incident.status_ts]
        button = bool(status) and ActionId.ACKNOWLEDGE in str(status[0].get("blocks"))
        if button != (incident.acknowledged_at is None):
            problems.append(f"INC-{incident.number}: Acknowledge button shown: {button}")


def _check_pages(
    problems: list[str],
    shown: dict[Any, ShownIncident],
    born: dict[Any, str],
    pages: list[Notification],
    channels: dict[str, dict[str, Any]],
    messages: dict[str, list[dict[str, Any]]],
) -> None:
    """One page per alert-born incident, one DM per page sent; every unacknowledged one sent."""
    per_incident = Counter(p.incident_id for p in pages)
    problems += [
        f"paged for a person's incident: {i}" for i in sorted(set(per_incident) - set(born))
    ]
    problems += [f"paged more than once: incident {i}" for i in _twice(per_incident)]
    dms = [c["id"] for c in channels.values() if c["is_im"] and c["user"] == "U0BOB"]
    posts = [m for dm in dms for m in _marked(messages.get(dm, []), PAGE)]
    sent = Counter(_payload(m, "notification_id") for m in posts)
    problems += [f"page DM sent twice: page {p}" for p in _twice(sent)]
    problems += [f"page DM of no page: {p}" for p in sorted(set(sent) - {p.id for p in pages})]
    for incident_id in born:
        found = [p for p in pages if p.incident_id == incident_id]
        number = shown[incident_id].number
        if len(found) != 1:
            problems.append(f"INC-{number}: {len(found)} pages")
            continue
        page = found[0]
        if page.sent_at is None and shown[incident_id].acknowledged_at is None:
            problems.append(f"INC-{number}: page never sent")
        ts = [m["ts"] for m in posts if _payload(m, "notification_id") == page.id]
        if page.sent_at is not None and ts != [t for _, t in page.messages]:
            problems.append(f"INC-{number}: page DMs {ts}, kept {page.messages}")


def _check_notices(
    problems: list[str],
    shown: dict[Any, ShownIncident],
    born: dict[Any, str],
    messages: dict[str, list[dict[str, Any]]],
    ledger: Ledger,
) -> None:
    """One all-resolved notice per incident whose alert resolved, none for the others."""
    for incident_id, name in born.items():
        incident = shown[incident_id]
        ts = [m["ts"] for m in _marked(messages.get(incident.channel_id or "", []), NOTICE)]
        if name in ledger.resolved and ts != [incident.notice_ts]:
            problems.append(f"INC-{incident.number}: notices {ts}, kept {incident.notice_ts}")
        if name not in ledger.resolved_sent and ts:
            problems.append(f"INC-{incident.number}: notice of an alert still firing")
        if len(ts) > 1:
            problems.append(f"INC-{incident.number}: {len(ts)} notices")


def _confirmations(ephemerals: list[dict[str, Any]], by_people: list[Incident]) -> Counter[Any]:
    """How many times each declarer was told their incident is declared (at least once:
    an answer through a response URL cannot be looked for, so a retry may repeat it)."""
    told: Counter[Any] = Counter()
    for incident in by_people:
        said = f"INC-{incident.number} is declared"
        told[incident.id] = sum(1 for e in ephemerals if said in str(e.get("text")))
    return told
