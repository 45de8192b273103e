"""Parsing the insights and correction commands (Slack command syntax). Pure: no I/O.

`/incident stats [7d|30d|90d|quarter|year]` posts the headline numbers where it was typed;
`/incident timestamps` opens the form that corrects an incident's times; `/incident drill
on|off` marks an incident as a drill or test; `--drill` in a declaration declares one.
"""

import re
from dataclasses import dataclass

from bot.insights.definitions import PeriodKind
from bot.kernel.errors import InvalidInput
from bot.slack.mrkdwn import escape_mrkdwn, plain_from_slack

# The periods `/incident stats` offers (a calendar month is the monthly report's).
STATS_PERIODS: tuple[PeriodKind, ...] = (
    PeriodKind.DAYS_7,
    PeriodKind.DAYS_30,
    PeriodKind.DAYS_90,
    PeriodKind.QUARTER,
    PeriodKind.YEAR,
)
DEFAULT_PERIOD = PeriodKind.DAYS_30
STATS_USAGE = "|".join(kind.value for kind in STATS_PERIODS)
# Slack clients may turn `--` into a dash as it is typed.
_DRILL_FLAG = re.compile(r"(?:^|\s)(?:--|\u2014|\u2013)drill(?=\s|$)", re.IGNORECASE)
_ON = frozenset({"on", "yes", "true"})
_OFF = frozenset({"off", "no", "false"})


@dataclass(frozen=True)
class ShowStats:
    """Post the headline numbers of a period in the channel where it was asked."""

    period: PeriodKind = DEFAULT_PERIOD


@dataclass(frozen=True)
class CorrectTimes:
    """Open the form that corrects the incident's times."""


@dataclass(frozen=True)
class MarkDrill:
    """Mark the incident as a drill or test, or not any more."""

    drill: bool


def parse_stats(rest: str, _user: str) -> ShowStats:
    """`stats` alone is the last 30 days; anything but the offered periods says what is."""
    words = rest.split()
    if not words:
        return ShowStats()
    word = words[0].lower()
    if len(words) > 1 or word not in {kind.value for kind in STATS_PERIODS}:
        shown = escape_mrkdwn(plain_from_slack(rest.strip()))[:40]
        raise InvalidInput(
            f"Unknown period `{shown}`: use `/incident stats [{STATS_USAGE}]` (30d when left out)."
        )
    return ShowStats(PeriodKind(word))


def parse_timestamps(rest: str, _user: str) -> CorrectTimes:
    """`timestamps` takes nothing: the form asks for the times."""
    if rest.strip():
        raise InvalidInput("`/incident timestamps` takes nothing: it opens a form with the times.")
    return CorrectTimes()


def parse_drill(rest: str, _user: str) -> MarkDrill:
    """`drill on` or `drill off`."""
    word = rest.strip().lower()
    if word in _ON:
        return MarkDrill(drill=True)
    if word in _OFF:
        return MarkDrill(drill=False)
    raise InvalidInput(
        "Say `/incident drill on` (a drill or test: left out of insights) or `/incident drill off`."
    )


def take_drill_flag(rest: str) -> tuple[str, bool]:
    """The declaration's text without `--drill`, and whether it was there."""
    if not _DRILL_FLAG.search(rest):
        return rest, False
    return " ".join(_DRILL_FLAG.sub(" ", rest).split()), True
