"""Schedules for the on-call tests, written as warroom.yml would give them."""

from dataclasses import replace
from datetime import date

from bot.oncall.config import HolidayDef, LayerDef, ScheduleDef

ANCHOR = date(2026, 1, 5)  # a Monday


def weekly(name: str, *users: str, restrict: str | None = None) -> LayerDef:
    """A layer handing off on Mondays at 09:00."""
    return LayerDef(
        name=name,
        users=users,
        rotation="weekly",
        handoff="monday 09:00",
        start=ANCHOR,
        restrict=restrict,
    )


def sre(
    *users: str,
    secondary: tuple[str, ...] = (),
    holidays: HolidayDef | None = None,
    name: str = "sre",
) -> ScheduleDef:
    """The issue's `sre` schedule in Europe/Berlin: a weekly primary, maybe a secondary."""
    layers = [weekly("primary", *users)]
    if secondary:
        layers.append(weekly("secondary", *secondary))
    return ScheduleDef(name=name, timezone="Europe/Berlin", layers=tuple(layers), holidays=holidays)


def with_users(schedule: ScheduleDef, layer: str, *users: str) -> ScheduleDef:
    """The same schedule with one layer's people changed, as an edit of warroom.yml would."""
    layers = tuple(
        replace(each, users=users) if each.name == layer else each for each in schedule.layers
    )
    return replace(schedule, layers=layers)


# The same schedule as `sre()`'s primary layer alone, as warroom.yml text.
SRE_YML = """\
schedules:
  - name: sre
    timezone: Europe/Berlin
    layers:
      - name: primary
        users: [U0ALICE, U0BOB]
        rotation: weekly
        handoff: "monday 09:00"
        start: 2026-01-05
"""
