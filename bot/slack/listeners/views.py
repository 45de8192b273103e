"""Modal submissions: validate before acknowledging, so errors land on the field."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import DomainError
from bot.services.requests import DeclareRequest
from bot.slack.forms import (
    parse_action_form,
    parse_declare_form,
    parse_resolve_form,
    parse_severity_form,
    parse_status_form,
    parse_update_form,
)
from bot.slack.guard import guarded
from bot.slack.ids import CallbackId
from bot.slack.listeners.commands import declared_text
from bot.slack.listeners.deps import ListenerDeps

log = logging.getLogger(__name__)
T = TypeVar("T")


def register(app: AsyncApp, deps: ListenerDeps) -> None:
    """Attach the modal submissions."""
    service = deps.incidents

    def teller(client: AsyncWebClient, user: str, channel: str | None) -> Any:
        """Tell the submitter, ephemerally, in the channel the form belongs to."""

        async def tell(text: str) -> None:
            if channel:
                await client.chat_postEphemeral(channel=channel, user=user, text=text)
            else:
                log.warning("nowhere to tell %s: %s", user, text)

        return tell

    async def incident_teller(client: AsyncWebClient, user: str, incident_id: int) -> Any:
        try:
            snap = await service.snapshot(incident_id)
        except DomainError:
            return teller(client, user, None)
        return teller(client, user, snap.incident.channel_id)

    async def field_errors(ack: AsyncAck, error: DomainError, default_field: str) -> None:
        await ack(response_action="errors", errors={error.field or default_field: error.message})

    @app.view(CallbackId.DECLARE)
    async def handle_declare_submission(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        try:
            form = parse_declare_form(view["state"]["values"])
        except DomainError as error:
            await field_errors(ack, error, "title")
            return
        await ack()
        user = body["user"]["id"]
        origin = view.get("private_metadata") or None
        tell = teller(client, user, origin)

        async def work() -> None:
            request = DeclareRequest(
                title=form.title,
                severity=form.severity,
                summary=form.summary,
                services=form.services,
                private=form.private,
                commander=form.commander,
                declared_by=user,
                idempotency_key=f"view:{view['id']}",
            )
            declared = await service.declare(request)
            if declared.created:
                await tell(declared_text(declared))

        await guarded(tell, work(), deps.slots)

    def incident_id_of(view: dict[str, Any]) -> int:
        return int(view.get("private_metadata") or 0)

    def incident_form(
        parse: Callable[[Any], T],
        default_field: str,
        apply: Callable[[int, str, T], Awaitable[Any]],
    ) -> Any:
        """A submission handler for a form that changes one incident."""

        async def handle_incident_form(
            ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
        ) -> None:
            try:
                form = parse(view["state"]["values"])
            except DomainError as error:
                await field_errors(ack, error, default_field)
                return
            await ack()
            user, incident_id = body["user"]["id"], incident_id_of(view)
            tell = await incident_teller(client, user, incident_id)
            await guarded(tell, apply(incident_id, user, form), deps.slots)

        return handle_incident_form

    app.view(CallbackId.POST_UPDATE)(
        incident_form(
            parse_update_form,
            "update_text",
            lambda incident, user, form: service.post_update(
                incident, user, form.text, form.status
            ),
        )
    )
    app.view(CallbackId.ADD_ACTION)(
        incident_form(
            parse_action_form,
            "action_text",
            lambda incident, user, form: deps.followups.add_action_item(
                incident, user, form.text, owner=form.owner, due_on=form.due_on
            ),
        )
    )
    app.view(CallbackId.RESOLVE)(
        incident_form(
            parse_resolve_form,
            "summary",
            lambda incident, user, form: service.resolve(
                incident,
                user,
                form.summary,
                root_cause=form.root_cause,
                resolution=form.resolution,
            ),
        )
    )
    app.view(CallbackId.CHANGE_SEVERITY)(
        incident_form(parse_severity_form, "severity", service.set_severity)
    )
    app.view(CallbackId.CHANGE_STATUS)(
        incident_form(parse_status_form, "status", service.set_status)
    )
