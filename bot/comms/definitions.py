"""What `warroom.yml` defines for stakeholder communication: the audiences that hear of
incidents, by severity and by customer impact, as plain values (parsed by `bot.comms.config`)."""

from dataclasses import dataclass, field

from storage.enums import Severity

# The severities whose stakeholder updates are nagged for on the status update cadence.
NAGGED_SEVERITIES = frozenset({Severity.SEV1, Severity.SEV2})


@dataclass(frozen=True)
class Audience:
    """People outside the incident channel: a Slack channel (name or id) and/or e-mail
    addresses, reached by incidents of `severities`, and by any incident affecting customers
    when `when_customers_affected`."""

    name: str
    channel: str | None = None
    emails: tuple[str, ...] = ()
    severities: frozenset[Severity] = frozenset()
    when_customers_affected: bool = False

    def reached_by(self, severity: Severity, *, customers_affected: bool) -> bool:
        """Whether an incident of `severity` (affecting customers or not) reaches it."""
        return Severity(severity) in self.severities or (
            self.when_customers_affected and customers_affected
        )


@dataclass(frozen=True)
class CommsConfig:
    """Everything `warroom.yml` says about stakeholders."""

    audiences: tuple[Audience, ...] = field(default_factory=tuple)

    def reached(self, severity: Severity, *, customers_affected: bool) -> list[Audience]:
        """The audiences an incident reaches, in the order they are configured."""
        return [
            a
            for a in self.audiences
            if a.reached_by(severity, customers_affected=customers_affected)
        ]

    def customer_audiences(self) -> list[Audience]:
        """The audiences told at once when customers are affected (customer success)."""
        return [a for a in self.audiences if a.when_customers_affected]

    def nagged_severities(self) -> frozenset[Severity]:
        """SEV1 and SEV2, where some audience hears of them: their stakeholder updates are
        due on the update cadence (nobody is nagged to tell an audience that does not exist)."""
        if any(a.when_customers_affected for a in self.audiences):
            return NAGGED_SEVERITIES
        return NAGGED_SEVERITIES & frozenset(s for a in self.audiences for s in a.severities)
