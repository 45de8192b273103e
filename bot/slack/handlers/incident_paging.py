"""`/incident page` and `/incident ack` once stored: one paging call each, and a word back to
the person who asked."""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.kernel.errors import DomainError
from bot.kernel.text import is_group, is_person, mention
from bot.paging.climb import EXHAUSTED
from bot.paging.service import PagingService
from bot.slack.commands.incident_page import AcknowledgePages, PagePeople
from bot.slack.listeners.paging_contact import NOT_SET_UP
from bot.slack.requests import SlackRequest
from storage.models import Incident

PagingRun = Callable[[SlackRequest, Any, Incident], Awaitable[None]]


def require_paging(request: SlackRequest) -> PagingService:
    """The paging service, or the reason there is none."""
    if request.deps.paging is None:
        raise DomainError(NOT_SET_UP)
    return request.deps.paging


async def page_people(request: SlackRequest, parsed: PagePeople, incident: Incident) -> None:
    """Page more people for the incident; they join it when they acknowledge."""
    assert incident.id is not None
    started = await require_paging(request).page(
        incident.id, parsed.targets, message=parsed.message, by=request.user
    )
    whom, mentions = describe_targets(parsed.targets)
    if started.state == EXHAUSTED:  # every level passed at once: nobody could be paged
        text = (
            f"Page {started.escalation_id} for {whom} reached nobody "
            "(the incident's timeline says why)."
        )
        await request.tell(f":warning: {text}", mentions=mentions)
        return
    text = f"Paging {whom} (page {started.escalation_id}). They join when they acknowledge."
    await request.tell(text, mentions=mentions)


async def acknowledge_pages(
    request: SlackRequest, _parsed: AcknowledgePages, incident: Incident
) -> None:
    """Acknowledge every page of the incident still climbing, and the incident."""
    assert incident.id is not None
    count = await require_paging(request).acknowledge_incident(
        incident.id, request.user, via="command"
    )
    reference = f"INC-{incident.number}"
    if count == 0:
        await request.tell(f"Acknowledged {reference}.")
        return
    pages = "page" if count == 1 else "pages"
    await request.tell(f"Acknowledged {count} {pages} of {reference}.")


def describe_targets(targets: Sequence[str]) -> tuple[str, list[str]]:
    """Whom a page is for, as plain text with its people and groups as `@<id>`, and those
    mentions: `@U0BOB, schedule:sre, #db-alerts`; a lone name is a policy."""
    shown: list[str] = []
    for target in targets:
        if is_person(target) or is_group(target):
            shown.append(mention(target))
        elif target.startswith("channel:"):
            shown.append("#" + target.removeprefix("channel:"))
        elif target.startswith("schedule:"):
            shown.append(target)
        else:
            shown.append(f"policy {target}")
    mentions = [t for t in targets if is_person(t) or is_group(t)]
    return ", ".join(shown), mentions


PAGING_COMMANDS: dict[type, PagingRun] = {
    PagePeople: page_people,
    AcknowledgePages: acknowledge_pages,
}
