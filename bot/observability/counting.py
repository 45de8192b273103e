"""Ports of the features wrapped to count what they carry out, so that no feature knows of
metrics: the composition root hands the feature the wrapped port."""

from bot.alerts.ports import Pager, Shown
from bot.incidents.ports import IncidentSnapshot
from bot.observability.metrics import Metrics


class CountedPager:
    """A `Pager` that counts each page sent, and each try that failed (the outbox retries)."""

    def __init__(self, pager: Pager, metrics: Metrics) -> None:
        self.pager = pager
        self.metrics = metrics

    async def send_page(
        self, page_id: int, target: str, snapshot: IncidentSnapshot, *, retry: bool
    ) -> list[Shown]:
        """Page the target through the wrapped pager, counting the outcome."""
        try:
            shown = await self.pager.send_page(page_id, target, snapshot, retry=retry)
        except Exception:
            self.metrics.page(sent=False)
            raise
        self.metrics.page(sent=True)
        return shown

    async def show_acknowledged(
        self, messages: list[Shown], snapshot: IncidentSnapshot, user: str
    ) -> None:
        """Edit the pages, as the wrapped pager does."""
        await self.pager.show_acknowledged(messages, snapshot, user)
