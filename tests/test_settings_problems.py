"""A bad setting is one line in plain words naming it (never pydantic's wording, never a secret's
value), and .env.example's placeholders are refused until someone fills them in."""

import subprocess
from pathlib import Path

import pytest
from processes import WARROOM, warroom_env

from bot.cli import main
from bot.kernel.bundled import EXAMPLE_ENV, bundled_text

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


pytestmark = pytest.mark.usefixtures("nowhere")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("WARROOM_PORT", "abc", "WARROOM_PORT must be a whole number, got 'abc'"),
        ("WARROOM_PORT", "0", "WARROOM_PORT must be at least 1, got '0'"),
        ("WARROOM_PORT", "70000", "WARROOM_PORT must be at most 65535, got '70000'"),
        ("WARROOM_WORKERS", "1.5", "WARROOM_WORKERS must be a whole number, got '1.5'"),
        ("WARROOM_CHANNELS_PER_MINUTE", "fast", "must be a number, got 'fast'"),
        ("WARROOM_CHANNELS_PER_MINUTE", "0", "must be more than 0, got '0'"),
        ("WARROOM_UPDATE_INTERVAL", "soon", "must be a duration like 45s, 30m or 1h, got 'soon'"),
        ("SLACK_SIGNING_SECRET", "", "SLACK_SIGNING_SECRET must not be empty"),
        ("SLACK_BOT_TOKEN", "xoxp-1", "SLACK_BOT_TOKEN must be a bot token starting with xoxb-"),
    ],
)
def test_a_bad_setting_is_named_in_plain_words(
    name: str,
    value: str,
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for setting, good in {**GOOD, name: value}.items():
        monkeypatch.setenv(setting, good)
    with pytest.raises(SystemExit) as stopped:
        main(["run"])
    assert stopped.value.code == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith("warroom: invalid settings: ") and "\n" not in line
    assert expected in line
    assert "Input should" not in line and "String should" not in line


def test_a_secret_is_never_repeated(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for setting, value in {**GOOD, "WARROOM_WEBHOOK_TOKEN": "hunter2"}.items():
        monkeypatch.setenv(setting, value)
    with pytest.raises(SystemExit):
        main(["run"])
    line = capsys.readouterr().err
    assert "WARROOM_WEBHOOK_TOKEN must be at least 16 characters" in line
    assert "hunter2" not in line


def test_the_env_example_as_it_ships_is_refused_until_filled_in(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(bundled_text(EXAMPLE_ENV))
    result = subprocess.run(
        [*WARROOM, "run"], cwd=tmp_path, env=warroom_env(), capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert (
        "SLACK_BOT_TOKEN is still the example value from .env.example: fill in the Bot User "
        "OAuth Token (xoxb-…) from your app's OAuth & Permissions page" in line
    )
    assert (
        "SLACK_SIGNING_SECRET is still the example value from .env.example: fill in the "
        "Signing Secret from your app's Basic Information page" in line
    )
    assert not (tmp_path / "warroom.db").exists()
