"""Page buttons, once stored: Acknowledge and Escalate now on a page DM."""

from bot.kernel.errors import DomainError
from bot.paging.service import PagingService
from bot.slack.ids import ActionId
from bot.slack.inputs import parse_id
from bot.slack.requests import Handler, SlackRequest


def _page(request: SlackRequest) -> tuple[PagingService, int]:
    actions = request.body.get("actions") or [{}]
    escalation_id = parse_id(str(actions[0].get("value", "")), "That is not a page any more.")
    if request.deps.paging is None:
        raise DomainError("Paging is not set up here.")
    return request.deps.paging, escalation_id


async def acknowledge_page(request: SlackRequest) -> None:
    """Acknowledge a page: its notifications stop, its DMs say who; join the incident, lead it
    if nobody does."""
    paging, escalation_id = _page(request)
    acknowledged = await paging.acknowledge(escalation_id, request.user, via="slack")
    if acknowledged.first:
        request.deps.metrics.acknowledged("page")
    else:
        await request.tell("Someone acknowledged first; you are recorded too, and in the incident.")


async def escalate_page(request: SlackRequest) -> None:
    """Page the next level now; say what happened."""
    paging, escalation_id = _page(request)
    await request.tell(await paging.escalate_now(escalation_id, request.user))


BUTTONS: dict[str, Handler] = {
    ActionId.ACKNOWLEDGE_PAGE: acknowledge_page,
    ActionId.ESCALATE_PAGE: escalate_page,
}
