"""Spreads of durations: count, mean, median and 90th percentile.

Percentiles are nearest-rank: the p-th percentile of n sorted values is the value at rank
ceil(p/100 x n) (1-based). It is always a duration that happened; the median is the 50th
percentile, so with an even count it is the lower of the two middle values.
"""

import math
from collections.abc import Iterable, Sequence

from bot.insights.definitions import Spread

EMPTY = Spread(0, None, None, None)


def nearest_rank(ordered: Sequence[float], percent: float) -> float:
    """The `percent`-th percentile of `ordered` (sorted ascending, not empty), nearest-rank."""
    if not ordered:
        raise ValueError("no values")
    if not 0 < percent <= 100:
        raise ValueError(f"percent must be in (0, 100], got {percent}")
    rank = max(1, math.ceil(percent / 100 * len(ordered) - 1e-9))
    return ordered[rank - 1]


def spread_of(durations: Iterable[float | None]) -> Spread:
    """The spread of the known durations (None ones are left out)."""
    ordered = sorted(d for d in durations if d is not None)
    if not ordered:
        return EMPTY
    return Spread(
        n=len(ordered),
        mean_s=math.fsum(ordered) / len(ordered),
        median_s=nearest_rank(ordered, 50),
        p90_s=nearest_rank(ordered, 90),
    )
