"""The override form behind a bare `/oncall override`."""

from collections.abc import Sequence

from bot.oncall.config import ScheduleDef
from bot.slack.blocks.limits import MAX_METADATA, MAX_OPTION, fit_plain
from bot.slack.blocks.parts import Block, context, plain
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.mrkdwn import escape_mrkdwn

WHOLE_SCHEDULE = "*"  # the layer option that means every layer
MAX_OPTIONS = 100  # Slack's cap on options (and option groups) in one select


def build_override_modal(schedules: Sequence[ScheduleDef], *, channel: str = "") -> Block:
    """Schedule, layer (or the whole schedule), person, from and to; `channel` is where the
    person hears back."""
    if len(channel) > MAX_METADATA:
        raise ValueError("private_metadata is too long")
    schedule_select: Block = {
        "type": "static_select",
        "action_id": ActionId.ONCALL_SCHEDULE.value,
        "placeholder": plain("Pick a schedule"),
        "options": [_option(s.name, s.name) for s in schedules[:MAX_OPTIONS]],
    }
    if len(schedules) == 1:
        schedule_select["initial_option"] = schedule_select["options"][0]
    whole = _option("Whole schedule (every layer)", WHOLE_SCHEDULE)
    groups = [{"label": plain("Every layer"), "options": [whole]}]
    groups += [
        {
            "label": plain(fit_plain(s.name, MAX_OPTION)),
            "options": [_option(layer.name, f"{s.name}/{layer.name}") for layer in s.layers][
                :MAX_OPTIONS
            ],
        }
        for s in schedules[: MAX_OPTIONS - 1]
    ]
    zones = ", ".join(f"{s.name}: {s.timezone}" for s in schedules[:10])
    blocks = [
        _input(BlockId.ONCALL_SCHEDULE, "Schedule", schedule_select),
        _input(
            BlockId.ONCALL_LAYER,
            "Layer",
            {
                "type": "static_select",
                "action_id": ActionId.ONCALL_LAYER.value,
                "option_groups": groups,
                "initial_option": whole,
            },
        ),
        _input(
            BlockId.ONCALL_USER,
            "Who takes over",
            {"type": "users_select", "action_id": ActionId.ONCALL_USER.value},
        ),
        _input(BlockId.ONCALL_FROM, "From", _time_input(ActionId.ONCALL_FROM, "now")),
        _input(
            BlockId.ONCALL_TO,
            "To",
            _time_input(ActionId.ONCALL_TO, "+8h"),
            hint="2026-12-24 18:00, now, or +8h / +2d (counted from the start)",
        ),
        context(escape_mrkdwn(f"Times are in the schedule's time zone ({zones}).")),
    ]
    return {
        "type": "modal",
        "callback_id": CallbackId.ONCALL_OVERRIDE.value,
        "title": plain("Override on call"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": blocks,
        "private_metadata": channel,
    }


def _time_input(action_id: ActionId, initial: str) -> Block:
    return {
        "type": "plain_text_input",
        "action_id": action_id.value,
        "initial_value": initial,
        "max_length": 40,
        "placeholder": plain("2026-12-24 18:00"),
    }


def _option(label: str, value: str) -> Block:
    return {"text": plain(fit_plain(label, MAX_OPTION)), "value": value}


def _input(block_id: BlockId, label: str, element: Block, *, hint: str = "") -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id.value,
        "label": plain(label),
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint)
    return block
