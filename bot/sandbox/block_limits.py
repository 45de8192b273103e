"""Block Kit limits and the element types each block accepts, in one table."""

from __future__ import annotations

from typing import Final

# Every number Slack enforces, in one place.
LIMITS: Final[dict[str, int]] = {
    "message_blocks": 50,
    "modal_blocks": 100,
    "text": 3000,
    "section_fields": 10,
    "section_field_text": 2000,
    "header_text": 150,
    "button_text": 75,
    "action_id": 255,
    "block_id": 255,
    "button_value": 2000,
    "url": 3000,
    "actions_elements": 25,
    "context_elements": 10,
    "option_text": 75,
    "option_value": 150,
    "option_description": 75,
    "select_options": 100,
    "option_groups": 100,
    "option_group_label": 75,
    "overflow_options": 5,
    "checkbox_options": 10,
    "radio_options": 10,
    "placeholder": 150,
    "input_label": 2000,
    "input_hint": 2000,
    "input_length": 3000,
    "image_alt_text": 2000,
    "image_title": 2000,
    "markdown_text": 12000,
    "confirm_title": 100,
    "confirm_text": 300,
    "confirm_button": 30,
    "modal_title": 24,
    "modal_submit": 24,
    "modal_close": 24,
    "private_metadata": 3000,
    "callback_id": 255,
    "external_id": 255,
}

BLOCK_TYPES: Final = frozenset(
    {
        "section",
        "actions",
        "context",
        "divider",
        "header",
        "image",
        "input",
        "rich_text",
        "file",
        "video",
        "markdown",
        "table",
    }
)
SELECTS: Final = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
    }
)
PICKERS: Final = frozenset({"datepicker", "timepicker", "datetimepicker"})
CHOICES: Final = frozenset({"checkboxes", "radio_buttons"})
TEXT_INPUTS: Final = frozenset(
    {
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "rich_text_input",
        "file_input",
    }
)
ACTIONS_ELEMENTS: Final = (
    SELECTS | PICKERS | CHOICES | {"button", "overflow", "workflow_button", "rich_text_input"}
)
SECTION_ACCESSORIES: Final = (
    SELECTS | PICKERS | CHOICES | {"button", "overflow", "image", "workflow_button"}
)
INPUT_ELEMENTS: Final = SELECTS | PICKERS | CHOICES | TEXT_INPUTS
TEXT_TYPES: Final = frozenset({"plain_text", "mrkdwn"})
