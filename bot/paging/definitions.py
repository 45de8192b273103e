"""What `warroom.yml` defines for paging: escalation policies, which service uses which, and
people's contact methods, as plain values (parsed by `bot.paging.config`)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from storage.enums import Severity


class Method(StrEnum):
    """How a person is notified. Slack is always used, at once; the others by their rules."""

    SLACK = "slack"
    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"


@dataclass(frozen=True)
class LevelDef:
    """One level of a policy: who is paged, and how long before the next level is."""

    targets: tuple[str, ...]  # U…, S… (user group), schedule:<name>[/<layer>], channel:<name>
    timeout: timedelta


@dataclass(frozen=True)
class UnresolvedRule:
    """Page `escalate_to` when an incident of `severity` is still unresolved `after` it began."""

    severity: Severity
    after: timedelta
    escalate_to: tuple[str, ...]


@dataclass(frozen=True)
class PolicyDef:
    """An escalation policy: its levels, how often they repeat, and per-severity extras."""

    name: str
    levels: tuple[LevelDef, ...]
    repeat: int = 0  # after the last level, start again this many times
    notify_at_once: Mapping[Severity, tuple[str, ...]] = field(default_factory=dict)
    unresolved: tuple[UnresolvedRule, ...] = ()


@dataclass(frozen=True)
class ContactRule:
    """Notify by `method` once `after` has passed since the person was paged, unless acked."""

    method: Method
    after: timedelta


@dataclass(frozen=True)
class ContactDef:
    """A person's contact methods beyond Slack, and their notification rules."""

    user: str
    phone: str | None = None  # E.164
    email: str | None = None
    rules: tuple[ContactRule, ...] = ()


@dataclass(frozen=True)
class PagingConfig:
    """Everything `warroom.yml` says about paging."""

    policies: Mapping[str, PolicyDef] = field(default_factory=dict)
    services: Mapping[str, str] = field(default_factory=dict)  # service name -> policy name
    default_policy: str | None = None  # `defaults.escalation`
    people: Mapping[str, ContactDef] = field(default_factory=dict)

    def policy_for(self, service: str | None, named: str | None = None) -> PolicyDef | None:
        """The policy named, else the service's, else the default; None when there is none."""
        for name in (named, self.services.get(service or ""), self.default_policy):
            if name and name in self.policies:
                return self.policies[name]
        return None
