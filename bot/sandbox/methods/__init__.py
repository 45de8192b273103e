"""The Web API methods the sandbox answers, by name."""

from __future__ import annotations

from bot.sandbox.methods import (
    chat,
    conversations,
    dms,
    files,
    pins,
    reactions,
    usergroups,
    users,
    views,
)
from bot.sandbox.methods.common import Handler

METHODS: dict[str, Handler] = {
    **chat.HANDLERS,
    **conversations.HANDLERS,
    **dms.HANDLERS,
    **files.HANDLERS,
    **pins.HANDLERS,
    **reactions.HANDLERS,
    **usergroups.HANDLERS,
    **users.HANDLERS,
    **views.HANDLERS,
}

# Any one of these scopes lets the bot call the method; where Slack wants the scope of the
# conversation's own type (channels:, groups: or im:), the method checks that too.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.delete": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "conversations.archive": ("channels:manage", "groups:write"),
    "conversations.create": ("channels:manage", "groups:write"),
    "conversations.history": ("channels:history", "groups:history", "im:history"),
    "conversations.info": ("channels:read", "groups:read", "im:read"),
    "conversations.invite": ("channels:manage", "groups:write"),
    "conversations.join": ("channels:join",),
    "conversations.list": ("channels:read", "groups:read", "im:read"),
    "conversations.members": ("channels:read", "groups:read", "im:read"),
    "conversations.open": ("im:write",),
    "conversations.rename": ("channels:manage", "groups:write"),
    "conversations.replies": ("channels:history", "groups:history", "im:history"),
    "conversations.setPurpose": ("channels:manage", "groups:write"),
    "conversations.setTopic": ("channels:manage", "groups:write", "channels:write.topic"),
    "files.completeUploadExternal": ("files:write",),
    "files.getUploadURLExternal": ("files:write",),
    "pins.add": ("pins:write",),
    "pins.list": ("pins:read",),
    "pins.remove": ("pins:write",),
    "reactions.add": ("reactions:write",),
    "reactions.get": ("reactions:read",),
    "usergroups.list": ("usergroups:read",),
    "usergroups.users.list": ("usergroups:read",),
    "usergroups.users.update": ("usergroups:write",),
    "users.info": ("users:read",),
    "users.list": ("users:read",),
    "users.lookupByEmail": ("users:read.email",),
}

__all__ = ["METHODS", "METHOD_SCOPES"]
