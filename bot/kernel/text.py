"""Plain text as the domain stores it: people appear as `@<id>` and are listed beside the text
(`mentions`), so each surface renders them its own way (a Slack mention, a name in a document).
"""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

# People are Slack-issued ids (`U…`, `W…`); user groups are `S…`. A tool's name is neither.
_PERSON = re.compile(r"[UW][A-Z0-9]{1,31}")
_GROUP = re.compile(r"S[A-Z0-9]{1,31}")
_TOKEN = re.compile(r"@([UWS][A-Z0-9]{1,31})")


@dataclass(frozen=True)
class Mention:
    """A person or a user group named in plain text."""

    id: str

    @property
    def is_group(self) -> bool:
        """Whether it names a user group rather than a person."""
        return _GROUP.fullmatch(self.id) is not None


def is_person(actor: str | None) -> bool:
    """Whether `actor` is a person's id rather than, say, a monitoring tool's name."""
    return actor is not None and _PERSON.fullmatch(actor) is not None


def is_group(target: str | None) -> bool:
    """Whether `target` is a user group's id."""
    return target is not None and _GROUP.fullmatch(target) is not None


def mention(person_or_group: str) -> str:
    """How a person or a user group appears in stored plain text: `@U0ALICE`."""
    return f"@{person_or_group}"


def actor_text(actor: str) -> str:
    """A person as a mention; anything else (a tool's name) as itself."""
    return mention(actor) if is_person(actor) else actor


def mentions_of(*ids: str | None) -> list[str]:
    """The people and groups among `ids`, in order, each once: what to store as `mentions`."""
    return [i for i in dict.fromkeys(i for i in ids if i) if is_person(i) or is_group(i)]


def split_mentions(text: str, mentions: Iterable[str]) -> list[str | Mention]:
    """`text` cut into plain pieces and the mentions it makes; an `@id` that is not listed in
    `mentions` stays plain text (someone typed it)."""
    listed = set(mentions)
    parts: list[str | Mention] = []
    last = 0
    for match in _TOKEN.finditer(text):
        if match.group(1) not in listed:
            continue
        if match.start() > last:
            parts.append(text[last : match.start()])
        parts.append(Mention(match.group(1)))
        last = match.end()
    if last < len(text):
        parts.append(text[last:])
    return parts


def render_mentions(text: str, mentions: Sequence[str], show: Callable[[Mention], str]) -> str:
    """`text` with each listed mention replaced by `show(mention)`; plain parts unchanged."""
    return "".join(
        show(part) if isinstance(part, Mention) else part for part in split_mentions(text, mentions)
    )


def truncate(text: str, limit: int, *, marker: str = "…") -> str:
    """Cut text to at most `limit` characters, marking the cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(marker))] + marker
