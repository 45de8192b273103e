"""`WARROOM_SMTP_URL` and the Twilio settings: what they mean, and a bad one stops `warroom run`
with one line naming it (never a password)."""

import os

import pytest

from bot.cli import main
from bot.email.smtp_url import SmtpTarget, SmtpUrlError, parse_smtp_url
from bot.settings import Settings

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


@pytest.fixture(autouse=True)
def no_twilio_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No Twilio settings from the outside (`nowhere` clears only SLACK_ and WARROOM_)."""
    for name in list(os.environ):
        if name.startswith("TWILIO_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("url", "target"),
    [
        (
            "smtp://pager:p%40ss%2Fword@mail.example.com:587?starttls=true",
            SmtpTarget("mail.example.com", 587, "pager", "p@ss/word", starttls=True),
        ),
        (
            "smtp://mail.example.com?starttls=true",
            SmtpTarget("mail.example.com", 587, starttls=True),
        ),
        ("smtps://u:p@mail.example.com", SmtpTarget("mail.example.com", 465, "u", "p", True)),
        ("smtp://relay:25", SmtpTarget("relay", 25)),
        ("SMTP://relay", SmtpTarget("relay", 25)),
        (
            "smtp://relay:2525?starttls=false&timeout=5",
            SmtpTarget("relay", 2525, starttls=False, timeout=5.0),
        ),
        ("smtp://[::1]:25", SmtpTarget("::1", 25)),
    ],
)
def test_what_a_url_means(url: str, target: SmtpTarget) -> None:
    parsed = parse_smtp_url(url)
    assert parsed == target
    assert parsed.password == target.password  # not compared by ==: kept out of repr


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://mail.example.com", "must look like smtp://user:pass@host:587"),
        ("mail.example.com:25", "must look like smtp://"),
        ("smtp://", "has no host"),
        ("smtp://host:99999", "has a port that is not a number from 1 to 65535"),
        ("smtp://host:0", "has a port that is not a number from 1 to 65535"),
        ("smtp://host:25/inbox", "must not have a path"),
        ("smtp://host?starttls=maybe", "has starttls='maybe'; use starttls=true or false"),
        ("smtp://host?timeout=0", "has timeout='0'"),
        ("smtp://host?tls=on", "has an unknown option 'tls'"),
        ("smtps://host?starttls=true", "smtps:// is TLS from the start"),
        ("smtp://user@host", "must give both a user and a password"),
    ],
)
def test_a_bad_url_says_what_is_wrong_in_one_line(url: str, error: str) -> None:
    with pytest.raises(SmtpUrlError) as bad:
        parse_smtp_url(url)
    assert error in str(bad.value)
    assert "\n" not in str(bad.value)


def test_a_password_is_never_in_the_error() -> None:
    with pytest.raises(SmtpUrlError) as bad:
        parse_smtp_url("ftp://pager:hunter2@mail.example.com")
    assert "hunter2" not in str(bad.value)


@pytest.mark.usefixtures("nowhere")
@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "WARROOM_SMTP_URL",
            "smtp://pager:hunter2@mail.example.com?tls=yes",
            "WARROOM_SMTP_URL has an unknown option 'tls'; use starttls or timeout",
        ),
        (
            "WARROOM_SMTP_URL",
            "http://pager:hunter2@mail.example.com",
            "WARROOM_SMTP_URL must look like smtp://",
        ),
        ("WARROOM_MAIL_FROM", "pager", "WARROOM_MAIL_FROM must be an address like"),
        ("TWILIO_FROM", "5551234567", "TWILIO_FROM must be a phone number in E.164 form"),
        ("TWILIO_ACCOUNT_SID", "hunter2", "TWILIO_ACCOUNT_SID must be an Account SID"),
        ("TWILIO_API_URL", "api.twilio.com", "TWILIO_API_URL must be an http(s) URL"),
    ],
)
def test_a_bad_setting_stops_the_start_with_one_line(
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
    assert "hunter2" not in line


@pytest.mark.usefixtures("nowhere")
def test_paging_settings_are_read_from_their_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "token",
        "TWILIO_FROM": "+15551234567",
        "TWILIO_API_URL": "http://127.0.0.1:4013/",
        "WARROOM_SMTP_URL": "smtps://u:p@mail.example.com",
        "WARROOM_MAIL_FROM": "Warroom <pager@example.com>",
    }
    for setting, value in {**GOOD, **values}.items():
        monkeypatch.setenv(setting, value)
    settings = Settings()  # type: ignore[call-arg]
    assert settings.twilio_account_sid == "AC" + "0" * 32
    assert settings.twilio_auth_token == "token"
    assert settings.twilio_from == "+15551234567"
    assert settings.twilio_api_url == "http://127.0.0.1:4013"
    assert settings.warroom_smtp_url == "smtps://u:p@mail.example.com"
    assert settings.warroom_mail_from == "Warroom <pager@example.com>"


@pytest.mark.usefixtures("nowhere")
def test_paging_settings_are_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    for setting, value in {**GOOD, "TWILIO_FROM": "", "WARROOM_SMTP_URL": " "}.items():
        monkeypatch.setenv(setting, value)
    settings = Settings()  # type: ignore[call-arg]
    assert (settings.twilio_from, settings.warroom_smtp_url, settings.twilio_auth_token) == (
        None,
        None,
        None,
    )
    assert settings.twilio_api_url == "https://api.twilio.com"
