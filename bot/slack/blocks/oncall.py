"""`/oncall` answers: who is on call, a schedule's shifts, my shifts, overrides, the help.

Times are written out in one zone, and the answer says which: the asker's own (from the people
directory) when it is known, else each schedule's.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.oncall.ports import FeedStatus
from bot.oncall.rules.shifts import Shift, Source
from bot.oncall.service import OnCallNow
from bot.slack.blocks.limits import MAX_BLOCKS, MAX_TEXT
from bot.slack.blocks.oncall_feeds import build_feed_notes
from bot.slack.blocks.parts import Block, button, context, mention, section
from bot.slack.ids import ActionId, BlockId
from bot.slack.mrkdwn import escape_mrkdwn
from storage.models import OncallOverride

MAX_ROWS = MAX_BLOCKS - 4  # leaves room for a heading, a feed note, a zone note, a "more" line
SOURCE_NOTES = {
    Source.OVERRIDE: "override",
    Source.HOLIDAY: "holiday cover",
    Source.ICAL: "calendar",
}

# (usage, what it does); both plain text, escaped when rendered.
HELP: tuple[tuple[str, str], ...] = (
    ("", "Who is on call now in every schedule, until when, and who is next"),
    ("<schedule>", "The next 14 days of a schedule's shifts"),
    ("me", "Your next shifts, in every schedule"),
    (
        "override <schedule>[/<layer>] @person <from> <to>",
        "Someone takes the shifts over (a whole schedule, or one layer); times as "
        "2026-12-24 18:00 in the schedule's time zone, now, or +8h / +2d (an end with + counts "
        "from the start)",
    ),
    ("override", "The same, with a form"),
    ("overrides <schedule>", "Current and future overrides, each with a Remove button"),
    (
        "contact",
        "Your phone and e-mail, and how long after a page each is used (SMS, call, e-mail), "
        "with a form; a Slack DM always reaches you at once",
    ),
    ("contact show", "Your contact methods as they are now"),
    ("test-page", "Send a test notification to each of your methods; each result follows by DM"),
    ("help", "Show this help"),
)


@dataclass(frozen=True)
class Shown:
    """The zone times are written in, and whose it is."""

    zone: ZoneInfo
    yours: bool

    def note(self) -> str:
        """Which zone the times are in, said once under the answer."""
        whose = "your time zone" if self.yours else "the schedule's time zone (yours is not known)"
        return f"Times in {escape_mrkdwn(str(self.zone))}, {whose}."


def shown_in(user_zone: ZoneInfo | None, schedule_zone: ZoneInfo) -> Shown:
    """The asker's zone when the directory knows it, else the schedule's."""
    return Shown(user_zone, True) if user_zone is not None else Shown(schedule_zone, False)


def local(instant: datetime, zone: ZoneInfo, *, now: datetime | None = None) -> str:
    """`Mon 13 Jan 09:00` in `zone`; the year too when it is not the current one."""
    at = instant.astimezone(zone)
    year = "" if now is None or now.astimezone(zone).year == at.year else f" {at.year}"
    return f"{at:%a} {at.day} {at:%b}{year} {at:%H:%M}"


def person(user: str) -> str:
    """A person as a mention; an e-mail a feed gave, as escaped text."""
    return mention(user, nobody="nobody")


def _source(shift: Shift) -> str:
    note = SOURCE_NOTES.get(shift.source)
    layer = f" · {escape_mrkdwn(shift.layer)}" if shift.layer else ""
    return layer + (f" _({note})_" if note else "")


def build_who_blocks(
    on_call: Sequence[OnCallNow],
    *,
    zones: Mapping[str, ZoneInfo],
    user_zone: ZoneInfo | None,
    now: datetime,
    failing: Sequence[FeedStatus] = (),
) -> list[Block]:
    """Who is on call now in each schedule, until when, who is next; each layer's person when
    a schedule has several layers; under a schedule, its iCal feeds that fail."""
    if not on_call:
        return [section("No on-call schedules are set up: add `schedules:` to warroom.yml.")]
    blocks: list[Block] = []
    told = 0
    for entry in on_call:
        rows = [_who_section(entry, shown_in(user_zone, zones[entry.schedule]), now)]
        rows += build_feed_notes(failing, entry.schedule)
        if len(blocks) + len(rows) > MAX_ROWS:
            break
        blocks += rows
        told += 1
    if told < len(on_call):
        blocks.append(context(f"…and {len(on_call) - told} more: `/oncall <schedule>`."))
    if user_zone is not None:
        blocks.append(context(Shown(user_zone, True).note()))
    else:
        blocks.append(context("Times in each schedule's time zone (yours is not known)."))
    return blocks


def _who_section(entry: OnCallNow, shown: Shown, now: datetime) -> Block:
    zone_word = "" if shown.yours else f" ({escape_mrkdwn(str(shown.zone))})"
    head = f"*{escape_mrkdwn(entry.schedule)}*{zone_word}: "
    if entry.shift is not None and entry.until is not None:
        head += f"{person(entry.shift.user)} until {local(entry.until, shown.zone, now=now)}"
    else:
        head += ":warning: nobody is on call"
    if entry.next is not None:
        then = local(entry.next.start, shown.zone, now=now)
        head += f", then {person(entry.next.user)} from {then}"
    if len(entry.layers) > 1:
        layers = " · ".join(
            f"{escape_mrkdwn(name)}: {person(s.user) if s else 'nobody'}"
            for name, s in entry.layers.items()
        )
        head += f"\n{layers}"
    return section(head[:MAX_TEXT])


def build_shift_blocks(
    schedule: str,
    shifts: Sequence[Shift],
    *,
    start: datetime,
    end: datetime,
    shown: Shown,
    failing: Sequence[FeedStatus] = (),
) -> list[Block]:
    """A schedule's final shifts over `[start, end)`, with the gaps nobody covers, under a
    word on its iCal feeds that fail."""
    lines, cursor = [], start
    for shift in shifts:
        if shift.start > cursor:
            lines.append(f"{_span(cursor, shift.start, shown)}  :warning: nobody")
        lines.append(
            f"{_span(shift.start, shift.end, shown)}  {person(shift.user)}{_source(shift)}"
        )
        cursor = max(cursor, shift.end)
    if cursor < end:
        lines.append(f"{_span(cursor, end, shown)}  :warning: nobody")
    days = round((end - start).total_seconds() / 86400)
    heading = section(f"*{escape_mrkdwn(schedule)}*: on call for the next {days} days")
    notes = build_feed_notes(failing, schedule)
    return [heading, *notes, *_line_sections(lines, "shifts"), context(shown.note())]


def build_my_shift_blocks(
    shifts: Sequence[tuple[str, Shift]], *, days: int, shown: Shown
) -> list[Block]:
    """The asker's own shifts in every schedule."""
    if not shifts:
        return [section(f"You have no on-call shifts in the next {days} days.")]
    lines = [
        f"{_span(s.start, s.end, shown)}  *{escape_mrkdwn(name)}*{_source(s)}" for name, s in shifts
    ]
    heading = section(f"*Your shifts* in the next {days} days")
    return [heading, *_line_sections(lines, "shifts"), context(shown.note())]


