"""files.* — the external upload flow: get a URL, POST the bytes, complete and share."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import SlackError
from bot.sandbox.methods.args import Args
from bot.sandbox.methods.common import Handler, find_visible_channel, require_membership
from bot.sandbox.model import BOT_USER_ID, Channel, StoredFile
from bot.sandbox.shapes import build_file_json
from bot.sandbox.world import World


def handle_get_upload_url(world: World, args: Args) -> dict[str, Any]:
    """files.getUploadURLExternal: reserve a file id and hand out where to send its bytes."""
    filename = args.required("filename")
    length = args.number("length", 0)
    if length <= 0:
        raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: length"])
    stored = StoredFile(
        world.new_id("F"),
        filename,
        length,
        BOT_USER_ID,
        int(world.now()),
        alt_txt=args.text("alt_txt"),
    )
    world.files[stored.id] = stored
    upload_url = f"{args.base_url.rstrip('/')}/_sandbox/upload/{stored.id}"
    return {"upload_url": upload_url, "file_id": stored.id}


def receive_upload(world: World, file_id: str, data: bytes) -> StoredFile | None:
    """Keep the bytes POSTed to an upload URL; None when the file id is unknown."""
    with world.lock:
        stored = world.files.get(file_id)
        if stored is None or stored.completed:
            return None
        stored.data = data
        return stored


def _share_targets(world: World, args: Args) -> list[Channel]:
    refs = [args.text("channel_id")] if args.text("channel_id") else []
    refs += [c for c in (args.text("channels") or "").split(",") if c]
    targets = []
    for ref in refs:
        channel = find_visible_channel(world, ref)
        require_membership(channel)
        targets.append(channel)
    return targets


def handle_complete_upload(world: World, args: Args) -> dict[str, Any]:
    """files.completeUploadExternal: finish uploads and share them in one message per channel."""
    items = args.structured("files", error="invalid_arguments")
    if not isinstance(items, list) or not items:
        raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: files"])
    stored_files = []
    for item in items:
        stored = world.files.get(str(item.get("id"))) if isinstance(item, dict) else None
        if stored is None or stored.data is None or stored.completed:
            raise SlackError("file_not_found")
        stored_files.append((stored, item))
    targets = _share_targets(world, args)
    for stored, item in stored_files:
        stored.title = item.get("title") or stored.filename
        stored.completed = True
    for channel in targets:
        message = world.post_message(
            channel,
            user=BOT_USER_ID,
            text=args.text("initial_comment") or "",
            thread_ts=args.text("thread_ts") or None,
            subtype="file_share",
            files=[s.id for s, _ in stored_files],
            extra={"display_as_bot": False},
        )
        for stored, _ in stored_files:
            stored.channels.append(channel.id)
            stored.shares.setdefault(channel.id, []).append(message.ts)
    return {"files": [build_file_json(s, world.channels) for s, _ in stored_files]}


HANDLERS: dict[str, Handler] = {
    "files.completeUploadExternal": handle_complete_upload,
    "files.getUploadURLExternal": handle_get_upload_url,
}
