"""`warroom doctor` as an operator runs it: a real process, the sandbox as Slack, a real SQLite
file or PostgreSQL schema; mail and SMS checked against small local servers."""

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from processes import WARROOM, free_port, warroom_env
from servers.smtp_server import SmtpServer, smtp_server
from servers.twilio_server import TwilioEmulator, twilio_emulator_fixture

from bot.ops.doctor import MARKS, Outcome, check_service, manifest_scopes
from bot.ops.findings import Finding
from bot.ops.outside import MAIL_SETTINGS, TWILIO_SETTINGS, check_smtp, check_twilio
from bot.sandbox import SandboxServer
from bot.sandbox.model import DEFAULT_SCOPES, DEFAULT_TOKEN
from bot.sandbox.socket_mode import DEFAULT_APP_TOKEN
from bot.settings import Settings

SECRET = "0123456789abcdef0123456789abcdef"
SKIPPED = MARKS[Outcome.SKIP][0]
ROUTING = "routes:\n  - name: everything\n    match: {}\n    action: offer\n"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def slack(sandbox: SandboxServer) -> SandboxServer:
    sandbox.reset()
    return sandbox


def _ready(slack: SandboxServer, database_url: str, tmp_path: Path) -> dict[str, str]:
    """Settings of a deployment that passes every check."""
    (tmp_path / "warroom.yml").write_text(ROUTING)
    return {
        "SLACK_BOT_TOKEN": DEFAULT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": DEFAULT_APP_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": database_url,
        "WARROOM_WEBHOOK_TOKEN": "doctor-webhook-token-0123456789",
        "WARROOM_CONFIG": "warroom.yml",
    }


def _doctor(
    cwd: Path, *args: str, encoding: str = "utf-8", **env: str
) -> tuple[int, dict[str, str], str]:
    """Run `warroom doctor`: its exit status, each check's line by name, and its summary."""
    result = subprocess.run(
        [*WARROOM, "doctor", *args],
        cwd=cwd,
        env=_without_twilio(warroom_env(PYTHONIOENCODING=encoding)) | env,
        capture_output=True,
        text=True,
        encoding=encoding,
        timeout=60,
    )
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = result.stdout.strip().splitlines()
    checks = {line[5:22].strip(): line for line in lines[:-2]}
    return result.returncode, checks, lines[-1] if lines else result.stderr


def _without_twilio(env: dict[str, str]) -> dict[str, str]:
    """`env` without TWILIO_* settings of the shell running the tests (`warroom_env` drops
    only SLACK_* and WARROOM_*)."""
    return {name: value for name, value in env.items() if not name.startswith("TWILIO_")}


def test_a_ready_deployment_passes_every_check(
    slack: SandboxServer, database_url: str, tmp_path: Path
) -> None:
    status, checks, summary = _doctor(tmp_path, **_ready(slack, database_url, tmp_path))
    assert status == 0, checks
    passed = [
        "settings",
        "database",
        "Slack bot token",
        "Slack scopes",
        "signing secret",
        "Socket Mode",
        "webhook token",
        "routing config",
        "postmortem",
    ]
    assert [name for name, line in checks.items() if line.startswith("✓")] == passed
    assert "the bot is @warroom (U0BOT) in Sandbox" in checks["Slack bot token"]
    assert (
        f"all {len(manifest_scopes())} bot scopes of manifest.yml granted" in checks["Slack scopes"]
    )
    assert "schema current" in checks["database"]
    assert "warroom.yml: 1 routes" in checks["routing config"]
    assert checks["mail"].startswith(SKIPPED) and "not configured" in checks["mail"]
    assert checks["SMS"].startswith(SKIPPED) and "not configured" in checks["SMS"]
    assert f"{tmp_path / '.env'} (absent" in checks["settings"]
    assert summary == "ready: 9 passed, 0 failed, 3 skipped"


