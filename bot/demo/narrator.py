"""The demo's narrator: plays people in the sandbox and prints what they would see."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TextIO

from sqlmodel import Session, col, select

from bot.demo.clock import DemoClock
from bot.demo.transcript import render_blocks, render_message, render_mrkdwn
from bot.sandbox.driver import SlackDriver
from bot.slack.mrkdwn import render_mrkdwn as slack_mrkdwn
from bot.slack.places import ShownIncident, read_shown
from storage.models import Incident, Postmortem, TimelineEvent


class Demo:
    """Plays people in the sandbox and prints what they would see."""

    def __init__(
        self, driver: SlackDriver, engine: Any, out: TextIO, clock: DemoClock | None = None
    ) -> None:
        self.driver = driver
        self.engine = engine
        self.out = out
        self.clock = clock or DemoClock()
        # Bold and italics as a terminal shows them; plain words when the output is a file.
        self.styled = bool(getattr(out, "isatty", lambda: False)())

    def say(self, text: str) -> None:
        """Narrate one step."""
        print(text, file=self.out, flush=True)

    def incident(self, number: int = 1) -> ShownIncident | None:
        """One of the demo's incidents, read fresh from the database with its Slack places."""
        with Session(self.engine) as session:
            found = session.exec(select(Incident).where(Incident.number == number)).first()
            return read_shown(session, found) if found is not None else None

    def until(
        self, check: Callable[[ShownIncident], object], what: str, number: int = 1
    ) -> ShownIncident:
        """Wait until stored incident `number` satisfies `check`."""

        def ready() -> ShownIncident | None:
            incident = self.incident(number)
            return incident if incident is not None and check(incident) else None

        found = self.driver.wait_for(ready, timeout=10, description=what)
        assert found is not None
        return found

    def slash(self, user: str, channel: str, text: str, command: str = "/incident") -> None:
        """Type a slash command."""
        name = self.driver.channel(channel)["name"]
        self.say(f"\n▶ {user} in #{name}: {command} {self.plain(text)}".rstrip())
        response = self.driver.slash(user, channel, text, command=command)
        if response.status_code != 200:
            raise RuntimeError(f"the app answered {response.status_code}: {response.text}")

    def ask(self, user: str, text: str, channel: str = "general") -> None:
        """Type `/oncall <text>` and print the answer only `user` sees."""
        before = len(self.driver.ephemerals(user))
        self.slash(user, channel, text, command="/oncall")
        replies = self.driver.wait_for(
            lambda: self.driver.ephemerals(user)[before:], description=f"/oncall {text}"
        )
        users, channels = self.names()
        for reply in replies:
            lines = render_blocks(
                reply.get("blocks") or [], users=users, channels=channels, styled=self.styled
            ) or [self.plain(reply.get("text") or "")]
            self.say(f"  (only {user} sees)")
            self.say("\n".join(f"    {line}" for line in lines))

    def move_clock(self, delta: timedelta) -> None:
        """Move the app's and the sandbox's clocks on together."""
        self.clock.advance(delta)
        self.driver.advance_clock(delta.total_seconds())

    def names(self) -> tuple[dict[str, str], dict[str, str]]:
        """User and channel names by id, as the sandbox holds them now."""
        state = self.driver.state("users", "channels")
        users = {u["id"]: u["name"] for u in state["users"]}
        channels = {c["id"]: c["name"] for c in state["channels"]}
        return users, channels

    def plain(self, text: str) -> str:
        """Slack mrkdwn as a person reads it."""
        users, channels = self.names()
        return render_mrkdwn(text, users=users, channels=channels, styled=self.styled)

    def show(self, message: dict[str, Any], *, pinned: bool = False) -> None:
        """Print a message as the channel shows it."""
        users, channels = self.names()
        shown = render_message(
            message, users=users, channels=channels, pinned=pinned, styled=self.styled
        )
        self.say(shown)


def show_channels(demo: Demo, number: int = 1, *, digest: bool = True) -> None:
    """Print what the incident channel (and, with `digest`, #incidents) shows now."""
    incident = demo.incident(number)
    assert incident is not None and incident.channel_id
    for channel_id in (incident.channel_id, incident.digest_channel_id if digest else None):
        if channel_id is None:
            continue
        channel = demo.driver.channel(channel_id)
        demo.say(f"\n━━━ #{channel['name']} ━━━")
        if channel["topic"]:
            demo.say(f"  topic: {demo.plain(channel['topic'])}")
        for message in demo.driver.messages(channel_id):
            demo.show(message, pinned=message["ts"] in channel["pins"])


def show_timeline(demo: Demo, number: int = 1) -> None:
    """Print incident `number`'s stored timeline."""
    incident = demo.incident(number)
    assert incident is not None
    with Session(demo.engine) as session:
        query = (
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident.id)
            .order_by(col(TimelineEvent.occurred_at), col(TimelineEvent.id))
        )
        events = list(session.exec(query))
    demo.say(f"\n━━━ INC-{number} timeline (from the database) ━━━")
    for event in events:
        when = event.occurred_at.strftime("%H:%M:%S UTC") if event.occurred_at else "?"
        text = demo.plain(slack_mrkdwn(event.text, event.mentions))
        demo.say(f"  {when}  {event.kind.value:<17} {text}")


POSTMORTEM_LINES = 30


def show_postmortem(demo: Demo, number: int = 1) -> None:
    """Print the start of the postmortem drafted on close, as `warroom postmortem N` would."""
    incident = demo.incident(number)
    assert incident is not None
    with Session(demo.engine) as session:
        found = session.exec(
            select(Postmortem).where(Postmortem.incident_id == incident.id)
        ).first()
    if found is None:
        return
    lines = found.markdown.splitlines()
    demo.say(f"\n━━━ the postmortem drafted on close (`warroom postmortem {number}`) ━━━")
    for line in lines[:POSTMORTEM_LINES]:
        demo.say(f"  {line}")
    if len(lines) > POSTMORTEM_LINES:
        demo.say(f"  … {len(lines) - POSTMORTEM_LINES} more lines")