def build_override_list(
    schedule: str, overrides: Sequence[OncallOverride], *, shown: Shown, now: datetime
) -> list[Block]:
    """Current and future overrides of a schedule, each with a Remove button."""
    if not overrides:
        return [section(f"*{escape_mrkdwn(schedule)}* has no current or future overrides.")]
    blocks: list[Block] = [section(f"*Overrides in {escape_mrkdwn(schedule)}*")]
    for override in overrides[:MAX_ROWS]:
        assert override.id is not None and override.start_at and override.end_at
        layer = escape_mrkdwn(override.layer) if override.layer else "the whole schedule"
        running = " _(now)_" if override.start_at <= now else ""
        text = (
            f"{person(override.user)} takes {layer}{running}\n"
            f"{_span(override.start_at, override.end_at, shown)} · added by "
            f"{person(override.created_by)}"
        )
        block = section(text, block_id=f"{BlockId.ONCALL_OVERRIDE}:{override.id}")
        block["accessory"] = button(
            "Remove", ActionId.ONCALL_REMOVE_OVERRIDE, str(override.id), style="danger"
        )
        blocks.append(block)
    if len(overrides) > MAX_ROWS:
        blocks.append(context(f"…and {len(overrides) - MAX_ROWS} more later."))
    blocks.append(context(shown.note()))
    return blocks


def build_oncall_help(unknown: str = "") -> list[Block]:
    """Help for every `/oncall` form; `unknown` is what we did not understand."""
    blocks: list[Block] = []
    if unknown.strip():
        shown = escape_mrkdwn(" ".join(unknown.split())[:60]).replace("`", "'")
        blocks.append(section(f"I don't know `/oncall {shown}`."))
    lines = [
        f"`/oncall{' ' + escape_mrkdwn(usage) if usage else ''}` — {escape_mrkdwn(what)}"
        for usage, what in HELP
    ]
    blocks.append(section("*On-call commands*\n" + "\n".join(lines)))
    return blocks


def _span(start: datetime, end: datetime, shown: Shown) -> str:
    return f"{local(start, shown.zone)} to {local(end, shown.zone)}"


def _line_sections(lines: Sequence[str], what: str) -> list[Block]:
    """Lines packed into sections under Slack's text limit; what does not fit is counted."""
    blocks: list[Block] = []
    chunk = ""
    for index, line in enumerate(lines):
        if len(chunk) + len(line) + 1 > MAX_TEXT - 100:
            if len(blocks) == MAX_ROWS - 1:
                blocks.append(section(chunk + f"\n…and {len(lines) - index} more {what}."))
                return blocks
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return blocks
