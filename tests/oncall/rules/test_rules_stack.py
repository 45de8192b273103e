"""Stacking levels of shifts from the top down gives what the general overlay gives: the
same pieces, the same people, touching pieces of one person joined."""

from datetime import timedelta
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oncall_rule_plans import EPOCH, MINUTE

from bot.oncall.rules.overlay import overlay, stack
from bot.oncall.rules.shifts import Shift, Source

EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
USERS = ["U0ANA", "U0BEN", "U0CY"]


@st.composite
def levels(draw: st.DrawFn) -> list[list[Shift]]:
    """One to five levels, each of shifts that do not overlap (some touching, some apart),
    over a day, of few people, so that neighbours are often the same person."""
    found = []
    for rank in range(draw(st.integers(1, 5))):
        cuts = sorted(set(draw(st.lists(st.integers(0, 1440), min_size=2, max_size=24))))
        level = []
        for lo, hi in pairwise(cuts):
            if draw(st.integers(0, 3)) == 0:
                continue  # a gap
            user = draw(st.sampled_from(USERS))
            layer = draw(st.sampled_from([f"layer{rank}", f"layer{rank}", ""]))
            source = draw(st.sampled_from([Source.ROTATION, Source.OVERRIDE]))
            level.append(Shift(EPOCH + lo * MINUTE, EPOCH + hi * MINUTE, user, layer, source))
        found.append(level)
    return found


@EXAMPLES
@given(levels())
def test_stacking_is_the_overlay(drawn: list[list[Shift]]) -> None:
    ranked = [(rank, shift) for rank, level in enumerate(drawn) for shift in level]
    assert stack(drawn) == overlay(ranked, merge_same_person=True)


def test_a_level_shows_only_where_the_levels_above_do_not() -> None:
    def at(start: int, end: int, user: str, layer: str) -> Shift:
        hour = timedelta(hours=1)
        return Shift(EPOCH + start * hour, EPOCH + end * hour, user, layer, Source.ROTATION)

    week = [at(0, 168, "U0ANA", "weekly")]
    office = [at(9, 18, "U0BEN", "office"), at(33, 42, "U0CY", "office")]
    assert stack([week, office]) == [
        at(0, 9, "U0ANA", "weekly"),
        *office[:1],
        at(18, 33, "U0ANA", "weekly"),
        *office[1:],
        at(42, 168, "U0ANA", "weekly"),
    ]
