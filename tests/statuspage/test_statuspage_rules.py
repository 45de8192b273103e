"""Status page rules: prefilled states, the page's indicator, the states open incidents and
maintenance hold, the uptime bars, and the summary in Statuspage's shape."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.statuspage.definitions import ComponentDef, ComponentStatus, Impact
from bot.statuspage.rules.indicator import Indicator, page_indicator
from bot.statuspage.rules.prefill import prefill_states
from bot.statuspage.rules.states import held_states, holding, impact_of, state_changes, worst
from bot.statuspage.rules.uptime import daily_uptime, extend_uptime
from storage.enums import Severity

OK = ComponentStatus.OPERATIONAL
DEGRADED = ComponentStatus.DEGRADED_PERFORMANCE
PARTIAL = ComponentStatus.PARTIAL_OUTAGE
MAJOR = ComponentStatus.MAJOR_OUTAGE
MAINTENANCE = ComponentStatus.UNDER_MAINTENANCE
COMPONENTS = (
    ComponentDef("API", services=("checkout", "api")),
    ComponentDef("Dashboard", services=("web",)),
    ComponentDef("Payments", services=("Checkout", "payments")),
    ComponentDef("Docs"),
)


@pytest.mark.parametrize(
    ("severity", "state"),
    [
        (Severity.SEV1, MAJOR),
        (Severity.SEV2, PARTIAL),
        (Severity.SEV3, DEGRADED),
        (Severity.SEV4, DEGRADED),
    ],
)
def test_prefill_marks_the_components_of_the_incidents_services(
    severity: Severity, state: ComponentStatus
) -> None:
    assert prefill_states(COMPONENTS, ["checkout"], severity) == {"API": state, "Payments": state}


def test_prefill_ignores_case_and_finds_nothing_for_unknown_services() -> None:
    assert prefill_states(COMPONENTS, ["WEB"], "SEV2") == {"Dashboard": PARTIAL}
    assert prefill_states(COMPONENTS, ["billing"], Severity.SEV1) == {}
    assert prefill_states(COMPONENTS, [], Severity.SEV1) == {}


@pytest.mark.parametrize(
    ("states", "impacts", "maintenance", "indicator", "words"),
    [
        ([OK, OK], [], False, Indicator.NONE, "All Systems Operational"),
        ([OK, DEGRADED], [], False, Indicator.MINOR, "Minor Service Outage"),
        ([PARTIAL, DEGRADED], [], False, Indicator.MAJOR, "Partial System Outage"),
        ([PARTIAL, MAJOR], [], False, Indicator.CRITICAL, "Major System Outage"),
        ([OK, OK], [Impact.MAJOR], False, Indicator.MAJOR, "Partial System Outage"),
        ([OK, MAINTENANCE], [], False, Indicator.MAINTENANCE, "Service Under Maintenance"),
        ([OK], [], True, Indicator.MAINTENANCE, "Service Under Maintenance"),
        ([MAINTENANCE, DEGRADED], [], True, Indicator.MINOR, "Minor Service Outage"),
        ([OK], [Impact.NONE], False, Indicator.NONE, "All Systems Operational"),
    ],
)
def test_the_indicator_is_the_worst_of_states_and_open_incidents(
    states: list[ComponentStatus],
    impacts: list[Impact],
    maintenance: bool,
    indicator: Indicator,
    words: str,
) -> None:
    assert page_indicator(states, impacts, maintenance_in_progress=maintenance) == (
        indicator,
        words,
    )


def test_an_outage_is_worse_than_maintenance() -> None:
    assert worst([MAINTENANCE, DEGRADED, OK]) is DEGRADED
    assert worst([OK, MAINTENANCE]) is MAINTENANCE
    assert worst([]) is OK


def test_impact_follows_the_worst_component_and_an_open_incident_is_at_least_minor() -> None:
    assert impact_of([DEGRADED, MAJOR]) is Impact.CRITICAL
    assert impact_of([PARTIAL]) is Impact.MAJOR
    assert impact_of([]) is Impact.MINOR
    assert impact_of([OK], open_incident=False) is Impact.NONE


def test_held_states_are_the_worst_any_holder_gives() -> None:
    held = held_states(
        [holding({"API": DEGRADED, "Docs": OK}), holding({"API": MAJOR})],
        [["Docs", "Dashboard"]],
    )
    assert held == {"API": MAJOR, "Docs": MAINTENANCE, "Dashboard": MAINTENANCE}


def test_state_changes_put_what_nothing_holds_back_to_operational() -> None:
    current = {"API": MAJOR, "Dashboard": OK, "Payments": PARTIAL}
    held = {"Payments": PARTIAL, "Docs": DEGRADED}
    changes = state_changes(["API", "Dashboard", "Payments", "Docs"], current, held)
    assert changes == {"API": OK, "Docs": DEGRADED}


DAY = timedelta(days=1)
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # noon: today is half over
TODAY = datetime(2026, 12, 4, tzinfo=UTC)


def test_a_day_shows_its_worst_state_and_the_share_of_time_up() -> None:
    changes = [
        (TODAY - 2 * DAY + timedelta(hours=6), DEGRADED),
        (TODAY - 2 * DAY + timedelta(hours=7), MAJOR),
        (TODAY - 2 * DAY + timedelta(hours=9), OK),
    ]
    uptime = daily_uptime(changes, before=OK, now=NOW, days=5)

    assert [bar.day for bar in uptime.days] == [
        date(2026, 11, 30),
        date(2026, 12, 1),
        date(2026, 12, 2),
        date(2026, 12, 3),
        date(2026, 12, 4),
    ]
    assert [bar.worst for bar in uptime.days] == [OK, OK, MAJOR, OK, OK]
    assert uptime.days[2].uptime == pytest.approx(21 / 24)
    assert uptime.days[4].known_seconds == 12 * 3600  # today, up to now
    assert uptime.percent == pytest.approx(100 * (4.5 * 24 - 3) / (4.5 * 24))


def test_an_outage_across_midnight_counts_on_both_days() -> None:
    changes = [(TODAY - DAY - timedelta(hours=2), PARTIAL), (TODAY + timedelta(hours=3), OK)]
    uptime = daily_uptime(changes, before=OK, now=NOW, days=3)

    assert [bar.worst for bar in uptime.days] == [PARTIAL, PARTIAL, PARTIAL]
    assert uptime.days[0].uptime == pytest.approx(22 / 24)
    assert uptime.days[1].uptime == 0.0
    assert uptime.days[2].uptime == pytest.approx(9 / 12)


def test_maintenance_counts_as_up_but_shows_on_the_bar() -> None:
    changes = [(TODAY + timedelta(hours=1), MAINTENANCE), (TODAY + timedelta(hours=2), OK)]
    bar = daily_uptime(changes, before=OK, now=NOW, days=1).days[0]

    assert bar.worst is MAINTENANCE
    assert bar.uptime == 1.0


def test_days_before_the_history_begins_have_no_data() -> None:
    changes = [(TODAY - DAY + timedelta(hours=12), OK), (TODAY + timedelta(hours=6), DEGRADED)]
    uptime = daily_uptime(changes, before=None, now=NOW, days=3)

    assert [bar.worst for bar in uptime.days] == [None, OK, DEGRADED]
    assert uptime.days[0].uptime is None
    assert uptime.days[1].known_seconds == 12 * 3600
    assert uptime.percent == pytest.approx(100 * 18 / 24)
    assert daily_uptime([], before=None, now=NOW, days=3).percent is None


def test_a_state_entered_before_the_window_holds_from_its_start() -> None:
    uptime = daily_uptime([], before=MAJOR, now=NOW, days=90)

    assert len(uptime.days) == 90
    assert {bar.worst for bar in uptime.days} == {MAJOR}
    assert uptime.percent == 0.0


STATES = list(ComponentStatus)


@settings(max_examples=200, deadline=None)
@given(
    changes=st.lists(st.tuples(st.integers(0, 90 * 24 * 60), st.sampled_from(STATES)), max_size=12),
    before=st.one_of(st.none(), st.sampled_from(STATES)),
    first=st.integers(0, 12 * 60),
    later=st.integers(0, 11 * 60),
)
def test_carrying_bars_on_equals_working_them_out_again(
    changes: list[tuple[int, ComponentStatus]],
    before: ComponentStatus | None,
    first: int,
    later: int,
) -> None:
    """Bars worked out at one instant and carried on in the same state to a later one of the
    same day are the bars worked out at the later one."""
    start = TODAY - 89 * DAY
    since = TODAY + timedelta(minutes=first)
    now = min(since + timedelta(minutes=later), TODAY + DAY - timedelta(seconds=1))
    dated = sorted((start + timedelta(minutes=m), s) for m, s in changes)
    happened = [(at, state) for at, state in dated if at < since]
    state_then = happened[-1][1] if happened else before

    carried = extend_uptime(
        daily_uptime(happened, before=before, now=since), since=since, now=now, state=state_then
    )
    again = daily_uptime(happened, before=before, now=now)

    assert [bar.worst for bar in carried.days] == [bar.worst for bar in again.days]
    for ours, theirs in zip(carried.days, again.days, strict=True):
        assert ours.known_seconds == pytest.approx(theirs.known_seconds, abs=1e-6)
        assert ours.up_seconds == pytest.approx(theirs.up_seconds, abs=1e-6)


def test_bars_are_not_carried_into_another_day() -> None:
    uptime = daily_uptime([], before=OK, now=NOW)
    with pytest.raises(ValueError):
        extend_uptime(uptime, since=NOW, now=NOW + DAY, state=OK)
    with pytest.raises(ValueError):
        extend_uptime(uptime, since=NOW, now=NOW - timedelta(hours=1), state=OK)
