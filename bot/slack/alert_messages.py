"""Alerts that monitoring tools post into a watched Slack channel, read as neutral AlertSignals.

Recognised posts (any other bot post in a watched channel counts as a generic `webhook` alert):

- Alertmanager's Slack receiver: attachment title `[FIRING:2] HighLatency (api production)` or
  `[RESOLVED] …`, color `danger`/`good`, `title_link` to Alertmanager's `#/alerts` page.
- Grafana's Slack contact point: the same `[FIRING:n]` / `[RESOLVED]` titles (also
  `[FIRING:1, RESOLVED:1]`), footer `Grafana v…`, colors `#D63232` / `#36a64f`.
- Datadog: `Triggered: …`, `Re-Triggered: …`, `Warn: …`, `No Data: …`, `Recovered: …`
  (also the `[Triggered on {host:a}] …` form), an optional `[P1]` priority after it.

State: the title's marker decides; without one a `status: resolved` line in the text does, and
only then the color (green: resolved). An explicit marker outranks the color because some teams
paint informational alerts green while they fire.

Severity: a `severity: x` / `severity=x` label in the text or title wins; then Datadog's `[P1]`
priority or `Warn:` marker; then the words critical, error, warning, info in the title (the
most severe one). The color never sets it: Alertmanager and Grafana paint *every* firing alert
red, so "danger → critical" would turn each warning into a SEV2. No word means "", which
routing treats as unknown (SEV3, offer) — the middle, on purpose.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.alerts.rules.signals import (
    MAX_KEY,
    MAX_LINK,
    MAX_TITLE,
    AlertSignal,
    AlertSource,
    AlertState,
)
from bot.kernel.text import truncate
from bot.slack.mrkdwn import plain_from_slack

MAX_SUMMARY = 1000

_BRACKET = re.compile(
    r"\[(?P<status>FIRING|RESOLVED)(?::\s*\d+)?(?:,\s*RESOLVED:\s*\d+)?\]\s*", re.IGNORECASE
)
_DATADOG = re.compile(
    r"\[?(?P<status>Re-Triggered|Triggered|Re-Warn|Warn|Re-No Data|No Data|Recovered)"
    r"(?:\s+on\s+(?P<scope>\{[^}]*\}))?(?:\]|:)\s*",
    re.IGNORECASE,
)
_WORD = re.compile(r"(?P<status>resolved|ok|firing|alert|alerting|problem)\s*[:\-]\s+", re.I)
_LEADING_NOISE = re.compile(r"^(?:\s|:[\w+\-]+:|[*_~`])*")  # emoji codes and mrkdwn marks
_PRIORITY = re.compile(r"^\[(?P<p>P[1-5])\]\s*", re.IGNORECASE)
_FIELD = re.compile(
    r"\b(?P<key>severity|service|status)\*?\s*[:=][\s*`'\"_]*(?P<value>[\w.\-/]{1,100})",
    re.IGNORECASE,
)
_SEVERITY_WORDS = ("critical", "error", "warning", "info")  # most severe first
_TITLE_WORD = re.compile(r"\b(critical|error|warning|info)\b", re.IGNORECASE)
_SLACK_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|([^>]*))?>")
_BARE_LINK = re.compile(r"https?://[^\s<>|]+")
_GREEN = {"good", "2eb886", "36a64f", "00ff00", "008000"}
_RESOLVED_WORDS = {"resolved", "ok", "recovered"}
_CHANNEL_ID = re.compile(r"[A-Z0-9]{1,40}")
_TS = re.compile(r"\d{1,10}(?:\.\d{1,9})?")  # up to 2286: in datetime's range


@dataclass(frozen=True)
class _Post:
    """The parts of a bot message that matter, still in Slack's escaping."""

    heading: str  # the line that names the alert
    details: tuple[str, ...]  # every other piece of text
    title_link: str
    colors: tuple[str, ...]
    hints: tuple[str, ...]  # sender name, footer, title link: lower-cased, tell tools apart


@dataclass(frozen=True)
class _Heading:
    title: str
    state: AlertState | None
    integration: str  # "" when the marker does not name a tool
    severity: str


