"""`warroom demo`: two incidents and an on-call handoff, offline, through the same HTTP paths
as Slack and Alertmanager.

The first incident is declared by slash command and closed; the second is born from an
Alertmanager webhook, pages whoever is on call, and is acknowledged, deduplicated and resolved;
then an override is made and the demo's clock passes a handoff.
"""

import logging
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.app import build_warroom
from bot.demo import declared
from bot.demo.alerts import ALERT_INCIDENT, play_alerts, show_alerts, write_config
from bot.demo.clock import DemoClock
from bot.demo.insights import app_settings, show_insights
from bot.demo.narrator import Demo, show_channels, show_postmortem, show_timeline
from bot.demo.oncall import play_oncall, prepare_workspace
from bot.sandbox import SandboxServer, serve_in_thread
from bot.sandbox.driver import SlackDriver
from bot.settings import Settings
from storage import migrate

EVENTS = ["pin_added", "reaction_added"]


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
    clock = DemoClock()
    with SandboxServer() as sandbox, tempfile.TemporaryDirectory() as folder:
        prepare_workspace(sandbox.url, clock)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            slack_bot_token="xoxb-sandbox-token",
            slack_signing_secret=secret,
            slack_api_url=sandbox.api_url,
            database_url=url,
            # Short enough to show a missed-update reminder while the demo runs.
            warroom_update_interval=timedelta(seconds=declared.UPDATE_SECONDS),
            warroom_tick_interval=timedelta(seconds=1),
            # Webhooks on, routed by a real warroom.yml read from disk as a deployment does.
            warroom_webhook_token=token,
            warroom_config=write_config(Path(folder)),
            # The web app on, signing in with the sandbox's Sign in with Slack.
            **app_settings(sandbox.url),
        )
        warroom = build_warroom(settings, clock=clock)
        with serve_in_thread(warroom.http) as app:
            driver = SlackDriver(f"{app.url}/slack/events", secret, sandbox.url)
            driver.connect_events()
            driver.configure(subscriptions=EVENTS)
            demo = Demo(driver, warroom.engine, out, clock)
            started = time.monotonic()
            webhooks = play(demo, f"{app.url}/webhooks/alertmanager", token)
            show_insights(demo, app.url)
            _summary(demo, time.monotonic() - started, webhooks)
            driver.close()
        warroom.engine.dispose()
    print(f"Data stored in the SQLite file {path}", file=out)
    print(f"  try: sqlite3 {path.name} 'select kind, text from timelineevent'", file=out)
    return 0


def play(demo: Demo, webhook_url: str, token: str) -> int:
    """The three stories and what each leaves behind; how many webhooks Alertmanager sent."""
    incident = declared.declare(demo)
    declared.acknowledge_and_raise(demo, incident)
    declared.missed_update(demo, incident)
    declared.pin_and_update(demo, incident)
    declared.close(demo, incident)
    demo.driver.wait_for_deliveries()
    show_channels(demo)
    show_timeline(demo)
    show_postmortem(demo)
    webhooks = play_alerts(demo, webhook_url, token)
    demo.driver.wait_for_deliveries()
    show_channels(demo, ALERT_INCIDENT, digest=False)
    show_alerts(demo)
    show_timeline(demo, ALERT_INCIDENT)
    play_oncall(demo)
    return webhooks


def _summary(demo: Demo, seconds: float, webhooks: int) -> None:
    calls = [c for c in demo.driver.calls() if c["method"] != "auth.test"]
    demo.say(
        f"\nPlayed in {seconds:.1f}s with {len(calls)} Web API calls to the built-in Slack "
        f"sandbox and {webhooks} Alertmanager webhooks; no network, no Slack account."
    )
