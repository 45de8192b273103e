"""Update nags from real `warroom run` processes: sent once across restarts and across processes.

The first two tests run the command as operators do (signed slash commands from the sandbox,
SIGTERM to stop); in the second, a trigger holds every claim open longer than a tick, so the
two processes' claims always overlap. The last two race two reminder services in one process
over one database, one claim held at a chosen point while the other runs, so the race comes out
the same way every time.
"""

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from processes import own_session, running_warroom, start_warroom
from sqlalchemy import event, pool
from sqlmodel import Session, col, select

from bot.app import Warroom, build_warroom
from bot.sandbox import SandboxServer
from bot.sandbox.client import SandboxClient
from bot.sandbox.driver import SlackDriver
from bot.settings import Settings
from storage.database import make_engine, unit_of_work
from storage.enums import EventKind, ReminderKind, Role, Severity, Status
from storage.models import Effect, Incident, IncidentRole, Reminder, TimelineEvent
from storage.queries import incidents as queries

SECRET = "process-secret"
IN_A_ROW = re.compile(r"(\d+) reminders in a row")


# -- reading back what happened ------------------------------------------------------------


def _app_env(sandbox: SandboxServer, database_url: str, **settings: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-sandbox-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": sandbox.api_url,
        "DATABASE_URL": database_url,
        "WARROOM_LOG_LEVEL": "WARNING",
        **settings,
    }


def _seq(message: dict[str, Any]) -> int:
    """The place in a row a channel reminder shows: `— 3 reminders in a row`, or none for 1."""
    shown = " ".join(
        str(block.get("text", {}).get("text", ""))
        for block in message.get("blocks") or []
        if block.get("type") == "section"
    )
    found = IN_A_ROW.search(shown)
    return int(found.group(1)) if found else 1


def _reminder_seqs(driver: SandboxClient, channel_id: str, number: int) -> list[int]:
    """The seq of every update reminder for INC-<number> in its channel, oldest first."""
    text = f"Status update due for INC-{number}"
    return [_seq(m) for m in driver.messages(channel_id) if m.get("text") == text]


def _read(database_url: str) -> tuple[list[Incident], list[Reminder]]:
    """Every incident and reminder row, read on a connection of our own."""
    with own_session(database_url) as session:
        incidents = list(session.exec(select(Incident).order_by(col(Incident.number))))
        reminders = list(session.exec(select(Reminder).order_by(col(Reminder.id))))
        return incidents, reminders


def _deliveries(database_url: str) -> dict[int, Effect]:
    """Each reminder's delivery (its outbox effect), by reminder id."""
    with own_session(database_url) as session:
        rows = session.exec(select(Effect).where(Effect.kind == "reminder.deliver"))
        return {int(e.payload["reminder_id"]): e for e in rows}


def _sent(database_url: str, reminder: Reminder) -> bool:
    delivery = _deliveries(database_url).get(reminder.id or 0)
    return delivery is not None and delivery.state == "done"


def _declare(driver: SlackDriver, title: str, slug: str) -> dict[str, Any]:
    """Declare through a signed slash command; return the channel once its status is pinned."""
    assert driver.slash("alice", "general", f"declare sev2 {title}").status_code == 200
    channel = driver.wait_for(lambda: driver.channel_by_name(slug), timeout=10, interval=0.1)
    assert channel is not None
    driver.wait_for(lambda: driver.pins(channel["id"]), timeout=10, interval=0.1)
    return channel


# -- restart ------------------------------------------------------------------------------


def test_reminder_due_while_nothing_ran_is_sent_once_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    # Fails if due work lived in the process (lost on restart) or a restart re-sent or caught up.
    cadence = {"WARROOM_UPDATE_INTERVAL": "3s", "WARROOM_TICK_INTERVAL": "1s"}
    with SandboxServer() as sandbox:
        env = _app_env(sandbox, database_url, **cadence)
        first = start_warroom(tmp_path, name="first", **env)
        try:
            with SlackDriver(first.events_url, SECRET, sandbox.url) as driver:
                channel = _declare(driver, "Restart me", "inc-1-restart-me")
        finally:
            first.stop()  # right after the pin: the reminder is due 3 s after the declaration

        (incident,), reminders = _read(database_url)
        due = incident.update_reminder_at
        assert due is not None
        assert reminders == [], "the first process claimed the reminder before it was stopped"
        time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.5)

        with (
            running_warroom(tmp_path, name="second", **env) as second,
            closing(SandboxClient(sandbox.url)) as reader,
        ):
            try:
                reader.wait_for(
                    lambda: _reminder_seqs(reader, channel["id"], 1),
                    timeout=15,
                    interval=0.1,
                    description="the first reminder after the restart",
                )
            except AssertionError as late:
                effects = _deliveries(database_url).values()
                rows = [(e.key, e.state, e.attempts, e.last_error) for e in effects]
                raise AssertionError(f"{late}; rows {rows}; output:\n{second.output()}") from None
            # A duplicate would come on the next tick (1 s); the second reminder is 3 s away.
            time.sleep(1.5)
            seqs = _reminder_seqs(reader, channel["id"], 1)
            shown = [
                m
                for m in reader.messages(channel["id"])
                if m.get("text", "").startswith("Status update due")
            ]

    assert seqs == [1], seqs
    assert "in a row" not in str(shown[0]["blocks"])
    _, reminders = _read(database_url)
    assert [(r.kind, r.seq, r.due_at) for r in reminders] == [(ReminderKind.UPDATE_DUE, 1, due)]
    delivery = _deliveries(database_url)[reminders[0].id or 0]
    assert (delivery.state, delivery.attempts) == ("done", 1)


