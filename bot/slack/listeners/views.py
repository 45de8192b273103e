"""Form submissions: fields are checked before the acknowledgement, so a mistake lands on its
field; a good submission is stored (once per view and hash) before it is acknowledged."""

from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck

from bot.kernel.errors import DomainError
from bot.slack.deps import SlackDeps
from bot.slack.forms import (
    parse_action_form,
    parse_declare_form,
    parse_maintenance_form,
    parse_resolve_form,
    parse_severity_form,
    parse_status_form,
    parse_statuspage_form,
    parse_update_form,
)
from bot.slack.ids import BlockId, CallbackId
from bot.slack.inputs import parse_id
from bot.slack.listeners.paging_contact import handle_contact_submission

VIEW = "slack.view"
# Each form's parser (run before the ack for its field errors) and the field a form-wide
# error is shown on.
FORMS: dict[str, tuple[Callable[[Any], object], str]] = {
    CallbackId.DECLARE: (parse_declare_form, BlockId.TITLE),
    CallbackId.POST_UPDATE: (parse_update_form, BlockId.UPDATE_TEXT),
    CallbackId.ADD_ACTION: (parse_action_form, BlockId.ACTION_TEXT),
    CallbackId.RESOLVE: (parse_resolve_form, BlockId.SUMMARY),
    CallbackId.CHANGE_SEVERITY: (parse_severity_form, BlockId.SEVERITY),
    CallbackId.CHANGE_STATUS: (parse_status_form, BlockId.STATUS),
    CallbackId.DECLARE_FROM_ALERT: (parse_declare_form, BlockId.TITLE),
    CallbackId.STATUSPAGE: (parse_statuspage_form, BlockId.STATUSPAGE_MESSAGE),
    CallbackId.MAINTENANCE: (parse_maintenance_form, BlockId.MAINTENANCE_TITLE),
}
# Forms whose private metadata names what they are about (an incident, an alert group).
ABOUT_SOMETHING = frozenset(FORMS) - {CallbackId.DECLARE, CallbackId.MAINTENANCE}
# Forms kept before the acknowledgement by a listener of their own (one small write each).
KEPT_AT_ONCE = {CallbackId.ONCALL_CONTACT.value: handle_contact_submission}


async def handle_form_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
) -> None:
    """Any form: field errors answered at once, a good submission stored once."""
    deps: SlackDeps = context["deps"]
    callback = str(view.get("callback_id") or "")
    if callback in KEPT_AT_ONCE:
        await KEPT_AT_ONCE[callback](ack, body, view, context)
        return
    parse, default_field = FORMS.get(callback, (None, BlockId.TITLE))
    try:
        if parse is None:
            raise DomainError("This form is not valid any more; close it and start again.")
        state = view.get("state") if isinstance(view.get("state"), dict) else {}
        parse((state or {}).get("values") or {})
        if callback in ABOUT_SOMETHING:
            parse_id(view.get("private_metadata"), "This form is not valid any more.")
    except DomainError as error:
        errors = {error.field or default_field: error.message}
        await ack(response_action="errors", errors=errors)
        return
    key = f"view:{view.get('id')}:{view.get('hash')}"
    await deps.inbox.accept(key, VIEW, body)
    await ack()
