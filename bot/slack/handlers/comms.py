"""Stakeholder updates and the status page, once stored: one service call each, and a word
back to the person who asked."""

from collections.abc import Awaitable, Callable
from typing import Any

from bot.slack.blocks.parts import date_token
from bot.slack.blocks.statuspage_form import STATUS_LABELS, describe_states
from bot.slack.commands.comms import PublishStatusPage, SetCustomerImpact, ShareWithStakeholders
from bot.slack.forms import parse_maintenance_form, parse_statuspage_form
from bot.slack.handlers.comms_access import (
    impact_text,
    require_comms,
    require_status_page,
    shared_text,
)
from bot.slack.handlers.incident_forms import incident_id_of, values_of
from bot.slack.ids import CallbackId
from bot.slack.mrkdwn import escape_mrkdwn
from bot.slack.requests import Handler, SlackRequest
from bot.statuspage.definitions import PublicStatus
from bot.statuspage.service import Publication
from storage.models import Incident

CommsRun = Callable[[SlackRequest, Any, Incident], Awaitable[None]]


async def share(request: SlackRequest, parsed: ShareWithStakeholders, incident: Incident) -> None:
    """Send a stakeholder update."""
    assert incident.id is not None
    shared = await require_comms(request.deps).share(incident.id, parsed.text, request.user)
    await request.tell(shared_text(shared))


async def customer_impact(
    request: SlackRequest, parsed: SetCustomerImpact, incident: Incident
) -> None:
    """Record whether customers are affected; customer success hears of it at once."""
    assert incident.id is not None
    comms = require_comms(request.deps)
    result = await comms.set_customers_affected(incident.id, parsed.affected, request.user)
    await request.tell(impact_text(result, parsed.affected))


async def publish_now(request: SlackRequest, parsed: PublishStatusPage, incident: Incident) -> None:
    """`/incident statuspage <status> <message>`: publish with the prefilled components."""
    assert incident.id is not None and parsed.status is not None
    public = require_status_page(request.deps)
    published = await public.publish(
        incident.id, status=parsed.status, message=parsed.message, by=request.user
    )
    await request.tell(published_text(published, parsed.status))


def published_text(publication: Publication, status: PublicStatus, states: str = "") -> str:
    """What a publication did, in a line."""
    what = "a new public incident" if publication.created else "the public incident"
    tail = f" Components: {states}." if states else ""
    return (
        f":globe_with_meridians: Published {what} on the status page: "
        f"*{STATUS_LABELS[status]}*.{tail}"
    )


async def publish_form(request: SlackRequest) -> None:
    """The status page form: title, status, each component's state, the message."""
    form = parse_statuspage_form(values_of(request))
    published = await require_status_page(request.deps).publish(
        incident_id_of(request),
        status=form.status,
        message=form.message,
        by=request.user,
        title=form.title,
        components=form.components,
    )
    states = describe_states(form.components) if form.components else ""
    await request.tell(published_text(published, form.status, states))


async def maintenance_form(request: SlackRequest) -> None:
    """The maintenance form: scheduled on the status page, started and ended by itself."""
    form = parse_maintenance_form(values_of(request))
    made = await require_status_page(request.deps).add_maintenance(
        form.title, form.body, form.components, form.starts, form.ends, request.user
    )
    what = escape_mrkdwn(", ".join(form.components))
    await request.tell(
        f":wrench: Maintenance {made} scheduled from {date_token(form.starts)} to "
        f"{date_token(form.ends)} ({what})."
    )


COMMS_COMMANDS: dict[type, CommsRun] = {
    ShareWithStakeholders: share,
    SetCustomerImpact: customer_impact,
    PublishStatusPage: publish_now,
}
# Forms whose private metadata is the incident they publish for.
ABOUT_INCIDENT = frozenset({CallbackId.STATUSPAGE.value})
FORMS: dict[str, Handler] = {
    CallbackId.STATUSPAGE: publish_form,
    CallbackId.MAINTENANCE: maintenance_form,
}