# -- two processes ------------------------------------------------------------------------


def test_two_processes_send_each_reminder_once(database_url: str, tmp_path: Path) -> None:
    # Every claim is held open past the other process's next tick: without the row lock and the
    # unique key both, that tick claims the same due times and a (incident, seq) message repeats.
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "the issue asks for several processes on PostgreSQL; SQLite's refusal of a second "
            "claim is covered by test_sqlite_refuses_a_second_claim_of_the_same_due_time"
        )
    cadence = {"WARROOM_UPDATE_INTERVAL": "2s", "WARROOM_TICK_INTERVAL": "1s"}
    titles = {1: "Schedulers one", 2: "Schedulers two", 3: "Schedulers three"}
    with SandboxServer() as sandbox:
        env = _app_env(sandbox, database_url, **cadence)
        with (
            claims_held_open(database_url, seconds=1.2),
            running_warroom(tmp_path, name="a", **env) as a,
            running_warroom(tmp_path, name="b", **env) as b,
            SlackDriver(a.events_url, SECRET, sandbox.url) as driver,
        ):
            channels = {
                n: _declare(driver, title, f"inc-{n}-{title.lower().replace(' ', '-')}")
                for n, title in titles.items()
            }
            time.sleep(8)
            # Resolving stops the nags, so both processes can be stopped with nothing in flight.
            for channel in channels.values():
                assert driver.slash("alice", channel["name"], "resolve Done").status_code == 200
            driver.wait_for(
                lambda: _all_resolved_and_sent(database_url),
                timeout=15,
                interval=0.2,
                description="every incident resolved and every claimed reminder sent",
            )
            seen = {n: _reminder_seqs(driver, c["id"], n) for n, c in channels.items()}
            # Each process's own metrics show that both ran the reminder job.
            ticks = {p.log.name: _reminder_ticks(p.url) for p in (a, b)}

    incidents, reminders = _read(database_url)
    for incident in incidents:
        assert incident.id is not None
        seqs = seen[incident.number]
        sent = sorted(
            r.seq
            for r in reminders
            if r.incident_id == incident.id
            and r.kind == ReminderKind.UPDATE_DUE
            and _sent(database_url, r)
        )
        assert len(seqs) >= 2, f"INC-{incident.number}: reminders stopped coming: {seqs}"
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"INC-{incident.number}: {seqs}"
        assert sent == sorted(seqs), f"INC-{incident.number}: rows {sent}, messages {seqs}"
    assert all(count >= 3 for count in ticks.values()), f"ticks per process: {ticks}"


@contextmanager
def claims_held_open(database_url: str, *, seconds: float) -> Iterator[None]:
    """Make every transaction that inserts reminders wait `seconds` before it may commit.

    A trigger in the test's own schema, dropped afterwards: a claim then stays in flight for
    longer than a tick, so the other process always ticks while it holds its due incidents.
    """
    engine = make_engine(database_url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"""
            CREATE FUNCTION hold_claim_open() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF current_setting('warroom_test.held', true) IS DISTINCT FROM 'yes' THEN
                    PERFORM set_config('warroom_test.held', 'yes', true);
                    PERFORM pg_sleep({seconds});
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER hold_claim_open AFTER INSERT ON reminder
                FOR EACH STATEMENT EXECUTE FUNCTION hold_claim_open();
            """
        )
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TRIGGER hold_claim_open ON reminder")
            connection.exec_driver_sql("DROP FUNCTION hold_claim_open()")
        engine.dispose()


def _reminder_ticks(base_url: str) -> int:
    """How many times the process at `base_url` ran its reminder job, from its /metrics."""
    text = httpx.get(f"{base_url}/metrics", timeout=5).text
    found = re.search(r'^warroom_job_duration_seconds_count\{job="reminders"\} (\S+)$', text, re.M)
    return int(float(found.group(1))) if found else 0


def _all_resolved_and_sent(database_url: str) -> bool:
    incidents, reminders = _read(database_url)
    return all(i.status == Status.RESOLVED for i in incidents) and all(
        _sent(database_url, r) for r in reminders
    )


