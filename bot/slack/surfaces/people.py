"""The workspace's user directory, as Slack keeps it (`users.info`, `users.list`,
`users.lookupByEmail`)."""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bot.kernel.outbox import Transient
from bot.oncall.ports import DirectoryUnreachable
from bot.people.ports import PersonRecord
from bot.slack.calls import SlackCalls, SlackRefused

PAGE = 200


class NotFound(StrEnum):
    """Slack's codes for a person that is not there."""

    USER_NOT_FOUND = "user_not_found"  # users.info
    USERS_NOT_FOUND = "users_not_found"  # users.lookupByEmail


def person_record(user: Mapping[str, Any]) -> PersonRecord:
    """A Slack user object as a directory record."""
    profile = user.get("profile") or {}
    return PersonRecord(
        id=str(user.get("id") or ""),
        handle=str(user.get("name") or "")[:80],
        display_name=str(profile.get("display_name") or "")[:200],
        real_name=str(user.get("real_name") or profile.get("real_name") or "")[:200],
        email=(str(profile["email"])[:254] if profile.get("email") else None),
        timezone=str(user.get("tz") or "")[:64],
        is_bot=bool(user.get("is_bot")),
        deleted=bool(user.get("deleted")),
    )


class SlackDirectory:
    """Looks people up in Slack."""

    def __init__(self, calls: SlackCalls) -> None:
        self.calls = calls

    async def lookup(self, ids: list[str]) -> list[PersonRecord]:
        """These people, one `users.info` each; unknown ones are left out."""
        found = []
        for user_id in dict.fromkeys(ids):
            try:
                answer = await self.calls.call(
                    lambda u=user_id: self.calls.client.users_info(user=u)  # type: ignore[misc]
                )
            except (SlackRefused, Transient):
                continue
            found.append(person_record(answer.get("user") or {}))
        return [record for record in found if record.id]

    async def person(self, user: str) -> PersonRecord | None:
        """The member with this id (None: unknown or deactivated); DirectoryUnreachable."""
        return await self._one(lambda: self.calls.client.users_info(user=user))

    async def person_by_email(self, email: str) -> PersonRecord | None:
        """The member with this e-mail (None: nobody); DirectoryUnreachable."""
        return await self._one(lambda: self.calls.client.users_lookupByEmail(email=email))

    async def _one(self, make: Any) -> PersonRecord | None:
        try:
            answer = await self.calls.call(make, expected=frozenset(NotFound))
        except Transient as failure:
            raise DirectoryUnreachable(f"Slack did not answer ({failure.error})") from None
        except SlackRefused as refused:  # a token or a scope it will not take: cannot tell
            raise DirectoryUnreachable(f"Slack refused the lookup ({refused.error})") from None
        if not answer.get("ok", True) and answer.get("error") in set(NotFound):
            return None
        record = person_record(answer.get("user") or {})
        return record if record.id and not record.deleted else None

    async def everyone(self) -> list[PersonRecord]:
        """Everyone, `users.list` page by page."""
        records, cursor = [], ""
        while True:
            page = await self.calls.call(
                lambda c=cursor: self.calls.client.users_list(  # type: ignore[misc]
                    limit=PAGE, cursor=c or None
                )
            )
            records += [person_record(member) for member in page.get("members") or []]
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return [record for record in records if record.id]
