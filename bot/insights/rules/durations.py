"""Each incident's durations, as the published definitions say (see bot.insights.definitions).

Impact start = `detected_at`, else `declared_at`. A duration whose end is not recorded is
unknown (None) and left out of the spreads; one that comes out negative (an acknowledgement
before the first page, say) counts from the declaration, and never below zero.

Figures are worked out on `IncidentMarks`: the times as whole microseconds since 1970 (UTC).
Subtracting those and dividing by 10**6 gives exactly the float `timedelta.total_seconds()`
gives, so a figure is the same to the last bit as one worked out on datetimes.
"""

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from bot.insights.definitions import IncidentFigures, MetricName
from storage.enums import Severity

MICROS = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
METRICS = tuple(MetricName)  # the order of `mark_durations`' tuple


class IncidentMarks(NamedTuple):
    """One incident as figures read it: its times in microseconds since 1970 UTC (None: not
    recorded). Title and status are
    only read for the rows a report lists."""

    id: int
    number: int
    severity: str  # a Severity value
    source: str  # an IncidentSource value
    services: tuple[str, ...]  # as stored
    distinct: tuple[str, ...]  # the services, each once
    drill: bool
    start: int  # the impact start: detected_at, else the declaration
    declared: int | None
    acknowledged: int | None
    identified: int | None
    mitigated: int | None
    resolved: int | None
    closed: int | None
    reviewed: int | None
    paged: int | None  # the first escalation that paged a level
    first_sent: int | None  # the first page sent
    ack_breached: bool
    updates_on_time: int  # status updates posted with no reminder since the one before
    updates_missed: int  # update reminders sent
    title: str = ""
    status: str = ""


def micros_of(moment: datetime) -> int:
    """`moment` (aware) as whole microseconds since 1970 UTC."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def moment_of(micros: int | None) -> datetime | None:
    """Microseconds since 1970 as an aware UTC datetime (None stays None)."""
    return None if micros is None else EPOCH + timedelta(microseconds=micros)


def _span(start: int | None, end: int | None) -> float | None:
    if start is None or end is None:
        return None
    took = end - start
    return took / MICROS if took > 0 else 0.0


def mark_durations(row: IncidentMarks) -> tuple[float | None, ...]:
    """The incident's five durations in seconds, in `METRICS` order (None: not recorded).

    MTTA starts at the first page (the earlier of the first escalation and the first send)
    when there was one before the acknowledgement, else at the declaration."""
    page, acked, sent = row.paged, row.acknowledged, row.first_sent
    if sent is not None and (page is None or sent < page):
        page = sent
    ack_from = page if page is not None and (acked is None or page <= acked) else row.declared
    start, resolved = row.start, row.resolved
    return (
        _span(ack_from, acked),
        _span(start, row.identified),
        _span(start, row.mitigated if row.mitigated is not None else resolved),
        _span(start, resolved),
        _span(row.declared, resolved),
    )


def figures_of(row: IncidentMarks) -> IncidentFigures:
    """The incident as a row of the CSV and the dashboard's tables."""
    return IncidentFigures(
        number=row.number,
        title=row.title,
        severity=Severity(row.severity),
        status=row.status,
        source=row.source,
        services=row.services,
        drill=row.drill,
        detected_at=moment_of(row.start),
        declared_at=moment_of(row.declared),
        acknowledged_at=moment_of(row.acknowledged),
        identified_at=moment_of(row.identified),
        mitigated_at=moment_of(row.mitigated),
        resolved_at=moment_of(row.resolved),
        durations=dict(zip(METRICS, mark_durations(row), strict=True)),
    )
