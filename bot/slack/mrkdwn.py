"""Slack's text formats: Slack markup in, plain text out; plain text in, escaped mrkdwn out."""

import re
from collections.abc import Sequence

from slugify import slugify

from bot.kernel.text import Mention, render_mentions

MAX_CHANNEL_NAME = 80

USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_SPECIAL_MENTION = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>")
_OTHER_SPECIAL = re.compile(r"<!([^>|]*)(?:\|([^>]*))?>")
CHANNEL_REF = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]*)(?:\|([^>]*))?>")
# Characters a person cannot mean in a title or a note: C0 controls (NUL above all, which
# PostgreSQL refuses) and DEL. Newlines and tabs are kept where text may span lines.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_from_slack(text: str) -> str:
    """Turn Slack-escaped text (slash commands, messages) into plain text.

    A user mention becomes `@<id>` (list it with `user_ids_in` on the same input); broadcasts,
    group mentions and links become inert words, so a disguised link shows its real address.
    Control characters are dropped.
    """
    text = USER_MENTION.sub(r"@\1", text)
    text = _SPECIAL_MENTION.sub(r"@\1", text)
    text = _SUBTEAM.sub(lambda m: m.group(1) or "@group", text)
    text = CHANNEL_REF.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text)
    text = _OTHER_SPECIAL.sub(lambda m: m.group(2) or m.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return strip_controls(text)


def strip_controls(text: str) -> str:
    """`text` without control characters (newlines and tabs kept)."""
    return _CONTROL.sub("", text)


def user_ids_in(text: str) -> list[str]:
    """User ids mentioned as `<@U…>` or `<@U…|name>` in Slack text, in order, each once."""
    return list(dict.fromkeys(match.group(1) for match in USER_MENTION.finditer(text)))


def escape_mrkdwn(text: str) -> str:
    """Plain text made safe for mrkdwn (`&` first): it pings nobody and links nowhere."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_mention(mention: Mention) -> str:
    """A mention as Slack shows it: `<@U…>` for a person, `<!subteam^S…>` for a user group."""
    return f"<!subteam^{mention.id}>" if mention.is_group else f"<@{mention.id}>"


def render_mrkdwn(text: str, mentions: Sequence[str] = ()) -> str:
    """Stored plain text as mrkdwn: escaped, with its listed mentions as Slack mentions."""
    return render_mentions(escape_mrkdwn(text), mentions, slack_mention)


def channel_name(prefix: str, number: int, title: str, *, suffix: str = "") -> str:
    """`<prefix>-<N>-<slug>`: lowercase, Slack's characters only, at most 80 long."""
    head = f"{prefix}-{number}"
    room = MAX_CHANNEL_NAME - len(head) - len(suffix) - 1
    slug = slugify(title, max_length=max(room, 0), word_boundary=True, save_order=True)
    name = f"{head}-{slug}" if slug else head
    return (name + suffix)[:MAX_CHANNEL_NAME]