def test_missing_scopes_are_named(slack: SandboxServer, database_url: str, tmp_path: Path) -> None:
    slack.world.scopes = set(DEFAULT_SCOPES - {"pins:write", "reactions:read"})
    status, checks, summary = _doctor(tmp_path, **_ready(slack, database_url, tmp_path))
    assert status == 1
    assert checks["Slack scopes"].startswith("✗")
    assert (
        "missing pins:write, reactions:read: add them under OAuth & Permissions"
        in (checks["Slack scopes"])
    )
    assert summary == "not ready: 8 passed, 1 failed, 3 skipped"


@pytest.mark.parametrize(
    ("change", "check", "expected", "failed"),
    [
        (
            {"SLACK_BOT_TOKEN": "xoxb-not-this-workspace"},
            "Slack bot token",
            "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)",
            1,
        ),
        (
            {"SLACK_APP_TOKEN": "xapp-not-this-app"},
            "Socket Mode",
            "SLACK_APP_TOKEN was refused by Slack (invalid_auth)",
            1,
        ),
        (  # both the bot token and the app token cannot be checked
            {"SLACK_API_URL": "closed port"},
            "Slack bot token",
            "cannot connect to 127.0.0.1",
            2,
        ),
        ({"WARROOM_CONFIG": "missing.yml"}, "routing config", "missing.yml", 1),
        ({"WARROOM_POSTMORTEM_TEMPLATE": "missing.j2"}, "postmortem", "missing.j2", 1),
    ],
)
def test_a_failed_check_is_named_and_fails_the_run(
    slack: SandboxServer,
    database_url: str,
    tmp_path: Path,
    change: dict[str, str],
    check: str,
    expected: str,
    failed: int,
) -> None:
    env = _ready(slack, database_url, tmp_path) | change
    if env["SLACK_API_URL"] == "closed port":
        env["SLACK_API_URL"] = f"http://127.0.0.1:{free_port()}/api/"
    status, checks, summary = _doctor(tmp_path, **env)
    assert status == 1
    assert checks[check].startswith("✗") and expected in checks[check]
    assert summary.startswith("not ready:") and f"{failed} failed" in summary


def test_a_signing_secret_unlike_slacks_is_a_warning(
    slack: SandboxServer, database_url: str, tmp_path: Path
) -> None:
    env = _ready(slack, database_url, tmp_path) | {"SLACK_SIGNING_SECRET": "not-hex"}
    status, checks, summary = _doctor(tmp_path, **env)
    assert status == 0
    assert checks["signing secret"].startswith("!")
    assert "has 7 characters, not the 32 hex characters Slack issues" in checks["signing secret"]
    assert summary == "ready: 8 passed, 1 warned, 0 failed, 3 skipped"


def test_an_unmigrated_database(
    slack: SandboxServer, blank_database_url: str, tmp_path: Path
) -> None:
    status, checks, _ = _doctor(tmp_path, **_ready(slack, blank_database_url, tmp_path))
    if blank_database_url.startswith("sqlite"):
        assert status == 0
        assert checks["database"].startswith("!")
        assert "no database yet; `warroom run` migrates it on start" in checks["database"]
    else:
        assert status == 1
        assert checks["database"].startswith("✗")
        assert checks["database"].endswith("run `warroom db upgrade` first")


def test_an_unreachable_database(slack: SandboxServer, tmp_path: Path) -> None:
    url = f"postgresql+psycopg://warroom@127.0.0.1:{free_port()}/warroom"
    status, checks, _ = _doctor(tmp_path, **_ready(slack, url, tmp_path))
    assert status == 1
    assert "refused the connection: start PostgreSQL there" in checks["database"]


