"""Calendars: the feeds Warroom serves are valid iCalendar with stable UIDs, and feeds read as a
layer give one person per minute, recurrences and daylight saving included."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar

from bot.oncall.calendar import (
    FeedEvent,
    FeedUnreadable,
    build_calendar,
    count_events,
    event_person,
    expand_feed,
    feed_shifts,
    read_feed,
    shift_uid,
)
from bot.oncall.rules.shifts import Shift, Source

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ical"
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def shift(start: datetime, hours: float, user: str, layer: str = "primary", **kw: object) -> Shift:
    source = kw.get("source", Source.ROTATION)
    return Shift(start, start + timedelta(hours=hours), user, layer, source)  # type: ignore[arg-type]


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def vendor_shifts(people: dict[str, str] | None = None) -> list[Shift]:
    events, _ = expand_feed(
        read_feed(fixture("vendor_google.ics")), NEW_YORK, utc(2026, 1, 1), utc(2026, 5, 1)
    )
    return feed_shifts(events, layer="vendor", people=people)


# --- Serving ---------------------------------------------------------------------------------


def test_a_served_calendar_has_one_utc_event_per_shift_named_after_person_and_place() -> None:
    shifts = [
        ("sre", shift(utc(2026, 3, 2, 8), 168, "U0ALICE")),
        ("sre", shift(utc(2026, 3, 9, 8), 24, "U0BOB", layer="", source=Source.OVERRIDE)),
    ]
    body = build_calendar("On call: sre", shifts, names={"U0ALICE": "Alice Archer"}, now=NOW)
    calendar = Calendar.from_ical(body)
    assert str(calendar["X-WR-CALNAME"]) == "On call: sre"
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == [
        "On call: Alice Archer — sre/primary",
        "On call: U0BOB — sre (override)",
    ]
    for event, (_, expected) in zip(events, shifts, strict=True):
        assert event["DTSTART"].dt == expected.start
        assert event["DTSTART"].dt.utcoffset() == timedelta(0)
        assert event["DTEND"].dt == expected.end
        assert event["DTSTAMP"].dt == NOW
    assert b"DTSTART:20260302T080000Z" in body


def test_uids_stay_the_same_for_the_same_shift_and_differ_between_shifts() -> None:
    alice = ("sre", shift(utc(2026, 3, 2, 8), 168, "U0ALICE"))
    later = NOW + timedelta(days=3)
    first = Calendar.from_ical(build_calendar("x", [alice], names={}, now=NOW))
    longer = ("sre", shift(utc(2026, 3, 2, 8), 200, "U0ALICE"))  # its end moved: same shift
    second = Calendar.from_ical(build_calendar("x", [longer], names={"U0ALICE": "A"}, now=later))
    assert first.walk("VEVENT")[0]["UID"] == second.walk("VEVENT")[0]["UID"]
    others = [
        ("ops", alice[1]),
        ("sre", shift(utc(2026, 3, 2, 8), 168, "U0BOB")),
        ("sre", shift(utc(2026, 3, 2, 8), 168, "U0ALICE", layer="secondary")),
        ("sre", shift(utc(2026, 3, 2, 9), 168, "U0ALICE")),
        ("sre", shift(utc(2026, 3, 2, 8), 168, "U0ALICE", source=Source.OVERRIDE)),
    ]
    uids = {shift_uid(*alice), *(shift_uid(*other) for other in others)}
    assert len(uids) == 6


def test_a_served_calendar_read_back_as_a_layer_gives_the_same_people_and_times() -> None:
    shifts = [
        ("sre", shift(utc(2026, 3, 2, 8), 168, "U0ALICE")),
        ("sre", shift(utc(2026, 3, 9, 8), 168, "U0BOB")),
        ("sre", shift(utc(2026, 3, 16, 8), 30, "carol@example.com", layer="")),
    ]
    body = build_calendar("x", shifts, names={"U0ALICE": "Alice", "U0BOB": "Bob"}, now=NOW)
    events, nobody = expand_feed(read_feed(body.decode()), BERLIN, utc(2026, 3, 1), utc(2026, 4, 1))
    assert nobody == 0
    read_back = feed_shifts(events, layer="copy")
    assert [(s.start, s.end, s.user) for s in read_back] == [
        (s.start, s.end, s.user) for _, s in shifts
    ]


def test_no_shift_means_an_empty_but_valid_calendar() -> None:
    calendar = Calendar.from_ical(build_calendar("On call: U0ZED", [], names={}, now=NOW))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["VERSION"]) == "2.0"


# --- Reading a feed --------------------------------------------------------------------------


def test_a_google_feed_follows_its_recurrences_exdate_and_the_change_to_summer_time() -> None:
    shifts = vendor_shifts({"alice.archer@vendor.example": "U0ALICE"})
    timeline = [(s.start, s.end, s.user) for s in shifts[:7]]
    assert timeline == [
        (utc(2026, 2, 23, 14), utc(2026, 3, 2, 14), "U0ALICE"),
        # Bob's week spans the change to summer time (167 h), with Dave's whole Sunday laid
        # over it: a local day of 23 hours.
        (utc(2026, 3, 2, 14), utc(2026, 3, 8, 5), "bob@vendor.example"),
        (utc(2026, 3, 8, 5), utc(2026, 3, 9, 4), "dave@vendor.example"),
        (utc(2026, 3, 9, 4), utc(2026, 3, 9, 13), "bob@vendor.example"),
        (utc(2026, 3, 9, 13), utc(2026, 3, 16, 13), "U0ALICE"),
        (utc(2026, 3, 16, 13), utc(2026, 3, 23, 13), "bob@vendor.example"),
        # Alice's week of March 23 is excluded (EXDATE); Carol's swap covers it.
        (utc(2026, 3, 23, 13), utc(2026, 3, 30, 13), "U0CAROL"),
    ]
    assert all(s.layer == "vendor" and s.source is Source.ICAL for s in shifts)
    assert all(a.end <= b.start for a, b in pairwise(shifts))


def test_a_feed_events_without_a_person_or_cancelled_are_left_out() -> None:
    calendar = read_feed(fixture("vendor_google.ics"))
    events, nobody = expand_feed(calendar, NEW_YORK, utc(2026, 3, 10), utc(2026, 3, 20))
    assert nobody == 1  # the ops review names nobody
    assert "erin@vendor.example" not in {e.person for e in events}  # cancelled
    assert count_events(calendar) == 6


def test_an_outlook_feed_with_a_windows_zone_crosses_the_end_of_summer_time() -> None:
    events, _ = expand_feed(
        read_feed(fixture("platform_outlook.ics")), BERLIN, utc(2026, 10, 1), utc(2026, 11, 1)
    )
    shifts = feed_shifts(events, layer="platform")
    assert [(s.start, s.end, s.user) for s in shifts] == [
        # Three daily events, 08:00 to 08:00 Berlin time, one of them 25 hours long.
        (utc(2026, 10, 24, 6), utc(2026, 10, 27, 7), "U0FRANK"),
        (utc(2026, 10, 27, 7), utc(2026, 10, 28, 7), "grace@platform.example"),
    ]


def test_e_mails_are_resolved_to_user_ids_and_unknown_ones_are_kept() -> None:
    shifts = vendor_shifts(
        {"alice.archer@vendor.example": "U0ALICE", "bob@vendor.example": "U0BOB"}
    )
    users = {s.user for s in shifts}
    assert {"U0ALICE", "U0BOB", "U0CAROL", "dave@vendor.example"} <= users
    assert "alice.archer@vendor.example" not in users


def test_shorter_events_win_over_longer_ones_while_they_last() -> None:
    week = FeedEvent(utc(2026, 3, 2, 8), utc(2026, 3, 9, 8), "U0ALICE")
    swap = FeedEvent(utc(2026, 3, 4, 8), utc(2026, 3, 5, 8), "U0BOB")
    same_start = FeedEvent(utc(2026, 3, 2, 8), utc(2026, 3, 3, 8), "U0CAROL")
    shifts = feed_shifts([swap, week, same_start], layer="l")
    assert [(s.start, s.end, s.user) for s in shifts] == [
        (utc(2026, 3, 2, 8), utc(2026, 3, 3, 8), "U0CAROL"),
        (utc(2026, 3, 3, 8), utc(2026, 3, 4, 8), "U0ALICE"),
        (utc(2026, 3, 4, 8), utc(2026, 3, 5, 8), "U0BOB"),
        (utc(2026, 3, 5, 8), utc(2026, 3, 9, 8), "U0ALICE"),
    ]
    assert feed_shifts([week, swap, same_start], layer="l") == shifts


def test_two_events_for_one_person_that_touch_are_one_shift() -> None:
    first = FeedEvent(utc(2026, 3, 2, 8), utc(2026, 3, 3, 8), "a@example.com")
    second = FeedEvent(utc(2026, 3, 3, 8), utc(2026, 3, 4, 8), "U0ALICE")
    (merged,) = feed_shifts([first, second], layer="l", people={"a@example.com": "U0ALICE"})
    assert (merged.start, merged.end, merged.user) == (first.start, second.end, "U0ALICE")


def _event(text: str) -> Calendar:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\n"
    body = f"{head}{text}END:VEVENT\r\nEND:VCALENDAR\r\n"
    return read_feed(body)


@pytest.mark.parametrize(
    ("lines", "person"),
    [
        ("ATTENDEE:mailto:Ann@Example.com\r\nSUMMARY:U0BOB\r\n", "ann@example.com"),
        ("SUMMARY:On call U012AB3CD\r\nDESCRIPTION:x@example.com\r\n", "U012AB3CD"),
        ("SUMMARY:WEEKEND duty\r\nDESCRIPTION:ask W0ERIN\r\n", "W0ERIN"),
        ("SUMMARY:On call: zed@example.org\r\n", "zed@example.org"),
        ("SUMMARY:U0ALICE@example.com\r\n", "u0alice@example.com"),
        ("SUMMARY:Team offsite\r\n", None),
    ],
)
def test_who_an_event_names(lines: str, person: str | None) -> None:
    (event,) = _event(lines).walk("VEVENT")
    assert event_person(event) == person


def test_floating_times_are_local_and_one_in_the_spring_gap_starts_after_it() -> None:
    calendar = _event(
        "UID:1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260329T023000\r\n"
        "DTEND:20260329T090000\r\nSUMMARY:U0ALICE\r\n"
    )
    events, _ = expand_feed(calendar, BERLIN, utc(2026, 3, 28), utc(2026, 3, 30))
    assert events == [FeedEvent(utc(2026, 3, 29, 1), utc(2026, 3, 29, 7), "U0ALICE")]


def test_a_rule_repeating_every_minute_is_refused_before_it_is_expanded() -> None:
    calendar = _event(
        "UID:1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:19000101T000000Z\r\n"
        "DTEND:19000101T000100Z\r\nRRULE:FREQ=MINUTELY\r\nSUMMARY:U0ALICE\r\n"
    )
    with pytest.raises(FeedUnreadable, match="repeats every minute"):
        expand_feed(calendar, BERLIN, utc(2026, 1, 1), utc(2027, 1, 1))


@pytest.mark.parametrize(
    "body",
    [
        "garbage",
        "<!doctype html><html><body>Sign in to continue</body></html>",
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Alice\r\nEND:VCARD\r\n",
        "",
    ],
)
def test_a_body_that_is_not_icalendar_is_refused(body: str) -> None:
    with pytest.raises(FeedUnreadable):
        read_feed(body)


def test_an_empty_calendar_is_read_with_no_events() -> None:
    calendar = read_feed("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n")
    assert count_events(calendar) == 0
    assert recurring_ical_events.of(calendar).between(utc(2026, 1, 1), utc(2027, 1, 1)) == []
