"""A real SMTP server (aiosmtpd) on a free 127.0.0.1 port, keeping what it receives.

    with smtp_server(auth=("pager", "secret"), tls="starttls") as server:
        mailer = SmtpMailer(parse_smtp_url(server.url()), mail_from=..., tls_context=server.trust)
        ...
        server.received[0].message["Subject"]

`tls` is "off", "starttls" (STARTTLS required before anything else) or "implicit" (smtps://),
with a certificate for 127.0.0.1 made by `openssl` for the server's life; `trust` is a client
context that trusts it. `refuse_recipients` makes every RCPT TO get that reply (e.g. "550 …").
"""

import email
import email.policy
import shutil
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from processes import free_port

Tls = Literal["off", "starttls", "implicit"]


@dataclass
class Received:
    """One message as the server got it: envelope, raw bytes, parsed, and who signed in."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    login: str | None

    @property
    def message(self) -> EmailMessage:
        """The message parsed with the modern policy."""
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Collector:
    """The aiosmtpd handler: keeps each message, or refuses recipients when told to."""

    received: list[Received] = field(default_factory=list)
    refuse_recipients: str | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        """Accept the recipient unless the test set a refusal."""
        if self.refuse_recipients:
            return self.refuse_recipients
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message."""
        login = session.auth_data.login.decode() if session.auth_data else None
        content = envelope.original_content or envelope.content or b""
        assert isinstance(content, bytes)
        self.received.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), content, login)
        )
        return f"250 2.0.0 OK queued as Q{len(self.received)}"


@dataclass
class SmtpServer:
    """The running server and how to reach it."""

    port: int
    collector: Collector
    tls: Tls
    credentials: tuple[str, str] | None
    trust: ssl.SSLContext | None  # a client context trusting the server's certificate

    @property
    def received(self) -> list[Received]:
        """Messages received so far."""
        return self.collector.received

    def url(self, *, user: str | None = None, password: str | None = None) -> str:
        """A `WARROOM_SMTP_URL` for this server, with its credentials unless others are given."""
        login = (user, password) if user is not None else self.credentials
        auth = f"{quote(login[0], safe='')}:{quote(login[1] or '', safe='')}@" if login else ""
        if self.tls == "implicit":
            return f"smtps://{auth}127.0.0.1:{self.port}"
        option = "?starttls=true" if self.tls == "starttls" else "?starttls=false"
        return f"smtp://{auth}127.0.0.1:{self.port}{option}"


def _certificate(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: the server's context and a client's trust."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (apt-get install openssl): no test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        [openssl, *request, "-keyout", str(key), "-out", str(cert), *subject],
        check=True,
        capture_output=True,
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


@contextmanager
def smtp_server(
    *, auth: tuple[str, str] | None = None, tls: Tls = "off", refuse_recipients: str | None = None
) -> Iterator[SmtpServer]:
    """Serve SMTP on a free port in a thread of its own; stop it at the end."""
    collector = Collector(refuse_recipients=refuse_recipients)

    def authenticator(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and auth is not None
        ok = ok and (data.login.decode(), data.password.decode()) == auth
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    with tempfile.TemporaryDirectory(prefix="smtp-") as folder:
        server_tls, trust = _certificate(Path(folder)) if tls != "off" else (None, None)
        # aiosmtpd counts only STARTTLS as TLS when it decides whether to offer AUTH.
        options: dict[str, Any] = {"auth_require_tls": tls == "starttls"}
        if auth is not None:
            options.update(authenticator=authenticator, auth_required=True)
        if tls == "starttls":
            options.update(tls_context=server_tls, require_starttls=True)
        if tls == "implicit":
            options.update(ssl_context=server_tls)
        port = free_port()
        controller = Controller(collector, hostname="127.0.0.1", port=port, **options)
        controller.start()
        try:
            yield SmtpServer(port, collector, tls, auth, trust)
        finally:
            controller.stop()
