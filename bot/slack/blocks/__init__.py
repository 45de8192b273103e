"""Pure Block Kit builders: every message, modal and topic the bot renders."""

from bot.slack.blocks.digest import build_digest_blocks
from bot.slack.blocks.help import build_help_blocks
from bot.slack.blocks.messages import build_incident_list, build_notice, build_update_message
from bot.slack.blocks.modals import (
    build_declare_modal,
    build_severity_modal,
    build_status_modal,
    build_update_modal,
)
from bot.slack.blocks.parts import current_commander
from bot.slack.blocks.status import build_status_blocks, build_status_text, build_topic

__all__ = [
    "build_declare_modal",
    "build_digest_blocks",
    "build_help_blocks",
    "build_incident_list",
    "build_notice",
    "build_severity_modal",
    "build_status_blocks",
    "build_status_modal",
    "build_status_text",
    "build_topic",
    "build_update_message",
    "build_update_modal",
    "current_commander",
]
