"""Calendars: the iCalendar feeds Warroom serves, and a feed read back as a layer's shifts.

A served feed is regenerated on every request, so each shift's UID is derived from what the
shift is (schedule, layer, person, start, source): the same shift keeps its UID, and calendar
clients update events in place rather than duplicating them.

A feed read as a layer: each event (recurrences expanded) goes to the person its first
`mailto:` ATTENDEE names, else the first Slack user id, else the first e-mail address, in its
SUMMARY and then its DESCRIPTION. Where events overlap, the shortest holds the layer while it
lasts (a swap or a day's cover laid over a weekly event), then the longer one resumes.
"""

import hashlib
import heapq
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar, Component, Event, vDuration, vText

from bot.oncall.rules.shifts import Shift, Source
from bot.oncall.rules.wallclock import resolve

PRODID = "-//Warroom//On-call schedules//EN"
UID_DOMAIN = "oncall.warroom"
# How often a subscribed client should come back (RFC 7986 REFRESH-INTERVAL, and the older
# X-PUBLISHED-TTL that Outlook and Apple Calendar read).
REFRESH = timedelta(minutes=15)
Placed = tuple[str, Shift]  # a shift and the schedule it belongs to


def shift_uid(schedule: str, shift: Shift) -> str:
    """The shift's UID, the same every time the same shift is rendered."""
    parts = (schedule, shift.layer, shift.user, _utc(shift.start).isoformat(), str(shift.source))
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"{digest}@{UID_DOMAIN}"


def shift_place(schedule: str, shift: Shift) -> str:
    """Where a shift is held: `sre/primary`, or `sre` for schedule-wide cover."""
    return f"{schedule}/{shift.layer}" if shift.layer else schedule


def shift_summary(schedule: str, shift: Shift, names: Mapping[str, str]) -> str:
    """`On call: Alice — sre/primary`, marked when the shift is an override or holiday cover."""
    who = names.get(shift.user) or shift.user
    summary = f"On call: {who} — {shift_place(schedule, shift)}"
    if shift.source in (Source.OVERRIDE, Source.HOLIDAY):
        summary += f" ({shift.source})"
    return summary


def shift_description(schedule: str, shift: Shift) -> str:
    """Plain facts about the shift; its first word is the person's id, so a Warroom feed read
    back as a layer maps every event to the same person."""
    return f"{shift.user} on call in {shift_place(schedule, shift)} ({shift.source})"


def build_calendar(
    title: str, shifts: Sequence[Placed], *, names: Mapping[str, str], now: datetime
) -> bytes:
    """An iCalendar feed named `title`, one VEVENT per shift, times in UTC."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", title)
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    stamp = _utc(now).replace(microsecond=0)
    for schedule, shift in sorted(shifts, key=lambda placed: (placed[1].start, placed[0])):
        calendar.add_component(_event(schedule, shift, names, stamp))
    return calendar.to_ical()


def _event(schedule: str, shift: Shift, names: Mapping[str, str], stamp: datetime) -> Event:
    event = Event()
    event.add("uid", shift_uid(schedule, shift))
    event.add("dtstamp", stamp)
    event.add("dtstart", _utc(shift.start))
    event.add("dtend", _utc(shift.end))
    event.add("summary", vText(shift_summary(schedule, shift, names)))
    event.add("description", vText(shift_description(schedule, shift)))
    event.add("categories", ["On call", schedule])
    # Being on call does not make anyone busy: meetings may still be booked over a shift.
    event.add("transp", "TRANSPARENT")
    return event


def _utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


# ---------------------------------------------------------------------------------------------
# Reading a feed
# ---------------------------------------------------------------------------------------------

# Slack ids are a U or W and upper-case letters and digits, with at least one digit, so that
# words such as WEEKEND in a summary are not taken for a person.
_SLACK_ID = re.compile(r"(?<![A-Za-z0-9])[UW](?=[A-Z0-9]*[0-9])[A-Z0-9]{4,31}(?![A-Za-z0-9@])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


class FeedUnreadable(ValueError):
    """A body that is not an iCalendar feed."""


@dataclass(frozen=True, order=True)
class FeedEvent:
    """One occurrence of a feed's event, in UTC, and who it names (a user id or an e-mail)."""

    start: datetime
    end: datetime
    person: str


def read_feed(text: str) -> Calendar:
    """The feed's calendar; FeedUnreadable when the text is not iCalendar."""
    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, KeyError, IndexError, TypeError) as bad:
        raise FeedUnreadable(f"not an iCalendar feed: {_first_line(bad)}") from bad
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise FeedUnreadable("not an iCalendar feed: no VCALENDAR")
    return calendar