# -- one due time, two claims --------------------------------------------------------------

DECLARED = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
INTERVAL = timedelta(minutes=30)
NOW = DECLARED + INTERVAL + timedelta(seconds=5)  # the first update reminder is due


def _service(database_url: str) -> Warroom:
    """A wired app on the database with a fixed clock; its Slack is never called here."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-unused",
        slack_signing_secret="unused",
        slack_api_url="http://127.0.0.1:9/api/",
        database_url=database_url,
        warroom_update_interval=INTERVAL,
    )
    return build_warroom(settings, clock=lambda: NOW)


def _seed_due_incident(warroom: Warroom) -> int:
    with unit_of_work(warroom.engine) as session:
        incident = Incident(
            number=1,
            title="Claimed twice?",
            severity=Severity.SEV2,
            status=Status.INVESTIGATING,
            declared_by="U1",
            declared_at=DECLARED,
            acknowledged_at=DECLARED,
            update_reminder_at=DECLARED + INTERVAL,
        )
        session.add(incident)
        session.flush()
        assert incident.id is not None
        session.add(IncidentRole(incident_id=incident.id, role=Role.COMMANDER, user_id="U1"))
        return incident.id


@pytest.fixture
def two_services(database_url: str) -> Iterator[tuple[Warroom, Warroom, int]]:
    """Two apps as two processes would be: own engines, one database, one due incident."""
    first, second = _service(database_url), _service(database_url)
    incident_id = _seed_due_incident(first)
    yield first, second, incident_id
    first.engine.dispose()
    second.engine.dispose()


def test_sqlite_serialises_two_claims_of_the_same_due_time(
    two_services: tuple[Warroom, Warroom, int], database_url: str
) -> None:
    # A write unit of work begins with BEGIN IMMEDIATE: a second claim waits for the first to
    # commit and then reads the incident's moved clock, so it claims nothing (it never even
    # reaches the reminder's unique key, which stays as the last line of defence).
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite has no row locks; PostgreSQL's is the SKIP LOCKED test below")
    first, late, incident_id = two_services
    first_read, late_started = threading.Event(), threading.Event()

    def hold_after_reading(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The first claim has read the incident as due; the late one now tries to begin.
        if statement.lstrip().upper().startswith("INSERT") and not first_read.is_set():
            first_read.set()
            assert late_started.wait(timeout=10)
            time.sleep(0.3)  # the late claim is waiting for the write lock meanwhile

    event.listen(first.engine, "before_cursor_execute", hold_after_reading)

    def late_claim() -> tuple[list[int], float]:
        assert first_read.wait(timeout=10)
        late_started.set()
        started = time.monotonic()
        with unit_of_work(late.engine, write=True) as session:
            return late.reminders.claim(session), time.monotonic() - started

    with ThreadPoolExecutor(max_workers=1) as pool_:
        claimed_late = pool_.submit(late_claim)
        with unit_of_work(first.engine, write=True) as session:
            claimed_first = first.reminders.claim(session)
        late_ids, waited = claimed_late.result(timeout=15)

    assert len(claimed_first) == 1
    assert late_ids == [] and waited >= 0.25  # it waited for the lock, then found nothing due
    with Session(first.engine) as session:
        rows = list(session.exec(select(Reminder)))
        missed = session.exec(
            select(TimelineEvent).where(TimelineEvent.kind == EventKind.UPDATE_MISSED)
        ).all()
        incident = queries.get_incident(session, incident_id=incident_id)
    assert [(r.seq, r.due_at) for r in rows] == [(1, DECLARED + INTERVAL)]
    assert len(missed) == 1
    assert incident is not None and incident.missed_updates == 1


def test_postgres_second_claim_skips_locked_incidents(
    two_services: tuple[Warroom, Warroom, int], database_url: str
) -> None:
    # Fails without SKIP LOCKED (the 2nd claim waits for the lock) or without FOR UPDATE at all
    # (it reads the incident as due and waits on the 1st claim's uncommitted unique key).
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite is the unique key test above")
    first, second, _ = two_services

    def second_claim() -> list[int]:
        with unit_of_work(second.engine) as session:
            return second.reminders.claim(session)

    with ThreadPoolExecutor(max_workers=1) as pool_:
        with unit_of_work(first.engine) as session:
            claimed_first = first.reminders.claim(session)  # locked until this block commits
            waiting = pool_.submit(second_claim)
            try:
                claimed_second = waiting.result(timeout=5)
            except FutureTimeout:
                pytest.fail("the second claim waited for the first one's lock")
        assert claimed_second == []
        assert len(claimed_first) == 1

    _, reminders = _read(database_url)
    assert [(r.seq, r.due_at) for r in reminders] == [(1, DECLARED + INTERVAL)]
