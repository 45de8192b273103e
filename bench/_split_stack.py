"""The app in the bench's process, the sandbox standing in for Slack in a process of its own
(or, when asked, in the bench's process as before), for the benches of the inbox and outbox."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from _harness import CHANNELS_PER_MINUTE, MANIFEST, SECRET, Stack, silence_logs
from _sandbox_process import SandboxProcess

from bot.app import build_warroom
from bot.kernel.outbox import Policy as OutboxPolicy
from bot.sandbox import SandboxServer, SlackDriver, serve_in_thread
from bot.serve import freeze_startup_objects
from bot.settings import Settings

# What --sandbox may say: where the stand-in for Slack runs.
SANDBOX_PLACES = ("process", "in-process")


def start_sandbox(place: str) -> SandboxServer | SandboxProcess:
    """A fresh sandbox: in a child process (`process`), or served from this one."""
    if place not in SANDBOX_PLACES:
        raise ValueError(f"the sandbox runs in one of {SANDBOX_PLACES}, not {place!r}")
    return SandboxProcess() if place == "process" else SandboxServer()


@contextmanager
def split_app_stack(
    database_url: str,
    *,
    sandbox: str = "process",
    outbox_policy: OutboxPolicy | None = None,
    **settings: Any,
) -> Iterator[Stack]:
    """As `_harness.app_stack`, with the sandbox where `sandbox` says (its own process unless
    told `in-process`); the app serves from a thread of this process."""
    settings.setdefault("warroom_channels_per_minute", CHANNELS_PER_MINUTE)
    silence_logs()  # alembic's logging config turns INFO back on
    server = start_sandbox(sandbox)
    try:
        config = Settings(
            _env_file=None,  # type: ignore[call-arg]
            slack_bot_token="xoxb-sandbox-token",
            slack_signing_secret=SECRET,
            slack_api_url=server.api_url,
            database_url=database_url,
            **settings,
        )
        warroom = build_warroom(config, outbox_policy=outbox_policy)
        freeze_startup_objects()  # as `warroom run` does before it serves
        handle = serve_in_thread(warroom.http)
        driver = SlackDriver(f"{handle.url}/slack/events", SECRET, server.url)
        try:
            driver.connect_events()
            driver.configure(
                subscriptions=MANIFEST["settings"]["event_subscriptions"]["bot_events"]
            )
            yield Stack(server, warroom, handle, driver, database_url)  # type: ignore[arg-type]
        finally:
            handle.stop()
            driver.close()
            warroom.engine.dispose()
    finally:
        server.stop()
