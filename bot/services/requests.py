"""Typed inputs to the incident use cases."""

from dataclasses import dataclass, field
from datetime import datetime

from storage.enums import Severity, Status


@dataclass(frozen=True)
class DeclareRequest:
    """Everything needed to declare an incident."""

    title: str
    declared_by: str
    severity: Severity = Severity.SEV3
    summary: str = ""
    services: list[str] = field(default_factory=list)
    private: bool = False
    commander: str | None = None
    idempotency_key: str | None = None
    detected_at: datetime | None = None
    initial_status: Status = Status.INVESTIGATING
    leaderless: bool = False  # no commander yet (alert-born incidents): "who is leading?"


@dataclass(frozen=True)
class PinnedMessage:
    """A Slack message someone pinned or marked with :pushpin:."""

    channel_id: str
    ts: str
    text: str
    author: str | None
    permalink: str | None
