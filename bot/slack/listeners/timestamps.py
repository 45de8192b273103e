"""The `/incident timestamps` form on submission: the times are checked against the incident as
it is (a time out of order, in the future, or one its status needs cleared lands on its field,
naming the time it conflicts with); a good submission is stored once, then made."""

from typing import Any

from slack_bolt.async_app import AsyncAck

from bot.kernel.errors import DomainError
from bot.slack.correction_forms import parse_timestamps_form, timestamps_field
from bot.slack.deps import SlackDeps
from bot.slack.inputs import parse_id
from bot.slack.listeners.form_failures import refuse_on_form
from bot.slack.listeners.views import VIEW

NOT_SET_UP = "Corrections are not set up."


async def handle_timestamps_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
) -> None:
    """A mistake shown on its field at once (nothing kept); a good correction stored once per
    view and hash, so a double submission or a replay is made once."""
    deps: SlackDeps = context["deps"]
    try:
        if deps.corrections is None:
            raise DomainError(NOT_SET_UP)
        state = view.get("state") if isinstance(view.get("state"), dict) else {}
        wanted = parse_timestamps_form((state or {}).get("values") or {})
        incident_id = parse_id(view.get("private_metadata"), "This form is not valid any more.")
        await deps.corrections.check_times(incident_id, wanted)
    except DomainError as error:
        await ack(response_action="errors", errors={timestamps_field(error.field): error.message})
        return
    except Exception as error:  # the database down: said on the form, never a trace
        await refuse_on_form(ack, timestamps_field(None), "timestamps form not checked", error)
        return
    await deps.inbox.accept(f"view:{view.get('id')}:{view.get('hash')}", VIEW, body)
    await ack()
