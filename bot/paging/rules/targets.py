"""Whom a page goes to, as written in a policy or `/incident page`: a person, a user group, who
is on call in a schedule (or one of its layers), or a channel."""

import re
from dataclasses import dataclass
from enum import StrEnum

_USER = re.compile(r"[UW][A-Z0-9]{2,}")
_GROUP = re.compile(r"S[A-Z0-9]{2,}")
_SCHEDULE = re.compile(r"([a-z0-9-]+)(?:/([a-z0-9-]+))?")
_CHANNEL = re.compile(r"#?([a-z0-9][a-z0-9_-]{0,79})")
KINDS = "a user id (U…/W…), a user group id (S…), schedule:<name>[/<layer>] or channel:<name>"


class TargetKind(StrEnum):
    """What a target names."""

    USER = "user"
    GROUP = "group"
    SCHEDULE = "schedule"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Target:
    """One parsed target: `name` is the user id, group id, schedule name or channel name;
    `layer` is set only for `schedule:<name>/<layer>`."""

    kind: TargetKind
    name: str
    layer: str | None = None

    def __str__(self) -> str:
        if self.kind is TargetKind.SCHEDULE:
            return f"schedule:{self.name}" + (f"/{self.layer}" if self.layer else "")
        if self.kind is TargetKind.CHANNEL:
            return f"channel:{self.name}"
        return self.name


def parse_target(text: str) -> Target:
    """`schedule:sre/primary` → Target(SCHEDULE, "sre", "primary"); ValueError when it is none
    of the four kinds."""
    given = text.strip()
    prefix, colon, rest = given.partition(":")
    if colon and prefix == "schedule":
        match = _SCHEDULE.fullmatch(rest)
        if match is None:
            raise ValueError(
                f"{text!r}: a schedule target is schedule:<name> or schedule:<name>/<layer> "
                "(lowercase letters, digits and dashes)"
            )
        return Target(TargetKind.SCHEDULE, match.group(1), match.group(2))
    if colon and prefix == "channel":
        match = _CHANNEL.fullmatch(rest)
        if match is None:
            raise ValueError(
                f"{text!r}: a channel target is channel:<name> "
                "(lowercase letters, digits, - and _, at most 80)"
            )
        return Target(TargetKind.CHANNEL, match.group(1))
    if _USER.fullmatch(given):
        return Target(TargetKind.USER, given)
    if _GROUP.fullmatch(given):
        return Target(TargetKind.GROUP, given)
    raise ValueError(f"{text!r} is not {KINDS}")