def parse_alert_message(
    event: dict[str, Any], *, own_bot_id: str | None = None
) -> AlertSignal | None:
    """The alert a monitoring tool posted in `event`, or None for anything else."""
    channel = _str(event.get("channel"))
    if not _is_tool_post(event, own_bot_id) or not _CHANNEL_ID.fullmatch(channel):
        return None
    post = _read_post(event)
    if post is None:
        return None
    heading = _read_heading(_plain_title(post.heading))
    if not heading.title:
        return None
    text = "\n".join((post.heading, *post.details))
    fields = _fields(text)
    state = heading.state or _state_from(fields.get("status", ""), post.colors)
    ts = _timestamp(event.get("ts"))
    key = _key(channel, heading.title)
    return AlertSignal(
        source=AlertSource.SLACK,
        key=key,
        group=key,
        state=state,
        title=truncate(heading.title, MAX_TITLE),
        severity=fields.get("severity") or heading.severity or _title_severity(heading.title),
        service=fields.get("service", ""),
        summary=truncate(_plain("\n".join(post.details)).strip(), MAX_SUMMARY),
        labels={"channel": channel, "integration": _integration(post, heading)},
        link=_first_link(post, text),
        starts_at=ts if state is AlertState.FIRING else None,
        ends_at=ts if state is AlertState.RESOLVED else None,
    )


def _is_tool_post(event: dict[str, Any], own_bot_id: str | None) -> bool:
    """A top-level post by an integration: not a person, a reply, an edit or ourselves."""
    subtype = event.get("subtype")
    bot_id = event.get("bot_id")
    if subtype not in (None, "bot_message") or (subtype is None and not bot_id):
        return False  # edits, deletes, joins and people's messages
    thread_ts = event.get("thread_ts")
    if thread_ts is not None and thread_ts != event.get("ts"):
        return False
    return own_bot_id is None or bot_id != own_bot_id


def _read_post(event: dict[str, Any]) -> _Post | None:
    """Sort the message's texts by how likely each is to be the alert's name."""
    attachments = _dicts(event.get("attachments"))
    titles = [_str(a.get("title")) for a in attachments]
    headers, sections = _block_texts(_dicts(event.get("blocks")))
    details = [_str(event.get("text")), *sections]
    for attachment in attachments:
        inner_headers, inner_sections = _block_texts(_dicts(attachment.get("blocks")))
        headers += inner_headers
        details += [_str(attachment.get(k)) for k in ("pretext", "text")] + inner_sections
        details += [_field_line(field) for field in _dicts(attachment.get("fields"))]
    fallbacks = [_str(a.get("fallback")) for a in attachments]
    for candidate in (*titles, *headers, *details, *fallbacks):
        lines = [line for line in candidate.splitlines() if line.strip()]
        if lines:
            heading = lines[0]
            break
    else:
        return None
    rest = [line for text in details for line in text.splitlines() if line.strip() != heading]
    first = attachments[0] if attachments else {}
    sender = _str(event.get("username")) + " " + _str(_dict(event.get("bot_profile")).get("name"))
    link = _str(first.get("title_link"))
    footer = " ".join(_str(a.get(k)) for a in attachments for k in ("footer", "footer_icon"))
    return _Post(
        heading=heading,
        details=tuple(rest),
        title_link=link,
        colors=tuple(_str(a.get("color")).lstrip("#").lower() for a in attachments),
        hints=(sender.lower(), footer.lower(), link.lower()),
    )


