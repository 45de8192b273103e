"""`/incident …`: parse, acknowledge at once, one service call, answer the user."""

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.commands import (
    CHANNEL_BOUND,
    AddAction,
    AddNote,
    AssignRole,
    Close,
    Command,
    Declare,
    ListActions,
    ListOpen,
    MarkReviewed,
    PostUpdate,
    Resolve,
    SetImpact,
    SetRootCause,
    SetSeverity,
    SetStatus,
    ShowHelp,
    parse_command,
)
from bot.core.errors import DomainError
from bot.services.incidents import Declared
from bot.services.requests import DeclareRequest
from bot.slack.blocks.followups import build_action_list
from bot.slack.blocks.help import build_help_blocks
from bot.slack.blocks.messages import build_incident_list
from bot.slack.blocks.modals import (
    build_action_modal,
    build_declare_modal,
    build_resolve_modal,
    build_update_modal,
)
from bot.slack.guard import guarded
from bot.slack.listeners.deps import ListenerDeps
from storage.enums import Role, Severity

COMMAND = "/incident"
ROLE_WORDS = {Role.COMMANDER: "commander", Role.COMMS: "comms lead", Role.SCRIBE: "scribe"}


def register(app: AsyncApp, deps: ListenerDeps) -> None:
    """Attach the `/incident` command."""

    @app.command(COMMAND)
    async def handle_incident_command(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        user = command["user_id"]
        try:
            parsed = parse_command(command.get("text", ""), user_id=user)
        except DomainError as error:
            await ack(response_type="ephemeral", text=f":warning: {error.message}")
            return
        if isinstance(parsed, ShowHelp):
            blocks = build_help_blocks(parsed.unknown)
            await ack(response_type="ephemeral", text="How to use /incident", blocks=blocks)
            return
        await ack()

        async def tell(text: str) -> None:
            await respond(text=text, response_type="ephemeral", replace_original=False)

        # Forms open without waiting for a slot: a trigger_id lives only 3 s.
        opens_form = parsed in (
            Declare(title=""),
            PostUpdate(text=""),
            AddAction(text=""),
            Resolve(summary=""),
        )
        slots = None if opens_form else deps.slots
        await guarded(tell, _dispatch(deps, parsed, command, client, respond), slots)


async def _dispatch(
    deps: ListenerDeps,
    parsed: Command,
    command: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
) -> None:
    async def tell(text: str) -> None:
        await respond(text=text, response_type="ephemeral", replace_original=False)

    user, channel = command["user_id"], command["channel_id"]
    service = deps.incidents
    if isinstance(parsed, Declare):
        await _declare(deps, parsed, command, client, tell)
        return
    if isinstance(parsed, ListOpen):
        incidents, commanders = await service.list_open()
        blocks = build_incident_list(incidents, now=service.clock(), commanders=commanders)
        await respond(response_type="ephemeral", text="Open incidents", blocks=blocks)
        return
    if isinstance(parsed, ListActions):
        items, owners = await deps.followups.open_action_items()
        today = service.clock().date()
        blocks = build_action_list(items, owners, me=user, today=today)
        await respond(response_type="ephemeral", text="Open action items", blocks=blocks)
        return
    if not isinstance(parsed, CHANNEL_BOUND):
        return
    incident = await service.incident_for_channel(channel)
    assert incident.id is not None
    match parsed:
        case PostUpdate(text=""):
            modal = build_update_modal(incident)
            await client.views_open(trigger_id=command["trigger_id"], view=modal)
        case PostUpdate(text=text):
            await service.post_update(incident.id, user, text)
        case SetSeverity(severity=severity):
            await service.set_severity(incident.id, user, severity)
            await tell(f"Severity is now *{severity.value.upper()}*.")
        case SetStatus(status=status):
            await service.set_status(incident.id, user, status)
            await tell(f"Status is now *{status.value}*.")
        case AssignRole(role=role, user_id=target):
            await service.assign_role(incident.id, user, role, target)
            await tell(f"<@{target}> is now {ROLE_WORDS.get(role, 'a responder')}.")
        case AddNote(text=text):
            await deps.timeline.add_note(incident.id, user, text)
            await tell(":memo: Added to the timeline.")
        case Resolve(summary=""):
            modal = build_resolve_modal(incident)
            await client.views_open(trigger_id=command["trigger_id"], view=modal)
        case Resolve(summary=summary):
            await service.resolve(incident.id, user, summary)
        case SetImpact(text="", users_affected=users, estimated_cost=cost):
            await deps.followups.set_impact_figures(
                incident.id, user, users_affected=users, estimated_cost=cost
            )
            await tell(":memo: Impact figures recorded for the postmortem.")
        case SetImpact(text=text):
            await deps.followups.set_impact(incident.id, user, text)
            await tell(":memo: Impact recorded for the postmortem.")
        case SetRootCause(text=text):
            await deps.followups.set_root_cause(incident.id, user, text)
            await tell(":memo: Root cause recorded for the postmortem.")
        case AddAction(text=""):
            modal = build_action_modal(incident)
            await client.views_open(trigger_id=command["trigger_id"], view=modal)
        case AddAction(text=text, owner=owner, due_on=due_on):
            await deps.followups.add_action_item(
                incident.id, user, text, owner=owner, due_on=due_on
            )
            await tell(":white_square: Action item added.")
        case MarkReviewed():
            await deps.followups.mark_reviewed(incident.id, user)
            await tell(":white_check_mark: Postmortem review recorded.")
        case Close():
            await service.close(incident.id, user)


async def _declare(
    deps: ListenerDeps,
    parsed: Declare,
    command: dict[str, Any],
    client: AsyncWebClient,
    tell: Any,
) -> None:
    if not parsed.title:
        modal = build_declare_modal(private_metadata=command["channel_id"])
        await client.views_open(trigger_id=command["trigger_id"], view=modal)
        return
    request = DeclareRequest(
        title=parsed.title,
        severity=parsed.severity or Severity.SEV3,
        declared_by=command["user_id"],
    )
    declared = await deps.incidents.declare(request)
    await tell(declared_text(declared))


def declared_text(declared: Declared) -> str:
    """The confirmation a declarer reads."""
    incident = declared.incident
    if incident.channel_id is None:
        errors = ", ".join(f"`{f.error}`" for f in declared.failures) or "unknown error"
        return (
            f":warning: Incident INC-{incident.number} is saved, but Slack refused to create "
            f"its channel ({errors}). Warroom tries again every minute (up to 10 times); "
            "nothing you entered is lost. If it keeps failing, check the app's permissions."
        )
    return f":rotating_light: Incident INC-{incident.number} is declared: <#{incident.channel_id}>"
