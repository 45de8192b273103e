"""A schedule as the rules see it: stored roster versions, overrides, holidays, feed copies."""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays as holiday_calendars
from sqlmodel import Session

from bot.oncall.config import HolidayDef, ScheduleDef, is_email
from bot.oncall.ports import FeedShifts
from bot.oncall.rosters import POSITION, layer_definition, stored_restriction, stored_rotation
from bot.oncall.rules.layering import LayerPlan, OverridePlan, RosterVersion, SchedulePlan
from storage.models import OncallOverride, OncallRoster
from storage.queries import oncall as queries


@dataclass(frozen=True)
class BuiltPlans:
    """Plans by schedule name, and the e-mails they looked up in the people directory with
    the user ids found (an e-mail not found is not in `emails`)."""

    plans: dict[str, SchedulePlan]
    looked_up: tuple[str, ...]
    emails: dict[str, str]


def build_plans(
    session: Session,
    schedules: Sequence[ScheduleDef],
    *,
    years: Iterable[int],
    feeds: FeedShifts | None,
) -> BuiltPlans:
    """Everything the rules need to say who is on call in each of `schedules`, read in
    `session` with one query per table."""
    names = [schedule.name for schedule in schedules]
    rosters: dict[str, list[OncallRoster]] = defaultdict(list)
    for row in queries.list_rosters(session, schedules=names):
        rosters[row.schedule].append(row)
    overrides: dict[str, list[OncallOverride]] = defaultdict(list)
    for override in queries.list_overrides(session, schedules=names, with_past=True):
        overrides[override.schedule].append(override)
    wanted = tuple(dict.fromkeys(e for s in schedules for e in _emails(s, rosters[s.name])))
    emails = queries.map_emails(session, emails=list(wanted))
    years = tuple(sorted(set(years)))
    plans = {
        schedule.name: SchedulePlan(
            name=schedule.name,
            zone=schedule.zone,
            layers=_layers(session, schedule, rosters[schedule.name], emails, feeds),
            overrides=_overrides(overrides[schedule.name]),
            holidays=holiday_dates(schedule.holidays, years),
            holiday_cover=_cover(schedule, emails),
        )
        for schedule in schedules
    }
    return BuiltPlans(plans, wanted, emails)


def _cover(schedule: ScheduleDef, emails: Mapping[str, str]) -> str | None:
    cover = schedule.holidays.cover if schedule.holidays else None
    return emails.get(cover, cover) if cover else None


def holiday_dates(config: HolidayDef | None, years: Iterable[int]) -> frozenset[date]:
    """The public holidays of the schedule's country (and subdivision) in `years`."""
    if config is None:
        return frozenset()
    return _holidays(config.country, config.subdivision, tuple(sorted(set(years))))


@lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str | None, years: tuple[int, ...]) -> frozenset[date]:
    calendar = holiday_calendars.country_holidays(country, subdiv=subdivision, years=years)
    return frozenset(calendar.keys())


def _emails(schedule: ScheduleDef, rosters: Sequence[OncallRoster]) -> list[str]:
    named = [*schedule.people, *(user for row in rosters for user in row.users)]
    return [user for user in dict.fromkeys(named) if is_email(user)]


def _layers(
    session: Session,
    schedule: ScheduleDef,
    rosters: Sequence[OncallRoster],
    emails: Mapping[str, str],
    feeds: FeedShifts | None,
) -> tuple[LayerPlan, ...]:
    """The file's layers in order; a layer gone from the file keeps the place it last had,
    so the past it covered stays its own."""
    by_layer: dict[str, list[OncallRoster]] = defaultdict(list)
    for row in rosters:
        by_layer[row.layer].append(row)
    plans: list[LayerPlan] = []
    for layer in schedule.layers:
        if layer.ical is not None:
            fixed = feeds.shifts_in(session, schedule.name, layer.name) if feeds else ()
            plans.append(LayerPlan(layer.name, fixed=tuple(fixed)))
            continue
        rows = by_layer.get(layer.name)
        if not rows:
            # Not synced yet: what the first sync will store.
            rows = [
                OncallRoster(
                    schedule=schedule.name,
                    layer=layer.name,
                    users=list(layer.users),
                    rotation=layer_definition(schedule, layer),
                )
            ]
        plans.append(LayerPlan(layer.name, versions=_versions(rows, emails)))
    in_file = {layer.name for layer in schedule.layers}
    gone = [(name, rows) for name, rows in by_layer.items() if name not in in_file]
    for name, rows in sorted(gone, key=lambda item: int(item[1][-1].rotation.get(POSITION, 0))):
        place = min(int(rows[-1].rotation.get(POSITION, 0)), len(plans))
        plans.insert(place, LayerPlan(name, versions=_versions(rows, emails)))
    return tuple(plans)


def _versions(rows: Sequence[OncallRoster], emails: Mapping[str, str]) -> tuple[RosterVersion, ...]:
    return tuple(
        RosterVersion(
            effective_from=row.effective_from,
            # An e-mail not resolved yet keeps its place, so nobody's turn moves when it is.
            users=tuple(emails.get(user, user) for user in row.users),
            rotation=stored_rotation(row.rotation),
            restriction=stored_restriction(row.rotation),
        )
        for row in rows
    )


def _overrides(rows: Sequence[OncallOverride]) -> tuple[OverridePlan, ...]:
    # The rules let later overrides win: the one made last is the later one. A removed
    # override held until it was removed, so the shifts it already covered stay as they were;
    # one removed before it began never held.
    plans = []
    for row in sorted(rows, key=lambda row: row.id or 0):
        if row.start_at is None or row.end_at is None:
            continue
        end = min(row.end_at, row.removed_at) if row.removed_at is not None else row.end_at
        if end > row.start_at:
            plans.append(OverridePlan(user=row.user, start=row.start_at, end=end, layer=row.layer))
    return tuple(plans)
