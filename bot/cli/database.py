"""The database as the command line opens it: checked to be reachable and migrated first."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.settings import OncallSettings


@contextmanager
def checked_engine(settings: "OncallSettings") -> Iterator["Engine"]:
    """The database, checked to be reachable and migrated (SetupError otherwise)."""
    from bot.ops.database import database_problems, require_current_schema
    from bot.settings import database_timeouts
    from storage.database import make_engine

    timeouts = database_timeouts(settings)
    require_current_schema(settings.database_url, connect_timeout=timeouts.connect)
    with database_problems(settings.database_url, connect_timeout=timeouts.connect):
        engine = make_engine(settings.database_url, timeouts=timeouts)
        try:
            yield engine
        finally:
            engine.dispose()
