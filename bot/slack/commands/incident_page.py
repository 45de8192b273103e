"""Parsing `/incident page …` and `/incident ack` (Slack command syntax). Pure: no I/O.

Whom to page comes first, as Slack escapes it: people (`<@U…|name>`), user groups
(`<!subteam^S…|@name>`), schedules (`schedule:<name>[/<layer>]`), channels (`channel:<name>`,
`#name`, `<#C…|name>`), or one policy name; everything from the first word that is none of these
is the message.
"""

import re
from dataclasses import dataclass

from bot.kernel.errors import InvalidInput
from bot.kernel.text import is_group, is_person
from bot.paging.rules.targets import TargetKind, parse_target
from bot.slack.mrkdwn import escape_mrkdwn, plain_from_slack

# Shown in mrkdwn (the listener shows refusals as they are): its angle brackets escaped.
PAGE_USAGE = (
    "`/incident page @person|@group|schedule:&lt;name&gt;[/&lt;layer&gt;]|#channel|&lt;policy&gt; "
    "[message]`"
)
MAX_MESSAGE = 1000  # what a page keeps of its message
MAX_TARGETS = 20

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_GROUP = re.compile(r"<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_REF = re.compile(r"<#[CG][A-Z0-9]+(?:\|([^>]*))?>")
_POLICY = re.compile(r"[a-z0-9-]{1,64}")


@dataclass(frozen=True)
class PagePeople:
    """Page `targets` (as the paging service names them: user and group ids, `schedule:…`,
    `channel:…`, or one policy name) with an optional message."""

    targets: tuple[str, ...]
    message: str = ""


@dataclass(frozen=True)
class AcknowledgePages:
    """Acknowledge every page of the channel's incident still climbing, and the incident."""


def parse_page(rest: str, _user: str) -> PagePeople:
    """The text after `/incident page`: whom to page, then the message."""
    words = rest.split()
    if not words:
        raise InvalidInput(f"Say whom to page: {PAGE_USAGE}.")
    targets: list[str] = []
    used = 0
    for index, word in enumerate(words):
        target = page_target(word)
        if target is None and index == 0:
            target = _policy(word)
        if target is None:
            break
        targets.append(target)
        used += 1
    if len(targets) > MAX_TARGETS:
        raise InvalidInput(f"Page at most {MAX_TARGETS} people, groups or schedules at once.")
    message = plain_from_slack(" ".join(words[used:])).strip()
    if len(message) > MAX_MESSAGE:
        raise InvalidInput(
            f"The message is {len(message)} characters; keep it under {MAX_MESSAGE}."
        )
    return PagePeople(targets=tuple(dict.fromkeys(targets)), message=message)


def parse_acknowledge(rest: str, _user: str) -> AcknowledgePages:
    """`/incident ack` takes nothing after it."""
    if rest.strip():
        raise InvalidInput("`/incident ack` acknowledges every page of this incident; say no more.")
    return AcknowledgePages()


def page_target(word: str) -> str | None:
    """One word as a page target the service understands, or None when it is not one (the
    message begins there). A half-written target is refused with how to write it."""
    for pattern in (_USER, _GROUP):
        found = pattern.fullmatch(word)
        if found is not None:
            return found.group(1)
    channel = _CHANNEL_REF.fullmatch(word)
    if channel is not None:
        if not channel.group(1):
            raise InvalidInput("Name the channel to page: `#name` or `channel:&lt;name&gt;`.")
        return _checked(f"channel:{channel.group(1)}")
    if word.startswith("#") and len(word) > 1:
        return _checked(f"channel:{word[1:]}")
    if word.startswith(("schedule:", "channel:")):
        return _checked(word)
    if is_person(word) or is_group(word):
        return word  # a bare id, as a policy would write it
    return None


def _policy(word: str) -> str:
    """The first word, when it names nobody, is the policy to page (the service checks that
    it exists); anything that cannot be a policy's name is refused here."""
    if word.startswith("@"):
        raise InvalidInput(
            f"`{_shown(word)}` reached me as plain text, not as a mention: "
            "pick the person or group from Slack's list as you type."
        )
    name = word.lower()
    if not _POLICY.fullmatch(name):
        raise InvalidInput(f"`{_shown(word)}` is not someone to page: {PAGE_USAGE}.")
    return name


def _checked(text: str) -> str:
    """A `schedule:` or `channel:` target in the form the service keeps."""
    try:
        target = parse_target(text.lower())
    except ValueError as problem:
        raise InvalidInput(f"{_shown(str(problem))}.") from None
    if target.kind is TargetKind.CHANNEL:
        return f"channel:{target.name}"
    return str(target)


def _shown(text: str) -> str:
    """Typed text quoted in an error (the listener shows errors as mrkdwn): inert, escaped."""
    return escape_mrkdwn(plain_from_slack(text)).replace("`", "'")
