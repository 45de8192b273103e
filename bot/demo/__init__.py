"""`warroom demo`: two incidents, offline, through the same HTTP paths as Slack and Alertmanager.

The first is declared by slash command and closed; the second is born from an Alertmanager
webhook, paged, acknowledged, deduplicated and resolved.
"""

import logging
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.app import build_warroom
from bot.demo.alerts import ALERT_INCIDENT, play_alerts, show_alerts, write_routing
from bot.demo.narrator import Demo, show_channels, show_postmortem, show_timeline
from bot.sandbox import SandboxServer, serve_in_thread
from bot.sandbox.driver import SlackDriver
from bot.settings import Settings
from bot.slack.ids import ActionId
from storage import migrate
from storage.enums import Status

EVENTS = ["pin_added", "reaction_added"]
UPDATE_SECONDS = 3


def default_database() -> Path:
    """Where the demo keeps its data unless told: a folder of its own under the system's
    temporary folder, so it leaves nothing in the directory it was started from."""
    folder = Path(tempfile.gettempdir()) / "warroom-demo"
    folder.mkdir(exist_ok=True)
    return folder / "warroom-demo.db"


def run_demo(*, database: str | None = None, out: TextIO = sys.stdout) -> int:
    """Run the demo incidents; print the transcript and where the data is."""
    logging.basicConfig(level=logging.WARNING)
    path = Path(database).resolve() if database else default_database()
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    secret, token = secrets.token_hex(16), secrets.token_urlsafe(24)
    with SandboxServer() as sandbox, tempfile.TemporaryDirectory() as folder:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            slack_bot_token="xoxb-sandbox-token",
            slack_signing_secret=secret,
            slack_api_url=sandbox.api_url,
            database_url=url,
            # Short enough to show a missed-update reminder while the demo runs.
            warroom_update_interval=timedelta(seconds=UPDATE_SECONDS),
            warroom_tick_interval=timedelta(seconds=1),
            # Webhooks on, routed by a real warroom.yml read from disk as a deployment does.
            warroom_webhook_token=token,
            warroom_config=write_routing(Path(folder)),
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
            show_postmortem(demo)
            webhooks = play_alerts(demo, f"{app.url}/webhooks/alertmanager", token)
            driver.wait_for_deliveries()
            show_channels(demo, ALERT_INCIDENT, digest=False)
            show_alerts(demo)
            show_timeline(demo, ALERT_INCIDENT)
            _summary(demo, time.monotonic() - started, webhooks)
            driver.close()
        warroom.engine.dispose()
    print(f"Data stored in the SQLite file {path}", file=out)
    print(f"  try: sqlite3 {path.name} 'select kind, text from timelineevent'", file=out)
    return 0


def _summary(demo: Demo, seconds: float, webhooks: int) -> None:
    calls = [c for c in demo.driver.calls() if c["method"] != "auth.test"]
    demo.say(
        f"\nPlayed in {seconds:.1f}s with {len(calls)} Web API calls to the built-in Slack "
        f"sandbox and {webhooks} Alertmanager webhooks; no network, no Slack account."
    )


def play(demo: Demo) -> None:
    """Declare SEV2 → acknowledge → SEV1 → two updates → mitigated → resolved → closed."""
    demo.slash("alice", "general", "declare sev2 Checkout API returning 502s")
    incident = demo.until(lambda i: i.status_pinned and i.digest_ts, "the incident channel")
    channel, status_ts = incident.channel_id or "", incident.status_ts or ""
    demo.say(f"  → #{incident.channel_name} created, status block pinned, digest posted")
    for reply in demo.driver.ephemerals("alice"):
        demo.say("  (only alice sees) " + demo.plain(reply.get("text") or ""))
    demo.say("  The pinned status block now reads:")
    demo.show(demo.driver.message(channel, status_ts)["message"], pinned=True)

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
    demo.say("  The scheduler posts a reminder in the channel:")
    demo.show(reminder)

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
