"""The status page forms: a publication for an incident (title, status, each component's state
prefilled, the message), and scheduled maintenance (title, components, from, to, text)."""

from datetime import datetime, timedelta

from bot.comms.rules.public import PublicDraft
from bot.slack.blocks.limits import MAX_MODAL_BLOCKS, MAX_OPTION, fit_mrkdwn, fit_plain
from bot.slack.blocks.parts import Block, context, plain
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.statuspage.definitions import ComponentStatus, PublicStatus

MAX_PUBLIC_TITLE = 200
MAX_PUBLIC_MESSAGE = 3000  # a plain_text_input holds at most 3000 characters
MAX_MAINTENANCE_BODY = 3000
MAX_SELECT_OPTIONS = 100
NOT_AFFECTED = "not_affected"
# The inputs besides the components: context, title, status, message; one block to spare.
MAX_COMPONENT_INPUTS = MAX_MODAL_BLOCKS - 5
STATUS_LABELS = {
    PublicStatus.INVESTIGATING: "Investigating",
    PublicStatus.IDENTIFIED: "Identified",
    PublicStatus.MONITORING: "Monitoring",
    PublicStatus.RESOLVED: "Resolved",
}
STATE_LABELS = {
    ComponentStatus.OPERATIONAL: "Operational",
    ComponentStatus.DEGRADED_PERFORMANCE: "Degraded performance",
    ComponentStatus.PARTIAL_OUTAGE: "Partial outage",
    ComponentStatus.MAJOR_OUTAGE: "Major outage",
    ComponentStatus.UNDER_MAINTENANCE: "Under maintenance",
}


def component_block_id(name: str) -> str:
    """The block of one component's state: `statuspage_component:<name>`."""
    return f"{BlockId.STATUSPAGE_COMPONENT.value}:{name}"


def build_statuspage_modal(draft: PublicDraft) -> Block:
    """The form behind a bare `/incident statuspage`, prefilled from `draft`."""
    what = "Update the public incident" if draft.published else "A new public incident"
    blocks: list[Block] = [
        context(
            f"*{draft.reference}* · {what}. Written for customers: nothing from the channel "
            "is copied to the page."
        ),
        _input(BlockId.STATUSPAGE_TITLE, "Public title", _title_input(draft.title)),
        _input(BlockId.STATUSPAGE_STATUS, "Status", _status_select(draft.status)),
    ]
    names = sorted(draft.names, key=lambda n: n not in draft.components)  # prefilled first
    for name in names[:MAX_COMPONENT_INPUTS]:
        state = draft.components.get(name)
        blocks.append(
            _input(
                component_block_id(name),
                fit_plain(name, 200),
                _state_select(state),
                optional=True,
            )
        )
    blocks.append(
        _input(
            BlockId.STATUSPAGE_MESSAGE,
            "Message",
            {
                "type": "plain_text_input",
                "action_id": ActionId.STATUSPAGE_MESSAGE.value,
                "multiline": True,
                "max_length": MAX_PUBLIC_MESSAGE,
                "placeholder": plain("What customers see, what we are doing, when we update next"),
            },
        )
    )
    return _modal(CallbackId.STATUSPAGE, "Status page", blocks, "Publish", str(draft.incident_id))


def build_maintenance_modal(names: tuple[str, ...], *, channel_id: str, now: datetime) -> Block:
    """The form behind `/maintenance`: what, which components, from when to when."""
    starts = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    options = [_option(name, name) for name in names[:MAX_SELECT_OPTIONS]]
    blocks: list[Block] = [
        _input(
            BlockId.MAINTENANCE_TITLE,
            "Title",
            {
                "type": "plain_text_input",
                "action_id": ActionId.MAINTENANCE_TITLE.value,
                "max_length": MAX_PUBLIC_TITLE,
                "placeholder": plain("Database upgrade"),
            },
        ),
        _input(
            BlockId.MAINTENANCE_COMPONENTS,
            "Components",
            {
                "type": "multi_static_select",
                "action_id": ActionId.MAINTENANCE_COMPONENTS.value,
                "options": options,
                "placeholder": plain("Under maintenance"),
            },
        ),
        _input(BlockId.MAINTENANCE_FROM, "From", _when(ActionId.MAINTENANCE_FROM, starts)),
        _input(
            BlockId.MAINTENANCE_TO,
            "To",
            _when(ActionId.MAINTENANCE_TO, starts + timedelta(hours=1)),
        ),
        _input(
            BlockId.MAINTENANCE_BODY,
            "What customers should know",
            {
                "type": "plain_text_input",
                "action_id": ActionId.MAINTENANCE_BODY.value,
                "multiline": True,
                "max_length": MAX_MAINTENANCE_BODY,
            },
            optional=True,
        ),
        context("It starts and ends on the status page by itself, within a minute of each time."),
    ]
    return _modal(CallbackId.MAINTENANCE, "Schedule maintenance", blocks, "Schedule", channel_id)


def _title_input(title: str) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": ActionId.STATUSPAGE_TITLE.value,
        "max_length": MAX_PUBLIC_TITLE,
    }
    if title.strip():
        element["initial_value"] = fit_plain(title.strip(), MAX_PUBLIC_TITLE)
    return element


def _status_select(initial: PublicStatus) -> Block:
    options = [_option(label, status.value) for status, label in STATUS_LABELS.items()]
    return {
        "type": "static_select",
        "action_id": ActionId.STATUSPAGE_STATUS.value,
        "options": options,
        "initial_option": options[list(STATUS_LABELS).index(initial)],
    }


def _state_select(initial: ComponentStatus | None) -> Block:
    untouched = _option("Not affected", NOT_AFFECTED)
    options = [untouched, *(_option(label, s.value) for s, label in STATE_LABELS.items())]
    chosen = untouched if initial is None else options[1 + list(STATE_LABELS).index(initial)]
    return {
        "type": "static_select",
        "action_id": ActionId.STATUSPAGE_COMPONENT.value,
        "options": options,
        "initial_option": chosen,
    }


def _when(action_id: ActionId, at: datetime) -> Block:
    return {
        "type": "datetimepicker",
        "action_id": action_id.value,
        "initial_date_time": int(at.timestamp()),
    }


def _input(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": str(block_id),
        "label": plain(label),
        "element": element,
        "optional": optional,
    }


def _option(text: str, value: str) -> Block:
    return {"text": plain(fit_plain(text, MAX_OPTION)), "value": value}


def _modal(
    callback_id: CallbackId, title: str, blocks: list[Block], submit: str, metadata: str
) -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id.value,
        "title": plain(title),
        "submit": plain(submit),
        "close": plain("Cancel"),
        "blocks": blocks,
        "private_metadata": metadata,
    }


def describe_states(states: dict[str, ComponentStatus]) -> str:
    """`API: major outage, Web: partial outage` in mrkdwn, or `no components`."""
    if not states:
        return "no components"
    shown = ", ".join(f"{name}: {STATE_LABELS[s].lower()}" for name, s in states.items())
    return fit_mrkdwn(shown, 1000)