def test_bad_settings_skip_what_needs_them(slack: SandboxServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warroom.db'}"
    env = _ready(slack, url, tmp_path) | {"WARROOM_PORT": "abc"}
    status, checks, summary = _doctor(tmp_path, **env)
    assert status == 1
    assert checks["settings"].startswith("✗")
    assert "WARROOM_PORT must be a whole number, got 'abc'" in checks["settings"]
    assert checks["database"].startswith("!")  # checked all the same
    assert checks["Slack bot token"].endswith("the settings did not load")
    assert checks["postmortem"].startswith("✓")
    assert summary == "not ready: 1 passed, 1 warned, 1 failed, 9 skipped"
    assert not (tmp_path / "warroom.db").exists()  # the doctor creates nothing


def test_words_instead_of_marks_where_the_terminal_cannot_show_them(
    slack: SandboxServer, database_url: str, tmp_path: Path
) -> None:
    env = _ready(slack, database_url, tmp_path) | {"SLACK_SIGNING_SECRET": "x"}
    _, checks, _ = _doctor(tmp_path, encoding="ascii", **env)
    assert checks["settings"].startswith("ok ")
    assert checks["signing secret"].startswith("warn")
    assert checks["mail"].startswith("skip")


def test_bad_usage_is_exit_status_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [*WARROOM, "doctor", "--everything"], cwd=tmp_path, env=warroom_env(), capture_output=True
    )
    assert result.returncode == 2


# Mail and SMS, with the settings `warroom run` pages with: a real SMTP server (aiosmtpd, with
# AUTH) and emulate's Twilio. A password or token never appears in what the doctor says.

twilio = twilio_emulator_fixture()
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
USER, PASSWORD = "pager", "mail-Pass-7781"
MAIL_FROM = "Warroom <pager@example.com>"
UNSET: dict[str, Any] = dict.fromkeys(MAIL_SETTINGS + TWILIO_SETTINGS[:3])


def _settings(**paging: Any) -> Settings:
    """Settings with these paging values and no others, whatever the environment holds."""
    values = {"slack_bot_token": "xoxb-1", "slack_signing_secret": SECRET} | UNSET | paging
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _mail(**paging: Any) -> Finding:
    return check_service("mail", MAIL_SETTINGS, _settings(**paging), check_smtp)


def _sms(**paging: Any) -> Finding:
    return check_service("SMS", TWILIO_SETTINGS, _settings(**paging), check_twilio)


def _twilio(twilio: TwilioEmulator, **change: str) -> dict[str, str]:
    """The emulator's account as settings, with `change` made."""
    return {
        "twilio_account_sid": twilio.account_sid,
        "twilio_auth_token": twilio.auth_token,
        "twilio_from": twilio.phone_number,
        "twilio_api_url": twilio.url,
    } | change


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server(auth=(USER, PASSWORD)) as server:
        yield server


def test_paging_not_configured_is_skipped() -> None:
    mail, sms = _mail(), _sms()
    assert (mail.outcome, sms.outcome) == (Outcome.SKIP, Outcome.SKIP)
    assert mail.detail == "not configured (WARROOM_SMTP_URL and WARROOM_MAIL_FROM not set)"
    assert sms.detail == (
        "not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM not set)"
    )


def test_mail_passes_with_the_login_its_url_gives(smtp: SmtpServer) -> None:
    finding = _mail(warroom_smtp_url=smtp.url(), warroom_mail_from=MAIL_FROM)
    assert finding.outcome is Outcome.PASS, finding.detail
    assert finding.detail == f"127.0.0.1:{smtp.port} accepted the login of {USER} without TLS"


def test_mail_with_a_wrong_password_fails(smtp: SmtpServer) -> None:
    url = smtp.url(user=USER, password="not-the-Pass-9")
    finding = _mail(warroom_smtp_url=url, warroom_mail_from=MAIL_FROM)
    assert finding.outcome is Outcome.FAIL
    assert finding.detail.startswith(f"127.0.0.1:{smtp.port} refused the login of {USER} (535 ")
    assert finding.detail.endswith("fix the user or password in WARROOM_SMTP_URL")
    assert "not-the-Pass-9" not in finding.detail and PASSWORD not in finding.detail


