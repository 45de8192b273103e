"""User text: turning Slack's markup into plain text, escaping it back for mrkdwn, names."""

import re

from slugify import slugify

MAX_CHANNEL_NAME = 80

_USER_ID = re.compile(r"[UW][A-Z0-9]{1,31}")
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_SPECIAL_MENTION = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>")
_OTHER_SPECIAL = re.compile(r"<!([^>|]*)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]*)(?:\|([^>]*))?>")
_KEPT_MENTION = re.compile(r"<@[UW][A-Z0-9]+>")


def plain_from_slack(text: str) -> str:
    """Turn Slack-escaped text (slash commands) into plain text.

    User mentions are kept as `<@U…>`; broadcasts, group mentions and links become
    inert words, so a disguised link shows its real address.
    """
    text = _USER_MENTION.sub(r"<@\1>", text)
    text = _SPECIAL_MENTION.sub(r"@\1", text)
    text = _SUBTEAM.sub(lambda m: m.group(1) or "@group", text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text)
    text = _OTHER_SPECIAL.sub(lambda m: m.group(2) or m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape_mrkdwn(text: str, *, allow_user_mentions: bool = False) -> str:
    """Escape plain text for mrkdwn (`&` first); optionally keep bare `<@U…>` mentions."""
    if not allow_user_mentions:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    parts: list[str] = []
    last = 0
    for match in _KEPT_MENTION.finditer(text):
        parts.append(escape_mrkdwn(text[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(escape_mrkdwn(text[last:]))
    return "".join(parts)


def is_slack_user(actor: str | None) -> bool:
    """Whether `actor` is a Slack user id (`U…`, `W…`) rather than, say, a monitoring tool."""
    return actor is not None and _USER_ID.fullmatch(actor) is not None


def actor_mrkdwn(actor: str) -> str:
    """`<@U…>` for a Slack user; anything else (a tool's name) as escaped plain text."""
    return f"<@{actor}>" if is_slack_user(actor) else escape_mrkdwn(actor)


def truncate(text: str, limit: int, *, marker: str = "…") -> str:
    """Cut text to at most `limit` characters, marking the cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(marker))] + marker


def channel_name(prefix: str, number: int, title: str, *, suffix: str = "") -> str:
    """`<prefix>-<N>-<slug>`: lowercase, Slack's characters only, at most 80 long."""
    head = f"{prefix}-{number}"
    room = MAX_CHANNEL_NAME - len(head) - len(suffix) - 1
    slug = slugify(title, max_length=max(room, 0), word_boundary=True, save_order=True)
    name = f"{head}-{slug}" if slug else head
    return (name + suffix)[:MAX_CHANNEL_NAME]


def user_ids_in(text: str) -> list[str]:
    """User ids mentioned as `<@U…>` or `<@U…|name>`, in order, without repeats."""
    seen: dict[str, None] = {}
    for match in _USER_MENTION.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)
