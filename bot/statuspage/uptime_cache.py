"""The uptime bars of every component, kept between reads of the page.

A component's bars change only with a new state row, the day, or time passing in its current
state. So each component's bars are kept with the id of its newest state row and the instant
they were worked out at; a later read whose row is the same, on the same day, carries them on
to now in the current state (`extend_uptime`), and only components with a new row are read and
worked out again. State rows are written one writer at a time (the status page lock), so their
ids grow in the order they commit: a newest id seen again means no row came in between.
"""

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.statuspage.definitions import ComponentStatus
from bot.statuspage.rules.uptime import Uptime, daily_uptime, extend_uptime, window_start
from storage.models import ComponentState
from storage.queries import statuspage as queries


@dataclass(frozen=True)
class _Kept:
    newest: int  # the component's newest state row when worked out (0: none)
    at: datetime
    uptime: Uptime


class UptimeCache:
    """Components' uptime bars, worked out again only where something changed."""

    def __init__(self, days: int) -> None:
        self.days = days
        self._kept: dict[str, _Kept] = {}
        self._lock = threading.Lock()

    def read(
        self,
        session: Session,
        names: Sequence[str],
        now: datetime,
        current: Mapping[str, ComponentState],
    ) -> dict[str, Uptime]:
        """The bars of these components at `now`; `current` is each one's newest state row."""
        found: dict[str, Uptime] = {}
        stale: list[str] = []
        for name in names:
            row = current.get(name)
            carried = self._carry(name, row, now)
            if carried is None:
                stale.append(name)
            else:
                found[name] = carried
        if stale:
            found.update(self._work_out(session, stale, now))
        with self._lock:
            for name in names:
                newest = (current[name].id or 0) if name in current else 0
                self._kept[name] = _Kept(newest, now, found[name])
        return found

    def _carry(self, name: str, row: ComponentState | None, now: datetime) -> Uptime | None:
        with self._lock:
            kept = self._kept.get(name)
        newest = (row.id or 0) if row is not None else 0
        if kept is None or kept.newest != newest or kept.at > now:
            return None
        if window_start(kept.at, self.days) != window_start(now, self.days):
            return None
        state = ComponentStatus(row.status) if row is not None else None
        return extend_uptime(kept.uptime, since=kept.at, now=now, state=state)

    def _work_out(self, session: Session, names: list[str], now: datetime) -> dict[str, Uptime]:
        start = window_start(now, self.days)
        before = queries.map_states_at(session, at=start, components=names)
        changes: dict[str, list[tuple[datetime, ComponentStatus]]] = {name: [] for name in names}
        for name, at, state in queries.list_state_changes(session, after=start, components=names):
            changes[name].append((at, ComponentStatus(state)))
        return {
            name: daily_uptime(
                changes[name],
                before=ComponentStatus(before[name]) if name in before else None,
                now=now,
                days=self.days,
            )
            for name in names
        }
