"""Finding handoffs in final shifts: a change of hands, a gap and its end are handoffs; pieces of
one person's time that touch are not; only instants inside the window count."""

from datetime import UTC, datetime, timedelta

from bot.oncall.handoff_changes import (
    Change,
    find_changes,
    next_change,
    users_at,
    users_before,
)
from bot.oncall.rules.shifts import Shift, Source

T = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


def shift(
    start: int, end: int, user: str, layer: str = "primary", source: Source = Source.ROTATION
) -> Shift:
    return Shift(T + start * H, T + end * H, user, layer, source)


def test_changes_of_hands_gaps_and_their_ends() -> None:
    shifts = [
        shift(-10, 0, "U0ALICE"),
        shift(0, 2, "U0BOB"),
        shift(3, 5, "U0CAROL"),  # nobody from +2 h to +3 h
    ]
    assert find_changes(shifts, T - H, T + 6 * H) == [
        Change(T, ("U0ALICE",), ("U0BOB",)),
        Change(T + 2 * H, ("U0BOB",), ()),
        Change(T + 3 * H, (), ("U0CAROL",)),
        Change(T + 5 * H, ("U0CAROL",), ()),
    ]


def test_the_same_person_from_another_layer_or_an_override_is_no_handoff() -> None:
    shifts = [
        shift(-2, 0, "U0BOB"),
        shift(0, 1, "U0BOB", layer="", source=Source.OVERRIDE),
        shift(1, 2, "U0BOB", layer="daytime"),
    ]
    assert find_changes(shifts, T - H, T + H) == []
    assert next_change(shifts, T - H, T + 3 * H) == T + 2 * H  # bob's time ends


def test_the_next_change_is_the_first_one_after_an_instant_and_before_another() -> None:
    shifts = [shift(-2, 0, "U0ALICE"), shift(0, 2, "U0BOB"), shift(3, 5, "U0CAROL")]
    assert next_change(shifts, T - H, T + 9 * H) == T
    assert next_change(shifts, T, T + 9 * H) == T + 2 * H  # bob to nobody
    assert next_change(shifts, T + 2 * H, T + 9 * H) == T + 3 * H  # nobody to carol
    assert next_change(shifts, T + 4 * H, T + 9 * H) == T + 5 * H
    assert next_change(shifts, T + 5 * H, T + 9 * H) is None
    assert next_change(shifts, T - H, T) is None  # the end itself is not looked at
    assert next_change([], T, T + H) is None


def test_only_instants_in_the_window_count_its_start_excluded_its_end_included() -> None:
    shifts = [shift(-3, -1, "U0ALICE"), shift(-1, 0, "U0BOB"), shift(0, 4, "U0CAROL")]
    assert [c.at for c in find_changes(shifts, T - H, T)] == [T]
    assert [c.at for c in find_changes(shifts, T - 2 * H, T - H)] == [T - H]


def test_who_is_on_at_and_just_before_an_instant() -> None:
    shifts = [shift(-1, 0, "U0ALICE"), shift(0, 1, "U0BOB")]
    assert users_at(shifts, T) == ("U0BOB",)
    assert users_before(shifts, T) == ("U0ALICE",)
    assert users_at(shifts, T + H) == ()
