"""Parsing `/oncall …` text (Slack command syntax) into typed commands, and the times an
override is given in. Pure: no I/O; `now` and the schedule's zone are passed in."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.kernel.errors import InvalidInput
from bot.oncall.rules.wallclock import resolve
from bot.slack.mrkdwn import plain_from_slack

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_TARGET = re.compile(r"([a-z0-9-]+)(?:/([a-z0-9-]+))?")
_RELATIVE = re.compile(r"\+((?:[0-9]{1,4}[mhdw])+)")
_PART = re.compile(r"([0-9]+)([mhdw])")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CLOCK = re.compile(r"[0-9]{1,2}:[0-9]{2}")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
OVERRIDE_USAGE = "`/oncall override <schedule>[/<layer>] @person <from> <to>`"
TIME_FORMS = "`YYYY-MM-DD HH:MM` (in the schedule's time zone), `now`, or `+8h` / `+2d`"


@dataclass(frozen=True)
class WallClock:
    """A local date and time in the schedule's zone, as typed (naive)."""

    local: datetime


@dataclass(frozen=True)
class Later:
    """A time after a reference: now, for a start; the start, for an end. `now` is zero."""

    delta: timedelta


TimeSpec = WallClock | Later
NOW = Later(timedelta(0))


@dataclass(frozen=True)
class WhoIsOn:
    """Who is on call now, in every schedule."""


@dataclass(frozen=True)
class ShowSchedule:
    """The next two weeks of one schedule's final shifts."""

    schedule: str


@dataclass(frozen=True)
class MyShifts:
    """The asking person's next shifts, in every schedule."""


@dataclass(frozen=True)
class AddOverride:
    """Someone takes a schedule's shifts (one layer's, or all of them when `layer` is "")."""

    schedule: str
    layer: str
    user: str
    start: TimeSpec
    end: TimeSpec


@dataclass(frozen=True)
class OpenOverrideForm:
    """`/oncall override` alone: the form."""


@dataclass(frozen=True)
class ListOverrides:
    """A schedule's current and future overrides, each with a Remove button."""

    schedule: str


@dataclass(frozen=True)
class OpenContactForm:
    """`/oncall contact`: the form for the asker's own contact methods."""


@dataclass(frozen=True)
class ShowContact:
    """`/oncall contact show`: the asker's contact methods as they are now."""


@dataclass(frozen=True)
class SendTestPage:
    """`/oncall test-page`: a test notification to every method of the asker."""


@dataclass(frozen=True)
class ShowHelp:
    """The help; `unknown` is what we did not understand."""

    unknown: str = ""


OncallCommand = (
    WhoIsOn
    | ShowSchedule
    | MyShifts
    | AddOverride
    | OpenOverrideForm
    | ListOverrides
    | OpenContactForm
    | ShowContact
    | SendTestPage
    | ShowHelp
)
CONTACT_USAGE = "Use `/oncall contact` to open the form (or `/oncall contact show` to see yours)."


def parse_oncall_command(raw: str) -> OncallCommand:
    """Parse the text after `/oncall` (Slack-escaped) into a command."""
    words = raw.split()
    if not words:
        return WhoIsOn()
    word, rest = words[0].lower(), words[1:]
    if word == "help":
        return ShowHelp()
    if word == "me" and not rest:
        return MyShifts()
    if word == "override":
        return _override(rest) if rest else OpenOverrideForm()
    if word == "contact":
        return _contact(rest)
    if word == "test-page":
        if rest:
            raise InvalidInput("`/oncall test-page` takes nothing after it.")
        return SendTestPage()
    if word == "overrides":
        if len(rest) != 1:
            raise InvalidInput("Say which schedule: `/oncall overrides <schedule>`.")
        return ListOverrides(_schedule_word(rest[0]))
    if rest or not _TARGET.fullmatch(word) or "/" in word:
        return ShowHelp(unknown=plain_from_slack(" ".join(words)))
    return ShowSchedule(word)


def _contact(words: Sequence[str]) -> OpenContactForm | ShowContact:
    """`contact` alone opens the form; `contact show` shows; anything else points at them."""
    if not words:
        return OpenContactForm()
    if len(words) == 1 and words[0].lower() == "show":
        return ShowContact()
    raise InvalidInput(CONTACT_USAGE)


