"""The public status pages as HTML: Jinja2 templates under `templates/status/`, autoescaped,
with the filters they share (state words, UTC times) and the uptime bars laid out ahead."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.statuspage.definitions import Branding, ComponentStatus
from bot.statuspage.rules.uptime import Uptime
from bot.statuspage.rules.views import ComponentView, HistoryPage, PageView, PublicIncidentView

_SOURCE_TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
_WORDS = {
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "under_maintenance": "Under maintenance",
    "in_progress": "In progress",
    "none": "None",
}
_BAR_STEP = 5  # SVG units from one day's bar to the next (bars are 3 wide)


def templates_root() -> Path:
    """The folder holding `status/` (and `email/`): the wheel's copy, else the source tree's."""
    packaged = resources.files("bot").joinpath("_bundled", "templates")
    if isinstance(packaged, Path) and (packaged / "status").is_dir():
        return packaged
    return _SOURCE_TEMPLATES


def label(value: Any) -> str:
    """A state, status or impact in words: `partial_outage` → `Partial outage`."""
    word = value.value if isinstance(value, StrEnum) else str(value)
    return _WORDS.get(word, word.replace("_", " ").capitalize())


def when(moment: datetime) -> str:
    """`4 Dec 2026, 12:00 UTC`."""
    at = moment.astimezone(UTC)
    return f"{at.day} {at:%b %Y, %H:%M} UTC"


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC, for `<time datetime>`."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Mark:
    """A day worth a tooltip (it was not simply operational): where, its colour, its figures."""

    x: int
    state: str
    title: str


@dataclass(frozen=True)
class Bars:
    """A component's bars as drawn: one path per colour for the plain days (operational, no
    data), a mark with a tooltip for each other day, and the line under them."""

    paths: tuple[tuple[str, str], ...]
    marks: tuple[Mark, ...]
    width: int
    days: int
    summary: str


def lay_out(uptime: Uptime) -> Bars:
    """The bars of `uptime`, oldest on the left. Plain days share a path, so 90 days of 50
    components stay a small page."""
    plain: dict[str, list[str]] = {}
    marks = []
    for index, day in enumerate(uptime.days):
        worst = day.worst
        if worst is None or not day.known_seconds:
            plain.setdefault("none", []).append(_square(index))
        elif worst is ComponentStatus.OPERATIONAL:
            plain.setdefault("operational", []).append(_square(index))
        else:
            shown = f"{day.day.day} {day.day:%b %Y}"
            share = _percent(100 * day.up_seconds / day.known_seconds)
            title = f"{shown}: {share} up, {label(worst).lower()}"
            marks.append(Mark(index * _BAR_STEP, worst.value, title))
    percent = uptime.percent
    summary = "no data yet" if percent is None else f"{_percent(percent)} uptime"
    return Bars(
        tuple((state, "".join(parts)) for state, parts in plain.items()),
        tuple(marks),
        max(len(uptime.days) * _BAR_STEP - 2, 1),
        len(uptime.days),
        summary,
    )


@lru_cache(maxsize=400)
def _square(index: int) -> str:
    """The path of day `index`'s bar."""
    return f"M{index * _BAR_STEP} 0h3v28h-3z"


def _percent(value: float) -> str:
    # Never round a bad day up to 100 %: 99.996 shows as 99.99.
    return "100%" if value >= 100 else f"{int(value * 100) / 100:.2f}%"


def group_components(
    components: Sequence[ComponentView],
) -> list[tuple[str | None, list[ComponentView]]]:
    """Components by group, in the order of each group's first member; ungrouped ones alone."""
    groups: list[tuple[str | None, list[ComponentView]]] = []
    index: dict[str, list[ComponentView]] = {}
    for component in components:
        if component.group is None:
            groups.append((None, [component]))
        elif component.group in index:
            index[component.group].append(component)
        else:
            index[component.group] = [component]
            groups.append((component.group, index[component.group]))
    return groups


class StatusPages:
    """Renders the public pages of one status page."""

    def __init__(self, branding: Branding, page_url: str, root: Path | None = None) -> None:
        self.branding = branding
        self.page_url = page_url
        self.env = Environment(
            loader=FileSystemLoader(str(root or templates_root())),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(label=label, when=when, iso=iso)

    def _render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(
            page=self.branding, page_url=self.page_url, **context
        )

    def page(self, view: PageView, uptimes: Mapping[str, Uptime]) -> str:
        """`/status`."""
        return self._render(
            "status/page.html.j2",
            view=view,
            groups=group_components(view.components),
            uptimes={name: lay_out(uptime) for name, uptime in uptimes.items()},
        )

    def incident(self, incident: PublicIncidentView) -> str:
        """`/status/incidents/<id>`."""
        return self._render("status/incident.html.j2", incident=incident)

    def history(self, history: HistoryPage) -> str:
        """`/status/history`."""
        return self._render("status/history.html.j2", history=history)

    def not_found(self, reason: str) -> str:
        """A page saying what was not found."""
        return self._render("status/not_found.html.j2", reason=reason)
