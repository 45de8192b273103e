"""Modals: declare an incident, post an update, change severity or status."""

from typing import Any

from bot.incidents.rules.lifecycle import ALLOWED, SEVERITY_LABELS, STATUS_LABELS
from bot.slack.blocks.limits import (
    MAX_METADATA,
    MAX_OPTION,
    fit_mrkdwn,
    fit_plain,
)
from bot.slack.blocks.parts import Block, context, incident_ref, incident_value, plain, section
from bot.slack.ids import ActionId, BlockId, CallbackId
from storage.enums import Severity, Status
from storage.models import Incident

MAX_TITLE_INPUT = 200
MAX_SUMMARY_INPUT = 3000
MAX_SERVICE_INPUT = 500
MAX_UPDATE_INPUT = 3000
MAX_CONTEXT_TITLE = 200
PRIVATE_OPTION = "private"
CUSTOMERS_OPTION = "customers_affected"
SHARE_OPTION = "share"
DRILL_OPTION = "drill"
UNCHANGED_STATUS = "unchanged"


def build_declare_modal(
    *,
    title: str = "",
    severity: Severity = Severity.SEV3,
    private_metadata: str = "",
    summary: str = "",
    drill: bool = False,
) -> Block:
    """The form behind `/incident declare` with no title; `title` and `summary` prefill it,
    `drill` ticks the drill box (`/incident declare --drill`)."""
    title_input: Block = {
        "type": "plain_text_input",
        "action_id": ActionId.TITLE.value,
        "max_length": MAX_TITLE_INPUT,
        "placeholder": plain("Checkout is failing for EU customers"),
    }
    if title.strip():
        title_input["initial_value"] = fit_plain(title.strip(), MAX_TITLE_INPUT)
    summary_input: Block = {
        "type": "plain_text_input",
        "action_id": ActionId.SUMMARY.value,
        "multiline": True,
        "max_length": MAX_SUMMARY_INPUT,
        "placeholder": plain("What is happening, and who is affected?"),
    }
    if summary.strip():
        summary_input["initial_value"] = fit_plain(summary.strip(), MAX_SUMMARY_INPUT)
    blocks = [
        _input(BlockId.TITLE, "Title", title_input),
        _input(BlockId.SEVERITY, "Severity", _severity_select(severity)),
        _input(BlockId.SUMMARY, "Summary", summary_input, optional=True),
        _input(
            BlockId.SERVICE,
            "Affected services",
            {
                "type": "plain_text_input",
                "action_id": ActionId.SERVICE.value,
                "max_length": MAX_SERVICE_INPUT,
                "placeholder": plain("checkout, payments"),
            },
            optional=True,
            hint="Separate several services with commas.",
        ),
        _input(
            BlockId.PRIVATE,
            "Visibility",
            {
                "type": "checkboxes",
                "action_id": ActionId.PRIVATE.value,
                "options": [_option("Make the channel private", PRIVATE_OPTION)],
            },
            optional=True,
        ),
        _input(
            BlockId.COMMANDER,
            "Incident commander",
            {"type": "users_select", "action_id": ActionId.COMMANDER.value},
            optional=True,
            hint="Defaults to you",
        ),
        _input(
            BlockId.CUSTOMERS_AFFECTED,
            "Customers affected?",
            {
                "type": "checkboxes",
                "action_id": ActionId.CUSTOMERS_AFFECTED.value,
                "options": [_option("Customers are affected", CUSTOMERS_OPTION)],
            },
            optional=True,
            hint="Customer success hears of it at once.",
        ),
        _input(BlockId.DRILL, "Drill", _drill_box(drill), optional=True),
    ]
    return _modal(CallbackId.DECLARE, "Declare an incident", blocks, "Declare", private_metadata)


def _drill_box(ticked: bool) -> Block:
    """The "This is a drill or test" checkbox, ticked or not."""
    option = _option("This is a drill or test", DRILL_OPTION)
    option["description"] = plain("Left out of insights and reports")
    box: Block = {"type": "checkboxes", "action_id": ActionId.DRILL.value, "options": [option]}
    if ticked:
        box["initial_options"] = [option]
    return box


def build_update_modal(incident: Incident) -> Block:
    """The form behind the Post update button and a bare `/incident update`."""
    current = Status(incident.status)
    blocks = [
        _about(incident),
        _input(
            BlockId.UPDATE_TEXT,
            "Update",
            {
                "type": "plain_text_input",
                "action_id": ActionId.UPDATE_TEXT.value,
                "multiline": True,
                "max_length": MAX_UPDATE_INPUT,
                "placeholder": plain("What changed, what we are doing, when the next update is"),
            },
        ),
    ]
    if ALLOWED[current]:
        keep = _option(f"Unchanged ({STATUS_LABELS[current]})", UNCHANGED_STATUS)
        options = [keep, *(_status_option(s) for s in _ordered(ALLOWED[current]))]
        select = {
            "type": "static_select",
            "action_id": ActionId.STATUS.value,
            "options": options,
            "initial_option": keep,
        }
        blocks.append(_input(BlockId.STATUS, "Status", select, optional=True))
    share = {
        "type": "checkboxes",
        "action_id": ActionId.SHARE_STAKEHOLDERS.value,
        "options": [_option("Share with stakeholders", SHARE_OPTION)],
    }
    blocks.append(
        _input(
            BlockId.SHARE_STAKEHOLDERS,
            "Stakeholders",
            share,
            optional=True,
            hint="Also sent to the audiences this incident reaches (warroom.yml stakeholders).",
        )
    )
    return _modal(
        CallbackId.POST_UPDATE, "Post an update", blocks, "Post", incident_value(incident)
    )


