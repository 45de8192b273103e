"""The tables, one module per feature; importing this package registers every one of them."""

from sqlmodel import SQLModel

# Named constraints let later migrations drop or alter them, SQLite batch mode included.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

from storage.models.alerts import Alert, AlertGroup, WebhookDelivery  # noqa: E402
from storage.models.incidents import (  # noqa: E402
    ActionItem,
    Incident,
    IncidentRole,
    IncidentSurface,
    Postmortem,
    Reminder,
    SideEffectFailure,
    StatusUpdate,
    TimelineEvent,
)
from storage.models.kernel import Counter, Effect, InboxItem  # noqa: E402
from storage.models.oncall import (  # noqa: E402
    OncallFeedCopy,
    OncallFeedToken,
    OncallHandoff,
    OncallOverride,
    OncallRoster,
)
from storage.models.paging import (  # noqa: E402
    ContactMethods,
    Escalation,
    EscalationStep,
    Notification,
    PageAcknowledgement,
)
from storage.models.people import Person  # noqa: E402
from storage.models.statuspage import (  # noqa: E402
    ComponentState,
    Maintenance,
    PublicIncident,
    PublicUpdate,
)
from storage.models.statuspage_subscribers import (  # noqa: E402
    StatusLinkKey,
    StatusSignup,
    StatusSubscriber,
    StatusWebhook,
)

__all__ = [
    "ActionItem",
    "Alert",
    "AlertGroup",
    "ComponentState",
    "ContactMethods",
    "Counter",
    "Effect",
    "Escalation",
    "EscalationStep",
    "InboxItem",
    "Incident",
    "IncidentRole",
    "IncidentSurface",
    "Maintenance",
    "Notification",
    "OncallFeedCopy",
    "OncallFeedToken",
    "OncallHandoff",
    "OncallOverride",
    "OncallRoster",
    "PageAcknowledgement",
    "Person",
    "Postmortem",
    "PublicIncident",
    "PublicUpdate",
    "Reminder",
    "SideEffectFailure",
    "StatusLinkKey",
    "StatusSignup",
    "StatusSubscriber",
    "StatusUpdate",
    "StatusWebhook",
    "TimelineEvent",
    "WebhookDelivery",
]
