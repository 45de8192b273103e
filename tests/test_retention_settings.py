"""`WARROOM_WEBHOOK_RETENTION`: a duration, 90 days unless set, zero to keep forever."""

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from processes import WARROOM, warroom_env
from pydantic import ValidationError

from bot.settings import Settings, describe_settings_error


def _settings(monkeypatch: pytest.MonkeyPatch, value: str | None) -> Settings:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    if value is None:
        monkeypatch.delenv("WARROOM_WEBHOOK_RETENTION", raising=False)
    else:
        monkeypatch.setenv("WARROOM_WEBHOOK_RETENTION", value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, timedelta(days=90)),
        ("30d", timedelta(days=30)),
        ("12h", timedelta(hours=12)),
        ("0", timedelta(0)),
        ("0d", timedelta(0)),
    ],
)
def test_webhook_retention_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: timedelta
) -> None:
    assert _settings(monkeypatch, value).warroom_webhook_retention == expected


@pytest.mark.parametrize("value", ["soon", "-1d", "90 days", "1w", ""])
def test_a_bad_webhook_retention_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        _settings(monkeypatch, value)

    message = describe_settings_error(raised.value)
    assert message == (
        "invalid settings: WARROOM_WEBHOOK_RETENTION must be a duration like 90d or 12h,"
        f" or 0 to keep forever, got {value!r}"
    )


def test_a_negative_webhook_retention_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(  # type: ignore[call-arg]
            _env_file=None,
            slack_bot_token="xoxb-test",
            slack_signing_secret="secret",
            warroom_webhook_retention=timedelta(days=-1),
        )

    assert describe_settings_error(raised.value).startswith(
        "invalid settings: WARROOM_WEBHOOK_RETENTION must not be negative"
    )


def test_warroom_run_with_a_bad_retention_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [*WARROOM, "run"],
        cwd=tmp_path,
        env=warroom_env(
            SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s", WARROOM_WEBHOOK_RETENTION="soon"
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "WARROOM_WEBHOOK_RETENTION" in lines[0], result.stderr
    assert "Traceback" not in result.stderr + result.stdout
