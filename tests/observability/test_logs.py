"""One logging configuration: every library through one handler, in text or JSON, quiet at
INFO, with the bound request id on each line."""

import io
import json
import logging
import warnings
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from bot.observability.logs import BOLT_TOKEN_UNUSED, configure_logging, log_context
from bot.settings import DatabaseSettings, describe_settings_error


@pytest.fixture
def stderr() -> Iterator[io.StringIO]:
    """What the configured handler writes; the logging setup of the test run is put back."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    yield io.StringIO()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.captureWarnings(False)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_puts_every_library_through_one_handler_one_object_a_line(
    stderr: io.StringIO,
) -> None:
    configure_logging("INFO", "json", stream=stderr)
    for name in ("warroom", "uvicorn.error", "slack_bolt.AsyncApp", "slack_sdk", "alembic"):
        logging.getLogger(name).warning("from %s", name)
    try:
        raise RuntimeError("boom\nsecond line")
    except RuntimeError:
        logging.getLogger("warroom").exception("it failed")
    found = lines(stderr)
    assert [line["logger"] for line in found] == [
        "warroom",
        "uvicorn.error",
        "slack_bolt.AsyncApp",
        "slack_sdk",
        "alembic",
        "warroom",
    ]
    assert found[0]["level"] == "WARNING" and found[0]["message"] == "from warroom"
    assert str(found[0]["time"]).endswith("Z")
    assert "RuntimeError: boom" in str(found[-1]["exception"])  # the traceback, in one line


def test_quiet_at_info_scheduler_ticks_and_alembic_chatter_are_dropped(
    stderr: io.StringIO,
) -> None:
    configure_logging("INFO", "json", stream=stderr)
    logging.getLogger("apscheduler.executors.default").info('Running job "reminders"')
    logging.getLogger("apscheduler.scheduler").info("Added job")
    logging.getLogger("alembic.runtime.plugins").info("setup plugin alembic.autogenerate.types")
    migration = logging.getLogger("alembic.runtime.migration")
    migration.info("Context impl %s.", "SQLiteImpl")
    migration.info("Will assume non-transactional DDL.")
    migration.info("Running upgrade %s -> %s, %s", "a1", "b2", "people")
    logging.getLogger("slack_bolt.AsyncApp").warning(BOLT_TOKEN_UNUSED)
    logging.getLogger("sqlalchemy.engine.Engine").info("SELECT secret FROM alert")
    assert [line["message"] for line in lines(stderr)] == ["Running upgrade a1 -> b2, people"]


def test_debug_lets_the_libraries_speak_but_never_sqlalchemys_statements(
    stderr: io.StringIO,
) -> None:
    configure_logging("DEBUG", "json", stream=stderr)
    logging.getLogger("apscheduler.executors.default").info('Running job "reminders"')
    logging.getLogger("sqlalchemy.engine.Engine").info("SELECT secret FROM alert")
    assert [line["message"] for line in lines(stderr)] == ['Running job "reminders"']


def test_a_bound_request_id_is_a_json_field(stderr: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=stderr)
    with log_context(request_id="abc-123"):
        logging.getLogger("warroom.slack.guard").warning("refused")
    logging.getLogger("warroom").warning("outside")
    inside, outside = lines(stderr)
    assert inside["request_id"] == "abc-123"
    assert "request_id" not in outside


def test_text_appends_the_bound_fields_to_the_line(stderr: io.StringIO) -> None:
    configure_logging("WARNING", "text", stream=stderr)
    with log_context(request_id="abc-123", job="reminders"):
        logging.getLogger("warroom").warning("slow")
    logging.getLogger("warroom").info("not at WARNING")
    (line,) = stderr.getvalue().splitlines()
    assert line.endswith("WARNING warroom: slow request_id=abc-123 job=reminders")


def test_python_warnings_go_through_the_same_handler(stderr: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=stderr)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("old API", DeprecationWarning, stacklevel=1)
    (line,) = lines(stderr)
    assert line["logger"] == "py.warnings" and "old API" in str(line["message"])


def test_configuring_again_replaces_the_handler(stderr: io.StringIO) -> None:
    configure_logging("INFO", "text", stream=stderr)
    configure_logging("INFO", "json", stream=stderr)
    logging.getLogger("warroom").warning("once")
    assert [line["message"] for line in lines(stderr)] == ["once"]


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("WARROOM_LOG_LEVEL", "LOUD", "DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("WARROOM_LOG_FORMAT", "xml", "text, json"),
    ],
)
def test_an_unknown_level_or_format_is_a_settings_error_naming_the_allowed_values(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, allowed: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as raised:
        DatabaseSettings(_env_file=None)  # type: ignore[call-arg]
    line = describe_settings_error(raised.value)
    assert name in line and allowed in line and repr(value) in line


def test_level_and_format_are_read_case_insensitively(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_LOG_LEVEL", "debug")
    monkeypatch.setenv("WARROOM_LOG_FORMAT", "JSON")
    settings = DatabaseSettings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.warroom_log_level, settings.warroom_log_format) == ("DEBUG", "json")
