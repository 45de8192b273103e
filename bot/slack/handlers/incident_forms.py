"""Forms, once stored (their fields were checked before the acknowledgement): one service
call each. The person hears back in the form's channel."""

from typing import Any

from bot.incidents.service import DeclareRequest
from bot.kernel.errors import DomainError
from bot.slack.forms import (
    parse_action_form,
    parse_declare_form,
    parse_resolve_form,
    parse_severity_form,
    parse_status_form,
    parse_update_form,
)
from bot.slack.handlers.comms_access import require_comms, shared_text
from bot.slack.ids import CallbackId
from bot.slack.inputs import parse_id
from bot.slack.requests import Handler, SlackRequest


def _view(request: SlackRequest) -> dict[str, Any]:
    return dict(request.body.get("view") or {})


def values_of(request: SlackRequest) -> Any:
    """A form's submitted values."""
    return (_view(request).get("state") or {}).get("values") or {}


def incident_id_of(request: SlackRequest) -> int:
    """The incident a form belongs to (its private metadata)."""
    metadata = _view(request).get("private_metadata")
    return parse_id(metadata, "That form does not belong to an incident any more.")


async def declare(request: SlackRequest) -> None:
    """Declare from the form; the declarer hears back in the channel it was opened from."""
    form = parse_declare_form(values_of(request))
    view = _view(request)
    asked = DeclareRequest(
        title=form.title,
        severity=form.severity,
        summary=form.summary,
        services=form.services,
        private=form.private,
        commander=form.commander,
        drill=form.drill,
        declared_by=request.user,
        idempotency_key=f"view:{view.get('id')}",
        reply_to=request.reply_to,
    )
    comms = getattr(request.deps, "comms", None) if form.customers_affected else None
    if comms is None:
        await request.deps.incidents.declare(asked)
    else:  # recorded with the declaration; customer success is told
        await require_comms(request.deps).declare(asked, customers_affected=True)


async def post_update(request: SlackRequest) -> None:
    """Post an update, maybe moving the status; shared with stakeholders when asked."""
    form = parse_update_form(values_of(request))
    incident_id = incident_id_of(request)
    await request.deps.updates.post_update(incident_id, request.user, form.text, form.status)
    if not form.share:
        return
    try:
        comms = require_comms(request.deps)
        shared = await comms.share(incident_id, form.text, request.user)
    except DomainError as refused:
        raise DomainError(
            f"The update is posted, but not shared with stakeholders: {refused.message}",
            mentions=refused.mentions,
        ) from refused
    await request.tell(shared_text(shared))


async def add_action(request: SlackRequest) -> None:
    """Add an action item."""
    form = parse_action_form(values_of(request))
    await request.deps.followups.add_action_item(
        incident_id_of(request), request.user, form.text, owner=form.owner, due_on=form.due_on
    )


async def resolve(request: SlackRequest) -> None:
    """Resolve with a summary, root cause and resolution."""
    form = parse_resolve_form(values_of(request))
    resolved = await request.deps.incidents.resolve(
        incident_id_of(request),
        request.user,
        form.summary,
        root_cause=form.root_cause,
        resolution=form.resolution,
    )
    if not resolved:
        await request.tell("The incident is already resolved.")


async def change_severity(request: SlackRequest) -> None:
    """Change the severity."""
    severity = parse_severity_form(values_of(request))
    await request.deps.incidents.set_severity(incident_id_of(request), request.user, severity)


async def change_status(request: SlackRequest) -> None:
    """Move the lifecycle."""
    status = parse_status_form(values_of(request))
    await request.deps.incidents.set_status(incident_id_of(request), request.user, status)


FORMS: dict[str, Handler] = {
    CallbackId.DECLARE: declare,
    CallbackId.POST_UPDATE: post_update,
    CallbackId.ADD_ACTION: add_action,
    CallbackId.RESOLVE: resolve,
    CallbackId.CHANGE_SEVERITY: change_severity,
    CallbackId.CHANGE_STATUS: change_status,
}
