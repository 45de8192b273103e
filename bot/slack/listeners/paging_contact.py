"""`/oncall contact`'s form: opened at once (a trigger id lives three seconds) with the
person's methods as they are; on submission every mistake lands on its field and nothing is
kept, and good methods are kept before the acknowledgement closes the form (one small write,
like storing the request would be)."""

from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.kernel.errors import DomainError
from bot.paging.reach import Reach
from bot.slack.blocks.paging_contact import build_contact_modal
from bot.slack.deps import SlackDeps
from bot.slack.listeners.form_failures import refuse_on_form
from bot.slack.oncall_forms import contact_field, parse_contact_form

NOT_SET_UP = "Paging is not set up."


def require_reach(deps: SlackDeps) -> Reach:
    """Contact methods and test pages, or the reason there are none."""
    if deps.reach is None:
        raise DomainError(NOT_SET_UP)
    return deps.reach


async def open_contact_form(
    deps: SlackDeps, command: dict[str, Any], client: AsyncWebClient
) -> None:
    """Open the form, filled in with the asker's methods (their own, else warroom.yml's)."""
    reach = require_reach(deps)
    contact = await reach.contact_of(str(command.get("user_id") or ""))
    modal = build_contact_modal(contact)
    trigger = str(command.get("trigger_id") or "")
    await deps.calls.call(lambda: client.views_open(trigger_id=trigger, view=modal))


async def handle_contact_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
) -> None:
    """The contact form: a mistake shown on its field (nothing kept); good methods kept."""
    deps: SlackDeps = context["deps"]
    user = str((body.get("user") or {}).get("id") or "")
    try:
        reach = require_reach(deps)
        state = view.get("state") if isinstance(view.get("state"), dict) else {}
        form = parse_contact_form((state or {}).get("values") or {})
        await reach.set_contact(user, phone=form.phone, email=form.email, rules=form.rules, by=user)
    except DomainError as error:
        await ack(response_action="errors", errors={contact_field(error.field): error.message})
        return
    except Exception as error:  # the database down: said on the form, never a trace
        await refuse_on_form(ack, contact_field(None), "contact form not kept", error)
        return
    await ack()
