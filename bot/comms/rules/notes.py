"""What a stakeholder update says: a few plain facts about the incident, frozen when it is sent
(a retry sends what was said then, not what is true later). Each surface renders it its way."""

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

# "ETA 14:30 UTC", "eta: 30 minutes", "ETA - tomorrow 09:00": up to the end of the sentence.
_ETA = re.compile(
    r"\bETA\b[\s:=\-\u2013]*(?P<eta>[^\n;]+?)\s*(?:$|[\n;]|\.(?:\s|$))", re.IGNORECASE
)
MAX_ETA = 100
UPDATE, CUSTOMERS = "update", "customers"  # why the note is sent


@dataclass(frozen=True)
class StakeholderNote:
    """One stakeholder update: what it is about and what it says, in plain text."""

    reason: str  # UPDATE (someone shared one) or CUSTOMERS (customers became affected)
    reference: str  # INC-7
    title: str
    severity: str  # SEV1
    status: str  # Investigating
    customers_affected: bool
    impact: str
    message: str  # what was shared ("" for a customers notice)
    latest_update: str  # the latest status update, when it says more than `message`
    eta: str | None
    next_update_at: datetime | None
    channel_id: str | None  # the incident's room, where there is one
    channel_url: str | None
    by: str  # who shared it (a person's id, or a tool)
    at: datetime

    def to_payload(self) -> dict[str, Any]:
        """The note as JSON-safe values, for an outbox payload."""
        values = asdict(self)
        for name in ("next_update_at", "at"):
            value = values[name]
            values[name] = value.isoformat() if value is not None else None
        return values

    @classmethod
    def from_payload(cls, values: Mapping[str, Any]) -> "StakeholderNote":
        """The note back from `to_payload`'s values."""
        fields = dict(values)
        for name in ("next_update_at", "at"):
            value = fields.get(name)
            fields[name] = datetime.fromisoformat(value) if value else None
        return cls(**fields)


def find_eta(*texts: str) -> str | None:
    """The estimate given after `ETA` in the first text that has one, or None."""
    for text in texts:
        found = _ETA.search(text)
        if found and found.group("eta").strip():
            eta = " ".join(found.group("eta").split())
            return eta if len(eta) <= MAX_ETA else eta[: MAX_ETA - 1] + "…"
    return None


def latest_beside(message: str, latest_update: str | None) -> str:
    """The latest status update worth showing beside the message: none when it is the same."""
    latest = (latest_update or "").strip()
    return "" if not latest or latest == message.strip() else latest
