"""The kernel every part stands on: the database, the clock, the inbox and outbox, and the one
way to call Slack."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine

from bot import __version__
from bot.incidents.publishing import Places
from bot.kernel.inbox import Inbox
from bot.kernel.inbox import Policy as InboxPolicy
from bot.kernel.outbox import Outbox
from bot.kernel.outbox import Policy as OutboxPolicy
from bot.observability.metrics import Metrics
from bot.settings import Settings
from bot.slack.calls import SlackCalls


def build_client(settings: Settings) -> AsyncWebClient:
    """A Web API client that retries nothing itself: the outbox owns the one retry regime."""
    return AsyncWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, retry_handlers=[]
    )


@dataclass(frozen=True)
class Kernel:
    """What every part is wired with: the database, the clock, the inbox and outbox, and
    the one way to call Slack."""

    settings: Settings
    engine: Engine
    clock: Callable[[], datetime]
    client: AsyncWebClient
    calls: SlackCalls
    inbox: Inbox
    outbox: Outbox
    places: Places
    metrics: Metrics = field(default_factory=Metrics)


def build_kernel(
    settings: Settings,
    clock: Callable[[], datetime],
    engine: Engine,
    outbox_policy: OutboxPolicy | None = None,
) -> Kernel:
    """The database, the clock, the inbox and outbox and the one way to call Slack; a metrics
    registry per instance, so apps built side by side (tests) never collide."""
    client = build_client(settings)
    metrics = Metrics(version=__version__)
    return Kernel(
        settings,
        engine,
        clock,
        client,
        SlackCalls(
            client, channels_per_minute=settings.warroom_channels_per_minute, metrics=metrics
        ),
        Inbox(engine, clock, InboxPolicy(slots=settings.warroom_workers)),
        Outbox(engine, clock, outbox_policy or OutboxPolicy()),
        Places(engine, clock=clock),
        metrics,
    )
