"""What one check of `warroom doctor` found."""

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    """How one check came out."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Finding:
    """One check: what was checked, how it came out, and in a few words why."""

    check: str
    outcome: Outcome
    detail: str
