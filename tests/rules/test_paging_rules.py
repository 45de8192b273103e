"""The pure paging rules: durations as people write them, targets, which escalation step
follows which, and when each way of reaching a paged person is tried."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.paging.definitions import ContactDef, ContactRule, Method
from bot.paging.rules.durations import format_duration, parse_duration
from bot.paging.rules.steps import next_step, notification_plan
from bot.paging.rules.targets import Target, TargetKind, parse_target

EXAMPLES = settings(max_examples=200, deadline=None)
PAGED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

# --- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", timedelta(seconds=45)),
        ("30m", timedelta(minutes=30)),
        ("1h", timedelta(hours=1)),
        ("1h30m", timedelta(minutes=90)),
        ("1h 30m", timedelta(minutes=90)),
        ("2h5s", timedelta(hours=2, seconds=5)),
        ("90m", timedelta(minutes=90)),
        (" 1H ", timedelta(hours=1)),
        ("0s", timedelta(0)),
        ("168h", timedelta(days=7)),
    ],
)
def test_durations_are_read(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "is empty: write a duration like 45s, 30m, 1h or 1h30m"),
        ("30", "'30' is not a duration like 45s, 30m, 1h or 1h30m"),
        ("30x", "'30x' is not a duration like 45s, 30m, 1h or 1h30m"),
        ("30m1h", "'30m1h' is not a duration like 45s, 30m, 1h or 1h30m"),
        ("-5m", "'-5m' is not a duration like 45s, 30m, 1h or 1h30m"),
        ("1.5h", "'1.5h' is not a duration like 45s, 30m, 1h or 1h30m"),
        ("h", "'h' is not a duration like 45s, 30m, 1h or 1h30m"),
        ("169h", "'169h' is longer than 168h"),
        ("99999999999h", "'99999999999h' is not a duration like 45s, 30m, 1h or 1h30m"),
    ],
)
def test_anything_else_is_refused_with_a_short_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_duration(text)
    assert str(refused.value) == reason


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=30), "30m"),
        (timedelta(minutes=90), "1h 30m"),
        (timedelta(hours=2, seconds=5), "2h 5s"),
        (timedelta(days=2), "48h"),
    ],
)
def test_durations_are_written_short(duration: timedelta, text: str) -> None:
    assert format_duration(duration) == text


def test_a_negative_duration_cannot_be_written() -> None:
    with pytest.raises(ValueError):
        format_duration(timedelta(seconds=-1))


@EXAMPLES
@given(st.integers(min_value=0, max_value=7 * 24 * 3600))
def test_what_is_written_reads_back(seconds: int) -> None:
    duration = timedelta(seconds=seconds)
    assert parse_duration(format_duration(duration)) == duration


@EXAMPLES
@given(
    st.integers(0, 167).map(lambda n: f"{n}h" if n else ""),
    st.integers(0, 59).map(lambda n: f"{n}m" if n else ""),
    st.integers(0, 59).map(lambda n: f"{n}s" if n else ""),
)
def test_a_canonical_text_round_trips(hours: str, minutes: str, seconds: str) -> None:
    text = " ".join(part for part in (hours, minutes, seconds) if part) or "0s"
    assert format_duration(parse_duration(text)) == text
    assert format_duration(parse_duration(text.replace(" ", ""))) == text


# --- targets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("U0ALICE", Target(TargetKind.USER, "U0ALICE")),
        ("W0ENTERPRISE", Target(TargetKind.USER, "W0ENTERPRISE")),
        ("S0DBTEAM", Target(TargetKind.GROUP, "S0DBTEAM")),
        ("schedule:sre", Target(TargetKind.SCHEDULE, "sre")),
        ("schedule:sre/primary", Target(TargetKind.SCHEDULE, "sre", "primary")),
        ("channel:db-alerts", Target(TargetKind.CHANNEL, "db-alerts")),
        ("channel:#db_alerts", Target(TargetKind.CHANNEL, "db_alerts")),
    ],
)
def test_targets_are_read_into_their_parts(text: str, target: Target) -> None:
    assert parse_target(text) == target
    assert parse_target(str(target)) == target


@pytest.mark.parametrize(
    "text",
    ["", "u0alice", "U0", "carol@example.com", "schedule:", "schedule:sre/", "schedule:a/b/c",
     "channel:", "channel:Ops", "team:sre", "@U0ALICE"],
)  # fmt: skip
def test_anything_else_is_no_target(text: str) -> None:
    with pytest.raises(ValueError):
        parse_target(text)


# --- escalation steps -----------------------------------------------------------------------


def test_steps_climb_the_levels_then_start_again_repeat_times() -> None:
    steps = [(0, 0)]
    while (after := next_step(3, 1, *steps[-1])) is not None:
        steps.append(after)
    assert steps == [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)]


def test_repeat_zero_ends_after_the_last_level() -> None:
    assert next_step(2, 0, 0, 0) == (1, 0)
    assert next_step(2, 0, 1, 0) is None


def test_a_one_level_policy_repeats_itself() -> None:
    assert next_step(1, 0, 0, 0) is None
    assert next_step(1, 2, 0, 0) == (0, 1)
    assert next_step(1, 2, 0, 1) == (0, 2)
    assert next_step(1, 2, 0, 2) is None


@pytest.mark.parametrize(
    ("levels", "repeat", "level", "loop"),
    [(0, 0, 0, 0), (2, -1, 0, 0), (2, 0, 2, 0), (2, 0, -1, 0), (2, 1, 0, 2), (2, 1, 0, -1)],
)
def test_a_step_outside_the_policy_is_refused(
    levels: int, repeat: int, level: int, loop: int
) -> None:
    with pytest.raises(ValueError):
        next_step(levels, repeat, level, loop)


@EXAMPLES
@given(st.integers(1, 12), st.integers(0, 10))
def test_from_the_first_step_it_ends_after_every_level_of_every_pass(
    levels: int, repeat: int
) -> None:
    step: tuple[int, int] | None = (0, 0)
    seen = []
    while step is not None:
        seen.append(step)
        step = next_step(levels, repeat, *step)
    assert len(seen) - 1 == levels * (repeat + 1) - 1
    assert seen == [(level, loop) for loop in range(repeat + 1) for level in range(levels)]


# --- notification plans ---------------------------------------------------------------------

CAROL = ContactDef(
    user="U0CAROL",
    phone="+15550002222",
    email="carol@example.com",
    rules=(
        ContactRule(Method.SMS, timedelta(0)),
        ContactRule(Method.VOICE, timedelta(minutes=5)),
        ContactRule(Method.EMAIL, timedelta(minutes=1)),
    ),
)


def test_slack_at_once_then_each_rule_in_time_order() -> None:
    assert notification_plan(CAROL, PAGED) == [
        (Method.SLACK, PAGED),
        (Method.SMS, PAGED),
        (Method.EMAIL, PAGED + timedelta(minutes=1)),
        (Method.VOICE, PAGED + timedelta(minutes=5)),
    ]


def test_someone_without_contact_methods_gets_slack_only() -> None:
    assert notification_plan(None, PAGED) == [(Method.SLACK, PAGED)]
    assert notification_plan(ContactDef(user="U0BOB"), PAGED) == [(Method.SLACK, PAGED)]


def test_a_rule_without_its_address_is_skipped() -> None:
    no_phone = ContactDef(user="U0CAROL", email="carol@example.com", rules=CAROL.rules)
    assert notification_plan(no_phone, PAGED) == [
        (Method.SLACK, PAGED),
        (Method.EMAIL, PAGED + timedelta(minutes=1)),
    ]
    no_email = ContactDef(user="U0CAROL", phone="+15550002222", rules=CAROL.rules)
    assert [method for method, _ in notification_plan(no_email, PAGED)] == [
        Method.SLACK,
        Method.SMS,
        Method.VOICE,
    ]


def test_a_method_named_twice_is_used_once_at_its_earliest() -> None:
    twice = ContactDef(
        user="U0CAROL",
        phone="+15550002222",
        rules=(
            ContactRule(Method.SMS, timedelta(minutes=10)),
            ContactRule(Method.SMS, timedelta(minutes=2)),
            ContactRule(Method.SLACK, timedelta(minutes=3)),
        ),
    )
    assert notification_plan(twice, PAGED) == [
        (Method.SLACK, PAGED),
        (Method.SMS, PAGED + timedelta(minutes=2)),
    ]


@EXAMPLES
@given(
    st.lists(
        st.tuples(st.sampled_from(list(Method)), st.integers(0, 3600)),
        max_size=8,
    ),
    st.booleans(),
    st.booleans(),
)
def test_every_plan_starts_with_slack_and_names_each_reachable_method_once(
    rules: list[tuple[Method, int]], phone: bool, email: bool
) -> None:
    contact = ContactDef(
        user="U0X",
        phone="+15550002222" if phone else None,
        email="x@example.com" if email else None,
        rules=tuple(ContactRule(method, timedelta(seconds=s)) for method, s in rules),
    )
    plan = notification_plan(contact, PAGED)
    assert plan[0] == (Method.SLACK, PAGED)
    methods = [method for method, _ in plan]
    assert len(methods) == len(set(methods))
    assert [at for _, at in plan] == sorted(at for _, at in plan)
    reachable = {Method.SMS: phone, Method.VOICE: phone, Method.EMAIL: email, Method.SLACK: True}
    for method, at in plan[1:]:
        assert reachable[method]
        assert at == PAGED + min(timedelta(seconds=s) for m, s in rules if m is method)
    assert {m for m, _ in rules if reachable[m]} | {Method.SLACK} == set(methods)
