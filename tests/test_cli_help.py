"""`warroom --help` and each command's help name the settings and modes that matter to it."""

import re

import pytest

from bot.cli import main
from bot.settings import Settings

HELP = {
    (): ["warroom doctor", "warroom db upgrade", "warroom run", "warroom demo", ".env file"],
    ("run",): [
        "usage: warroom run",
        "Socket Mode",
        "HTTP",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "DATABASE_URL",
        "WARROOM_HOST, WARROOM_PORT",
        "/slack/events",
        ".env file in the current directory",
        "warroom doctor",
    ],
    ("db",): ["usage: warroom db", "upgrade", "current", "DATABASE_URL"],
    ("db", "upgrade"): [
        "usage: warroom db upgrade",
        "DATABASE_URL",
        "pip install 'warroom[postgres]'",
        "WARROOM_DB_CONNECT_TIMEOUT",
    ],
    ("db", "current"): ["usage: warroom db current", "DATABASE_URL", "`empty`"],
    ("postmortem",): ["usage: warroom postmortem", "DATABASE_URL", "WARROOM_POSTMORTEM_TEMPLATE"],
    ("demo",): ["usage: warroom demo", "--database", "no Slack workspace"],
    ("report",): [
        "usage: warroom report",
        "--month",
        "--format",
        "WARROOM_TIMEZONE",
        "DATABASE_URL",
    ],
    ("doctor",): [
        "usage: warroom doctor",
        "SLACK_BOT_TOKEN",
        "manifest.yml",
        "SLACK_APP_TOKEN",
        "WARROOM_WEBHOOK_TOKEN",
        "exit status",
    ],
}


@pytest.mark.parametrize("command", sorted(HELP), ids=lambda c: " ".join(c) or "warroom")
def test_each_help_names_what_matters_to_it(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    for words in HELP[command]:
        assert words in shown, f"{' '.join(command)} --help does not say {words!r}"
    # Every setting it names is one Warroom reads (a family like WARROOM_SMTP_* aside).
    named = set(re.findall(r"\b(?:SLACK|WARROOM|DATABASE)_[A-Z0-9_]*[A-Z0-9]\b", shown))
    assert {n for n in named if n.lower() not in Settings.model_fields} == set()
