"""Per service: incidents, impact time inside the period, and mean time between failures.

MTBF = (period length - the service's impact time within the period) / its incidents. Impact
time is the union of its incidents' [impact start, resolved) spans (an unresolved incident
runs to the period's end), cut to the period, so overlapping incidents count their overlap
once. Incidents naming no service are left out.
"""

from collections.abc import Iterable
from datetime import datetime

from bot.insights.definitions import Period, ServiceReliability
from bot.insights.rules.durations import IncidentTimes


def union_seconds(spans: Iterable[tuple[datetime, datetime]]) -> float:
    """Total seconds covered by `spans`, overlaps counted once."""
    total, reach = 0.0, None
    for start, end in sorted(spans):
        if reach is None or start > reach:
            total += (end - start).total_seconds()
            reach = end
        elif end > reach:
            total += (end - reach).total_seconds()
            reach = end
    return total


def reliability(rows: Iterable[IncidentTimes], period: Period) -> tuple[ServiceReliability, ...]:
    """Each named service's incidents, impact seconds and MTBF, most incidents first."""
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    counts: dict[str, int] = {}
    for row in rows:
        start = row.impact_start
        if start is None:
            continue
        end = min(row.resolved_at or period.end, period.end)
        span = (max(start, period.start), max(end, max(start, period.start)))
        for service in dict.fromkeys(row.services):
            counts[service] = counts.get(service, 0) + 1
            spans.setdefault(service, []).append(span)
    length = (period.end - period.start).total_seconds()
    found = []
    for service, count in counts.items():
        impact = union_seconds(spans[service])
        found.append(ServiceReliability(service, count, impact, (length - impact) / count))
    return tuple(sorted(found, key=lambda s: (-s.incidents, s.service)))
