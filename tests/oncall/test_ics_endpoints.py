"""The calendar feeds, served by the real app over real HTTP: what a calendar client shows,
expanded with recurring-ical-events, is minute for minute what `warroom oncall shifts` says;
UIDs stay put across renders; the token is checked before anything is revealed."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import recurring_ical_events
from ical_server import FeedServer
from icalendar import Calendar

from bot.app import Warroom, build_warroom
from bot.cli import main
from bot.sandbox import SandboxServer, serve_in_thread
from bot.sandbox.runner import ServerHandle
from bot.settings import Settings

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 10, 10, tzinfo=UTC)  # the change to summer time (29 March) is ahead
SCHEDULES = """
schedules:
  - name: sre
    timezone: Europe/Berlin
    layers:
      - name: primary
        users: [U0ALICE, U0BOB]
        rotation: weekly
        handoff: "monday 09:00"
        start: 2026-01-05
      - name: daytime
        users: [U0CAROL, U0ALICE]
        rotation: daily
        handoff: "09:00"
        start: 2026-01-05
        restrict: "mon-fri 09:00-18:00"
  - name: db
    timezone: America/New_York
    layers:
      - name: primary
        users: [U0ALICE, U0CAROL]
        rotation: "3d"
        handoff: "08:00"
        start: 2026-01-02
  - name: vendor
    timezone: America/New_York
    layers: [{name: imported, ical: "%s"}]
"""
FEED = (Path(__file__).parents[1] / "fixtures" / "ical" / "vendor_google.ics").read_bytes()


class Clock:
    """The app's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class App:
    warroom: Warroom
    handle: ServerHandle
    clock: Clock
    config: Path

    def get(self, path: str, **params: str) -> httpx.Response:
        return httpx.get(f"{self.handle.url}{path}", params=params, timeout=30)

    def token(self, feed: str) -> str:
        return self.handle.run(self.warroom.oncall.feed_token(feed))


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    with FeedServer(FEED) as server:
        yield server


@pytest.fixture
def app(
    database_url: str, sandbox: SandboxServer, feed: FeedServer, tmp_path: Path
) -> Iterator[App]:
    sandbox.reset()
    config = tmp_path / "warroom.yml"
    config.write_text(SCHEDULES % feed.url)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        slack_bot_token="xoxb-sandbox-token",
        slack_signing_secret="calendar-tests-signing-secret",
        slack_api_url=sandbox.api_url,
        database_url=database_url,
        warroom_config=str(config),
        warroom_tick_interval=timedelta(days=1),  # nothing runs by itself
    )
    clock = Clock()
    warroom = build_warroom(settings, clock=clock)
    handle = serve_in_thread(warroom.http)
    try:
        # An override across the change to summer time, over the whole schedule.
        override = warroom.oncall.add_override(
            "sre",
            "U0BOB",
            datetime(2026, 3, 27, 18, tzinfo=BERLIN),
            datetime(2026, 3, 30, 9, tzinfo=BERLIN),
            by="U0ALICE",
        )
        handle.run(override)
        assert handle.run(warroom.feeds.refresh_due()) == 1  # what the scheduler job does
        yield App(warroom, handle, clock, config)
    finally:
        handle.stop()
        warroom.engine.dispose()


def events(body: bytes, start: datetime, end: datetime) -> list[Any]:
    """What a calendar client shows over [start, end)."""
    return list(recurring_ical_events.of(Calendar.from_ical(body)).between(start, end))


