"""The demo's on-call schedule: who is on call, an override, and a handoff as the clock passes
one. The schedule is in the demo's warroom.yml beside the alert route that pages it."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.demo.clock import DemoClock
from bot.demo.narrator import Demo
from bot.sandbox.client import SandboxClient
from bot.slack.surfaces.oncall import HANDOFF_DM_EVENT, HANDOFF_POST_EVENT
from storage.models import Effect, OncallHandoff

# alice, bob and carol are the sandbox's own people; the demo adds dan.
SCHEDULES = """\
schedules:
  - name: sre
    timezone: Europe/London        # the sandbox's people are in London too
    handoff_channel: sre           # a post here at every handoff
    user_group: sre-oncall         # @sre-oncall always names who is on call
    layers:                        # later layers win where they cover
      - name: primary              # round the clock, a week each: alice, bob
        users: [U0ALICE, U0BOB]
        rotation: weekly
        handoff: "monday 09:00"
        start: 2026-01-05
      - name: daytime              # office hours, a day each: carol, dan
        users: [U0CAROL, U0DAN]
        rotation: daily
        handoff: "09:00"
        start: 2026-01-05
        restrict: "mon-fri 09:00-18:00"
"""
ZONE = ZoneInfo("Europe/London")
GROUP = "sre-oncall"
DAYTIME = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # Tuesday 09:00 in London: daytime begins
OVERRIDE = "override sre <@U0DAN|dan> 2026-03-10 12:00 2026-03-10 13:00"


def prepare_workspace(sandbox_url: str, clock: DemoClock) -> None:
    """Before the app starts: the sandbox reads the demo's time, dan joins, #sre (with the bot
    in it) and the @sre-oncall user group exist."""
    client = SandboxClient(sandbox_url)
    try:
        client.advance_clock(clock.offset.total_seconds())
        client.add_user("dan", "Dan Diaz", id="U0DAN", tz="Europe/London")
        channel = client.create_channel("alice", "sre")
        client.invite("alice", channel, "U0BOT")
        client.add_usergroup(GROUP, ["alice"])
    finally:
        client.close()


def show_schedule(demo: Demo) -> None:
    """Print the schedule, the time it is, and ask who is on call."""
    demo.say("\n".join("    " + line for line in SCHEDULES.splitlines()))
    now = demo.clock().astimezone(ZONE)
    demo.say(
        f"The demo's clock reads {now:%A} {now.day} {now:%B %Y}, {now:%H:%M} in London: "
        "bob has this week's primary shift; the daytime layer starts at 09:00."
    )
    demo.ask("alice", "")


def play_oncall(demo: Demo) -> None:
    """carol gets cover for an hour; the clock passes 09:00 and the pager changes hands."""
    demo.say("\n━━━━━━━━ on call: an override, then a handoff ━━━━━━━━")
    demo.say("carol takes the daytime shift at 09:00 but is out at noon: dan covers that hour.")
    demo.ask("carol", OVERRIDE)
    demo.ask("carol", "overrides sre")
    _handoff(demo)
    demo.ask("alice", "")
    _show_handoffs(demo)


def _handoff(demo: Demo) -> None:
    """Move the clock past 09:00: carol and bob get a DM, #sre a post, @sre-oncall is carol."""
    demo.driver.wait_for(lambda: _members(demo) == ["U0BOB"], description="@sre-oncall = bob")
    demo.driver.wait_for(lambda: not _pending(demo), description="the app to be idle")
    step = DAYTIME + timedelta(seconds=30) - demo.clock()
    demo.say(
        f"\n… the demo moves its clock {round(step.total_seconds() / 60)} minutes on, to 09:00:30 "
        "in London. The daytime layer begins, so the pager goes from bob to carol; the handoff "
        "job (every tick, from the database) records it once and tells everyone."
    )
    demo.move_clock(step)
    for user in ("carol", "bob"):
        demo.say(f"  {user} gets a DM:")
        demo.show(_handoff_dm(demo, user))
    (post,) = demo.driver.wait_for(
        lambda: _marked(demo.driver.messages("sre"), HANDOFF_POST_EVENT),
        description="the #sre post",
    )
    demo.say("  #sre gets one post:")
    demo.show(post)
    demo.driver.wait_for(lambda: _members(demo) == ["U0CAROL"], description="@sre-oncall = carol")
    demo.say(f"  → @{GROUP} (usergroups.users.update) now names @carol; it named @bob")


def _show_handoffs(demo: Demo) -> None:
    """Print the handoffs recorded in the database."""
    users, _ = demo.names()
    with Session(demo.engine) as session:
        rows = session.exec(select(OncallHandoff).order_by(col(OncallHandoff.at))).all()
    demo.say("\n━━━ handoffs (from the database) ━━━")
    for row in rows:
        assert row.at is not None
        at = row.at.astimezone(ZONE)
        names = [
            ", ".join("@" + users.get(u, u) for u in who) or "nobody"
            for who in (row.outgoing, row.incoming)
        ]
        demo.say(f"  {at:%a %d %b %H:%M} London  {row.schedule}: {names[0]} → {names[1]}")
    demo.say(
        "  (the first was found at start-up, when bob's shift had begun over an hour before: "
        "recorded and the group set, but nobody told stale news)"
    )


def _handoff_dm(demo: Demo, user: str) -> dict[str, Any]:
    (dm,) = demo.driver.wait_for(
        lambda: _marked(demo.driver.dm_messages(user), HANDOFF_DM_EVENT),
        description=f"{user}'s handoff DM",
    )
    return dm


def _marked(messages: list[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    return [m for m in messages if (m.get("metadata") or {}).get("event_type") == event]


def _members(demo: Demo) -> list[str]:
    groups = demo.driver.usergroups()
    return next((list(g["users"]) for g in groups if g["handle"] == GROUP), [])


def _pending(demo: Demo) -> int:
    """Effects due now and not yet done (a page's later level, not yet due, does not count)."""
    with Session(demo.engine) as session:
        due = select(Effect.id).where(
            Effect.state == "pending", col(Effect.next_try_at) <= demo.clock()
        )
        return len(session.exec(due).all())
