"""Parsing `/incident …` text (Slack command syntax) into typed commands. Pure: no I/O."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.kernel.errors import InvalidInput
from bot.slack.commands.comms import (
    PublishStatusPage,
    SetCustomerImpact,
    ShareWithStakeholders,
    parse_customer_impact,
    parse_stakeholders,
    parse_statuspage,
)
from bot.slack.commands.incident_page import (
    AcknowledgePages,
    PagePeople,
    parse_acknowledge,
    parse_page,
)
from bot.slack.commands.insights import (
    CorrectTimes,
    MarkDrill,
    ShowStats,
    parse_drill,
    parse_stats,
    parse_timestamps,
    take_drill_flag,
)
from bot.slack.mrkdwn import escape_mrkdwn, plain_from_slack, user_ids_in
from storage.enums import Role, Severity, Status

MAX_TITLE = 200


@dataclass(frozen=True)
class Declare:
    """Declare now with a title, or open the modal when `title` is empty."""

    title: str
    severity: Severity | None = None
    drill: bool = False  # `--drill`: a drill or test, left out of insights


@dataclass(frozen=True)
class PostUpdate:
    """A status update; empty text opens the update modal. People it mentions are listed."""

    text: str
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SetSeverity:
    """Change the severity."""

    severity: Severity


@dataclass(frozen=True)
class SetStatus:
    """Move the lifecycle."""

    status: Status


@dataclass(frozen=True)
class AssignRole:
    """Give someone a role (the commander included)."""

    role: Role
    user_id: str


@dataclass(frozen=True)
class AddNote:
    """A timeline note, and the people it mentions."""

    text: str
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolve:
    """Resolve, with an optional summary."""

    summary: str


@dataclass(frozen=True)
class SetImpact:
    """Record the impact for the postmortem: a description, users affected, or a cost."""

    text: str = ""
    users_affected: int | None = None
    estimated_cost: str = ""


@dataclass(frozen=True)
class SetRootCause:
    """Record the root cause for the postmortem."""

    text: str


@dataclass(frozen=True)
class AddAction:
    """An action item; empty text opens the action form."""

    text: str
    owner: str | None = None
    due_on: date | None = None


@dataclass(frozen=True)
class ListActions:
    """Open action items across incidents, mine first."""


@dataclass(frozen=True)
class MarkReviewed:
    """The postmortem review took place."""


@dataclass(frozen=True)
class Close:
    """Close a resolved incident."""


@dataclass(frozen=True)
class ListOpen:
    """List open incidents."""


@dataclass(frozen=True)
class ShowHelp:
    """Show the help; `unknown` is the subcommand we did not understand."""

    unknown: str = ""


Command = (
    Declare
    | PostUpdate
    | SetSeverity
    | SetStatus
    | AssignRole
    | AddNote
    | Resolve
    | Close
    | ListOpen
    | ShowHelp
    | SetImpact
    | SetRootCause
    | AddAction
    | ListActions
    | MarkReviewed
    | PagePeople
    | AcknowledgePages
    | ShareWithStakeholders
    | PublishStatusPage
    | SetCustomerImpact
    | ShowStats
    | CorrectTimes
    | MarkDrill
)

ROLE_WORDS: dict[str, Role] = {
    "comms": Role.COMMS,
    "scribe": Role.SCRIBE,
    "responder": Role.RESPONDER,
    "commander": Role.COMMANDER,
    "ic": Role.COMMANDER,
}

CHANNEL_BOUND = (
    PostUpdate,
    SetSeverity,
    SetStatus,
    AssignRole,
    AddNote,
    Resolve,
    Close,
    SetImpact,
    SetRootCause,
    AddAction,
    MarkReviewed,
    PagePeople,
    AcknowledgePages,
    ShareWithStakeholders,
    PublishStatusPage,
    SetCustomerImpact,
    CorrectTimes,
    MarkDrill,
)
MAX_USERS_AFFECTED = 2**31 - 1  # users_affected is an INTEGER column: 32 bits on PostgreSQL
_DUE = re.compile(r"(?:^|\s)due\s+(\S+)\s*$", re.IGNORECASE)


def parse_command(raw: str, *, user_id: str) -> Command:
    """Parse the text after `/incident` (Slack-escaped) into a command."""
    text = raw.strip()
    word, _, rest = text.partition(" ")
    word = word.lower()
    if not word or word == "help":
        return ShowHelp()
    parser = _PARSERS.get(word)
    if parser is None:
        return ShowHelp(unknown=plain_from_slack(word))
    return parser(rest.strip(), user_id)


def _declare(rest: str, _user: str) -> Declare:
    rest, drill = take_drill_flag(rest)
    first, _, remainder = rest.partition(" ")
    severity: Severity | None = None
    if first.lower() in {s.value for s in Severity}:
        severity = Severity(first.lower())
        rest = remainder.strip()
        if not rest:
            raise InvalidInput(
                "An incident needs a title: `/incident declare sev2 Checkout is failing`."
            )
    title = plain_from_slack(rest).strip()
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"The title is {len(title)} characters; keep it under {MAX_TITLE}.")
    return Declare(title=title, severity=severity, drill=drill)


def _update(rest: str, _user: str) -> PostUpdate:
    return PostUpdate(text=plain_from_slack(rest).strip(), mentions=tuple(user_ids_in(rest)))


def _severity(rest: str, _user: str) -> SetSeverity:
    if not rest:
        raise InvalidInput("Say which severity: `/incident severity sev1` (sev1 to sev4).")
    return SetSeverity(parse_severity(rest.split()[0]))


def _status(rest: str, _user: str) -> SetStatus:
    if not rest:
        valid = ", ".join(s.value for s in Status)
        raise InvalidInput(f"Say which status: `/incident status mitigated` ({valid}).")
    return SetStatus(parse_status(rest.split()[0]))


def _mentioned_user(rest: str, user_id: str, usage: str) -> str:
    if rest.strip().lower() == "me":
        return user_id
    users = user_ids_in(rest)
    if len(users) != 1:
        raise InvalidInput(f"Mention exactly one person with @: `{usage}`.")
    return users[0]


def _commander(rest: str, user_id: str) -> AssignRole:
    user = _mentioned_user(rest, user_id, "/incident commander @alex")
    return AssignRole(role=Role.COMMANDER, user_id=user)


def _role(rest: str, user_id: str) -> AssignRole:
    word, _, who = rest.partition(" ")
    role = ROLE_WORDS.get(word.lower())
    if role is None:
        raise InvalidInput(
            f"Unknown role `{escape_mrkdwn(plain_from_slack(word))}`. "
            "Use one of: comms, scribe, responder (or `/incident commander @user`)."
        )
    user = _mentioned_user(who, user_id, f"/incident role {word.lower()} @alex")
    return AssignRole(role=role, user_id=user)


def _note(rest: str, _user: str) -> AddNote:
    text = plain_from_slack(rest).strip()
    if not text:
        raise InvalidInput("A note needs text: `/incident note Rolled back deploy 4812`.")
    return AddNote(text=text, mentions=tuple(user_ids_in(rest)))


def _resolve(rest: str, _user: str) -> Resolve:
    return Resolve(summary=plain_from_slack(rest).strip())


def _impact(rest: str, _user: str) -> SetImpact | SetCustomerImpact:
    text = plain_from_slack(rest).strip()
    if not text:
        raise InvalidInput("Describe the impact: `/incident impact 30% of checkouts failed`.")
    word, _, value = text.partition(" ")
    customers = parse_customer_impact(value) if word.lower() == "customers" else None
    if customers is not None:
        return customers
    if word.lower() == "users":
        count = value.strip().replace(",", "").replace("_", "")
        # ASCII digits only (int() refuses `²`), and no more than the INTEGER column holds.
        if not re.fullmatch(r"[0-9]{1,10}", count) or int(count) > MAX_USERS_AFFECTED:
            raise InvalidInput("Give the number of users affected: `/incident impact users 1200`.")
        return SetImpact(users_affected=int(count))
    if word.lower() == "cost":
        if not value.strip() or len(value.strip()) > 100:
            raise InvalidInput("Give the estimated cost: `/incident impact cost $4,000`.")
        return SetImpact(estimated_cost=value.strip())
    return SetImpact(text=text)


def _root_cause(rest: str, _user: str) -> SetRootCause:
    text = plain_from_slack(rest).strip()
    if not text:
        raise InvalidInput("Describe the root cause: `/incident rootcause Expired TLS cert`.")
    return SetRootCause(text=text)


def parse_due_date(text: str) -> date:
    """A due date given as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"`{escape_mrkdwn(text)}` is not a date; write the due date as YYYY-MM-DD."
        ) from None


