"""Where the directory comes from: the chat workspace's own user directory."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PersonRecord:
    """A person as the workspace describes them."""

    id: str
    handle: str = ""
    display_name: str = ""
    real_name: str = ""
    email: str | None = None
    timezone: str = ""
    is_bot: bool = False
    deleted: bool = False


class Directory(Protocol):
    """The workspace's user directory."""

    async def lookup(self, ids: list[str]) -> list[PersonRecord]:
        """These people, as far as they can be looked up now (unknown ids are left out)."""
        ...

    async def everyone(self) -> list[PersonRecord]:
        """Everyone in the workspace."""
        ...
