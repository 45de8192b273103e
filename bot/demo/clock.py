"""The demo's clock: a chosen instant that runs at real speed, moved on by hand.

The app and the sandbox both read it, so every run tells the same story (who is on call, when
the pager changes hands) whatever day it is played on. Slack's request signatures still use
real time, as they must.
"""

from datetime import UTC, datetime, timedelta

# Tuesday 10 March 2026, 08:40 in London (UTC+0 until the clocks change on 29 March): bob holds
# this week's primary shift, and the daytime layer takes over at 09:00.
START = datetime(2026, 3, 10, 8, 40, tzinfo=UTC)


class DemoClock:
    """Real time, shifted so that it read `start` when made; `advance` moves it on."""

    def __init__(self, start: datetime = START) -> None:
        self.offset = start - datetime.now(UTC)

    def __call__(self) -> datetime:
        """The demo's now (UTC)."""
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by `delta`."""
        self.offset += delta
