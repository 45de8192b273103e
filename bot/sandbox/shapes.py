"""How Slack's Web API writes users, channels, messages, views and files as JSON."""

from __future__ import annotations

import mimetypes
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox.model import (
    APP_ID,
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    PERMALINK_BASE,
    TEAM_ID,
    Channel,
    Message,
    StoredFile,
    Topic,
    User,
    UserGroup,
    View,
)


def build_permalink(channel_id: str, ts: str, thread_ts: str | None = None) -> str:
    """Return a message permalink the way Slack shapes it."""
    link = f"{PERMALINK_BASE}/archives/{channel_id}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return link


def build_user_json(user: User, now: float) -> dict[str, Any]:
    """Return a user object as `users.info` answers it."""
    zone = ZoneInfo(user.tz)
    local = datetime.fromtimestamp(now, UTC).astimezone(zone)
    offset = local.utcoffset()
    profile: dict[str, Any] = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "team": TEAM_ID,
        "image_48": f"{PERMALINK_BASE}/avatars/{user.id}_48.png",
    }
    if user.email:
        profile["email"] = user.email
    if user.bot_id:
        profile["bot_id"] = user.bot_id
    return {
        "id": user.id,
        "team_id": TEAM_ID,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": local.tzname(),
        "tz_offset": int(offset.total_seconds()) if offset else 0,
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": 0,
    }


def _build_topic_json(topic: Topic) -> dict[str, Any]:
    return {"value": topic.value, "creator": topic.creator, "last_set": topic.last_set}


def build_im_json(channel: Channel) -> dict[str, Any]:
    """Return a direct-message conversation as `conversations.open` (`return_im`) answers it."""
    return {
        "id": channel.id,
        "created": channel.created,
        "is_archived": channel.archived,
        "is_im": True,
        "is_org_shared": False,
        "context_team_id": TEAM_ID,
        "user": channel.user,
        "last_read": "0000000000.000000",
        "latest": None,
        "unread_count": 0,
        "unread_count_display": 0,
        "is_open": True,
        "priority": 0,
    }


def build_channel_json(
    channel: Channel, *, viewer: str = BOT_USER_ID, num_members: bool = False
) -> dict[str, Any]:
    """Return a conversation object as `conversations.info` answers it."""
    if channel.is_im:
        return build_im_json(channel)
    body: dict[str, Any] = {
        "id": channel.id,
        "name": channel.name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "created": channel.created,
        "is_archived": channel.archived,
        "is_general": channel.is_general,
        "unlinked": 0,
        "name_normalized": channel.name,
        "is_shared": False,
        "is_org_shared": False,
        "is_ext_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "context_team_id": TEAM_ID,
        "parent_conversation": None,
        "creator": channel.creator,
        "is_member": viewer in channel.members,
        "topic": _build_topic_json(channel.topic),
        "purpose": _build_topic_json(channel.purpose),
        "previous_names": list(channel.previous_names),
    }
    if num_members:
        body["num_members"] = len(channel.members)
    return body


def build_bot_profile() -> dict[str, Any]:
    """Return the `bot_profile` Slack attaches to an app's messages."""
    return {
        "id": BOT_ID,
        "app_id": APP_ID,
        "name": BOT_NAME,
        "deleted": False,
        "team_id": TEAM_ID,
        "icons": {"image_48": f"{PERMALINK_BASE}/avatars/{BOT_ID}_48.png"},
    }


def build_message_json(
    message: Message,
    *,
    files: list[dict[str, Any]] | None = None,
    thread: dict[str, Any] | None = None,
    pinned: bool = False,
) -> dict[str, Any]:
    """Return a message as `conversations.history` answers it."""
    body: dict[str, Any] = {"type": "message", "ts": message.ts}
    if message.subtype:
        body["subtype"] = message.subtype
    if message.user:  # an integration's `bot_message` has no user, only a bot_id
        body["user"] = message.user
    body.update({"text": message.text, "team": TEAM_ID})
    if message.bot_id == BOT_ID:
        body.update(bot_id=BOT_ID, app_id=APP_ID, bot_profile=build_bot_profile())
    elif message.bot_id:
        body["bot_id"] = message.bot_id
    if message.blocks is not None:
        body["blocks"] = message.blocks
    if message.attachments:
        body["attachments"] = message.attachments
    if message.thread_ts:
        body["thread_ts"] = message.thread_ts
    if thread:
        body.update(thread)
    if message.edited:
        body["edited"] = dict(message.edited)
    if message.reactions:
        body["reactions"] = [
            {"name": name, "users": list(users), "count": len(users)}
            for name, users in message.reactions.items()
        ]
    if files:
        body["files"] = files
        body["upload"] = True
    if pinned:
        body["pinned_to"] = [message.channel]
    body.update(message.extra)
    return body


