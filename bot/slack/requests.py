"""A Slack request as the inbox carries it out: who asked, where, and how to answer them."""

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.kernel.errors import DomainError
from bot.slack.deps import SlackDeps
from bot.slack.surfaces.replies import reply_to

log = logging.getLogger("warroom.slack")


def failure_text(reference: str) -> str:
    """What a user reads when something unexpected broke."""
    return (
        f":x: Something went wrong on our side (reference `{reference}`). "
        "Nothing you had already recorded was lost; please try again."
    )


@dataclass(frozen=True)
class SlackRequest:
    """A stored request being carried out."""

    deps: SlackDeps
    body: Mapping[str, Any]
    user: str
    channel: str | None
    response_url: str | None

    @property
    def reply_to(self) -> dict[str, Any]:
        """Where answers to this request go."""
        return reply_to(self.user, channel=self.channel, response_url=self.response_url)

    async def tell(
        self,
        text: str,
        *,
        mentions: Sequence[str] | None = None,
        blocks: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Answer the person who asked, ephemerally. `text` is mrkdwn the bot composed; with
        `mentions` it is plain text (a rule's words) to escape, its listed people mentioned."""
        await self.deps.replies.tell(
            self.reply_to,
            text,
            key=f"reply:{uuid.uuid4().hex}",
            mentions=mentions,
            blocks=blocks,
        )


Handler = Callable[[SlackRequest], Awaitable[None]]


async def carry_out(request: SlackRequest, handler: Handler) -> None:
    """Run a handler; a rule's refusal is told to the person, anything else goes to the inbox
    (which retries what may pass and reports the rest with a reference)."""
    try:
        await handler(request)
    except DomainError as error:
        await request.tell(f":warning: {error.message}", mentions=error.mentions)


async def report_failure(deps: SlackDeps, body: Mapping[str, Any], reference: str) -> None:
    """Tell the person whose request failed for good, with the reference in the logs."""
    user = str((body.get("user") or {}).get("id") or body.get("user_id") or "")
    if not user:
        return
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
    to = reply_to(user, channel=channel, response_url=body.get("response_url"))
    await deps.replies.tell(to, failure_text(reference), key=f"reply:{uuid.uuid4().hex}")