def test_mail_server_that_is_not_there() -> None:
    port = free_port()
    url = f"smtp://{USER}:{PASSWORD}@127.0.0.1:{port}?starttls=false"
    finding = _mail(warroom_smtp_url=url, warroom_mail_from=MAIL_FROM)
    assert finding.outcome is Outcome.FAIL
    assert finding.detail.startswith(f"127.0.0.1:{port}: ")
    assert "WARROOM_SMTP_URL" in finding.detail and PASSWORD not in finding.detail
    assert "\n" not in finding.detail


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_mail_over_tls_checks_the_servers_certificate(tls: Any) -> None:
    with smtp_server(auth=(USER, PASSWORD), tls=tls) as server:
        finding = _mail(warroom_smtp_url=server.url(), warroom_mail_from=MAIL_FROM)
    # The test server's certificate is self-signed: the mailer would refuse it too.
    assert finding.outcome is Outcome.FAIL
    assert finding.detail.startswith(f"127.0.0.1:{server.port}: [SSL: CERTIFICATE_VERIFY_FAILED]")
    assert "WARROOM_SMTP_URL" in finding.detail and PASSWORD not in finding.detail


def test_mail_without_a_login_where_the_server_wants_one(smtp: SmtpServer) -> None:
    url = f"smtp://127.0.0.1:{smtp.port}"
    finding = _mail(warroom_smtp_url=url, warroom_mail_from=MAIL_FROM)
    assert finding.outcome is Outcome.FAIL
    assert finding.detail == (
        f"127.0.0.1:{smtp.port} refused mail from pager@example.com (530 5.7.0 Authentication "
        "required): check WARROOM_SMTP_URL (a user and password?)"
    )


def test_mail_without_a_login_where_none_is_needed() -> None:
    with smtp_server() as server:
        url = f"smtp://127.0.0.1:{server.port}"
        finding = _mail(warroom_smtp_url=url, warroom_mail_from=MAIL_FROM)
    assert finding.outcome is Outcome.PASS, finding.detail
    assert finding.detail == (
        f"127.0.0.1:{server.port} answered without TLS and takes mail from pager@example.com "
        "without a login"
    )
    assert server.received == []  # the check sends nothing


@pytest.mark.parametrize(
    ("paging", "expected"),
    [
        (
            {"warroom_smtp_url": f"smtp://{USER}:{PASSWORD}@127.0.0.1:1"},
            "WARROOM_SMTP_URL is set but WARROOM_MAIL_FROM is not: set the address pages are "
            "mailed from, like Warroom <pager@example.com>",
        ),
        (
            {"warroom_mail_from": MAIL_FROM},
            "WARROOM_MAIL_FROM is set but WARROOM_SMTP_URL is not: set the server pages are "
            "mailed through, like smtp://user:pass@host:587?starttls=true",
        ),
    ],
    ids=["url without from", "from without url"],
)
def test_mail_needs_both_settings(paging: dict[str, str], expected: str) -> None:
    finding = _mail(**paging)
    assert (finding.outcome, finding.detail) == (Outcome.FAIL, expected)


def test_sms_passes_with_the_account_and_its_number(twilio: TwilioEmulator) -> None:
    finding = _sms(**_twilio(twilio))
    assert finding.outcome is Outcome.PASS, finding.detail
    assert finding.detail == (
        f"account {twilio.account_sid} active; TWILIO_FROM {twilio.phone_number} is one of "
        "its numbers"
    )


def test_sms_with_a_wrong_token_fails(twilio: TwilioEmulator) -> None:
    finding = _sms(**_twilio(twilio, twilio_auth_token="not-the-token-5150"))
    assert finding.outcome is Outcome.FAIL
    assert finding.detail == (
        f"Twilio refused account {twilio.account_sid} (401, Twilio error 20003 Authenticate): "
        "fix TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (Twilio Console → Account Info)"
    )


def test_sms_from_a_number_the_account_does_not_have_fails(twilio: TwilioEmulator) -> None:
    finding = _sms(**_twilio(twilio, twilio_from="+15557654321"))
    assert finding.outcome is Outcome.FAIL
    assert finding.detail.startswith(
        f"TWILIO_FROM +15557654321 is not one of account {twilio.account_sid}'s phone numbers"
    )