def _schedule_word(word: str) -> str:
    name = word.lower()
    if not _TARGET.fullmatch(name) or "/" in name:
        shown = plain_from_slack(word).replace("`", "'")
        raise InvalidInput(f"`{shown}` is not a schedule name.")
    return name


def _override(words: Sequence[str]) -> AddOverride:
    """`<schedule>[/<layer>] @person <from> <to>`."""
    if len(words) < 3:
        raise InvalidInput(f"Give the schedule, the person and both times: {OVERRIDE_USAGE}.")
    target = _TARGET.fullmatch(words[0].lower())
    if target is None:
        shown = plain_from_slack(words[0]).replace("`", "'")
        raise InvalidInput(f"`{shown}` is not a schedule (or `schedule/layer`): {OVERRIDE_USAGE}.")
    user = parse_person(words[1])
    start, used = parse_time(words[2:], "start")
    end, used_end = parse_time(words[2 + used :], "end")
    if len(words) != 2 + used + used_end:
        extra = plain_from_slack(" ".join(words[2 + used + used_end :])).replace("`", "'")
        raise InvalidInput(f"I did not understand `{extra}` after the times: {OVERRIDE_USAGE}.")
    return AddOverride(target.group(1), target.group(2) or "", user, start, end)


def parse_person(word: str) -> str:
    """A person mentioned as `<@U…|name>` (or given as a bare user id)."""
    mention = _MENTION.fullmatch(word)
    if mention is not None:
        return mention.group(1)
    if _USER_ID.fullmatch(word):
        return word
    shown = plain_from_slack(word).replace("`", "'")
    raise InvalidInput(
        f"`{shown}` is not a person: mention them with @ (pick them from Slack's list), "
        f"e.g. {OVERRIDE_USAGE}."
    )


def parse_time(words: Sequence[str], which: str) -> tuple[TimeSpec, int]:
    """One time from the front of `words` (`now`, `+8h`, `YYYY-MM-DD [HH:MM]`, or
    `YYYY-MM-DDTHH:MM`) and how many words it took; InvalidInput naming `which`."""
    if not words:
        raise InvalidInput(f"The {which} time is missing: give {TIME_FORMS}.", field=which)
    first = words[0].lower()
    if first == "now":
        return NOW, 1
    relative = _RELATIVE.fullmatch(first)
    if relative is not None:
        delta = sum(
            (timedelta(**{_UNITS[unit]: int(n)}) for n, unit in _PART.findall(relative.group(1))),
            timedelta(0),
        )
        return Later(delta), 1
    day_text, _, clock_text = first.partition("t")
    if clock_text:
        return WallClock(_local(day_text, clock_text, which, words[0])), 1
    if len(words) > 1 and _CLOCK.fullmatch(words[1]):
        shown = f"{words[0]} {words[1]}"
        return WallClock(_local(day_text, words[1], which, shown)), 2
    return WallClock(_local(day_text, "00:00", which, words[0])), 1


def _local(day_text: str, clock_text: str, which: str, shown: str) -> datetime:
    try:
        if not _DATE.fullmatch(day_text) or not _CLOCK.fullmatch(clock_text):
            raise ValueError(shown)
        hours, minutes = (int(part) for part in clock_text.split(":"))
        return datetime.combine(date.fromisoformat(day_text), time(hours, minutes))
    except ValueError:
        typed = plain_from_slack(shown).replace("`", "'")
        raise InvalidInput(
            f"I could not read the {which} time `{typed}`: give {TIME_FORMS}.", field=which
        ) from None


def resolve_span(
    start: TimeSpec, end: TimeSpec, zone: ZoneInfo, now: datetime
) -> tuple[datetime, datetime]:
    """The UTC instants an override runs between: a start after `now` by `+…`, an end after
    the start by `+…` (`now` is now); wall-clock times in `zone` by the schedules' DST rules
    (a time in a gap is the first instant after it, an ambiguous one its first occurrence)."""
    begins = now + start.delta if isinstance(start, Later) else resolve(start.local, zone)
    if isinstance(end, WallClock):
        return begins, resolve(end.local, zone)
    return begins, now if end == NOW else begins + end.delta
