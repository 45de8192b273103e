"""Every action_id, callback_id and block_id the bot uses, in one place."""

from enum import StrEnum


class ActionId(StrEnum):
    """Interactive elements."""

    ACKNOWLEDGE = "incident_acknowledge"
    POST_UPDATE = "incident_post_update"
    CHANGE_SEVERITY = "incident_change_severity"
    CHANGE_STATUS = "incident_change_status"
    RESOLVE = "incident_resolve"
    SNOOZE_15 = "incident_snooze_15"
    SNOOZE_30 = "incident_snooze_30"
    SNOOZE_60 = "incident_snooze_60"
    TAKE_COMMAND = "incident_take_command"
    ACTION_DONE = "incident_action_done"
    ACTION_TEXT = "action_text"
    ACTION_OWNER = "action_owner"
    ACTION_DUE = "action_due"
    ROOT_CAUSE = "root_cause"
    RESOLUTION = "resolution"
    OPEN_CHANNEL = "incident_open_channel"
    TITLE = "title"
    SEVERITY = "severity"
    SUMMARY = "summary"
    SERVICE = "service"
    PRIVATE = "private"
    COMMANDER = "commander"
    UPDATE_TEXT = "update_text"
    STATUS = "status"
    DECLARE_FROM_ALERT = "alert_declare"
    ACKNOWLEDGE_PAGE = "page_acknowledge"
    MARK_RESOLVED = "incident_mark_resolved"
    OPEN_ALERT = "alert_open_link"
    OPEN_RUNBOOK = "alert_open_runbook"
    # on call
    ONCALL_REMOVE_OVERRIDE = "oncall_remove_override"
    ONCALL_SCHEDULE = "oncall_schedule"
    ONCALL_LAYER = "oncall_layer"
    ONCALL_USER = "oncall_user"
    ONCALL_FROM = "oncall_from"
    ONCALL_TO = "oncall_to"


class CallbackId(StrEnum):
    """Modals."""

    DECLARE = "incident_declare"
    POST_UPDATE = "incident_update"
    ADD_ACTION = "incident_add_action"
    RESOLVE = "incident_resolve_form"
    CHANGE_SEVERITY = "incident_severity"
    CHANGE_STATUS = "incident_status"
    DECLARE_FROM_ALERT = "alert_declare_form"
    ONCALL_OVERRIDE = "oncall_override_form"


class BlockId(StrEnum):
    """Blocks whose values we read back or edit."""

    TITLE = "title"
    SEVERITY = "severity"
    SUMMARY = "summary"
    SERVICE = "service"
    PRIVATE = "private"
    COMMANDER = "commander"
    UPDATE_TEXT = "update_text"
    STATUS = "status"
    STATUS_ACTIONS = "status_actions"
    ACTION_TEXT = "action_text"
    ACTION_OWNER = "action_owner"
    ACTION_DUE = "action_due"
    ROOT_CAUSE = "root_cause"
    RESOLUTION = "resolution"
    # on call
    ONCALL_SCHEDULE = "oncall_schedule"
    ONCALL_LAYER = "oncall_layer"
    ONCALL_USER = "oncall_user"
    ONCALL_FROM = "oncall_from"
    ONCALL_TO = "oncall_to"
    ONCALL_OVERRIDE = "oncall_override"
