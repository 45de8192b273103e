"""The `/incident timestamps` form: the impact start, identified, mitigated and resolved times,
each a datetime picker showing the stored time in the reader's own zone."""

from datetime import datetime

from bot.incidents.rules.lifecycle import is_open
from bot.incidents.rules.timestamps import CORRECTABLE
from bot.slack.blocks.limits import MAX_METADATA, fit_mrkdwn
from bot.slack.blocks.parts import Block, as_utc, context, incident_ref, incident_value, plain
from bot.slack.ids import ActionId, BlockId, CallbackId
from storage.enums import Status
from storage.models import Incident

MAX_CONTEXT_TITLE = 200
# Each time's block and picker, and what it means, in the order the times must stand.
PICKERS: dict[str, tuple[BlockId, ActionId, str]] = {
    "detected_at": (
        BlockId.DETECTED_AT,
        ActionId.DETECTED_AT,
        "When the impact began: where every metric starts (the first alert or the declaration "
        "unless corrected).",
    ),
    "identified_at": (BlockId.IDENTIFIED_AT, ActionId.IDENTIFIED_AT, "When the cause was known."),
    "mitigated_at": (
        BlockId.MITIGATED_AT,
        ActionId.MITIGATED_AT,
        "When the impact stopped for users.",
    ),
    "resolved_at": (BlockId.RESOLVED_AT, ActionId.RESOLVED_AT, "When it was fixed for good."),
}


def build_timestamps_modal(incident: Incident) -> Block:
    """The times as stored, to correct; the impact start is required, the others may be left
    empty (an empty one is cleared, where the status allows)."""
    metadata = incident_value(incident)
    if len(metadata) > MAX_METADATA:
        raise ValueError(f"private_metadata is longer than {MAX_METADATA} characters")
    title = fit_mrkdwn(incident.title, MAX_CONTEXT_TITLE)
    blocks: list[Block] = [
        context(
            f"*{incident_ref(incident)}* · {title}",
            "Times show in your Slack time zone. Each change is added to the timeline.",
        )
    ]
    open_now = is_open(Status(incident.status))
    for name, label in CORRECTABLE:
        block_id, action_id, hint = PICKERS[name]
        if name == "resolved_at" and open_now:
            hint = "Set once the incident is resolved."
        blocks.append(
            _picker(
                block_id, action_id, label, getattr(incident, name), hint, name != "detected_at"
            )
        )
    return {
        "type": "modal",
        "callback_id": CallbackId.CORRECT_TIMES.value,
        "title": plain("Correct the times"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": blocks,
        "private_metadata": metadata,
    }


def _picker(
    block_id: BlockId,
    action_id: ActionId,
    label: str,
    when: datetime | None,
    hint: str,
    optional: bool,
) -> Block:
    element: Block = {"type": "datetimepicker", "action_id": action_id.value}
    if when is not None:
        element["initial_date_time"] = int(as_utc(when).timestamp())
    return {
        "type": "input",
        "block_id": block_id.value,
        "label": plain(label),
        "element": element,
        "optional": optional,
        "hint": plain(hint),
    }
