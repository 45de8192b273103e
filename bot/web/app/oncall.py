"""The on-call page of `/app`: for each schedule, who is on call now (and on each layer), until
when and who is next, then each layer's shifts over the coming weeks (`?weeks=1..8`)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request, Response

from bot.oncall.rules.shifts import Shift
from bot.oncall.service import OnCallNow, OncallService
from bot.web.app.shell import render_message, render_page

DEFAULT_WEEKS = 2
MAX_WEEKS = 8
Names = Callable[[list[str]], Awaitable[dict[str, str]]]


@dataclass(frozen=True)
class LayerView:
    """One layer: who holds it now and its shifts ahead."""

    name: str
    now: Shift | None
    shifts: list[Shift]


@dataclass(frozen=True)
class ScheduleView:
    """One schedule as the page shows it."""

    name: str
    timezone: str
    now: OnCallNow
    layers: list[LayerView]


async def _no_names(_ids: list[str]) -> dict[str, str]:
    return {}


async def read_schedules(oncall: OncallService, now: datetime, weeks: int) -> list[ScheduleView]:
    """Every schedule's state at `now` and its layers' shifts over the next `weeks`."""
    end = now + timedelta(weeks=weeks)
    views = []
    for current in await oncall.who(at=now):
        schedule = oncall.schedule(current.schedule)
        layers = [
            LayerView(
                layer.name,
                current.layers.get(layer.name),
                await oncall.layer_shifts(schedule.name, layer.name, now, end),
            )
            for layer in schedule.layers
        ]
        views.append(ScheduleView(schedule.name, schedule.timezone, current, layers))
    return views


def _people(views: list[ScheduleView]) -> list[str]:
    shifts = [v.now.shift for v in views] + [v.now.next for v in views]
    shifts += [s for v in views for layer in v.layers for s in [layer.now, *layer.shifts]]
    return list(dict.fromkeys(s.user for s in shifts if s is not None))


def build_oncall_page(oncall: OncallService, names: Names | None = None) -> APIRouter:
    """`GET /oncall`: every schedule from `warroom.yml`."""
    router = APIRouter()
    named = names or _no_names

    @router.get("/oncall")
    async def oncall_page(request: Request, weeks: str = str(DEFAULT_WEEKS)) -> Response:
        if not weeks.isdigit() or not 1 <= int(weeks) <= MAX_WEEKS:
            return render_message(
                request, 400, "This view cannot be read", f"weeks must be 1 to {MAX_WEEKS}."
            )
        now = oncall.clock().astimezone(UTC)
        views = await read_schedules(oncall, now, int(weeks))
        people = await named(_people(views))
        return render_page(
            request,
            "app/oncall.html.j2",
            {
                "title": "On call",
                "schedules": views,
                "weeks": int(weeks),
                "max_weeks": MAX_WEEKS,
                "now": now,
                "person": lambda user: people.get(user, user),
            },
        )

    return router
