"""`warroom demo`: a whole incident, offline, through the same signed HTTP path as Slack."""

import logging
import secrets
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from sqlmodel import Session, col, select

from bot.app import build_warroom
from bot.demo.transcript import render_message, render_mrkdwn
from bot.sandbox import SandboxServer, serve_in_thread
from bot.sandbox.driver import SlackDriver
from bot.settings import Settings
from bot.slack.ids import ActionId
from storage import migrate
from storage.enums import Status
from storage.models import Incident, TimelineEvent

EVENTS = ["pin_added", "pin_removed", "reaction_added"]
UPDATE_SECONDS = 3


class Demo:
    """Plays people in the sandbox and prints what they would see."""

    def __init__(self, driver: SlackDriver, engine: Any, out: TextIO) -> None:
        self.driver = driver
        self.engine = engine
        self.out = out

    def say(self, text: str) -> None:
        """Narrate one step."""
        print(text, file=self.out, flush=True)

    def incident(self) -> Incident | None:
        """The demo's incident, read fresh from the database."""
        with Session(self.engine) as session:
            return session.exec(select(Incident).order_by(col(Incident.id))).first()

    def until(self, check: Callable[[Incident], object], what: str) -> Incident:
        """Wait until the stored incident satisfies `check`."""

        def ready() -> Incident | None:
            incident = self.incident()
            return incident if incident is not None and check(incident) else None

        found = self.driver.wait_for(ready, timeout=10, description=what)
        assert found is not None
        return found

    def slash(self, user: str, channel: str, text: str) -> None:
        """Type a slash command."""
        name = self.driver.channel(channel)["name"]
        self.say(f"\n▶ {user} in #{name}: /incident {text}")
        response = self.driver.slash(user, channel, text)
        if response.status_code != 200:
            raise RuntimeError(f"the app answered {response.status_code}: {response.text}")


def run_demo(*, database: str = "warroom-demo.db", out: TextIO = sys.stdout) -> int:
    """Run the demo incident; print the transcript and where the data is."""
    logging.basicConfig(level=logging.WARNING)
    path = Path(database).resolve()
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    secret = secrets.token_hex(16)
    with SandboxServer() as sandbox:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            slack_bot_token="xoxb-sandbox-token",
            slack_signing_secret=secret,
            slack_api_url=sandbox.api_url,
            database_url=url,
            # Short enough to show a missed-update reminder while the demo runs.
            warroom_update_interval=timedelta(seconds=UPDATE_SECONDS),
            warroom_tick_interval=timedelta(seconds=1),
        )
        warroom = build_warroom(settings)
        with serve_in_thread(warroom.http) as app:
            driver = SlackDriver(f"{app.url}/slack/events", secret, sandbox.url)
            driver.connect_events()
            driver.configure(subscriptions=EVENTS)
            demo = Demo(driver, warroom.engine, out)
            started = time.monotonic()
            play(demo)
            driver.wait_for_deliveries()
            show_channels(demo)
            show_timeline(demo)
            calls = [c for c in driver.calls() if c["method"] != "auth.test"]
            demo.say(
                f"\nPlayed in {time.monotonic() - started:.1f}s with {len(calls)} Web API calls "
                "to the built-in Slack sandbox; no network, no Slack account."
            )
            driver.close()
        warroom.engine.dispose()
    print(f"Data stored in the SQLite file {path}", file=out)
    print(f"  try: sqlite3 {path.name} 'select kind, text from timelineevent'", file=out)
    return 0