def count_events(calendar: Calendar) -> int:
    """How many VEVENTs the feed defines (before recurrences are expanded)."""
    return len(calendar.walk("VEVENT"))


def expand_feed(
    calendar: Calendar, zone: ZoneInfo, start: datetime, end: datetime
) -> tuple[list[FeedEvent], int]:
    """Every occurrence overlapping [start, end) that names a person, and how many named
    nobody. Whole-day events cover whole local days in `zone`; floating times are local too."""
    _refuse_runaway_rules(calendar)
    try:
        occurrences = recurring_ical_events.of(calendar).between(start, end)
    except Exception as bad:  # the library raises its own errors for broken rules
        raise FeedUnreadable(f"the feed's events cannot be expanded: {_first_line(bad)}") from bad
    events: list[FeedEvent] = []
    nobody = 0
    for occurrence in occurrences:
        if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
            continue
        span = _span(occurrence, zone)
        if span is None:
            continue
        person = event_person(occurrence)
        if person is None:
            nobody += 1
            continue
        events.append(FeedEvent(span[0], span[1], person))
    return sorted(events), nobody


def _refuse_runaway_rules(calendar: Calendar) -> None:
    """Refuse rules repeating every second or minute: nobody's shift does, and expanding one
    from a start years back takes the library minutes (it walks every occurrence since)."""
    for event in calendar.walk("VEVENT"):
        for rule in _as_list(event.get("RRULE")):
            frequency = rule.get("FREQ") if isinstance(rule, dict) else None
            every = {str(f).upper() for f in _as_list(frequency)} & {"SECONDLY", "MINUTELY"}
            if every:
                summary = str(event.get("SUMMARY", ""))[:80]
                unit = every.pop().lower().removesuffix("ly")
                raise FeedUnreadable(f"the event {summary!r} repeats every {unit}")


def event_person(event: Component) -> str | None:
    """Who an event puts on call: a user id, or a lower-case e-mail to resolve."""
    for attendee in _as_list(event.get("ATTENDEE")):
        address = str(attendee)
        if address.lower().startswith("mailto:") and _EMAIL.fullmatch(address[7:].strip()):
            return address[7:].strip().lower()
    for field in ("SUMMARY", "DESCRIPTION"):
        text = str(event.get(field, ""))
        if found := _SLACK_ID.search(text):
            return found.group(0)
        if found := _EMAIL.search(text):
            return found.group(0).lower()
    return None


def feed_shifts(
    events: Sequence[FeedEvent], *, layer: str, people: Mapping[str, str] | None = None
) -> list[Shift]:
    """The layer's shifts from a feed's events: e-mails resolved through `people` (lower-case
    e-mail to user id; the e-mail kept when unknown), overlaps resolved to one person per minute
    (the shortest event wins while it lasts), touching pieces of one person merged."""
    people = people or {}
    resolved = [FeedEvent(e.start, e.end, people.get(e.person, e.person)) for e in events]
    shifts: list[Shift] = []
    for start, end, person in _one_at_a_time(resolved):
        last = shifts[-1] if shifts else None
        if last is not None and last.user == person and last.end == start:
            shifts[-1] = Shift(last.start, end, person, layer, Source.ICAL)
        else:
            shifts.append(Shift(start, end, person, layer, Source.ICAL))
    return shifts


def _one_at_a_time(events: Sequence[FeedEvent]) -> Iterable[tuple[datetime, datetime, str]]:
    """Pieces of time and who holds each: of the events covering a piece, the shortest, then
    the latest to start, then the first person by id (the answer never depends on order)."""
    pending = sorted(events)
    bounds = sorted({e.start for e in events} | {e.end for e in events})
    active: list[tuple[timedelta, float, str, datetime]] = []
    taken = 0
    for low, high in pairwise(bounds):
        while taken < len(pending) and pending[taken].start <= low:
            event = pending[taken]
            entry = (event.end - event.start, -event.start.timestamp(), event.person, event.end)
            heapq.heappush(active, entry)
            taken += 1
        # Ended events are dropped once they surface; one buried under a live one waits.
        while active and active[0][3] <= low:
            heapq.heappop(active)
        if active:
            yield low, high, active[0][2]


def _span(event: Event, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    try:
        start, end = event.start, event.end
    except Exception:  # no DTSTART, or an end that cannot be worked out
        return None
    begin, finish = _instant(start, zone), _instant(end, zone)
    return (begin, finish) if finish > begin else None


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    """A feed's time as a UTC instant: dates are local midnights, floating times local."""
    if not isinstance(value, datetime):
        return resolve(datetime.combine(value, time()), zone)
    if value.tzinfo is None:
        return resolve(value, zone)
    return value.astimezone(UTC)


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
