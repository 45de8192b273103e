"""`/oncall` and its override form: help, typos, unknown schedules and bad times answered at
once; the forms (override, contact) opened at once (a trigger id lives three seconds); reads
(who, a schedule, my shifts, the overrides, my contact methods) answered in the acknowledgement,
within `READ_DEADLINE`; overrides and test pages, which change things, stored in the inbox
before they are acknowledged and carried out from there, as `/incident` is."""

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.kernel.errors import DomainError
from bot.kernel.outbox import Permanent, Transient
from bot.oncall.service import OncallService
from bot.slack.blocks.oncall import build_oncall_help
from bot.slack.blocks.oncall_modal import build_override_modal
from bot.slack.blocks.paging_contact import describe_contact
from bot.slack.commands.oncall import (
    AddOverride,
    ListOverrides,
    OncallCommand,
    OpenContactForm,
    OpenOverrideForm,
    SendTestPage,
    ShowContact,
    ShowHelp,
    ShowSchedule,
    parse_oncall_command,
)
from bot.slack.deps import SlackDeps
from bot.slack.handlers.oncall_reads import READS, OncallRead, answer_read
from bot.slack.ids import BlockId
from bot.slack.listeners.commands import SLASH, form_failed
from bot.slack.listeners.paging_contact import open_contact_form, require_reach
from bot.slack.listeners.views import VIEW
from bot.slack.mrkdwn import render_mrkdwn
from bot.slack.oncall_forms import check_override_command, parse_override_form, unknown_schedule

ONCALL = "/oncall"
READ_DEADLINE = 2.0  # seconds a read may take: well inside the three Slack waits for an answer
log = logging.getLogger(__name__)


def read_failed_text(reference: str) -> str:
    """What the asker reads when a read could not be answered in time (or at all)."""
    return (
        f":x: I could not read the on-call schedules just now (reference `{reference}`); "
        "please try again."
    )


def require_oncall(deps: SlackDeps) -> OncallService:
    """The on-call service, or the reason there is none."""
    if deps.oncall is None:
        raise DomainError("On-call schedules are not set up in this Warroom.")
    return deps.oncall


async def handle_oncall_command(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """`/oncall …`: help, mistakes and reads answered at once, the form opened, overrides
    stored."""
    deps: SlackDeps = context["deps"]
    try:
        parsed = parse_oncall_command(str(command.get("text") or ""))
        if isinstance(parsed, ShowHelp):
            blocks = build_oncall_help(parsed.unknown)
            await ack(response_type="ephemeral", text="How to use /oncall", blocks=blocks)
            return
        if isinstance(parsed, OpenContactForm | ShowContact | SendTestPage):
            await _contact_command(parsed, deps, command, client, ack)
            return
        oncall = require_oncall(deps)
        if isinstance(parsed, OpenOverrideForm):
            await _open_form(deps, oncall, command, client)
            await ack()
            return
        check_command(parsed, oncall)
    except DomainError as error:
        # A refusal is plain text (as when the inbox tells it): escaped, its people mentioned.
        text = render_mrkdwn(error.message, error.mentions)
        await ack(response_type="ephemeral", text=f":warning: {text}")
        return
    except (Transient, Permanent) as failure:
        await ack(response_type="ephemeral", text=form_failed(failure))
        return
    if isinstance(parsed, READS):
        user = str(command.get("user_id") or "")
        await ack(response_type="ephemeral", **await answer_now(deps, oncall, parsed, user))
        return
    await _store(deps, command, ack)


async def _contact_command(
    parsed: OpenContactForm | ShowContact | SendTestPage,
    deps: SlackDeps,
    command: dict[str, Any],
    client: AsyncWebClient,
    ack: AsyncAck,
) -> None:
    """A person's own paging: the contact form opened, the methods shown, a test page stored."""
    if isinstance(parsed, OpenContactForm):
        await open_contact_form(deps, command, client)
        await ack()
    elif isinstance(parsed, ShowContact):
        answer = await answer_in_time(_contact_answer(deps, str(command.get("user_id") or "")))
        await ack(response_type="ephemeral", **answer)
    else:
        require_reach(deps)
        await _store(deps, command, ack)


async def _store(deps: SlackDeps, command: dict[str, Any], ack: AsyncAck) -> None:
    """Keep a command that changes things in the inbox, then acknowledge it."""
    key = f"slash:{command.get('trigger_id') or command.get('user_id')}"
    await deps.inbox.accept(key, SLASH, command)
    await ack()


async def answer_now(
    deps: SlackDeps, oncall: OncallService, read: OncallRead, user: str
) -> dict[str, Any]:
    """The acknowledgement's message for a read (see `answer_in_time`)."""

    async def shown() -> dict[str, Any]:
        answer = await answer_read(oncall, deps.people, read, user)
        return {"text": answer.text, "blocks": answer.blocks}

    return await answer_in_time(shown())


async def _contact_answer(deps: SlackDeps, user: str) -> dict[str, Any]:
    """`/oncall contact show`: what reaches the asker when paged."""
    text = describe_contact(await require_reach(deps).contact_of(user))
    return {"text": text}


async def answer_in_time(work: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """The acknowledgement's message for a read: the answer within `READ_DEADLINE`; a refusal
    as a warning; a timeout or a failure (the database down or slow) as a line with a
    reference, the reference logged with the cause."""
    try:
        answer = await asyncio.wait_for(work, READ_DEADLINE)
    except DomainError as error:
        return {"text": f":warning: {render_mrkdwn(error.message, error.mentions)}"}
    except TimeoutError:
        reference = uuid.uuid4().hex[:8]
        log.warning(
            "/oncall read not answered within %g s (reference %s)", READ_DEADLINE, reference
        )
        return {"text": read_failed_text(reference)}
    except Exception as error:  # never a trace to the user, nor an unanswered command
        reference = uuid.uuid4().hex[:8]
        log.error("/oncall read failed (reference %s)", reference, exc_info=error)
        return {"text": read_failed_text(reference)}
    return answer


def check_command(parsed: OncallCommand, oncall: OncallService) -> None:
    """What can be refused before storing: a schedule that does not exist, an override that
    the service would refuse (bad times, an unknown layer)."""
    if isinstance(parsed, ShowSchedule | ListOverrides) and parsed.schedule not in oncall.names:
        raise unknown_schedule(parsed.schedule, oncall.names)
    if isinstance(parsed, AddOverride):
        check_override_command(parsed, oncall.schedules, oncall.clock())


async def _open_form(
    deps: SlackDeps, oncall: OncallService, command: dict[str, Any], client: AsyncWebClient
) -> None:
    if not oncall.names:
        raise DomainError("There are no on-call schedules to override: add them to warroom.yml.")
    schedules = [oncall.schedule(name) for name in oncall.names]
    modal = build_override_modal(schedules, channel=str(command.get("channel_id") or ""))
    trigger = str(command.get("trigger_id") or "")
    await deps.calls.call(lambda: client.views_open(trigger_id=trigger, view=modal))


async def handle_override_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
) -> None:
    """The override form: a mistake shown on its field at once; a good one stored once."""
    deps: SlackDeps = context["deps"]
    try:
        oncall = require_oncall(deps)
        state = view.get("state") if isinstance(view.get("state"), dict) else {}
        parse_override_form((state or {}).get("values") or {}, oncall.schedules, oncall.clock())
    except DomainError as error:
        errors = {error.field or BlockId.ONCALL_SCHEDULE.value: error.message}
        await ack(response_action="errors", errors=errors)
        return
    await deps.inbox.accept(f"view:{view.get('id')}:{view.get('hash')}", VIEW, body)
    await ack()
