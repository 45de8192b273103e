"""Turning modal submissions (`view["state"]["values"]`) into typed values or field errors."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from bot.kernel.errors import InvalidInput
from bot.kernel.text import is_person
from bot.slack.blocks.modals import (
    CUSTOMERS_OPTION,
    DRILL_OPTION,
    PRIVATE_OPTION,
    SHARE_OPTION,
    UNCHANGED_STATUS,
)
from bot.slack.blocks.statuspage_form import NOT_AFFECTED
from bot.slack.commands.incident import MAX_TITLE
from bot.slack.ids import ActionId, BlockId
from bot.slack.mrkdwn import strip_controls
from bot.statuspage.definitions import ComponentStatus, PublicStatus
from storage.enums import Severity, Status

MAX_SERVICE_NAME = 80

Values = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class DeclareForm:
    """What the declare modal asked for."""

    title: str
    severity: Severity
    summary: str = ""
    services: list[str] = field(default_factory=list)
    private: bool = False
    commander: str | None = None
    customers_affected: bool = False
    drill: bool = False


@dataclass(frozen=True)
class UpdateForm:
    """A status update, with the status to move to (None keeps the current one), and whether
    to share it with stakeholders too."""

    text: str
    status: Status | None = None
    share: bool = False


def parse_declare_form(values: Values) -> DeclareForm:
    """The declare modal's values, or InvalidInput naming the field at fault."""
    title = _text(values, BlockId.TITLE, ActionId.TITLE).strip()
    if not title:
        raise InvalidInput("Give the incident a title.", field=BlockId.TITLE.value)
    if len(title) > MAX_TITLE:
        raise InvalidInput(
            f"Keep the title to {MAX_TITLE} characters (this one has {len(title)}).",
            field=BlockId.TITLE.value,
        )
    commander = _user(values, BlockId.COMMANDER, ActionId.COMMANDER)
    return DeclareForm(
        title=title,
        severity=_severity(values),
        summary=_text(values, BlockId.SUMMARY, ActionId.SUMMARY).strip(),
        services=parse_services(_text(values, BlockId.SERVICE, ActionId.SERVICE)),
        private=_ticked(values, BlockId.PRIVATE, ActionId.PRIVATE, PRIVATE_OPTION),
        commander=commander or None,
        customers_affected=_ticked(
            values, BlockId.CUSTOMERS_AFFECTED, ActionId.CUSTOMERS_AFFECTED, CUSTOMERS_OPTION
        ),
        drill=_ticked(values, BlockId.DRILL, ActionId.DRILL, DRILL_OPTION),
    )


def _ticked(values: Values, block_id: BlockId, action_id: ActionId, option: str) -> bool:
    """Whether a checkbox's option is ticked."""
    checked = _element(values, block_id, action_id).get("selected_options")
    return isinstance(checked, list) and any(
        isinstance(chosen, Mapping) and chosen.get("value") == option for chosen in checked
    )