def _block_texts(blocks: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Header texts, then every other text in section and context blocks."""
    headers: list[str] = []
    others: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            headers.append(_str(_dict(block.get("text")).get("text")))
        elif kind == "section":
            others.append(_str(_dict(block.get("text")).get("text")))
            others += [_str(f.get("text")) for f in _dicts(block.get("fields"))]
        elif kind == "context":
            others += [_str(e.get("text")) for e in _dicts(block.get("elements"))]
    return headers, others


def _read_heading(line: str) -> _Heading:
    """Split a tool's status marker (and Datadog's priority) off the alert's name."""
    line = _LEADING_NOISE.sub("", line)
    if match := _BRACKET.match(line):
        state = _state_word(match["status"])
        return _Heading(_tidy(line[match.end() :]), state, "", "")
    if match := _DATADOG.match(line):
        word = match["status"].lower()
        rest = line[match.end() :]
        severity = "warning" if word.endswith("warn") else ""
        if priority := _PRIORITY.match(rest):
            rest, severity = rest[priority.end() :], severity or priority["p"].lower()
        title = _tidy(f"{rest} {match['scope']}" if match["scope"] else rest)
        return _Heading(title, _state_word(word), "datadog", severity)
    if match := _WORD.match(line):
        return _Heading(_tidy(line[match.end() :]), _state_word(match["status"]), "", "")
    return _Heading(_tidy(line), None, "", "")


def _integration(post: _Post, heading: _Heading) -> str:
    """Which tool posted: its name in the sender, footer or link, else what the marker says."""
    for hint in post.hints:
        for name in ("grafana", "datadog", "alertmanager"):
            if name in hint:
                return name
    if "/#/alerts" in post.title_link:
        return "alertmanager"
    if heading.integration:
        return heading.integration
    return "alertmanager" if _BRACKET.match(_LEADING_NOISE.sub("", post.heading)) else "webhook"


def _state_word(word: str) -> AlertState:
    return AlertState.RESOLVED if word.lower() in _RESOLVED_WORDS else AlertState.FIRING


def _state_from(status: str, colors: tuple[str, ...]) -> AlertState:
    """State without a title marker: a `status:` line, then a green attachment."""
    if status:
        return _state_word(status)
    if colors and all(color in _GREEN for color in colors):
        return AlertState.RESOLVED
    return AlertState.FIRING


def _fields(text: str) -> dict[str, str]:
    """The first `severity`, `service` and `status` values written as `key: value`."""
    found: dict[str, str] = {}
    for match in _FIELD.finditer(text):
        key = match["key"].lower()
        # a service keeps its spelling (routing compares it exactly); words are lower-cased
        found.setdefault(key, match["value"] if key == "service" else match["value"].lower())
    return found


def _title_severity(title: str) -> str:
    """The most severe of critical, error, warning, info named in the title, or ""."""
    words = {word.lower() for word in _TITLE_WORD.findall(title)}
    return next((word for word in _SEVERITY_WORDS if word in words), "")


def _first_link(post: _Post, text: str) -> str:
    """The title link, else the first http(s) address in the text."""
    candidates = [post.title_link]
    candidates += [m.group(1) for m in _SLACK_LINK.finditer(text)]
    candidates += _BARE_LINK.findall(text)
    for candidate in candidates:
        link = candidate.strip().replace("&amp;", "&")
        if _BARE_LINK.fullmatch(link) and len(link) <= MAX_LINK:
            return link
    return ""


def _key(channel: str, title: str) -> str:
    """`slack:<channel>:<title>`, normalised so a re-post and its RESOLVED share it."""
    normal = " ".join(_BRACKET.sub(" ", title).lower().split())
    key = f"slack:{channel}:{normal}"
    if len(key) > MAX_KEY:
        key = f"slack:{channel}:{hashlib.sha256(normal.encode()).hexdigest()}"
    return key


def _plain_title(line: str) -> str:
    """One line of plain text: a link shows its label, Slack's escapes are undone."""
    return " ".join(_plain(line).split())


def _plain(text: str) -> str:
    return plain_from_slack(_SLACK_LINK.sub(lambda m: m.group(2) or m.group(1), text))


def _tidy(title: str) -> str:
    """Trim the mrkdwn marks and separators that tools leave around a name."""
    return title.strip(" *_~`-:|")


def _timestamp(value: Any) -> datetime | None:
    """When Slack got the message: the nearest time the post itself tells."""
    if not isinstance(value, str) or not _TS.fullmatch(value):
        return None
    return datetime.fromtimestamp(float(value), tz=UTC)


def _field_line(field: dict[str, Any]) -> str:
    return f"{_str(field.get('title'))}: {_str(field.get('value'))}"


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
