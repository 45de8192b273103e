"""Paging mail over SMTP, against a real aiosmtpd server on a free port."""

from datetime import UTC, datetime

import pytest
from processes import free_port
from servers.smtp_server import smtp_server

from bot.email.smtp import SmtpMailer
from bot.email.smtp_url import parse_smtp_url
from bot.kernel.outbox import Permanent, Transient
from bot.paging.ports import Mail

FROM = "Warroom <pager@warroom.example.com>"
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
# The test server signs in over plain SMTP too, which aiosmtpd warns about.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
MAIL = Mail(
    to="Ada Lovelace <ada@example.com>",
    subject="[P-1001] Sev1: checkout is down",
    text="Checkout answers 503 since 11:58.\nReply ACK P-1001 to acknowledge.",
    html="<p>Checkout answers <b>503</b> since 11:58.</p>",
    message_id="<page-1001.ada@warroom.example.com>",
    headers={"X-Warroom-Page": "P-1001", "Reply-To": "pager@warroom.example.com"},
)


def mailer(url: str, **options: object) -> SmtpMailer:
    """A mailer for `url`, at a fixed time."""
    return SmtpMailer(parse_smtp_url(url), mail_from=FROM, clock=lambda: NOW, **options)  # type: ignore[arg-type]


async def test_a_mail_arrives_with_its_headers_and_both_parts() -> None:
    with smtp_server() as server:
        delivered = await mailer(server.url()).send_mail(MAIL, retry=False)

    [received] = server.received
    assert (received.mail_from, received.rcpt_tos) == (
        "pager@warroom.example.com",
        ["ada@example.com"],
    )
    message = received.message
    assert message["From"] == FROM
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["Subject"] == "[P-1001] Sev1: checkout is down"
    assert message["Message-ID"] == "<page-1001.ada@warroom.example.com>"
    assert message["Date"] == "Fri, 04 Dec 2026 12:00:00 +0000"
    assert (message["X-Warroom-Page"], message["Reply-To"]) == (
        "P-1001",
        "pager@warroom.example.com",
    )
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    # SMTP carries lines ending in CRLF.
    assert text.get_content().replace("\r\n", "\n") == f"{MAIL.text}\n"
    assert html.get_content().replace("\r\n", "\n") == f"{MAIL.html}\n"
    assert delivered.provider_id == "<page-1001.ada@warroom.example.com>"
    assert delivered.detail == "2.0.0 OK queued as Q1"


async def test_a_retry_sends_the_same_message_id_again() -> None:
    text_only = Mail(to="ada@example.com", subject="s", text="t", message_id="p-1@warroom.test")
    with smtp_server() as server:
        await mailer(server.url()).send_mail(text_only, retry=False)
        await mailer(server.url()).send_mail(text_only, retry=True)
    ids = [r.message["Message-ID"] for r in server.received]
    assert ids == ["<p-1@warroom.test>", "<p-1@warroom.test>"]
    assert server.received[0].message.get_content_type() == "text/plain"


async def test_sign_in_with_user_and_password() -> None:
    with smtp_server(auth=("pager", "s3cret/@:")) as server:
        await mailer(server.url()).send_mail(MAIL, retry=False)
    assert [r.login for r in server.received] == ["pager"]


async def test_starttls_then_sign_in() -> None:
    with smtp_server(auth=("pager", "s3cret"), tls="starttls") as server:
        assert server.url().endswith("?starttls=true")
        await mailer(server.url(), tls_context=server.trust).send_mail(MAIL, retry=False)
    assert [r.login for r in server.received] == ["pager"]


async def test_implicit_tls() -> None:
    with smtp_server(auth=("pager", "s3cret"), tls="implicit") as server:
        assert server.url().startswith("smtps://")
        await mailer(server.url(), tls_context=server.trust).send_mail(MAIL, retry=False)
    assert len(server.received) == 1


async def test_a_wrong_password_is_permanent() -> None:
    with smtp_server(auth=("pager", "s3cret")) as server:
        url = server.url(user="pager", password="wrong")
        with pytest.raises(Permanent, match=r"^smtp 535: "):
            await mailer(url).send_mail(MAIL, retry=False)
    assert server.received == []


async def test_an_untrusted_certificate_is_transient() -> None:
    # The operator may fix the certificate; until then the mail waits and retries.
    with smtp_server(tls="starttls") as server, pytest.raises(Transient, match=r"^smtp "):
        await mailer(server.url()).send_mail(MAIL, retry=False)


async def test_a_refused_address_is_permanent() -> None:
    refusal = "550 5.1.1 <ada@example.com>: no such user"
    with smtp_server(refuse_recipients=refusal) as server, pytest.raises(Permanent) as refused:
        await mailer(server.url()).send_mail(MAIL, retry=False)
    assert refused.value.error == "smtp 550: 5.1.1 <ada@example.com>: no such user"


async def test_a_4xx_reply_is_transient() -> None:
    later = pytest.raises(Transient, match=r"^smtp 451: 4.3.0 try again later$")
    with smtp_server(refuse_recipients="451 4.3.0 try again later") as server, later:
        await mailer(server.url()).send_mail(MAIL, retry=False)


async def test_a_server_that_is_down_is_transient() -> None:
    url = f"smtp://127.0.0.1:{free_port()}"
    with pytest.raises(Transient, match=r"^smtp SMTPConnectError: "):
        await mailer(url).send_mail(MAIL, retry=False)


@pytest.mark.parametrize(
    ("mail", "error"),
    [
        (Mail(to="nobody", subject="s", text="t", message_id="a@b"), "not an e-mail address"),
        (Mail(to="a@b.c", subject="s\r\nBcc: x@y.z", text="t", message_id="a@b"), "build"),
        (Mail(to="a@b.c", subject="s", text="t", message_id="no-at-sign"), "not a Message-ID"),
        (
            Mail(to="a@b.c", subject="s", text="t", message_id="a@b", headers={"To": "x@y.z"}),
            "sets the To header itself",
        ),
    ],
    ids=["address", "header-injection", "message-id", "own-header"],
)
async def test_a_mail_that_cannot_be_built_is_permanent_and_not_sent(
    mail: Mail, error: str
) -> None:
    with smtp_server() as server, pytest.raises(Permanent, match=error):
        await mailer(server.url()).send_mail(mail, retry=False)
    assert server.received == []


async def test_a_server_without_the_starttls_the_url_asks_for_is_permanent() -> None:
    with smtp_server() as server:
        url = server.url().replace("starttls=false", "starttls=true")
        with pytest.raises(Permanent, match=r"^smtp: .*STARTTLS"):
            await mailer(url).send_mail(MAIL, retry=False)
    assert server.received == []
