"""`/incident …` once stored: one service call per command, and a word back to the person."""

from collections.abc import Awaitable, Callable
from typing import Any

from bot.incidents.ports import ROOM
from bot.incidents.rules.roles import ROLE_NAMES
from bot.incidents.service import DeclareRequest
from bot.kernel.errors import DomainError
from bot.slack.blocks.followups import build_action_list
from bot.slack.blocks.messages import build_incident_list
from bot.slack.commands.incident import (
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
    parse_command,
)
from bot.slack.commands.insights import ShowStats
from bot.slack.handlers.comms import COMMS_COMMANDS
from bot.slack.handlers.incident_corrections import CORRECTION_COMMANDS, share_stats
from bot.slack.handlers.incident_paging import PAGING_COMMANDS
from bot.slack.places import SLACK
from bot.slack.requests import SlackRequest
from storage.enums import Severity

Run = Callable[[SlackRequest, Any, int], Awaitable[None]]


async def handle_incident_command(request: SlackRequest) -> None:
    """Carry out a stored `/incident` command."""
    parsed = parse_command(str(request.body.get("text", "")), user_id=request.user)
    if isinstance(parsed, Declare):
        await declare(request, parsed)
    elif isinstance(parsed, ListOpen):
        await list_open(request)
    elif isinstance(parsed, ListActions):
        await list_actions(request)
    elif isinstance(parsed, ShowStats):
        await share_stats(request, parsed)
    elif isinstance(parsed, CHANNEL_BOUND):
        incident = await request.deps.incidents.in_channel(SLACK, ROOM, request.channel or "")
        assert incident.id is not None
        feature = (
            PAGING_COMMANDS.get(type(parsed))
            or COMMS_COMMANDS.get(type(parsed))
            or CORRECTION_COMMANDS.get(type(parsed))
        )
        if feature is not None:
            await feature(request, parsed, incident)
        else:
            await CHANNEL_COMMANDS[type(parsed)](request, parsed, incident.id)


async def declare(request: SlackRequest, parsed: Declare) -> None:
    """Declare; the declarer hears back once the channel is made (or refused)."""
    await request.deps.incidents.declare(
        DeclareRequest(
            title=parsed.title,
            severity=parsed.severity or Severity.SEV3,
            declared_by=request.user,
            idempotency_key=f"slash:{request.body.get('trigger_id')}",
            drill=parsed.drill,
            reply_to=request.reply_to,
        )
    )


async def list_open(request: SlackRequest) -> None:
    """Open incidents, worst first, with their commanders and channels."""
    incidents, commanders = await request.deps.incidents.list_open()
    rooms = await request.deps.incidents.rooms(SLACK, [i.id for i in incidents if i.id])
    blocks = build_incident_list(
        incidents, now=request.deps.incidents.clock(), commanders=commanders, rooms=rooms
    )
    await request.tell("Open incidents", blocks=blocks)


async def list_actions(request: SlackRequest) -> None:
    """Open action items across incidents, the person's own first."""
    deps = request.deps
    items, incidents = await deps.followups.open_action_items()
    rooms = await deps.incidents.rooms(SLACK, list(incidents))
    today = deps.incidents.clock().date()
    blocks = build_action_list(items, incidents, me=request.user, today=today, rooms=rooms)
    await request.tell("Open action items", blocks=blocks)


async def post_update(request: SlackRequest, parsed: PostUpdate, incident_id: int) -> None:
    """Post a status update."""
    await request.deps.updates.post_update(
        incident_id, request.user, parsed.text, mentions=parsed.mentions
    )


async def set_severity(request: SlackRequest, parsed: SetSeverity, incident_id: int) -> None:
    """Change the severity."""
    await request.deps.incidents.set_severity(incident_id, request.user, parsed.severity)
    await request.tell(f"Severity is now *{parsed.severity.value.upper()}*.")


async def set_status(request: SlackRequest, parsed: SetStatus, incident_id: int) -> None:
    """Move the lifecycle."""
    await request.deps.incidents.set_status(incident_id, request.user, parsed.status)
    await request.tell(f"Status is now *{parsed.status.value}*.")


async def assign_role(request: SlackRequest, parsed: AssignRole, incident_id: int) -> None:
    """Give someone a role."""
    await request.deps.incidents.assign_role(incident_id, request.user, parsed.role, parsed.user_id)
    await request.tell(f"<@{parsed.user_id}> is now {ROLE_NAMES[parsed.role]}.")


async def add_note(request: SlackRequest, parsed: AddNote, incident_id: int) -> None:
    """Add a note to the timeline."""
    await request.deps.timeline.add_note(
        incident_id, request.user, parsed.text, mentions=parsed.mentions
    )
    await request.tell(":memo: Added to the timeline.")


async def resolve(request: SlackRequest, parsed: Resolve, incident_id: int) -> None:
    """Resolve with a summary."""
    if not await request.deps.incidents.resolve(incident_id, request.user, parsed.summary):
        raise DomainError("The incident is already resolved.")


async def set_impact(request: SlackRequest, parsed: SetImpact, incident_id: int) -> None:
    """Record the impact, or its figures."""
    followups = request.deps.followups
    if parsed.text:
        await followups.set_impact(incident_id, request.user, parsed.text)
        await request.tell(":memo: Impact recorded for the postmortem.")
        return
    await followups.set_impact_figures(
        incident_id,
        request.user,
        users_affected=parsed.users_affected,
        estimated_cost=parsed.estimated_cost,
    )
    await request.tell(":memo: Impact figures recorded for the postmortem.")


async def set_root_cause(request: SlackRequest, parsed: SetRootCause, incident_id: int) -> None:
    """Record the root cause."""
    await request.deps.followups.set_root_cause(incident_id, request.user, parsed.text)
    await request.tell(":memo: Root cause recorded for the postmortem.")


async def add_action(request: SlackRequest, parsed: AddAction, incident_id: int) -> None:
    """Add an action item."""
    await request.deps.followups.add_action_item(
        incident_id, request.user, parsed.text, owner=parsed.owner, due_on=parsed.due_on
    )
    await request.tell(":white_square: Action item added.")


async def mark_reviewed(request: SlackRequest, _parsed: MarkReviewed, incident_id: int) -> None:
    """Record the postmortem review."""
    await request.deps.followups.mark_reviewed(incident_id, request.user)
    await request.tell(":white_check_mark: Postmortem review recorded.")


async def close(request: SlackRequest, _parsed: Close, incident_id: int) -> None:
    """Close a resolved incident."""
    await request.deps.incidents.close(incident_id, request.user)


CHANNEL_COMMANDS: dict[type[Command], Run] = {
    PostUpdate: post_update,
    SetSeverity: set_severity,
    SetStatus: set_status,
    AssignRole: assign_role,
    AddNote: add_note,
    Resolve: resolve,
    SetImpact: set_impact,
    SetRootCause: set_root_cause,
    AddAction: add_action,
    MarkReviewed: mark_reviewed,
    Close: close,
}
