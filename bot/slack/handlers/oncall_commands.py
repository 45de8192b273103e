"""`/oncall override …`, the override form and `/oncall test-page`, once stored: one service
call, and the answer to the person who asked (ephemeral, through the outbox like every reply).
Reads are answered in the acknowledgement and never stored; one stored by an older version is
answered from here."""

from bot.slack.blocks.oncall import local, person
from bot.slack.commands.oncall import AddOverride, SendTestPage, parse_oncall_command
from bot.slack.handlers.oncall_reads import READS, answer_read
from bot.slack.listeners.oncall import require_oncall
from bot.slack.listeners.paging_contact import require_reach
from bot.slack.mrkdwn import escape_mrkdwn
from bot.slack.oncall_forms import OverrideRequest, check_override_command, parse_override_form
from bot.slack.requests import SlackRequest


async def handle_oncall_command(request: SlackRequest) -> None:
    """Carry out a stored `/oncall` command."""
    parsed = parse_oncall_command(str(request.body.get("text") or ""))
    if isinstance(parsed, SendTestPage):
        await send_test_page(request)
        return
    oncall = require_oncall(request.deps)
    if isinstance(parsed, AddOverride):
        wanted = check_override_command(parsed, oncall.schedules, oncall.clock())
        await save_override(request, wanted)
    elif isinstance(parsed, READS):
        answer = await answer_read(oncall, request.deps.people, parsed, request.user)
        await request.tell(answer.text, blocks=answer.blocks)


async def send_test_page(request: SlackRequest) -> None:
    """A test notification to every method of the asker; the paging delivery DMs each result."""
    tried = await require_reach(request.deps).test_page(request.user)
    text = f"Sending a test page by {', '.join(tried)}; each result follows by DM."
    await request.tell(text, mentions=[])


async def handle_override_form(request: SlackRequest) -> None:
    """Carry out a stored override form."""
    oncall = require_oncall(request.deps)
    view = request.body.get("view") or {}
    values = (view.get("state") or {}).get("values") or {}
    await save_override(request, parse_override_form(values, oncall.schedules, oncall.clock()))


async def save_override(request: SlackRequest, wanted: OverrideRequest) -> None:
    """Store the override (one transaction), and say what it does, in the schedule's zone."""
    oncall = require_oncall(request.deps)
    await oncall.add_override(
        wanted.schedule,
        wanted.user,
        wanted.start,
        wanted.end,
        layer=wanted.layer,
        by=request.user,
    )
    zone = oncall.schedule(wanted.schedule).zone
    what = f"layer {escape_mrkdwn(wanted.layer)} of " if wanted.layer else ""
    await request.tell(
        f":white_check_mark: {person(wanted.user)} takes {what}*{escape_mrkdwn(wanted.schedule)}* "
        f"from {local(wanted.start, zone)} to {local(wanted.end, zone)} "
        f"({escape_mrkdwn(str(zone))}). See `/oncall overrides {wanted.schedule}`."
    )
