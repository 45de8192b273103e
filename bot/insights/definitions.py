"""What insights measure, as published: each metric names the timestamps it starts and ends
at, and every figure is given as a count, a mean, a median and a 90th percentile (a mean alone
misleads). The shapes here are what the service hands to every surface (Slack, the report,
the web app); none of them knows how it is shown.

`DEFINITIONS_VERSION` goes up whenever a definition changes meaning; the report, the JSON and
the dashboard print it beside the figures.
"""

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum

from storage.enums import Severity

DEFINITIONS_VERSION = 1


class MetricName(StrEnum):
    """The durations measured for each incident."""

    MTTA = "mtta"
    MTTI = "mtti"
    MTTM = "mttm"
    MTTR = "mttr"
    DECLARED_TO_RESOLVED = "declared_to_resolved"


@dataclass(frozen=True)
class MetricDefinition:
    """One duration: from which stored timestamp to which, in words."""

    name: MetricName
    title: str
    start: str  # the stored timestamp it starts at, in words
    end: str
    note: str = ""


DEFINITIONS: tuple[MetricDefinition, ...] = (
    MetricDefinition(
        MetricName.MTTA,
        "Mean time to acknowledge",
        "the first page (or the declaration, when nobody was paged)",
        "the first acknowledgement by a person",
        "Incidents nobody acknowledged are counted apart, not as zero.",
    ),
    MetricDefinition(
        MetricName.MTTI,
        "Mean time to identify",
        "the impact start (detected_at: the first alert, or the declaration; editable)",
        "identified",
    ),
    MetricDefinition(
        MetricName.MTTM,
        "Mean time to mitigate",
        "the impact start",
        "mitigated (or resolved, when it went straight there)",
    ),
    MetricDefinition(
        MetricName.MTTR,
        "Mean time to resolve",
        "the impact start",
        "resolved",
    ),
    MetricDefinition(
        MetricName.DECLARED_TO_RESOLVED,
        "Declared to resolved",
        "the declaration",
        "resolved",
        "Beside MTTR: the part of an incident Warroom ran.",
    ),
)


class PeriodKind(StrEnum):
    """The periods `/incident stats` and the dashboard offer."""

    DAYS_7 = "7d"
    DAYS_30 = "30d"
    DAYS_90 = "90d"
    QUARTER = "quarter"
    YEAR = "year"
    MONTH = "month"  # a calendar month (the monthly report)


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, cut in the team's zone; `label` says it to people."""

    kind: PeriodKind
    start: datetime
    end: datetime
    label: str
    zone: str = "UTC"


@dataclass(frozen=True)
class Filters:
    """Which incidents count: empty tuples mean all."""

    severities: tuple[Severity, ...] = ()
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class Spread:
    """A set of durations in seconds: how many, their mean, median and 90th percentile
    (None when there are none). Percentiles are nearest-rank (a duration that happened)."""

    n: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None


@dataclass(frozen=True)
class Share:
    """`part` of `whole`: e.g. updates posted on time of updates due."""

    part: int
    whole: int

    @property
    def ratio(self) -> float | None:
        """part / whole, or None when nothing was due."""
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class Count:
    """A labelled count (a week, a severity, a service, a person)."""

    key: str
    count: int


@dataclass(frozen=True)
class PersonLoad:
    """What the pager cost one person in the period."""

    user: str
    pages: int
    off_hours_pages: int
    hours_on_call: float


@dataclass(frozen=True)
class ActionItems:
    """Follow-ups of the period's incidents."""

    open: int
    overdue: int
    done: int


@dataclass(frozen=True)
class Reviews:
    """Postmortem reviews of the period's closed incidents."""

    due: int
    on_time: int  # reviewed within 7 days of closing
    late: int
    not_reviewed: int


@dataclass(frozen=True)
class ServiceReliability:
    """Per service: incidents, impact time, and MTBF = (period - impact) / incidents."""

    service: str
    incidents: int
    impact_s: float
    mtbf_s: float | None


@dataclass(frozen=True)
class IncidentFigures:
    """One incident as insights see it (a row of the CSV and of the dashboard's tables)."""

    number: int
    title: str
    severity: Severity
    status: str
    source: str
    services: tuple[str, ...]
    drill: bool
    detected_at: datetime | None
    declared_at: datetime | None
    acknowledged_at: datetime | None
    identified_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    durations: dict[MetricName, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Headlines:
    """The figures a period is compared by: what a trend shows of the period before."""

    period: Period
    filters: Filters
    incidents: int  # drills and tests excluded
    drills: int  # counted apart
    metrics: dict[MetricName, Spread]
    unacknowledged: int
    updates_on_time: Share
    ack_targets_breached: int


HEADLINE_FIELDS = tuple(f.name for f in fields(Headlines))


@dataclass(frozen=True)
class Insights:
    """Every figure for one period and filter: what every surface shows (the `Headlines`
    among them)."""

    period: Period
    filters: Filters
    incidents: int  # drills and tests excluded
    drills: int  # counted apart
    by_severity: tuple[Count, ...]
    by_service: tuple[Count, ...]
    by_source: tuple[Count, ...]
    per_week: tuple[Count, ...]  # key: the ISO date of the week's Monday, in the zone
    per_month: tuple[Count, ...]  # key: YYYY-MM
    metrics: dict[MetricName, Spread]
    unacknowledged: int
    updates_on_time: Share
    ack_targets_breached: int
    people: tuple[PersonLoad, ...]
    actions: ActionItems
    reviews: Reviews
    services: tuple[ServiceReliability, ...]
    version: int = DEFINITIONS_VERSION
    # For the charts: per severity value, the counts per week (in `per_week`'s order); per
    # `YYYY-MM`, each metric's spread over that month's incidents.
    per_week_by_severity: dict[str, tuple[Count, ...]] = field(default_factory=dict)
    per_month_metrics: dict[str, dict[MetricName, Spread]] = field(default_factory=dict)

    @property
    def headlines(self) -> Headlines:
        """This period's headline figures."""
        return Headlines(**{name: getattr(self, name) for name in HEADLINE_FIELDS})


@dataclass(frozen=True)
class Trend:
    """The period's figures beside the previous period's headlines (the same length)."""

    current: Insights
    previous: Headlines


@dataclass(frozen=True)
class MonthlyReport:
    """The monthly report: the month's figures, the previous month's, and its incidents."""

    month: date  # the first day of the month
    trend: Trend
    previous: Insights  # every figure of the month before (the trend has its headlines)
    rows: tuple[IncidentFigures, ...]
    # The six months up to and including this one, for the trend chart (None: not read).
    history: Insights | None = None