def _action(rest: str, _user: str) -> AddAction:
    if not rest.strip():
        return AddAction(text="")
    due_on = None
    match = _DUE.search(rest)
    if match:
        due_on = parse_due_date(match.group(1))
        rest = rest[: match.start()]
    owners = user_ids_in(rest)
    if len(owners) > 1:
        raise InvalidInput("An action item has one owner: mention one person with @.")
    text = (
        plain_from_slack(_USER_TOKEN.sub("", rest)).strip()
        if owners
        else plain_from_slack(rest).strip()
    )
    if not text:
        raise InvalidInput(
            "Say what needs doing: `/incident action Add cert expiry alert @alex due 2026-12-01`."
        )
    return AddAction(text=text, owner=owners[0] if owners else None, due_on=due_on)


_PARSERS: dict[str, Callable[[str, str], Command]] = {
    "declare": _declare,
    "new": _declare,
    "update": _update,
    "severity": _severity,
    "sev": _severity,
    "status": _status,
    "commander": _commander,
    "lead": _commander,
    "role": _role,
    "note": _note,
    "resolve": _resolve,
    "close": lambda _rest, _user: Close(),
    "list": lambda _rest, _user: ListOpen(),
    "impact": _impact,
    "rootcause": _root_cause,
    "root-cause": _root_cause,
    "action": _action,
    "actions": lambda _rest, _user: ListActions(),
    "reviewed": lambda _rest, _user: MarkReviewed(),
    "page": parse_page,
    "ack": parse_acknowledge,
    "acknowledge": parse_acknowledge,
    "stakeholders": parse_stakeholders,
    "statuspage": parse_statuspage,
    "status-page": parse_statuspage,
    "stats": parse_stats,
    "timestamps": parse_timestamps,
    "times": parse_timestamps,
    "drill": parse_drill,
}
_USER_TOKEN = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


def parse_severity(text: str) -> Severity:
    """`sev2`, `SEV2` or `2` as a Severity; anything else names the valid ones."""
    value = text.strip().lower()
    if value.isdigit():
        value = f"sev{value}"
    try:
        return Severity(value)
    except ValueError:
        valid = ", ".join(s.value for s in Severity)
        raise InvalidInput(
            f"Unknown severity `{escape_mrkdwn(text)}`. Use one of: {valid}."
        ) from None


def parse_status(text: str) -> Status:
    """A status name as a Status; anything else names the valid ones."""
    try:
        return Status(text.strip().lower())
    except ValueError:
        valid = ", ".join(s.value for s in Status)
        raise InvalidInput(
            f"Unknown status `{escape_mrkdwn(text)}`. Use one of: {valid}."
        ) from None
