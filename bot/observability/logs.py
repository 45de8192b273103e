"""One logging configuration for the whole process: Warroom, uvicorn, Bolt, the Slack SDK,
APScheduler, Alembic and SQLAlchemy write through one handler, in one format (`text` or
`json`, the latter by python-json-logger), quiet at INFO.

Fields bound with `log_context` (the request id of the HTTP request being handled, the
scheduled job running) are added to every record logged meanwhile: JSON fields, or
`key=value` after the text line.
"""

import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TextIO

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_EMPTY: Mapping[str, str] = MappingProxyType({})
_context: ContextVar[Mapping[str, str]] = ContextVar("warroom_log_context", default=_EMPTY)

# Libraries that speak at INFO about routine work: every scheduler tick and job added, the
# autogenerate plugins Alembic loads, each request httpx sends, uvicorn's access lines (ours
# are in bot.observability.requests).
CHATTY = (
    "apscheduler.scheduler",
    "apscheduler.executors",
    "alembic.runtime.plugins",
    "httpx",
    "httpcore",
    "uvicorn.access",
)
# SQLAlchemy logs every statement with its parameters (alert bodies) at INFO once its logger is
# enabled: a root at DEBUG would turn that on. Statement logging is not a log level's business.
SILENCED = ("sqlalchemy",)
# Bolt warns at every start that the token it read from SLACK_BOT_TOKEN is unused: it is, on
# purpose (the client we give it carries the token).
BOLT_TOKEN_UNUSED = "As you gave `client` as well, `token` will be unused."
_HANDLER_MARK = "_warroom_handler"


def current_context() -> Mapping[str, str]:
    """The fields bound now (request id, job)."""
    return _context.get()


@contextmanager
def log_context(**fields: str) -> Iterator[None]:
    """Add `fields` to every record logged inside the block (and in tasks it starts)."""
    token = _context.set(MappingProxyType({**_context.get(), **fields}))
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Copies the bound fields onto each record the handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record; only add fields it does not carry already."""
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class QuietFilter(logging.Filter):
    """Drops the routine lines that carry nothing for an operator.

    Alembic's migration logger says "Context impl …" and "Will assume …" whenever a migration
    context opens (every revision check); only its "Running upgrade X -> Y" lines are news.
    """

    def __init__(self, *, quiet: bool) -> None:
        super().__init__()
        self.quiet = quiet

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a line to drop."""
        if record.name.startswith("slack_bolt") and record.msg == BOLT_TOKEN_UNUSED:
            return False
        if self.quiet and record.name == "alembic.runtime.migration":
            return record.levelno > logging.INFO or str(record.msg).startswith("Running ")
        return True


class TextFormatter(logging.Formatter):
    """The classic line, with the bound fields appended as `key=value`."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        """The line, then ` request_id=…` for each bound field the record carries."""
        line = super().format(record)
        bound = _context.get()
        extra = [f"{key}={record.__dict__[key]}" for key in bound if key in record.__dict__]
        if not extra:
            return line
        first, newline, rest = line.partition("\n")
        return f"{first} {' '.join(extra)}{newline}{rest}"


class JsonLineFormatter(JsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, then any fields
    bound or passed as `extra`; a traceback is the `exception` field, never extra lines."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "exc_info": "exception",
            },
            # uvicorn passes a colourised copy of its message as `color_message`.
            reserved_attrs=[*RESERVED_ATTRS, "color_message", "taskName"],
            json_ensure_ascii=False,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """ISO 8601 in UTC, to the millisecond."""
        moment = datetime.fromtimestamp(record.created, UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def configure_logging(level: str, fmt: str, *, stream: TextIO | None = None) -> None:
    """Route every logger through one handler on stderr, in `fmt` (`text` or `json`), at `level`
    (DEBUG, INFO, WARNING, ERROR, CRITICAL; validated by the settings).

    At INFO and above the chatty libraries are held at WARNING; at DEBUG everything speaks but
    SQLAlchemy's statement log. Calling it again replaces the earlier configuration. Lines go
    to `stream`, standard error by default.
    """
    numeric = logging.getLevelNamesMapping()[level.upper()]
    quiet = numeric >= logging.INFO
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLineFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(QuietFilter(quiet=quiet))
    setattr(handler, _HANDLER_MARK, True)

    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        if getattr(old, _HANDLER_MARK, False):
            old.close()
    root.addHandler(handler)
    root.setLevel(numeric)
    # uvicorn (when it configured itself before), Bolt and the SDK may hold handlers of their
    # own: everything propagates to the one handler instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "slack_bolt", "slack_sdk"):
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
        library.setLevel(logging.NOTSET)
    for name in CHATTY:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING) if quiet else numeric)
    for name in SILENCED:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))
    logging.captureWarnings(True)