def play(demo: Demo) -> None:
    """Declare SEV2 → acknowledge → SEV1 → two updates → mitigated → resolved → closed."""
    demo.slash("alice", "general", "declare sev2 Checkout API returning 502s")
    incident = demo.until(lambda i: i.status_pinned and i.digest_ts, "the incident channel")
    channel, status_ts = incident.channel_id or "", incident.status_ts or ""
    demo.say(f"  → #{incident.channel_name} created, status block pinned, digest posted")
    for reply in demo.driver.ephemerals("alice"):
        demo.say("  (only alice sees) " + _plain(demo, reply.get("text") or ""))
    users, channels = _names(demo)
    status = demo.driver.message(channel, status_ts)["message"]
    demo.say("  The pinned status block now reads:")
    demo.say(render_message(status, users=users, channels=channels, pinned=True))

    demo.say("\n▶ bob clicks [Acknowledge] on the status block")
    demo.driver.click("bob", channel, status_ts, ActionId.ACKNOWLEDGE)
    demo.until(lambda i: i.acknowledged_at, "the acknowledgement")

    demo.slash("alice", channel, "severity sev1")
    demo.until(lambda i: i.severity == "sev1", "SEV1")

    demo.slash("alice", channel, "update Errors started 09:58 after deploy 4812; rolling back")
    demo.until(lambda i: i.last_update_at, "the first update")

    demo.say(
        f"\n… {UPDATE_SECONDS} s pass with no update (the demo's WARROOM_UPDATE_INTERVAL; "
        "30m by default)"
    )
    reminder = demo.driver.wait_for(
        lambda: [
            m
            for m in demo.driver.messages(channel)
            if m.get("text", "").startswith("Status update due")
        ],
        timeout=15,
        description="the missed-update reminder",
    )[0]
    users, channels = _names(demo)
    demo.say("  The scheduler posts a reminder in the channel:")
    demo.say(render_message(reminder, users=users, channels=channels))

    demo.driver.join("carol", channel)
    ts = demo.driver.post_message("carol", channel, "Error rate dropping: 12% → 0.4%")
    demo.say("\n▶ carol posts a graph note and pins it")
    demo.driver.pin("carol", channel, ts)

    demo.say("\n▶ bob clicks [Post update] and submits the form")
    demo.driver.click("bob", channel, status_ts, ActionId.POST_UPDATE)
    view: dict[str, Any] = demo.driver.wait_for(
        lambda: demo.driver.latest_view("bob") or {}, description="the update form"
    )
    first = demo.incident()
    demo.driver.submit_view(
        "bob", view["id"], {"update_text": {"update_text": "Rollback done; watching for 15 min"}}
    )
    demo.until(lambda i: first is not None and i.last_update_at != first.last_update_at, "update")

    demo.slash("alice", channel, "status mitigated")
    demo.until(lambda i: i.status == Status.MITIGATED, "mitigated")
    demo.slash("alice", channel, "resolve Rolled back deploy 4812; error rate back to normal")
    demo.until(lambda i: i.status == Status.RESOLVED, "resolved")
    demo.slash("alice", channel, "close")
    demo.until(lambda i: i.status == Status.CLOSED, "closed")
    demo.driver.wait_for(
        lambda: "Closed" in str(demo.driver.message(channel, status_ts)["message"]),
        description="the status block to show Closed",
    )


def _names(demo: Demo) -> tuple[dict[str, str], dict[str, str]]:
    state = demo.driver.state("users", "channels")
    users = {u["id"]: u["name"] for u in state["users"]}
    channels = {c["id"]: c["name"] for c in state["channels"]}
    return users, channels


def _plain(demo: Demo, text: str) -> str:
    users, channels = _names(demo)
    return render_mrkdwn(text, users=users, channels=channels)


def show_channels(demo: Demo) -> None:
    """Print what #incidents and the incident channel show now."""
    users, channels = _names(demo)
    incident = demo.incident()
    assert incident is not None and incident.channel_id
    for channel_id in (incident.channel_id, incident.digest_channel_id):
        if channel_id is None:
            continue
        channel = demo.driver.channel(channel_id)
        demo.say(f"\n━━━ #{channel['name']} ━━━")
        if channel["topic"]:
            demo.say(f"  topic: {_plain(demo, channel['topic'])}")
        for message in demo.driver.messages(channel_id):
            pinned = message["ts"] in channel["pins"]
            demo.say(render_message(message, users=users, channels=channels, pinned=pinned))


def show_timeline(demo: Demo) -> None:
    """Print the stored timeline."""
    incident = demo.incident()
    assert incident is not None
    with Session(demo.engine) as session:
        query = (
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident.id)
            .order_by(col(TimelineEvent.occurred_at), col(TimelineEvent.id))
        )
        events = list(session.exec(query))
    demo.say("\n━━━ timeline (from the database) ━━━")
    for event in events:
        when = event.occurred_at.strftime("%H:%M:%S UTC") if event.occurred_at else "?"
        demo.say(f"  {when}  {event.kind.value:<17} {_plain(demo, event.text)}")
