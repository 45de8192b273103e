"""Per service: incidents, impact time inside the period, and mean time between failures.

MTBF = (period length - the service's impact time within the period) / its incidents. Impact
time is the union of its incidents' [impact start, resolved) spans (an unresolved incident
runs to the period's end), cut to the period, so overlapping incidents count their overlap
once. Incidents naming no service are left out.
"""

from collections.abc import Iterable
from datetime import datetime

from bot.insights.definitions import Period, ServiceReliability
from bot.insights.rules.durations import MICROS, IncidentMarks, micros_of


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


def union_micros(spans: Iterable[tuple[int, int]]) -> float:
    """`union_seconds` of spans given in microseconds: the same float, piece by piece."""
    total, reach = 0.0, None
    for start, end in sorted(spans):
        if reach is None or start > reach:
            total += (end - start) / MICROS
            reach = end
        elif end > reach:
            total += (end - reach) / MICROS
            reach = end
    return total


def reliability(rows: Iterable[IncidentMarks], period: Period) -> tuple[ServiceReliability, ...]:
    """Each named service's incidents, impact seconds and MTBF, most incidents first."""
    spans: dict[str, list[tuple[int, int]]] = {}
    counts: dict[str, int] = {}
    first, last = micros_of(period.start), micros_of(period.end)
    for row in rows:
        if not row.distinct:
            continue
        end = last if row.resolved is None else min(row.resolved, last)
        begin = max(row.start, first)
        span = (begin, max(end, begin))
        for service in row.distinct:
            counts[service] = counts.get(service, 0) + 1
            spans.setdefault(service, []).append(span)
    length = (period.end - period.start).total_seconds()
    found = []
    for service, count in counts.items():
        impact = union_micros(spans[service])
        found.append(ServiceReliability(service, count, impact, (length - impact) / count))
    return tuple(sorted(found, key=lambda s: (-s.incidents, s.service)))
