"""Rendering what a Slack channel shows as plain terminal text."""

import re
import textwrap
from collections.abc import Mapping
from typing import Any

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")


def render_mrkdwn(text: str, *, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    """Mentions, channel links and dates as a person sees them; entities unescaped."""
    text = _USER.sub(lambda m: "@" + users.get(m.group(1), m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + channels.get(m.group(1), m.group(2) or m.group(1)), text)
    text = _DATE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_blocks(
    blocks: list[dict[str, Any]], *, users: Mapping[str, str], channels: Mapping[str, str]
) -> list[str]:
    """Each block as one or more lines of text."""
    lines: list[str] = []

    def show(obj: dict[str, Any] | None) -> str:
        if not obj:
            return ""
        return render_mrkdwn(str(obj.get("text", "")), users=users, channels=channels)

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
) -> str:
    """A message with its author, as a block of indented text."""
    author = users.get(str(message.get("user") or ""), "") or "warroom (bot)"
    marks = " 📌" if pinned else ""
    marks += " (edited)" if message.get("edited") else ""
    head = f"  {author}{marks}:"
    body = render_blocks(message.get("blocks") or [], users=users, channels=channels)
    if not body:  # people's messages carry rich_text blocks; their text says the same
        text = render_mrkdwn(str(message.get("text", "")), users=users, channels=channels)
        body = text.splitlines()
    wrapped = [textwrap.indent(line, "    ") for line in body]
    return "\n".join([head, *wrapped])
