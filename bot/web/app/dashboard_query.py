"""What the dashboard's GET form asks for: a period and the severities and services to count.

The form is plain HTML (it works without JavaScript), so the query arrives as repeated keys:
`?period=90d&severity=sev1&severity=sev2&service=checkout`. Anything else is refused with a
sentence saying what is accepted.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from bot.insights.definitions import Filters, PeriodKind
from storage.enums import Severity

PERIODS: tuple[PeriodKind, ...] = (
    PeriodKind.DAYS_7,
    PeriodKind.DAYS_30,
    PeriodKind.DAYS_90,
    PeriodKind.QUARTER,
    PeriodKind.YEAR,
)
PERIOD_WORDS = {
    PeriodKind.DAYS_7: "Last 7 days",
    PeriodKind.DAYS_30: "Last 30 days",
    PeriodKind.DAYS_90: "Last 90 days",
    PeriodKind.QUARTER: "Quarter to date",
    PeriodKind.YEAR: "Year to date",
}
DEFAULT_PERIOD = PeriodKind.DAYS_30
KEYS = ("period", "severity", "service")
MAX_VALUES = 50  # more repeated keys than any form sends is not a person choosing


class BadQuery(ValueError):
    """A query the dashboard cannot answer; the message says what is accepted."""


@dataclass(frozen=True)
class Query:
    """The period asked for and which incidents count."""

    period: PeriodKind
    filters: Filters

    def pairs(self) -> list[tuple[str, str]]:
        """The query as the form sends it (for links that keep the filters)."""
        return [
            ("period", self.period.value),
            *(("severity", s.value) for s in self.filters.severities),
            *(("service", s) for s in self.filters.services),
        ]


def parse_query(items: Sequence[tuple[str, str]]) -> Query:
    """The dashboard query from the URL's (key, value) pairs; BadQuery saying what is accepted.
    Service names are only trimmed here: `check_services` says whether incidents name them."""
    unknown = sorted({key for key, _ in items if key not in KEYS})
    if unknown:
        raise BadQuery(f"unknown parameter {unknown[0]!r}: the dashboard takes {', '.join(KEYS)}")
    if len(items) > MAX_VALUES:
        raise BadQuery(f"too many values: at most {MAX_VALUES} in all")
    services = [value.strip() for key, value in items if key == "service"]
    return Query(
        _period([value for key, value in items if key == "period"]),
        Filters(
            severities=_severities([v for k, v in items if k == "severity"]),
            services=tuple(dict.fromkeys(services)),
        ),
    )


def check_services(query: Query, known: Sequence[str]) -> None:
    """BadQuery naming the services there are when the query names one no incident names."""
    for name in query.filters.services:
        if name not in known:
            listed = ", ".join(known) if known else "none yet (no incident names a service)"
            raise BadQuery(f"unknown service {_shown(name)}: the services are {listed}")


def _period(values: list[str]) -> PeriodKind:
    choices = ", ".join(p.value for p in PERIODS)
    if len(values) > 1:
        raise BadQuery(f"give one period, not {len(values)}: one of {choices}")
    if not values or not values[0].strip():
        return DEFAULT_PERIOD
    for period in PERIODS:
        if values[0].strip().lower() == period.value:
            return period
    raise BadQuery(f"unknown period {_shown(values[0])}: use one of {choices}")


def _severities(values: list[str]) -> tuple[Severity, ...]:
    chosen: list[Severity] = []
    for value in values:
        try:
            chosen.append(Severity(value.strip().lower()))
        except ValueError:
            choices = ", ".join(s.value for s in Severity)
            raise BadQuery(f"unknown severity {_shown(value)}: use {choices}") from None
    return tuple(s for s in Severity if s in chosen)  # in order, once each


def _shown(value: str) -> str:
    """The refused value, quoted and cut short (it is shown back, escaped, on the page)."""
    return repr(value if len(value) <= 60 else value[:60] + "…")
