"""The real app for the Slack side of insights, in tests: built by `bot.app.build_warroom` on a
given database, served over HTTP, driven through the sandbox with signed requests, its clock
set to any instant (the monthly report is due at a wall-clock time)."""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from integration.harness import MANIFEST, SECRET, Harness, ShiftableClock, build_test_settings

from bot.app import build_warroom
from bot.kernel.outbox import Policy
from bot.sandbox import SandboxServer, serve_in_thread
from bot.sandbox.driver import SlackDriver

FAST = Policy(first_retry=timedelta(milliseconds=50), max_backoff=timedelta(seconds=1))


class SettableClock(ShiftableClock):
    """Real time plus an offset, which `set` chooses so that it is now `when`."""

    def set(self, when: datetime) -> None:
        """Make it `when` (it then runs on from there)."""
        self.offset = when - datetime.now(UTC)


@contextmanager
def insights_app(
    database_url: str,
    sandbox: SandboxServer,
    *,
    clock: SettableClock | None = None,
    reset: bool = True,
    **overrides: Any,
) -> Iterator[Harness]:
    """The app serving on its own port (the sandbox world reset unless `reset` is False: a
    second app or a restart on the same world)."""
    with ExitStack() as stack:
        if reset:
            sandbox.reset()
        settings = build_test_settings(database_url, sandbox.api_url, **overrides)
        clock = clock or SettableClock()
        warroom = build_warroom(settings, clock=clock, outbox_policy=FAST)
        handle = serve_in_thread(warroom.http)
        driver = SlackDriver(f"{handle.url}/slack/events", SECRET, sandbox.url)
        driver.connect_events()
        driver.configure(subscriptions=MANIFEST["settings"]["event_subscriptions"]["bot_events"])

        def stop() -> None:
            driver.wait_for_deliveries()
            handle.run(warroom.settle())
            handle.stop()
            driver.close()
            warroom.engine.dispose()

        stack.callback(stop)
        yield Harness(driver=driver, warroom=warroom, handle=handle, clock=clock)


def answered(harness: Harness, user: str, text: str, *, channel: str = "general") -> str:
    """Run `/incident <text>`, carry out what it stored; the last ephemeral the user read."""
    before = len(harness.driver.ephemerals(user))
    response = harness.driver.slash(user, channel, text)
    assert response.status_code == 200, response.text
    body = response.text
    harness.settle()
    shown = harness.driver.ephemerals(user)[before:]
    if shown:
        return str(shown[-1].get("text") or "")
    return body


def shared_files(harness: Harness) -> list[dict[str, Any]]:
    """Every completed upload the sandbox keeps (name, channels, shares), oldest first."""
    return [f for f in harness.driver.state("files")["files"] if f["completed"]]
