"""Turning the `/incident timestamps` form's submission into the times wanted, or a field error."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.incidents.rules.timestamps import CORRECTABLE, LABELS
from bot.kernel.errors import InvalidInput
from bot.slack.blocks.timestamps import PICKERS

# A datetimepicker answers Unix seconds: ten digits until 2286; anything else is not Slack's.
MAX_SECONDS = 2**33

Values = Mapping[str, Mapping[str, Any]]


def parse_timestamps_form(values: Values) -> dict[str, datetime | None]:
    """The time picked for each field (None: left empty), or InvalidInput naming the field."""
    wanted: dict[str, datetime | None] = {}
    for name, _ in CORRECTABLE:
        block_id, action_id, _hint = PICKERS[name]
        block = values.get(block_id.value) if isinstance(values, Mapping) else None
        element = block.get(action_id.value) if isinstance(block, Mapping) else None
        chosen = element.get("selected_date_time") if isinstance(element, Mapping) else None
        if chosen is None:
            wanted[name] = None
        elif (
            isinstance(chosen, bool) or not isinstance(chosen, int) or not 0 < chosen < MAX_SECONDS
        ):
            raise InvalidInput(f"Pick a date and a time for {LABELS[name].lower()}.", field=name)
        else:
            wanted[name] = datetime.fromtimestamp(chosen, tz=UTC)
    if wanted["detected_at"] is None:
        raise InvalidInput("Pick when the impact began.", field="detected_at")
    return wanted


def timestamps_field(name: str | None) -> str:
    """The block a message about `name` is shown on (the impact start for the whole form)."""
    return name if name in LABELS else "detected_at"
