"""Ports of the features wrapped to count what they carry out, so that no feature knows of
metrics: the composition root hands the feature the wrapped port."""

from bot.incidents.ports import IncidentSnapshot
from bot.observability.metrics import Metrics
from bot.paging.ports import ChatPages, PageView, Shown


class CountedPages:
    """Chat pages that count each page sent, and each try that failed (the outbox retries)."""

    def __init__(self, pages: ChatPages, metrics: Metrics) -> None:
        self.pages = pages
        self.metrics = metrics

    async def send_page(
        self, notification_id: int, target: str, view: PageView, *, retry: bool
    ) -> list[Shown]:
        """Page the target through the wrapped pages, counting the outcome."""
        try:
            shown = await self.pages.send_page(notification_id, target, view, retry=retry)
        except Exception:
            self.metrics.page(sent=False)
            raise
        self.metrics.page(sent=True)
        return shown

    async def show_acknowledged(self, messages: list[Shown], view: PageView) -> None:
        """Edit the pages, as the wrapped pages do."""
        await self.pages.show_acknowledged(messages, view)

    async def tell_incident(
        self, snapshot: IncidentSnapshot, text: str, *, key: str, retry: bool
    ) -> None:
        """Tell the incident, as the wrapped pages do."""
        await self.pages.tell_incident(snapshot, text, key=key, retry=retry)

    async def tell_person(self, user: str, text: str, *, key: str, retry: bool) -> Shown:
        """Tell a person, as the wrapped pages do."""
        return await self.pages.tell_person(user, text, key=key, retry=retry)
