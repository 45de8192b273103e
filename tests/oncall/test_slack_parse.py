"""`/oncall` text parsed, override times resolved by the schedules' DST rules, and the answers
built within Block Kit's limits (checked by the sandbox's validator, as Slack would)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.kernel.errors import InvalidInput
from bot.oncall.config import LayerDef, ScheduleDef
from bot.oncall.ports import Fired, HandedOverIncident, HandoffView
from bot.oncall.rules.shifts import Shift, Source
from bot.sandbox.blockkit import validate_message_blocks, validate_view
from bot.slack.blocks.oncall import Shown, build_my_shift_blocks, build_shift_blocks
from bot.slack.blocks.oncall_handoffs import (
    build_handoff_post,
    build_incoming_dm,
    build_outgoing_dm,
)
from bot.slack.blocks.oncall_modal import build_override_modal
from bot.slack.commands.oncall import (
    NOW,
    AddOverride,
    Later,
    ListOverrides,
    MyShifts,
    OpenOverrideForm,
    ShowHelp,
    ShowSchedule,
    WallClock,
    WhoIsOn,
    parse_oncall_command,
    resolve_span,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("", WhoIsOn()),
        ("  ", WhoIsOn()),
        ("help", ShowHelp()),
        ("me", MyShifts()),
        ("SRE", ShowSchedule("sre")),
        ("override", OpenOverrideForm()),
        ("overrides sre", ListOverrides("sre")),
        (
            "override sre <@U0BOB|bob> now +8h",
            AddOverride("sre", "", "U0BOB", NOW, Later(timedelta(hours=8))),
        ),
        (
            "override sre/primary <@W0BOB> 2026-12-24 18:00 2026-12-27T09:30",
            AddOverride(
                "sre",
                "primary",
                "W0BOB",
                WallClock(datetime(2026, 12, 24, 18, 0)),
                WallClock(datetime(2026, 12, 27, 9, 30)),
            ),
        ),
        (
            "override sre U0BOB 2026-12-24 +1d12h",
            AddOverride(
                "sre", "", "U0BOB", WallClock(datetime(2026, 12, 24)), Later(timedelta(hours=36))
            ),
        ),
        ("who is it", ShowHelp(unknown="who is it")),
    ],
)
def test_commands(text: str, parsed: object) -> None:
    assert parse_oncall_command(text) == parsed


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("overrides", "Say which schedule"),
        ("override sre <@U0BOB|bob>", "Give the schedule, the person and both times"),
        ("override sre @bob now +1h", "`@bob` is not a person"),
        ("override sre <@U0BOB> yesterday +1h", "I could not read the start time `yesterday`"),
        ("override sre <@U0BOB> now 2026-02-30", "I could not read the end time `2026-02-30`"),
        ("override sre <@U0BOB> now +8x", "I could not read the end time `+8x`"),
        ("override sre <@U0BOB> now", "The end time is missing"),
        ("override Sr_e <@U0BOB> now +1h", "is not a schedule (or `schedule/layer`)"),
    ],
)
def test_mistakes_name_the_word_at_fault(text: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_oncall_command(text)
    assert problem in refused.value.message


def test_a_relative_end_counts_from_the_start_and_now_is_now() -> None:
    start, end = resolve_span(Later(timedelta(hours=2)), Later(timedelta(hours=8)), BERLIN, NOON)
    assert (start, end) == (NOON + timedelta(hours=2), NOON + timedelta(hours=10))
    assert resolve_span(WallClock(datetime(2026, 3, 10, 9, 0)), NOW, BERLIN, NOON) == (
        datetime(2026, 3, 10, 8, 0, tzinfo=UTC),
        NOON,
    )


def test_wall_clock_times_follow_the_dst_rules() -> None:
    # 29 March 2026: 02:30 does not exist in Berlin (the first instant after the gap is 03:00
    # CEST, 01:00 UTC); 25 October: 02:30 happens twice, and means the first (CEST, 00:30 UTC).
    gap, ambiguous = resolve_span(
        WallClock(datetime(2026, 3, 29, 2, 30)),
        WallClock(datetime(2026, 10, 25, 2, 30)),
        BERLIN,
        NOON,
    )
    assert gap == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert ambiguous == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_an_hourly_fortnight_fits_one_message() -> None:
    shifts = [
        Shift(
            NOON + timedelta(hours=h),
            NOON + timedelta(hours=h + 1),
            f"U0P{h % 7}",
            "p",
            Source.ROTATION,
        )
        for h in range(14 * 24)
    ]
    shown = Shown(BERLIN, False)
    blocks = build_shift_blocks(
        "sre", shifts, start=NOON, end=NOON + timedelta(days=14), shown=shown
    )
    assert validate_message_blocks(blocks) == []
    assert str(blocks).count("<@U0P") == 14 * 24  # every shift is listed
    many = [*shifts] * 20  # far more than one message holds: the rest are counted
    blocks = build_shift_blocks("sre", many, start=NOON, end=NOON + timedelta(days=14), shown=shown)
    assert validate_message_blocks(blocks) == []
    assert "more shifts." in str(blocks[-2])
    mine = build_my_shift_blocks([("sre", s) for s in shifts], days=14, shown=shown)
    assert validate_message_blocks(mine) == []


def test_the_override_form_is_a_valid_modal_even_with_many_schedules() -> None:
    layers = tuple(LayerDef(name=f"l{i}", users=("U0A",), rotation="daily") for i in range(3))
    schedules = [
        ScheduleDef(name=f"s{i}", timezone="Europe/Berlin", layers=layers) for i in range(120)
    ]
    assert validate_view(build_override_modal(schedules, channel="C0GENERAL")) == []
    assert validate_view(build_override_modal(schedules[:1])) == []


def test_handoff_messages_are_valid_and_keep_private_incidents_unnamed() -> None:
    view = HandoffView(
        handoff_id=1,
        schedule="sre",
        timezone="Europe/Berlin",
        at=NOON,
        outgoing=("U0ALICE",),
        incoming=(),
        until=NOON + timedelta(hours=3),
        next_person="U0BOB",
        since=NOON - timedelta(days=7),
        open_incidents=tuple(
            HandedOverIncident(
                n, f"Outage <!channel> {n}", "sev2", "investigating", n % 2 == 0, None
            )
            for n in range(40)
        ),
        fired=(Fired("incident", "Secret thing", NOON, 7, private=True),),
        fired_total=30,
        user_group="sre-oncall",
    )
    for _text, blocks in (
        build_incoming_dm(view),
        build_outgoing_dm(view),
        build_handoff_post(view),
    ):
        assert validate_message_blocks(blocks) == []
        assert "<!channel>" not in str(blocks) and "Secret thing" not in str(blocks)
    incoming = str(build_incoming_dm(view)[1])
    assert "…and 20 private incidents." in incoming and "…and 29 more." in incoming
    assert "Outage &lt;!channel&gt; 1" in incoming and "Outage &lt;!channel&gt; 0" not in incoming
    post = str(build_handoff_post(view)[1])
    assert "nobody is on call" in post and "Slack cannot empty a user group" in post
