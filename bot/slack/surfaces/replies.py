"""Answering the person who asked: through the request's response URL while it lives, else an
ephemeral message in the channel, else a DM. Replies are outbox effects like everything else."""

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.incidents.ports import IncidentSnapshot, StepFailure
from bot.kernel.outbox import Attempt, Outbox, Payload, Transient, new_effect
from bot.slack.calls import SlackCalls, SlackError, SlackRefused
from bot.slack.mrkdwn import render_mrkdwn
from bot.slack.places import slack_places

log = logging.getLogger(__name__)
REPLY = "slack.reply"
# Where a reply may not reach (the bot is not in the channel, the channel is gone): DM instead.
UNREACHABLE = frozenset({SlackError.CHANNEL_NOT_FOUND, "not_in_channel", "user_not_in_channel"})


def reply_to(user: str, *, channel: str | None, response_url: str | None) -> dict[str, Any]:
    """Where to answer a request: kept with it, read back when the answer is sent."""
    return {"user": user, "channel": channel, "response_url": response_url}


class SlackReplies:
    """Sends replies, and confirms declarations to their declarers."""

    def __init__(self, calls: SlackCalls, outbox: Outbox) -> None:
        self.calls = calls
        self.outbox = outbox

    def register(self) -> None:
        """Send replies from the outbox."""
        self.outbox.handle(REPLY, self._reply)

    async def tell(
        self,
        to: Mapping[str, Any],
        text: str,
        *,
        key: str,
        mentions: Sequence[str] | None = None,
        stream: str | None = None,
        blocks: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Write a reply to send after this request's changes (in their stream, when given).

        `text` is mrkdwn the bot composed; with `mentions` it is plain text, escaped when sent
        and its listed people mentioned."""
        payload: dict[str, Any] = {"to": dict(to), "text": text}
        if mentions is not None:
            payload["mentions"] = list(mentions)
        if blocks is not None:
            payload["blocks"] = [dict(b) for b in blocks]
        effect = new_effect(
            REPLY, key=key, stream=stream or key, payload=payload, now=self.outbox.clock()
        )
        await self.outbox.enqueue([effect])

    async def declared(
        self, snapshot: IncidentSnapshot, to: Mapping[str, Any], failures: list[StepFailure]
    ) -> None:
        """Confirm a declaration (the Confirmations port)."""
        await self.send(to, declared_text(snapshot, failures))

    async def _reply(self, payload: Payload, _attempt: Attempt) -> None:
        text = str(payload["text"])
        if "mentions" in payload:
            text = render_mrkdwn(text, payload["mentions"])
        await self.send(payload["to"], text, blocks=payload.get("blocks"))

    async def send(
        self, to: Mapping[str, Any], text: str, *, blocks: Sequence[Any] | None = None
    ) -> None:
        """Send mrkdwn `text` (and blocks) to the person `to` names, by the first way that
        works."""
        user, channel = str(to.get("user") or ""), to.get("channel")
        url = to.get("response_url")
        extra: dict[str, Any] = {"blocks": list(blocks)} if blocks else {}
        if url and await self._respond(str(url), text, extra):
            return
        if channel:
            try:
                await self.calls.call(
                    lambda: self.calls.client.chat_postEphemeral(
                        channel=str(channel), user=user, text=text, **extra
                    )
                )
                return
            except SlackRefused as refused:
                if refused.error not in UNREACHABLE:
                    raise
        dm = await self.calls.open_dm(user)
        await self.calls.call(
            lambda: self.calls.client.chat_postMessage(channel=dm, text=text, **extra)
        )

    async def _respond(self, url: str, text: str, extra: dict[str, Any]) -> bool:
        """Answer through a response URL; False when it no longer works (it lives 30 minutes
        and five uses), so another way is taken."""
        try:
            answer = await AsyncWebhookClient(url, timeout=10).send(
                text=text, response_type="ephemeral", replace_original=False, **extra
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise Transient(type(error).__name__) from error
        if answer.status_code == 429 or answer.status_code >= 500:
            raise Transient(f"http_{answer.status_code}")
        return 200 <= answer.status_code < 300


def declared_text(snapshot: IncidentSnapshot, failures: list[StepFailure]) -> str:
    """What a declarer reads once the channel was made, or refused."""
    incident = snapshot.incident
    channel = slack_places(snapshot).channel
    if channel is None:
        refused = [f for f in failures if f.step in ("create_channel", "publish")]
        errors = ", ".join(f"`{f.error}`" for f in refused) or "unknown error"
        return (
            f":warning: Incident INC-{incident.number} is saved, but Slack refused to create "
            f"its channel ({errors}). Warroom tries again every minute (up to 10 times); "
            "nothing you entered is lost. If it keeps failing, check the app's permissions."
        )
    return f":rotating_light: Incident INC-{incident.number} is declared: <#{channel}>"