def build_severity_modal(incident: Incident) -> Block:
    """Pick a new severity; the current one is preselected."""
    blocks = [
        _about(incident),
        _input(BlockId.SEVERITY, "Severity", _severity_select(Severity(incident.severity))),
    ]
    return _modal(
        CallbackId.CHANGE_SEVERITY, "Change severity", blocks, "Change", incident_value(incident)
    )


def build_status_modal(incident: Incident) -> Block:
    """Pick the next status among those the lifecycle allows from the current one."""
    current = Status(incident.status)
    allowed = _ordered(ALLOWED[current])
    metadata = incident_value(incident)
    blocks = [_about(incident)]
    if not allowed:
        blocks.append(section(f"A {STATUS_LABELS[current].lower()} incident cannot change."))
        return _modal(CallbackId.CHANGE_STATUS, "Change status", blocks, None, metadata)
    select = {
        "type": "static_select",
        "action_id": ActionId.STATUS.value,
        "options": [_status_option(s) for s in allowed],
        "placeholder": plain("Choose the next status"),
    }
    blocks.append(_input(BlockId.STATUS, "New status", select))
    return _modal(CallbackId.CHANGE_STATUS, "Change status", blocks, "Change", metadata)


def _modal(
    callback_id: CallbackId,
    title: str,
    blocks: list[Block],
    submit: str | None,
    private_metadata: str,
) -> Block:
    if len(private_metadata) > MAX_METADATA:
        raise ValueError(f"private_metadata is longer than {MAX_METADATA} characters")
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id.value,
        "title": plain(title),
        "close": plain("Cancel" if submit else "Close"),
        "blocks": blocks,
        "private_metadata": private_metadata,
    }
    if submit:
        view["submit"] = plain(submit)
    return view


def _input(
    block_id: BlockId,
    label: str,
    element: Block,
    *,
    optional: bool = False,
    hint: str = "",
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id.value,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def _about(incident: Incident) -> Block:
    title = fit_mrkdwn(incident.title, MAX_CONTEXT_TITLE)
    return context(f"*{incident_ref(incident)}* · {title}")


def _severity_select(initial: Severity) -> Block:
    options = [_option(SEVERITY_LABELS[s], s.value) for s in Severity]
    return {
        "type": "static_select",
        "action_id": ActionId.SEVERITY.value,
        "options": options,
        "initial_option": options[list(Severity).index(initial)],
    }


def _status_option(status: Status) -> Block:
    return _option(STATUS_LABELS[status], status.value)


def _option(text: str, value: str) -> Block:
    return {"text": plain(text[:MAX_OPTION]), "value": value}


def _ordered(statuses: frozenset[Status]) -> list[Status]:
    return [s for s in Status if s in statuses]


def _multiline(action_id: ActionId, placeholder: str, max_length: int = 3000) -> Block:
    return {
        "type": "plain_text_input",
        "action_id": action_id.value,
        "multiline": True,
        "max_length": max_length,
        "placeholder": plain(placeholder),
    }


def build_action_modal(incident: Incident) -> Block:
    """The form behind a bare `/incident action`: what, who, by when."""
    blocks = [
        _about(incident),
        _input(
            BlockId.ACTION_TEXT,
            "Action item",
            _multiline(
                ActionId.ACTION_TEXT, "What needs doing so this does not happen again", 1000
            ),
        ),
        _input(
            BlockId.ACTION_OWNER,
            "Owner",
            {"type": "users_select", "action_id": ActionId.ACTION_OWNER.value},
            optional=True,
        ),
        _input(
            BlockId.ACTION_DUE,
            "Due date",
            {"type": "datepicker", "action_id": ActionId.ACTION_DUE.value},
            optional=True,
        ),
    ]
    return _modal(
        CallbackId.ADD_ACTION, "Add an action item", blocks, "Add", incident_value(incident)
    )


def build_resolve_modal(incident: Incident) -> Block:
    """The form behind a bare `/incident resolve`: summary, root cause, resolution."""
    blocks = [
        _about(incident),
        _input(
            BlockId.SUMMARY,
            "Summary",
            _multiline(ActionId.SUMMARY, "What happened, in a sentence or two"),
            optional=True,
        ),
        _input(
            BlockId.ROOT_CAUSE,
            "Root cause",
            _multiline(ActionId.ROOT_CAUSE, "Why it happened: systems and decisions, not people"),
            optional=True,
        ),
        _input(
            BlockId.RESOLUTION,
            "Resolution",
            _multiline(ActionId.RESOLUTION, "What fixed it"),
            optional=True,
        ),
    ]
    return _modal(
        CallbackId.RESOLVE, "Resolve the incident", blocks, "Resolve", incident_value(incident)
    )
