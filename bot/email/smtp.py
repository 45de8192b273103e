"""The paging `Mailer` over SMTP (aiosmtplib).

A 4xx reply, a refused or dropped connection and a timeout are `Transient`; a 5xx reply (a
refused address, bad credentials) and a server that lacks what the URL asks for (AUTH,
STARTTLS) are `Permanent`. A retry simply sends again: the stable
Message-ID lets the reader's mail client show a repeat as the same message.
"""

import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib

from bot.email.smtp_url import SmtpTarget
from bot.kernel.outbox import Permanent, Transient
from bot.paging.ports import Delivered, Mail

# Headers the mailer writes itself; a `Mail` cannot replace them through `headers`.
OWN_HEADERS = frozenset(
    {"from", "to", "subject", "message-id", "date", "mime-version", "content-type"}
    | {"content-transfer-encoding", "bcc", "cc"}
)
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SmtpMailer:
    """Sends rendered mails from `mail_from` through one SMTP server."""

    def __init__(
        self,
        target: SmtpTarget,
        *,
        mail_from: str,
        clock: Clock = _utc_now,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.target = target
        self.mail_from = mail_from
        self.clock = clock
        self.tls_context = tls_context  # None: the system's trusted certificates

    async def send_mail(self, mail: Mail, *, retry: bool) -> Delivered:
        """Send `mail`; a retry sends it again with the same Message-ID."""
        message = build_message(mail, mail_from=self.mail_from, now=self.clock())
        recipient = envelope_address(mail.to)
        target = self.target
        try:
            _refused, reply = await aiosmtplib.send(
                message,
                sender=envelope_address(self.mail_from),
                recipients=[recipient],
                hostname=target.host,
                port=target.port,
                username=target.username,
                password=target.password,
                use_tls=target.implicit_tls,
                start_tls=target.starttls,
                timeout=target.timeout,
                tls_context=self.tls_context,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            first = refused.recipients[0] if refused.recipients else None
            code, text = (first.code, first.message) if first else (0, str(refused))
            raise _sorted_reply(code, text) from refused
        except aiosmtplib.SMTPResponseException as error:
            raise _sorted_reply(error.code, error.message) from error
        except (OSError, aiosmtplib.SMTPTimeoutError) as error:
            # Refused, unreachable, dropped, too slow or a bad certificate (aiosmtplib's
            # connection errors are OSErrors): the server, or its certificate, may be fixed.
            raise Transient(f"smtp {type(error).__name__}: {_one_line(str(error))}") from error
        except aiosmtplib.SMTPException as error:
            # The server does not offer what WARROOM_SMTP_URL asks (AUTH, STARTTLS): trying
            # again cannot help until the settings change, so it is reported now.
            raise Permanent(f"smtp: {_one_line(str(error))}") from error
        return Delivered(str(message["Message-ID"]), _one_line(reply))


def _sorted_reply(code: int, text: str) -> Exception:
    reason = f"smtp {code}: {_one_line(text)}"
    return Permanent(reason) if 500 <= code < 600 else Transient(reason)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def envelope_address(address: str) -> str:
    """The bare address of "Name <addr>" or "addr"; `Permanent` when there is none."""
    _name, bare = parseaddr(address)
    local, at, domain = bare.rpartition("@")
    if not at or not local or not domain or any(c.isspace() for c in bare):
        raise Permanent(f"not an e-mail address: {address[:80]!r}")
    return bare


def build_message(mail: Mail, *, mail_from: str, now: datetime) -> EmailMessage:
    """The message for `mail`: plain text, an HTML alternative when given, its Message-ID
    and extra headers; `Permanent` for what cannot be put in a header."""
    message = EmailMessage()
    try:
        message["From"] = _address_header(mail_from)
        message["To"] = _address_header(mail.to)
        message["Subject"] = mail.subject
        message["Date"] = format_datetime(now.astimezone(UTC))
        message["Message-ID"] = _message_id(mail.message_id)
        for name, value in mail.headers.items():
            if name.strip().lower() in OWN_HEADERS:
                raise Permanent(f"the mailer sets the {name} header itself")
            message[name] = value
        message.set_content(mail.text)
        if mail.html is not None:
            message.add_alternative(mail.html, subtype="html")
    except (
        ValueError,
        TypeError,
        HeaderParseError,
    ) as error:  # a line break or a bad address in a header
        raise Permanent(f"cannot build the mail: {_one_line(str(error))}") from error
    return message


def _address_header(address: str) -> Address:
    name, bare = parseaddr(address)
    envelope_address(bare)
    return Address(display_name=name, addr_spec=bare)


def _message_id(given: str) -> str:
    bare = given.strip().removeprefix("<").removesuffix(">")
    if not bare or "@" not in bare or any(c.isspace() or c in "<>" for c in bare):
        raise Permanent(f"not a Message-ID: {given[:80]!r}")
    return f"<{bare}>"
