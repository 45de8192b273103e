"""The Slack side of the surfaces port: channel, status block, topic and digest."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.core.text import channel_name
from bot.services.ports import IncidentSnapshot, ShareFailed, StepFailure, SurfaceResult
from bot.slack.alerts import sync_resolved_notice
from bot.slack.blocks.digest import build_digest_blocks
from bot.slack.blocks.messages import build_update_message
from bot.slack.blocks.parts import current_commander
from bot.slack.blocks.status import build_status_blocks, build_status_text, build_topic
from storage.models import StatusUpdate

log = logging.getLogger(__name__)

# Errors worth another try: Slack's own hiccups and rate limits the client did not absorb.
RETRYABLE = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
MAX_NAME_ATTEMPTS = 5


class SlackSurfaces:
    """Keeps an incident's Slack surfaces equal to a render of the database."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        channel_prefix: str,
        announce_channel: str,
        clock: Callable[[], datetime],
        retry_delays: Sequence[float] = (0.5, 2.0),
    ) -> None:
        self.client = client
        self.channel_prefix = channel_prefix
        self.announce_channel = announce_channel
        self.clock = clock
        self.retry_delays = tuple(retry_delays)
        self._names: dict[str, str] = {}

    async def sync(self, snapshot: IncidentSnapshot, *, invite: list[str]) -> SurfaceResult:
        """Create what is missing (channel, pin, digest) and edit the rest in place."""
        result = SurfaceResult()
        incident = snapshot.incident
        channel = incident.channel_id or await self._create_channel(snapshot, result)
        if channel is None:
            return result
        if invite:
            await self._invite(channel, invite, result)
        await self._sync_status(snapshot, channel, result)
        await sync_resolved_notice(self.client, snapshot)
        await self._sync_topic(snapshot, channel, result)
        if not incident.private:
            await self._sync_digest(snapshot, result)
        if result.failures:
            await self._report(channel, result.failures)
        return result

    async def post_update(self, snapshot: IncidentSnapshot, update: StatusUpdate) -> str | None:
        """Post a formatted status update in the incident channel."""
        channel = snapshot.incident.channel_id
        if channel is None:
            return None
        text, blocks = build_update_message(update, snapshot.incident)
        result = SurfaceResult()
        response = await self._step(
            "post_update",
            result,
            lambda: self.client.chat_postMessage(channel=channel, text=text, blocks=blocks),
        )
        if result.failures:
            await self._report(channel, result.failures)
        return None if response is None else str(response["ts"])

    async def display_names(self, user_ids: list[str]) -> dict[str, str]:
        """Display names from `users.info`, remembered for the life of the process."""
        for user_id in dict.fromkeys(user_ids):
            if user_id in self._names:
                continue
            try:
                response = await self._call(lambda u=user_id: self.client.users_info(user=u))  # type: ignore[misc]
            except SlackApiError:
                continue
            user = response.get("user") or {}
            profile = user.get("profile") or {}
            name = profile.get("display_name") or user.get("real_name") or user.get("name")
            if name:
                self._names[user_id] = str(name)
        return {u: self._names[u] for u in user_ids if u in self._names}

    async def share_postmortem(
        self, snapshot: IncidentSnapshot, markdown: str, *, comment: str
    ) -> tuple[str, str]:
        """Upload the document through Slack's current flow; return (file id, permalink)."""
        incident = snapshot.incident
        channel = incident.channel_id
        if channel is None:
            raise ShareFailed("no_incident_channel")
        name = f"INC-{incident.number}-postmortem.md"
        try:
            response = await self._call(
                lambda: self.client.files_upload_v2(
                    channel=channel,
                    content=markdown,
                    filename=name,
                    title=f"Post-mortem: INC-{incident.number}",
                    initial_comment=comment,
                )
            )
        except SlackApiError as error:
            raise ShareFailed(_error(error)) from error
        files = response.get("files") or [response.get("file") or {}]
        shared = files[0]
        return str(shared.get("id", "")), str(shared.get("permalink", ""))

    # -- the steps -------------------------------------------------------------------------

    async def _create_channel(
        self, snapshot: IncidentSnapshot, result: SurfaceResult
    ) -> str | None:
        incident = snapshot.incident
        for attempt in range(MAX_NAME_ATTEMPTS):
            suffix = f"-{attempt + 1}" if attempt else ""
            name = channel_name(self.channel_prefix, incident.number, incident.title, suffix=suffix)
            try:
                response = await self._call(
                    lambda n=name: self.client.conversations_create(  # type: ignore[misc]
                        name=n, is_private=incident.private
                    )
                )
            except SlackApiError as error:
                if _error(error) in {"name_taken", "invalid_name_specials"}:
                    continue
                result.failures.append(StepFailure("create_channel", _error(error)))
                return None
            channel_id = str(response["channel"]["id"])
            result.changes.update(channel_id=channel_id, channel_name=name)
            incident.channel_id, incident.channel_name = channel_id, name
            return channel_id
        result.failures.append(StepFailure("create_channel", "name_taken"))
        return None

    async def _invite(self, channel: str, users: list[str], result: SurfaceResult) -> None:
        # Slack caps one invite call at 100 users.
        for start in range(0, len(users), 100):
            batch = ",".join(users[start : start + 100])
            await self._step(
                "invite",
                result,
                lambda b=batch: self.client.conversations_invite(  # type: ignore[misc]
                    channel=channel, users=b, force=True
                ),
                ok_errors={"already_in_channel", "cant_invite_self"},
            )

    async def _sync_status(
        self, snapshot: IncidentSnapshot, channel: str, result: SurfaceResult
    ) -> None:
        incident = snapshot.incident
        blocks = build_status_blocks(
            incident,
            snapshot.roles,
            snapshot.latest_update,
            now=self.clock(),
            action_items=snapshot.action_items,
            alerts=snapshot.alerts,
        )
        text = build_status_text(incident)
        ts = incident.status_ts
        if ts is not None:
            old_ts = ts
            updated = await self._step(
                "update_status",
                result,
                lambda: self.client.chat_update(
                    channel=channel, ts=old_ts, text=text, blocks=blocks
                ),
                missing_errors={"message_not_found"},
            )
            if updated is None and not _failed(result, "update_status"):
                ts = None  # the status message was deleted: post a new one and pin it
                incident.status_pinned = False
        if ts is None:
            posted = await self._step(
                "post_status",
                result,
                lambda: self.client.chat_postMessage(channel=channel, text=text, blocks=blocks),
            )
            if posted is None:
                return
            ts = str(posted["ts"])
            result.changes.update(status_ts=ts, status_pinned=False)
            incident.status_ts = ts
        if not incident.status_pinned:
            pinned = await self._step(
                "pin_status",
                result,
                lambda: self.client.pins_add(channel=channel, timestamp=ts),
                ok_errors={"already_pinned"},
            )
            if pinned is not None:
                result.changes["status_pinned"] = True

    async def _sync_topic(
        self, snapshot: IncidentSnapshot, channel: str, result: SurfaceResult
    ) -> None:
        topic = build_topic(snapshot.incident, current_commander(snapshot.roles))
        if topic == snapshot.incident.channel_topic:
            return
        done = await self._step(
            "set_topic",
            result,
            lambda: self.client.conversations_setTopic(channel=channel, topic=topic),
        )
        if done is not None:
            result.changes["channel_topic"] = topic

    async def _sync_digest(self, snapshot: IncidentSnapshot, result: SurfaceResult) -> None:
        incident = snapshot.incident
        blocks = build_digest_blocks(
            incident, snapshot.roles, snapshot.latest_update, now=self.clock()
        )
        text = build_status_text(incident)
        if incident.digest_ts and incident.digest_channel_id:
            digest_channel, digest_ts = incident.digest_channel_id, incident.digest_ts
            updated = await self._step(
                "update_digest",
                result,
                lambda: self.client.chat_update(
                    channel=digest_channel, ts=digest_ts, text=text, blocks=blocks
                ),
                missing_errors={"message_not_found"},
            )
            if updated is not None or _failed(result, "update_digest"):
                return
        posted = await self._step(
            "post_digest",
            result,
            lambda: self.client.chat_postMessage(
                channel=self.announce_channel, text=text, blocks=blocks
            ),
        )
        if posted is not None:
            result.changes.update(digest_channel_id=str(posted["channel"]), digest_ts=posted["ts"])

    async def report(self, snapshot: IncidentSnapshot, failures: list[StepFailure]) -> None:
        """Tell the incident channel which steps failed (and what to do instead)."""
        if snapshot.incident.channel_id is not None:
            await self._report(snapshot.incident.channel_id, failures, retried=False)

    async def _report(
        self, channel: str, failures: list[StepFailure], *, retried: bool = True
    ) -> None:
        """Say in the channel which steps failed, so people know what to fix or retry."""
        lines = "\n".join(f"• `{f.step}`: `{f.error}`" for f in failures)
        after = (
            "they are retried on the next change."
            if retried
            else "the document is saved: print it with `warroom postmortem N`."
        )
        text = (
            f":warning: Some Slack steps failed after retries. The incident is saved; {after}"
            f"\n{lines}"
        )
        try:
            await self.client.chat_postMessage(channel=channel, text=text)
        except SlackApiError:
            log.exception("could not report failed steps in %s", channel)

    # -- retries ---------------------------------------------------------------------------

    async def _step(
        self,
        name: str,
        result: SurfaceResult,
        call: Callable[[], Awaitable[AsyncSlackResponse]],
        *,
        ok_errors: frozenset[str] | set[str] = frozenset(),
        missing_errors: frozenset[str] | set[str] = frozenset(),
    ) -> AsyncSlackResponse | dict[str, Any] | None:
        """Run one step with retries; record it in `result` when it still fails."""
        try:
            return await self._call(call)
        except SlackApiError as error:
            code = _error(error)
            if code in ok_errors:
                return {"ok": True}
            if code in missing_errors:
                return None
            result.failures.append(StepFailure(name, code))
        except Exception as error:  # network trouble after the client's own retries
            log.exception("step %s failed", name)
            result.failures.append(StepFailure(name, type(error).__name__))
        return None

    async def _call(self, call: Callable[[], Awaitable[AsyncSlackResponse]]) -> AsyncSlackResponse:
        """Call Slack, retrying transient errors and honouring Retry-After."""
        for delay in (*self.retry_delays, None):
            try:
                return await call()
            except SlackApiError as error:
                if delay is None or _error(error) not in RETRYABLE:
                    raise
                await asyncio.sleep(_retry_after(error, delay))
        raise AssertionError("unreachable")


def _error(error: SlackApiError) -> str:
    return str(error.response.get("error", "unknown_error"))


def _failed(result: SurfaceResult, step: str) -> bool:
    return any(f.step == step for f in result.failures)


def _retry_after(error: SlackApiError, default: float) -> float:
    header = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after")
    try:
        return max(float(header), 0.0) if header is not None else default
    except (TypeError, ValueError):
        return default