def parse_services(text: str) -> list[str]:
    """Comma-separated service names, stripped, without empties or repeats."""
    services = list(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
    if any(len(s) > MAX_SERVICE_NAME for s in services):
        raise InvalidInput(
            f"Keep each service name to {MAX_SERVICE_NAME} characters; "
            "separate services with commas.",
            field=BlockId.SERVICE.value,
        )
    return services


def parse_update_form(values: Values) -> UpdateForm:
    """The update modal's text and optional status change."""
    text = _text(values, BlockId.UPDATE_TEXT, ActionId.UPDATE_TEXT).strip()
    if not text:
        raise InvalidInput("Write the update before posting it.", field=BlockId.UPDATE_TEXT.value)
    share = _ticked(values, BlockId.SHARE_STAKEHOLDERS, ActionId.SHARE_STAKEHOLDERS, SHARE_OPTION)
    chosen = _selected(values, BlockId.STATUS, ActionId.STATUS)
    if chosen is None or chosen == UNCHANGED_STATUS:
        return UpdateForm(text=text, share=share)
    return UpdateForm(text=text, status=_status(chosen), share=share)


def parse_severity_form(values: Values) -> Severity:
    """The severity chosen in the change-severity modal."""
    return _severity(values)


def parse_status_form(values: Values) -> Status:
    """The status chosen in the change-status modal."""
    chosen = _selected(values, BlockId.STATUS, ActionId.STATUS)
    if chosen is None:
        raise InvalidInput("Choose the next status.", field=BlockId.STATUS.value)
    return _status(chosen)


def _severity(values: Values) -> Severity:
    chosen = _selected(values, BlockId.SEVERITY, ActionId.SEVERITY)
    try:
        return Severity(chosen or "")
    except ValueError:
        raise InvalidInput("Choose a severity.", field=BlockId.SEVERITY.value) from None


def _status(value: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        raise InvalidInput(
            "Choose one of the listed statuses.", field=BlockId.STATUS.value
        ) from None


def _element(values: Values, block_id: BlockId, action_id: ActionId) -> Mapping[str, Any]:
    """One input's state; anything not shaped like Slack's is an empty input, never a crash."""
    block = values.get(block_id.value) if isinstance(values, Mapping) else None
    element = block.get(action_id.value) if isinstance(block, Mapping) else None
    return element if isinstance(element, Mapping) else {}


def _text(values: Values, block_id: BlockId, action_id: ActionId) -> str:
    value = _element(values, block_id, action_id).get("value")
    return strip_controls(value) if isinstance(value, str) else ""


def _selected(values: Values, block_id: BlockId, action_id: ActionId) -> str | None:
    option = _element(values, block_id, action_id).get("selected_option")
    value = option.get("value") if isinstance(option, Mapping) else None
    return value if isinstance(value, str) else None


def _user(values: Values, block_id: BlockId, action_id: ActionId) -> str | None:
    """A user picked in a users_select, if it is shaped like a user id."""
    user = _element(values, block_id, action_id).get("selected_user")
    return user if isinstance(user, str) and is_person(user) else None


@dataclass(frozen=True)
class ActionForm:
    """An action item from the form."""

    text: str
    owner: str | None = None
    due_on: date | None = None


@dataclass(frozen=True)
class ResolveForm:
    """What the resolve form asked for; every part optional."""

    summary: str = ""
    root_cause: str = ""
    resolution: str = ""


def parse_action_form(values: Values) -> ActionForm:
    """The action-item form's values."""
    text = _text(values, BlockId.ACTION_TEXT, ActionId.ACTION_TEXT).strip()
    if not text:
        raise InvalidInput("Say what needs doing.", field=BlockId.ACTION_TEXT.value)
    owner = _user(values, BlockId.ACTION_OWNER, ActionId.ACTION_OWNER)
    chosen = _element(values, BlockId.ACTION_DUE, ActionId.ACTION_DUE).get("selected_date")
    try:
        due_on = date.fromisoformat(chosen) if chosen else None
    except (TypeError, ValueError):
        raise InvalidInput("Pick a due date.", field=BlockId.ACTION_DUE.value) from None
    return ActionForm(text=text, owner=owner or None, due_on=due_on)


def parse_resolve_form(values: Values) -> ResolveForm:
    """The resolve form's summary, root cause and resolution."""
    return ResolveForm(
        summary=_text(values, BlockId.SUMMARY, ActionId.SUMMARY).strip(),
        root_cause=_text(values, BlockId.ROOT_CAUSE, ActionId.ROOT_CAUSE).strip(),
        resolution=_text(values, BlockId.RESOLUTION, ActionId.RESOLUTION).strip(),
    )


@dataclass(frozen=True)
class StatusPageForm:
    """A publication from the status page form: the components left "not affected" are not
    named (they keep the state this incident gave them)."""

    title: str
    status: PublicStatus
    components: dict[str, ComponentStatus]
    message: str


@dataclass(frozen=True)
class MaintenanceForm:
    """Scheduled maintenance from its form."""

    title: str
    components: list[str]
    starts: datetime
    ends: datetime
    body: str = ""


def parse_statuspage_form(values: Values) -> StatusPageForm:
    """The status page form's values, or InvalidInput naming the field at fault."""
    title = _text(values, BlockId.STATUSPAGE_TITLE, ActionId.STATUSPAGE_TITLE).strip()
    if not title:
        raise InvalidInput(
            "Give the public incident a title.", field=BlockId.STATUSPAGE_TITLE.value
        )
    chosen = _selected(values, BlockId.STATUSPAGE_STATUS, ActionId.STATUSPAGE_STATUS)
    try:
        status = PublicStatus(chosen or "")
    except ValueError:
        raise InvalidInput("Choose a status.", field=BlockId.STATUSPAGE_STATUS.value) from None
    components: dict[str, ComponentStatus] = {}
    prefix = f"{BlockId.STATUSPAGE_COMPONENT.value}:"
    for block_id in values if isinstance(values, Mapping) else ():
        if not isinstance(block_id, str) or not block_id.startswith(prefix):
            continue
        state = _selected_in(values, block_id, ActionId.STATUSPAGE_COMPONENT)
        if state is None or state == NOT_AFFECTED:
            continue
        try:
            components[block_id.removeprefix(prefix)] = ComponentStatus(state)
        except ValueError:
            raise InvalidInput("Choose one of the listed states.", field=block_id) from None
    message = _text(values, BlockId.STATUSPAGE_MESSAGE, ActionId.STATUSPAGE_MESSAGE).strip()
    if not message:
        raise InvalidInput(
            "Write what customers should read.", field=BlockId.STATUSPAGE_MESSAGE.value
        )
    return StatusPageForm(title=title, status=status, components=components, message=message)


def parse_maintenance_form(values: Values) -> MaintenanceForm:
    """The maintenance form's values, or InvalidInput naming the field at fault."""
    title = _text(values, BlockId.MAINTENANCE_TITLE, ActionId.MAINTENANCE_TITLE).strip()
    if not title:
        raise InvalidInput("Give the maintenance a title.", field=BlockId.MAINTENANCE_TITLE.value)
    picked = _element(values, BlockId.MAINTENANCE_COMPONENTS, ActionId.MAINTENANCE_COMPONENTS)
    options = picked.get("selected_options")
    components = [
        str(option["value"])
        for option in (options if isinstance(options, list) else [])
        if isinstance(option, Mapping) and isinstance(option.get("value"), str)
    ]
    if not components:
        raise InvalidInput(
            "Choose the components under maintenance.", field=BlockId.MAINTENANCE_COMPONENTS.value
        )
    starts = _moment(values, BlockId.MAINTENANCE_FROM, ActionId.MAINTENANCE_FROM)
    ends = _moment(values, BlockId.MAINTENANCE_TO, ActionId.MAINTENANCE_TO)
    if ends <= starts:
        raise InvalidInput("End it after it starts.", field=BlockId.MAINTENANCE_TO.value)
    body = _text(values, BlockId.MAINTENANCE_BODY, ActionId.MAINTENANCE_BODY).strip()
    return MaintenanceForm(title, list(dict.fromkeys(components)), starts, ends, body)


def _moment(values: Values, block_id: BlockId, action_id: ActionId) -> datetime:
    """A datetimepicker's choice (Unix seconds) as a UTC time."""
    chosen = _element(values, block_id, action_id).get("selected_date_time")
    if isinstance(chosen, bool) or not isinstance(chosen, int) or not 0 < chosen < 2**33:
        raise InvalidInput("Pick a date and a time.", field=block_id.value)
    return datetime.fromtimestamp(chosen, tz=UTC)


def _selected_in(values: Values, block_id: str, action_id: ActionId) -> str | None:
    block = values.get(block_id)
    element = block.get(action_id.value) if isinstance(block, Mapping) else None
    option = element.get("selected_option") if isinstance(element, Mapping) else None
    value = option.get("value") if isinstance(option, Mapping) else None
    return value if isinstance(value, str) else None
