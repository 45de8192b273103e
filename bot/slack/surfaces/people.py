"""People's names, as Slack knows them (`users.info`), remembered for the process's life."""

from bot.kernel.outbox import Transient
from bot.slack.calls import SlackCalls, SlackRefused


class SlackPeople:
    """Display names by user id."""

    def __init__(self, calls: SlackCalls) -> None:
        self.calls = calls
        self._names: dict[str, str] = {}

    async def display_names(self, ids: list[str]) -> dict[str, str]:
        """Display names of those who could be looked up; the others are left out."""
        for user_id in dict.fromkeys(ids):
            if user_id in self._names:
                continue
            try:
                answer = await self.calls.call(
                    lambda u=user_id: self.calls.client.users_info(user=u)  # type: ignore[misc]
                )
            except (SlackRefused, Transient):
                continue
            user = answer.get("user") or {}
            profile = user.get("profile") or {}
            name = profile.get("display_name") or user.get("real_name") or user.get("name")
            if name:
                self._names[user_id] = str(name)
        return {u: self._names[u] for u in ids if u in self._names}