def minutes(
    pieces: list[tuple[datetime, datetime, str]], start: datetime, end: datetime
) -> dict[int, str]:
    """Who holds each minute of [start, end), by minute from `start`."""
    held: dict[int, str] = {}
    for lo, hi, who in pieces:
        first = max(int((lo - start).total_seconds() // 60), 0)
        last = min(
            int((hi - start).total_seconds() // 60), int((end - start).total_seconds() // 60)
        )
        for minute in range(first, last):
            assert minute not in held, f"two people at minute {minute}"
            held[minute] = who
    return held


def from_calendar(
    body: bytes, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, str]]:
    """Who holds what, as the calendar's events say: "<user> on call in <place> (<source>)"."""
    found = []
    for event in events(body, start, end):
        who, _, _, _, place, source = str(event["DESCRIPTION"]).split()
        found.append((event["DTSTART"].dt, event["DTEND"].dt, f"{who} {place} {source}"))
    return found


def from_cli(
    app: App,
    schedule: str,
    start: datetime,
    end: datetime,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> list[dict[str, str]]:
    monkeypatch.setenv("DATABASE_URL", app.warroom.settings.database_url)
    monkeypatch.setenv("WARROOM_CONFIG", str(app.config))
    capsys.readouterr()
    code = main(
        [
            "oncall",
            "shifts",
            schedule,
            "--from",
            start.isoformat(),
            "--to",
            end.isoformat(),
            "--json",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    return list(json.loads(out))


@pytest.mark.parametrize("schedule", ["sre", "db", "vendor"])
def test_the_calendar_shows_minute_for_minute_what_warroom_oncall_shifts_says(
    app: App,
    schedule: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    nowhere: Path,
) -> None:
    response = app.get(f"/oncall/{schedule}.ics", token=app.token(f"schedule:{schedule}"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    start, end = NOW, NOW + timedelta(days=90)
    shown = from_calendar(response.content, start, end)
    listed = [
        (
            datetime.fromisoformat(s["start"]),
            datetime.fromisoformat(s["end"]),
            f"{s['user']} {s['schedule']}{'/' if s['layer'] else ''}{s['layer']} ({s['source']})",
        )
        for s in from_cli(app, schedule, start, end, monkeypatch, capsys)
    ]
    assert len(listed) > 10
    if schedule == "sre":  # layers, the restricted one, and the override are all in the span
        held = {who.split(" ", 1)[1] for *_, who in listed}
        assert held == {"sre/primary (rotation)", "sre/daytime (rotation)", "sre (override)"}
    if schedule == "vendor":  # the feed's weeks, its EXDATE covered by a swap
        assert (
            datetime(2026, 3, 23, 13, tzinfo=UTC),
            datetime(2026, 3, 30, 13, tzinfo=UTC),
            "U0CAROL vendor/imported (ical)",
        ) in listed
    assert minutes(shown, start, end) == minutes(listed, start, end)
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == f"On call: {schedule}"
    for event in calendar.walk("VEVENT"):
        assert event["DTSTART"].dt.utcoffset() == timedelta(0)
        assert event["DTEND"].dt.utcoffset() == timedelta(0)
        assert "DTSTAMP" in event and "UID" in event


def test_the_sre_calendar_names_people_places_and_the_override(app: App) -> None:
    response = app.get("/oncall/sre.ics", token=app.token("schedule:sre"))
    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}
    # Names as the people directory shows them (the sandbox's display names).
    assert "On call: alice — sre/primary" in summaries
    assert "On call: carol — sre/daytime" in summaries
    assert "On call: bob — sre (override)" in summaries
    # The override covers the night the clocks change: 27 March 18:00 to 30 March 09:00
    # Berlin time is 62 hours, not 63.
    (override,) = [
        e
        for e in events(response.content, NOW, NOW + timedelta(days=90))
        if "(override)" in str(e["SUMMARY"])
    ]
    assert override["DTEND"].dt - override["DTSTART"].dt == timedelta(hours=62)


@pytest.mark.parametrize("later", [timedelta(hours=3), timedelta(days=1, hours=3)])
def test_uids_stay_the_same_across_renders(app: App, later: timedelta) -> None:
    token = app.token("schedule:sre")
    first = Calendar.from_ical(app.get("/oncall/sre.ics", token=token).content).walk("VEVENT")
    app.clock.now = NOW + later
    second = Calendar.from_ical(app.get("/oncall/sre.ics", token=token).content).walk("VEVENT")
    # Every shift the first render shows that the second still covers has the same UID there,
    # including the one that began before the shown span (its start is not cut).
    still_shown = [e for e in first if e["DTEND"].dt > NOW + later - timedelta(days=30)]
    uids = {str(e["UID"]): e for e in second}
    assert len(still_shown) > 40
    for event in still_shown:
        again = uids[str(event["UID"])]
        assert (again["DTSTART"].dt, str(again["SUMMARY"])) == (
            event["DTSTART"].dt,
            str(event["SUMMARY"]),
        )
    assert first[0]["DTSTART"].dt < NOW - timedelta(days=30)  # the cut-off shift is whole
    assert len(uids) == len(second)  # one UID per event


def test_a_person_s_calendar_has_their_shifts_in_every_schedule(app: App) -> None:
    response = app.get("/oncall/users/U0ALICE.ics", token=app.token("user:U0ALICE"))
    assert response.status_code == 200, response.text
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "On call: alice"
    places = {str(e["SUMMARY"]).rsplit("— ", 1)[1] for e in calendar.walk("VEVENT")}
    assert places == {"sre/primary", "sre/daytime", "db/primary"}
    start, end = NOW - timedelta(days=30), NOW + timedelta(days=90)
    expected = app.handle.run(app.warroom.oncall.user_shifts("U0ALICE", start, end))
    shown = events(response.content, start, end)
    for schedule in ("sre", "db"):  # she may be on call in both at once
        in_calendar = [
            (e["DTSTART"].dt, e["DTEND"].dt, str(e["DESCRIPTION"]).split()[0])
            for e in shown
            if f" in {schedule}" in str(e["DESCRIPTION"])
        ]
        listed = [(s.start, s.end, s.user) for name, s in expected if name == schedule]
        assert len(listed) > 5
        assert minutes(in_calendar, start, end) == minutes(listed, start, end)


@pytest.mark.parametrize(
    ("path", "token"),
    [
        ("/oncall/sre.ics", None),
        ("/oncall/sre.ics", ""),
        ("/oncall/sre.ics", "not-the-token"),
        ("/oncall/sre.ics", "user:U0ALICE"),  # another feed's token
        ("/oncall/nope.ics", "not-the-token"),  # an unknown schedule is not revealed
        ("/oncall/users/U0ALICE.ics", "schedule:sre"),
        ("/oncall/users/U0NOBODY.ics", "not-the-token"),
    ],
)
def test_a_missing_or_wrong_token_is_401_with_a_reason(
    app: App, path: str, token: str | None
) -> None:
    params = {}
    if token is not None:
        params["token"] = app.token(token) if ":" in token else token
    response = app.get(path, **params)
    assert response.status_code == 401
    body = response.json()
    assert body["ok"] is False and body["error"] == "unauthorized" and body["reason"]
    assert "BEGIN:VCALENDAR" not in response.text


def test_a_schedule_removed_from_the_file_is_404_for_its_own_token(app: App) -> None:
    response = app.get("/oncall/gone.ics", token=app.token("schedule:gone"))
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_schedule"


def test_a_head_request_answers_like_get_without_the_calendar(app: App) -> None:
    url = f"{app.handle.url}/oncall/sre.ics"
    response = httpx.head(url, params={"token": app.token("schedule:sre")}, timeout=30)
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert httpx.head(url, params={"token": "wrong"}, timeout=30).status_code == 401
