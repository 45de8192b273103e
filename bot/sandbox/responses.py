"""response_url posts: ephemeral or in-channel replies, and replacing or deleting the original."""

from __future__ import annotations

from typing import Any

from bot.sandbox import blockkit
from bot.sandbox.errors import SlackError
from bot.sandbox.methods.common import MAX_MESSAGE_TEXT, fill_ids
from bot.sandbox.model import BOT_ID, BOT_USER_ID, Channel, Ephemeral, ResponseUrl
from bot.sandbox.world import World

RESPONSE_URL_TTL_SECONDS = 30 * 60
RESPONSE_URL_MAX_USES = 5


def _claim(world: World, token: str, *, immediate: bool) -> ResponseUrl:
    target = world.interactions.response_urls.get(token)
    if target is None:
        raise SlackError("invalid_url", status=404)
    if immediate:
        return target
    if world.now() - target.created > RESPONSE_URL_TTL_SECONDS:
        raise SlackError("expired_url", status=404)
    if target.uses >= RESPONSE_URL_MAX_USES:
        raise SlackError("used_url", status=404)
    target.uses += 1
    return target


def _parse_content(world: World, body: dict[str, Any]) -> tuple[str, list[dict[str, Any]] | None]:
    text = body.get("text")
    blocks = body.get("blocks")
    if blocks is not None:
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format", status=400)
        problems = blockkit.validate_message_blocks(blocks)
        if problems:
            raise SlackError("invalid_blocks", status=400, messages=problems)
    if not text and not blocks and not body.get("delete_original"):
        raise SlackError("no_text", status=400)
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        raise SlackError("msg_too_long", status=400)
    return str(text or ""), fill_ids(blocks, world.new_id("K"))


def _find_ephemeral(world: World, target: ResponseUrl) -> Ephemeral | None:
    return next((e for e in world.ephemerals if e.ts == target.message_ts and not e.deleted), None)


def _change_original(
    world: World,
    target: ResponseUrl,
    channel: Channel,
    body: dict[str, Any],
    text: str,
    blocks: list[dict[str, Any]] | None,
) -> str:
    if target.is_ephemeral:
        original = _find_ephemeral(world, target)
        if original is None:
            raise SlackError("message_not_found", status=404)
        if body.get("delete_original"):
            original.deleted = True
            return "deleted"
        original.text, original.blocks = text, blocks
        original.versions.append({"text": text, "blocks": blocks, "at": world.now()})
        return "replaced"
    message = world.find_message(channel.id, target.message_ts or "")
    if message is None:
        raise SlackError("message_not_found", status=404)
    if body.get("delete_original"):
        world.delete_message(message)
        return "deleted"
    world.edit_message(
        message,
        text=text,
        blocks=blocks,
        attachments=None,
        editor=BOT_USER_ID,
        blocks_given="blocks" in body,
        attachments_given=False,
    )
    return "replaced"


def handle_response_url_post(
    world: World, token: str, body: dict[str, Any], *, immediate: bool = False
) -> dict[str, Any]:
    """Apply a message posted to a response_url, as Slack does."""
    with world.lock:
        target = _claim(world, token, immediate=immediate)
        channel = world.channels[target.channel]
        text, blocks = _parse_content(world, body)
        changes_original = body.get("replace_original") or body.get("delete_original")
        if changes_original and target.message_ts:
            return {
                "ok": True,
                "outcome": _change_original(world, target, channel, body, text, blocks),
            }
        if body.get("response_type") == "in_channel":
            message = world.post_message(
                channel,
                user=BOT_USER_ID,
                bot_id=BOT_ID,
                text=text,
                blocks=blocks,
                thread_ts=body.get("thread_ts"),
                origin="response_url",
            )
            return {"ok": True, "outcome": "posted", "ts": message.ts}
        item = world.post_ephemeral(
            channel,
            target.user,
            text,
            blocks,
            source="response_url",
            thread_ts=body.get("thread_ts"),
        )
        return {"ok": True, "outcome": "ephemeral", "ts": item.ts}