def test_sms_when_twilio_cannot_be_reached() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    finding = _sms(
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="a-token-1234",
        twilio_from="+15551234567",
        twilio_api_url=url,
    )
    assert finding.outcome is Outcome.FAIL
    assert finding.detail.startswith(f"Twilio cannot be reached at {url} (")
    assert finding.detail.endswith("check TWILIO_API_URL") and "a-token-1234" not in finding.detail


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            ["twilio_account_sid", "twilio_from"],
            "TWILIO_ACCOUNT_SID and TWILIO_FROM are set but TWILIO_AUTH_TOKEN is not",
        ),
        (
            ["twilio_auth_token"],
            "TWILIO_AUTH_TOKEN is set but TWILIO_ACCOUNT_SID and TWILIO_FROM are not",
        ),
        (
            ["twilio_account_sid", "twilio_auth_token"],
            "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set but TWILIO_FROM is not",
        ),
        (
            ["twilio_api_url"],
            "TWILIO_API_URL is set but TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM "
            "are not",
        ),
    ],
    ids=["no token", "token only", "no number", "api url only"],
)
def test_sms_needs_all_three_settings(
    twilio: TwilioEmulator, given: list[str], expected: str
) -> None:
    finding = _sms(**{name: _twilio(twilio)[name] for name in given})
    assert finding.outcome is Outcome.FAIL
    assert finding.detail == (
        f"{expected}: paging by SMS and calls needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
        "TWILIO_FROM"
    )
    assert twilio.auth_token not in finding.detail


def _paging_env(smtp: SmtpServer, twilio: TwilioEmulator, **change: str) -> dict[str, str]:
    settings = {name.upper(): value for name, value in _twilio(twilio).items()}
    return settings | {"WARROOM_SMTP_URL": smtp.url(), "WARROOM_MAIL_FROM": MAIL_FROM} | change


def test_doctor_checks_mail_and_sms_with_the_settings_run_uses(
    slack: SandboxServer, database_url: str, tmp_path: Path, smtp: SmtpServer, twilio: Any
) -> None:
    env = _ready(slack, database_url, tmp_path) | _paging_env(smtp, twilio)
    status, checks, summary = _doctor(tmp_path, **env)
    assert status == 0, checks
    assert checks["mail"] == (
        f"✓    mail              127.0.0.1:{smtp.port} accepted the login of {USER} without TLS"
    )
    assert checks["SMS"].startswith("✓") and "is one of its numbers" in checks["SMS"]
    assert summary == "ready: 11 passed, 0 failed, 1 skipped"
    printed = "\n".join([*checks.values(), summary])
    assert PASSWORD not in printed and twilio.auth_token not in printed


def test_doctor_with_wrong_vendor_secrets_fails_without_showing_them(
    slack: SandboxServer, database_url: str, tmp_path: Path, smtp: SmtpServer, twilio: Any
) -> None:
    wrong = {
        "WARROOM_SMTP_URL": smtp.url(user=USER, password="wrong-Mail-4242"),
        "TWILIO_AUTH_TOKEN": "wrong-token-4242",
    }
    env = _ready(slack, database_url, tmp_path) | _paging_env(smtp, twilio, **wrong)
    status, checks, summary = _doctor(tmp_path, **env)
    assert status == 1
    assert checks["mail"].startswith("✗") and "refused the login of pager" in checks["mail"]
    assert checks["SMS"].startswith("✗") and "Twilio refused account" in checks["SMS"]
    assert summary == "not ready: 9 passed, 2 failed, 1 skipped"
    printed = "\n".join([*checks.values(), summary])
    assert "wrong-Mail-4242" not in printed and "wrong-token-4242" not in printed


def test_a_malformed_smtp_url_is_named_without_its_password(
    slack: SandboxServer, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'warroom.db'}"
    bad = {"WARROOM_SMTP_URL": "smtp://pager:Secret-8080@mail.example.com:99999"}
    status, checks, _ = _doctor(tmp_path, **_ready(slack, url, tmp_path) | bad)
    assert status == 1
    assert "WARROOM_SMTP_URL has a port that is not a number" in checks["settings"]
    assert "Secret-8080" not in checks["settings"]
