"""Corrections and insights once stored: the timestamps form, `/incident drill on|off`, and
`/incident stats` (its figures are posted through the outbox)."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bot.incidents.corrections import CorrectionService
from bot.incidents.rules.timestamps import TimeChange
from bot.insights.posting import StatsPosts
from bot.kernel.errors import DomainError
from bot.slack.commands.insights import MarkDrill, ShowStats
from bot.slack.correction_forms import parse_timestamps_form
from bot.slack.handlers.incident_forms import incident_id_of, values_of
from bot.slack.ids import CallbackId
from bot.slack.requests import Handler, SlackRequest
from storage.models import Incident

FeatureRun = Callable[[SlackRequest, Any, Incident], Awaitable[None]]
NOT_SET_UP = "Insights are not set up."


def require_corrections(request: SlackRequest) -> CorrectionService:
    """The corrections service, or the reason there is none."""
    if request.deps.corrections is None:
        raise DomainError("Corrections are not set up.")
    return request.deps.corrections


def require_stats(request: SlackRequest) -> StatsPosts:
    """The stats posts, or the reason there are none."""
    if request.deps.stats is None:
        raise DomainError(NOT_SET_UP)
    return request.deps.stats


async def correct_times(request: SlackRequest) -> None:
    """Set the times the form asks for; the status block follows, each change is timelined."""
    wanted = parse_timestamps_form(values_of(request))
    changes = await require_corrections(request).correct_times(
        incident_id_of(request), request.user, wanted
    )
    await request.tell(changed_text(changes))


def changed_text(changes: list[TimeChange]) -> str:
    """What the person reads once the times are saved."""
    if not changes:
        return "No time changed."
    names = ", ".join(change.label.lower() for change in changes)
    return f":clock3: Corrected: {names}. Each change is on the timeline."


async def mark_drill(request: SlackRequest, parsed: MarkDrill, incident: Incident) -> None:
    """Mark the incident as a drill or test, or not any more."""
    assert incident.id is not None
    await require_corrections(request).mark_drill(incident.id, request.user, parsed.drill)
    if parsed.drill:
        await request.tell(":test_tube: Marked as a drill: insights leave it out.")
    else:
        await request.tell("No longer a drill: insights count it again.")


async def share_stats(request: SlackRequest, parsed: ShowStats) -> None:
    """Post the period's figures in the channel where they were asked for."""
    if not request.channel:
        raise DomainError("Ask for `/incident stats` in a channel.")
    key = str(request.body.get("trigger_id") or uuid.uuid4().hex)
    await require_stats(request).share(
        request.channel, parsed.period, key=key, reply_to=request.reply_to
    )


FORMS: dict[str, Handler] = {CallbackId.CORRECT_TIMES: correct_times}
CORRECTION_COMMANDS: dict[type, FeatureRun] = {MarkDrill: mark_drill}