def build_usergroup_json(
    group: UserGroup, *, include_users: bool = False, include_count: bool = False
) -> dict[str, Any]:
    """Return a user group as `usergroups.list` answers it (members and count only if asked)."""
    body: dict[str, Any] = {
        "id": group.id,
        "team_id": TEAM_ID,
        "is_usergroup": True,
        "is_subteam": True,
        "name": group.name,
        "description": group.description,
        "handle": group.handle,
        "is_external": False,
        "date_create": group.created,
        "date_update": group.updated or group.created,
        "date_delete": 0,
        "auto_type": None,
        "created_by": group.created_by,
        "updated_by": group.updated_by or group.created_by,
        "deleted_by": None,
        "prefs": {"channels": [], "groups": []},
    }
    if include_users:
        body["users"] = list(group.users)
    if include_count:
        body["user_count"] = len(group.users)
    return body


def build_view_json(view: View) -> dict[str, Any]:
    """Return a view object as `views.open` answers it."""
    data = view.data
    return {
        "id": view.id,
        "team_id": TEAM_ID,
        "type": data.get("type", "modal"),
        "blocks": data.get("blocks", []),
        "private_metadata": data.get("private_metadata", ""),
        "callback_id": data.get("callback_id", ""),
        "state": {"values": {}},
        "hash": view.hash,
        "title": data.get("title"),
        "clear_on_close": bool(data.get("clear_on_close", False)),
        "notify_on_close": bool(data.get("notify_on_close", False)),
        "close": data.get("close"),
        "submit": data.get("submit"),
        "previous_view_id": view.previous_view_id,
        "root_view_id": view.root_view_id,
        "app_id": APP_ID,
        "external_id": view.external_id or "",
        "app_installed_team_id": TEAM_ID,
        "bot_id": BOT_ID,
    }


def build_file_json(stored: StoredFile, channels: dict[str, Channel]) -> dict[str, Any]:
    """Return a file object as `files.completeUploadExternal` answers it."""
    mimetype = mimetypes.guess_type(stored.filename)[0] or "application/octet-stream"
    extension = stored.filename.rsplit(".", 1)[-1].lower() if "." in stored.filename else "binary"
    private_url = f"{PERMALINK_BASE}/files-pri/{TEAM_ID}-{stored.id}/{stored.filename}"
    shares: dict[str, dict[str, list[dict[str, Any]]]] = {}
    ims = {c for c in stored.channels if c in channels and channels[c].is_im}
    for channel_id, timestamps in stored.shares.items():
        channel = channels.get(channel_id)
        kind = "private" if channel is not None and channel.is_private else "public"
        shares.setdefault(kind, {})[channel_id] = [
            {"ts": ts, "channel_name": channel.name if channel else "", "team_id": TEAM_ID}
            for ts in timestamps
        ]
    body: dict[str, Any] = {
        "id": stored.id,
        "created": stored.created,
        "timestamp": stored.created,
        "name": stored.filename,
        "title": stored.title or stored.filename,
        "mimetype": mimetype,
        "filetype": extension,
        "pretty_type": extension.upper(),
        "user": stored.user,
        "user_team": TEAM_ID,
        "editable": False,
        "size": len(stored.data) if stored.data is not None else stored.length,
        "mode": "hosted",
        "is_external": False,
        "is_public": "public" in shares,
        "url_private": private_url,
        "url_private_download": private_url.replace("files-pri", "files-pri-download", 1),
        "permalink": f"{PERMALINK_BASE}/files/{stored.user}/{stored.id}/{stored.filename}",
        "channels": [c for c in stored.channels if c in shares.get("public", {})],
        "groups": [c for c in stored.channels if c in shares.get("private", {}) and c not in ims],
        "ims": [c for c in stored.channels if c in ims],
        "shares": shares,
    }
    if stored.alt_txt:
        body["alt_txt"] = stored.alt_txt
    return body
