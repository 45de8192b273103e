"""`warroom doctor` as an operator runs it: a real process, the sandbox as Slack, a real SQLite
file or PostgreSQL schema; mail and SMS checked against small local servers."""

import base64
import socketserver
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from processes import WARROOM, free_port, warroom_env
from pydantic_settings import BaseSettings

from bot.ops.doctor import MARKS, Outcome, check_service, manifest_scopes
from bot.ops.outside import check_smtp, check_twilio
from bot.sandbox import SandboxServer
from bot.sandbox.model import DEFAULT_SCOPES, DEFAULT_TOKEN
from bot.sandbox.socket_mode import DEFAULT_APP_TOKEN

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
        env=warroom_env(PYTHONIOENCODING=encoding, **env),
        capture_output=True,
        text=True,
        encoding=encoding,
        timeout=60,
    )
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = result.stdout.strip().splitlines()
    checks = {line[5:22].strip(): line for line in lines[:-2]}
    return result.returncode, checks, lines[-1] if lines else result.stderr


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


# Mail and SMS: this version has no such settings, so the checks are driven with settings that
# name them, against a local SMTP server and a local stand-in of Twilio's account API.


class MailSettings(BaseSettings):
    warroom_smtp_host: str | None = None
    warroom_smtp_port: int = 25
    warroom_smtp_username: str | None = None
    warroom_smtp_password: str | None = None


class _SMTP(socketserver.StreamRequestHandler):
    """Just enough SMTP: a greeting, EHLO offering AUTH PLAIN, one account, QUIT."""

    def handle(self) -> None:
        self.wfile.write(b"220 mail.test ready\r\n")
        for raw in self.rfile:
            verb, _, rest = raw.decode().strip().partition(" ")
            if verb.upper() == "EHLO":
                self.wfile.write(b"250-mail.test\r\n250 AUTH PLAIN\r\n")
            elif verb.upper() == "AUTH":
                given = base64.b64decode(rest.split(" ", 1)[1]).split(b"\0")
                ok = given[1:] == [b"warroom", b"right"]
                self.wfile.write(b"235 ok\r\n" if ok else b"535 no\r\n")
            elif verb.upper() == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTP)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_mail_not_configured_is_skipped() -> None:
    finding = check_service("mail", "warroom_smtp_", MailSettings(), check_smtp)
    assert finding.outcome is Outcome.SKIP
    assert finding.detail == "not configured (WARROOM_SMTP_* not set)"


@pytest.mark.parametrize(("password", "ok"), [("right", True), ("wrong", False)])
def test_mail_is_checked_with_its_login(smtp_port: int, password: str, ok: bool) -> None:
    settings = MailSettings(
        warroom_smtp_host="127.0.0.1",
        warroom_smtp_port=smtp_port,
        warroom_smtp_username="warroom",
        warroom_smtp_password=password,
    )
    finding = check_service("mail", "warroom_smtp_", settings, check_smtp)
    if ok:
        assert finding.outcome is Outcome.PASS
        assert finding.detail == f"127.0.0.1:{smtp_port} answered, logged in as warroom"
    else:
        assert finding.outcome is Outcome.FAIL
        assert "refused the login of warroom (535)" in finding.detail


def test_mail_server_that_is_not_there() -> None:
    port = free_port()
    finding = check_service(
        "mail",
        "warroom_smtp_",
        MailSettings(warroom_smtp_host="127.0.0.1", warroom_smtp_port=port),
        check_smtp,
    )
    assert finding.outcome is Outcome.FAIL
    assert f"127.0.0.1:{port}:" in finding.detail and "WARROOM_SMTP_HOST" in finding.detail


class SmsSettings(BaseSettings):
    warroom_twilio_account_sid: str | None = None
    warroom_twilio_auth_token: str | None = None
    warroom_twilio_api_url: str | None = None


class _Twilio(BaseHTTPRequestHandler):
    """The account resource, behind Basic auth with one SID and token."""

    SID, TOKEN = "AC00000000000000000000000000000000", "twilio_test_auth_token"

    def do_GET(self) -> None:
        expected = base64.b64encode(f"{self.SID}:{self.TOKEN}".encode()).decode()
        right = self.headers.get("Authorization") == f"Basic {expected}"
        found = self.path == f"/2010-04-01/Accounts/{self.SID}.json"
        self.send_response(200 if right and found else 401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"sid": "%s", "status": "active"}' % self.SID.encode())

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def twilio_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Twilio)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("token", "ok"), [(_Twilio.TOKEN, True), ("wrong", False)])
def test_sms_is_checked_with_its_account(twilio_url: str, token: str, ok: bool) -> None:
    settings = SmsSettings(
        warroom_twilio_account_sid=_Twilio.SID,
        warroom_twilio_auth_token=token,
        warroom_twilio_api_url=twilio_url,
    )
    finding = check_service("SMS", "warroom_twilio_", settings, check_twilio)
    assert finding.outcome is (Outcome.PASS if ok else Outcome.FAIL)
    assert (f"account {_Twilio.SID} valid" if ok else "Twilio refused account") in finding.detail
