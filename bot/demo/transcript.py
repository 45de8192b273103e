"""Rendering what a Slack channel shows as plain terminal text."""

import re
import textwrap
from collections.abc import Mapping
from functools import partial
from typing import Any

from bot.slack.mrkdwn import CHANNEL_REF, USER_MENTION

_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
# The emoji codes the bot writes, as a terminal can show them.
EMOJI = {
    "alarm_clock": "⏰",
    "arrow_right": "➡️",
    "book": "📖",
    "calendar": "📅",
    "hourglass": "⌛",
    "large_orange_circle": "🟠",
    "memo": "📝",
    "pager": "📟",
    "pushpin": "📌",
    "red_circle": "🔴",
    "rotating_light": "🚨",
    "tada": "🎉",
    "warning": "⚠️",
    "wastebasket": "🗑️",
    "wave": "👋",
    "white_check_mark": "✅",
    "white_square": "⬜",
    "x": "❌",
    "zzz": "💤",
}
BOLD, ITALIC, STRIKE, PLAIN = "\x1b[1m", "\x1b[3m", "\x1b[9m", "\x1b[0m"


def render_mrkdwn(
    text: str,
    *,
    users: Mapping[str, str],
    channels: Mapping[str, str],
    styled: bool = False,
) -> str:
    """mrkdwn as a person sees it in Slack: mentions by name, channel links, dates, emoji, and
    *bold*, _italic_ and ~struck~ text without their marks (in a terminal's styles when
    `styled`); entities unescaped last, so escaped user text stays literal."""
    text = USER_MENTION.sub(lambda m: "@" + users.get(m.group(1), m.group(1)), text)
    text = CHANNEL_REF.sub(lambda m: "#" + channels.get(m.group(1), m.group(2) or m.group(1)), text)
    text = _DATE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    for pattern, style in ((_BOLD, BOLD), (_ITALIC, ITALIC), (_STRIKE, STRIKE)):
        text = pattern.sub(partial(_styled, style if styled else ""), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _styled(style: str, match: re.Match[str]) -> str:
    return f"{style}{match.group(1)}{PLAIN}" if style else match.group(1)


def render_blocks(
    blocks: list[dict[str, Any]],
    *,
    users: Mapping[str, str],
    channels: Mapping[str, str],
    styled: bool = False,
) -> list[str]:
    """Each block as one or more lines of text."""
    lines: list[str] = []

    def show(obj: dict[str, Any] | None) -> str:
        if not obj:
            return ""
        return render_mrkdwn(
            str(obj.get("text", "")), users=users, channels=channels, styled=styled
        )

    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {show(block.get('text'))} ==")
        elif kind == "section":
            if block.get("text"):
                lines.extend(show(block["text"]).splitlines())
            fields = [show(f).replace("\n", " ") for f in block.get("fields", [])]
            lines.extend(f"  {field}" for field in fields)
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":  # a button beside the text, e.g. Mark resolved
                lines.append(f"  [{show(accessory.get('text'))}]")
        elif kind == "context":
            parts = [show(e) for e in block.get("elements", []) if e.get("type") != "image"]
            lines.append("  " + " · ".join(p for p in parts if p))
        elif kind == "actions":
            labels = [show(e.get("text")) for e in block.get("elements", [])]
            lines.append("  " + "  ".join(f"[{label}]" for label in labels))
        elif kind == "divider":
            lines.append("  " + "-" * 40)
    return lines


def render_message(
    message: dict[str, Any],
    *,
    users: Mapping[str, str],
    channels: Mapping[str, str],
    pinned: bool = False,
    styled: bool = False,
) -> str:
    """A message with its author, as a block of indented text."""
    author = users.get(str(message.get("user") or ""), "") or "warroom (bot)"
    marks = " 📌" if pinned else ""
    marks += " (edited)" if message.get("edited") else ""
    head = f"  {author}{marks}:"
    body = render_blocks(message.get("blocks") or [], users=users, channels=channels, styled=styled)
    if not body:  # people's messages carry rich_text blocks; their text says the same
        text = render_mrkdwn(
            str(message.get("text", "")), users=users, channels=channels, styled=styled
        )
        body = text.splitlines()
    wrapped = [textwrap.indent(line, "    ") for line in body]
    return "\n".join([head, *wrapped])
