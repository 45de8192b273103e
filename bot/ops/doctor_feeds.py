"""`warroom doctor`'s look at the iCal layers: a warning for each feed whose latest fetch
failed, as `warroom run` recorded it in the database (nothing is fetched here)."""

from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot.oncall.config import ConfigError, ScheduleDef, load_schedules
from bot.oncall.feeds import FeedService
from bot.oncall.ports import FeedStatus
from bot.ops.database import require_current_schema
from bot.ops.findings import Finding, Outcome
from bot.ops.problems import SetupError
from bot.settings import Settings, database_timeouts
from bot.web.ical_fetch import HttpFeedFetcher
from storage.database import make_engine

CHECK = "calendar feed"


def check_feeds(settings: Settings) -> list[Finding]:
    """A warning per iCal layer whose feed fails, or one line saying none does; nothing at all
    when no schedule has an iCal layer (or the schedules do not load: their check says why)."""
    try:
        schedules = load_schedules(settings.warroom_config)
    except ConfigError:
        return []
    feeds = sum(1 for s in schedules for layer in s.layers if layer.ical)
    if not feeds:
        return []
    try:
        statuses = _read_statuses(settings, schedules)
    except (SetupError, SQLAlchemyError):
        return [Finding(CHECK, Outcome.SKIP, "the database cannot be read (see database)")]
    failing = [status for status in statuses if status.failing]
    if failing:
        return [Finding(CHECK, Outcome.WARN, describe_failure(status)) for status in failing]
    unfetched = sum(1 for status in statuses if status.fetched_at is None)
    plural = "" if feeds == 1 else "s"
    waiting = f"; {unfetched} not fetched yet (`warroom run` fetches them)" if unfetched else ""
    return [Finding(CHECK, Outcome.PASS, f"{feeds} iCal feed{plural}, none failing{waiting}")]


def describe_failure(status: FeedStatus) -> str:
    """`vendor/imported: failing since … (why); its last good copy, from …, is in use`."""
    since = f" since {_utc(status.failing_since)}" if status.failing_since else ""
    if status.fetched_at is not None:
        copy = f"its last good copy, from {_utc(status.fetched_at)}, is in use"
    else:
        copy = "it was never fetched well, so the layer is empty"
    return f"{status.schedule}/{status.layer}: failing{since} ({status.error}); {copy}"


def _read_statuses(settings: Settings, schedules: tuple[ScheduleDef, ...]) -> list[FeedStatus]:
    """How the feeds are doing, read from a reachable, current database (SetupError)."""
    timeouts = database_timeouts(settings)
    require_current_schema(settings.database_url, connect_timeout=timeouts.connect)
    engine = make_engine(settings.database_url, timeouts=timeouts)
    try:
        # The fetcher is never asked: only what the last fetches recorded is read.
        feeds = FeedService(engine, schedules, HttpFeedFetcher(), clock=_now)
        with Session(engine) as session:
            return feeds.status_in(session)
    finally:
        engine.dispose()


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _now() -> datetime:
    return datetime.now(UTC)
