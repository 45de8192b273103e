"""Closed vocabularies stored in the database."""

from enum import StrEnum


class Severity(StrEnum):
    """Incident severity, SEV1 being the worst."""

    SEV1 = "sev1"
    SEV2 = "sev2"
    SEV3 = "sev3"
    SEV4 = "sev4"


class Status(StrEnum):
    """Lifecycle state of an incident, in the order an incident usually moves."""

    TRIAGE = "triage"
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Role(StrEnum):
    """Roles a person can hold in an incident."""

    COMMANDER = "commander"
    COMMS = "comms"
    SCRIBE = "scribe"
    RESPONDER = "responder"


class EventKind(StrEnum):
    """Kinds of timeline events."""

    DECLARED = "declared"
    ACKNOWLEDGED = "acknowledged"
    SEVERITY_CHANGED = "severity_changed"
    STATUS_CHANGED = "status_changed"
    ROLE_ASSIGNED = "role_assigned"
    UPDATE = "update"
    NOTE = "note"
    PINNED = "pinned"
    RESOLVED = "resolved"
    CLOSED = "closed"
    IMPACT = "impact"
    ROOT_CAUSE = "root_cause"
    ACTION_ADDED = "action_added"
    ACTION_DONE = "action_done"
    REVIEWED = "reviewed"
    UPDATE_MISSED = "update_missed"
    ACK_TARGET_MISSED = "ack_target_missed"
    SNOOZED = "snoozed"
    ALERT_FIRED = "alert_fired"
    ALERT_RESOLVED = "alert_resolved"
    PAGED = "paged"
    STAKEHOLDER_UPDATE = "stakeholder_update"
    PUBLIC_UPDATE = "public_update"
    TIMESTAMP_CHANGED = "timestamp_changed"
    MARKED_DRILL = "marked_drill"


class IncidentSource(StrEnum):
    """How an incident began: insights count incidents by it."""

    MANUAL = "manual"  # declared by a person (/incident declare, the form, a shortcut)
    ALERT = "alert"  # opened from an alert (webhook or a Slack alert channel)
    GITHUB = "github"  # reported from a GitHub issue (the integrations wave)


class ReminderKind(StrEnum):
    """What a scheduled reminder is about."""

    UPDATE_DUE = "update_due"
    COMMANDER_MISSING = "commander_missing"
    ACK_BREACH = "ack_breach"
    ACTION_OVERDUE = "action_overdue"
    REVIEW_DUE = "review_due"
    PUBLIC_UPDATE_DUE = "public_update_due"


class AlertSource(StrEnum):
    """Where an alert came from."""

    ALERTMANAGER = "alertmanager"
    GRAFANA = "grafana"
    PAGERDUTY = "pagerduty"
    GENERIC = "generic"
    SLACK = "slack"


class AlertState(StrEnum):
    """What the source says about an alert now."""

    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"  # PagerDuty's `acknowledge`: still open, someone is on it
    RESOLVED = "resolved"


class RouteAction(StrEnum):
    """What Warroom does with a new alert group."""

    DECLARE = "declare"  # declare an incident by itself
    OFFER = "offer"  # post the alert with a Declare incident button
    IGNORE = "ignore"  # store it for audit, do nothing visible


class Refire(StrEnum):
    """What an alert firing again after its incident was resolved does."""

    REOPEN = "reopen"  # reopen the resolved incident (a closed one gets a new incident)
    NEW = "new"  # always a new incident
