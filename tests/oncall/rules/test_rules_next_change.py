"""The next change of hands, found from the shifts around an instant on, is the first of all
the changes `find_changes` sees in the final shifts of random schedules."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oncall_rule_plans import plans, windows, zones

from bot.oncall.handoff_changes import find_changes, next_change
from bot.oncall.rules.layering import final_shifts

EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@EXAMPLES
@given(data=st.data(), zone=zones, cut=st.tuples(st.floats(0, 1), st.floats(0, 1)))
def test_the_next_change_is_the_first_change_find_changes_sees(
    data: st.DataObject, zone: ZoneInfo, cut: tuple[float, float]
) -> None:
    start, end = data.draw(windows(zone, longest_days=10))
    plan = data.draw(plans(zone, start))
    shifts = final_shifts(plan, start, end)
    after = start + (end - start) * min(cut)
    before = start + (end - start) * max(cut)
    # Instants on the shifts' edges too: the window's own ends are no change of hands.
    edges = [s.start for s in shifts] + [s.end for s in shifts]
    on_an_edge: bool = data.draw(st.booleans())
    if edges and on_an_edge:
        after = data.draw(st.sampled_from(edges))
        before = max(before, after + timedelta(minutes=1))
    if after <= start:
        after = start + timedelta(minutes=1)  # find_changes needs to know who was on before
    changes = [c.at for c in find_changes(shifts, after, before) if c.at < before]
    assert next_change(shifts, after, before) == (changes[0] if changes else None)
