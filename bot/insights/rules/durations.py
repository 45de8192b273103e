"""Each incident's durations, as the published definitions say (see bot.insights.definitions).

Impact start = `detected_at`, else `declared_at`. A duration whose end is not recorded is
unknown (None) and left out of the spreads; one that comes out negative (an acknowledgement
before the first page, say) counts from the declaration, and never below zero.
"""

from dataclasses import dataclass
from datetime import datetime

from bot.insights.definitions import IncidentFigures, MetricName
from storage.enums import IncidentSource, Severity, Status


@dataclass(frozen=True)
class IncidentTimes:
    """The columns insights read of one incident, plus its first page (None: never paged)."""

    id: int
    number: int
    title: str
    severity: Severity
    status: Status
    source: IncidentSource
    services: tuple[str, ...]
    drill: bool
    detected_at: datetime | None
    declared_at: datetime | None
    acknowledged_at: datetime | None
    identified_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None = None
    reviewed_at: datetime | None = None
    ack_breached_at: datetime | None = None
    paged_at: datetime | None = None

    @property
    def impact_start(self) -> datetime | None:
        """When the impact began: detected_at, else the declaration."""
        return self.detected_at or self.declared_at


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def ack_start(row: IncidentTimes) -> datetime | None:
    """MTTA's start: the first page when there was one before the acknowledgement, else the
    declaration."""
    page = row.paged_at
    if page is not None and (row.acknowledged_at is None or page <= row.acknowledged_at):
        return page
    return row.declared_at


def durations_of(row: IncidentTimes) -> dict[MetricName, float | None]:
    """The incident's five durations in seconds (None: its end is not recorded)."""
    start = row.impact_start
    return {
        MetricName.MTTA: _seconds(ack_start(row), row.acknowledged_at),
        MetricName.MTTI: _seconds(start, row.identified_at),
        MetricName.MTTM: _seconds(start, row.mitigated_at or row.resolved_at),
        MetricName.MTTR: _seconds(start, row.resolved_at),
        MetricName.DECLARED_TO_RESOLVED: _seconds(row.declared_at, row.resolved_at),
    }


def figures_of(row: IncidentTimes) -> IncidentFigures:
    """The incident as a row of the CSV and the dashboard's tables."""
    return IncidentFigures(
        number=row.number,
        title=row.title,
        severity=row.severity,
        status=row.status.value,
        source=row.source.value,
        services=row.services,
        drill=row.drill,
        detected_at=row.impact_start,
        declared_at=row.declared_at,
        acknowledged_at=row.acknowledged_at,
        identified_at=row.identified_at,
        mitigated_at=row.mitigated_at,
        resolved_at=row.resolved_at,
        durations=durations_of(row),
    )
