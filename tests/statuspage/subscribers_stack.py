"""What the subscriber tests share: the status page service and the subscribers wired on a real
database, mails over SMTP to a real aiosmtpd server, the subscription routes served by uvicorn
on a free port (links in the mails point at it), and a clock moved by hand.

    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.sign_up("ada@example.com")
        await stack.drain()
"""

import asyncio
import re
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn
from fastapi import FastAPI
from servers.smtp_server import SmtpServer
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from statuspage_core import Clock, write_config

from bot.email.smtp import SmtpMailer
from bot.email.smtp_url import parse_smtp_url
from bot.kernel.mail import Mailer
from bot.kernel.outbox import Outbox, Policy
from bot.statuspage.config import load_statuspage_config
from bot.statuspage.definitions import ComponentStatus, PublicStatus
from bot.statuspage.rules.subscribers import SignupLimits
from bot.statuspage.service import StatusPageService
from bot.statuspage.subscribers import SubscriberService
from bot.statuspage.subscribers_delivery import SubscriberDelivery
from bot.statuspage.subscribers_mail import MailRenderer
from bot.statuspage.subscribers_source import ServicePublications
from bot.statuspage.subscribers_webhooks import WebhookSubscribers
from bot.web.limits import uvicorn_limits
from bot.web.status.routes import build_status_router
from bot.web.status_subscribe import build_status_subscribe_router
from bot.web.status_subscribe_links import ItsdangerousLinkSigner
from bot.web.status_subscribe_senders import HttpWebhookPoster
from storage.models import Effect, StatusSubscriber

MAIL_FROM = "Acme Status <status@acme.example>"
HTML = {"accept": "text/html,application/xhtml+xml"}
LINK = re.compile(r"https?://[^\s<>\"]+")


@dataclass
class Stack:
    """One running Warroom's worth of the status page and its subscribers."""

    engine: Engine
    clock: Clock
    outbox: Outbox
    page: StatusPageService
    subscribers: SubscriberService
    delivery: SubscriberDelivery
    webhooks: WebhookSubscribers
    smtp: SmtpServer
    url: str  # where the routes are served, and the public URL the links use
    http: httpx.AsyncClient

    async def drain(self) -> None:
        """Carry out every effect due now; again while one is still held (the outbox's drain
        may return while its own worker carries out an effect it just claimed)."""
        for _ in range(50):
            await self.outbox.drain(timeout=60)
            with Session(self.engine) as session:
                held = session.exec(
                    select(Effect.id).where(
                        Effect.state == "pending", col(Effect.next_try_at) <= self.clock()
                    )
                ).first()
            if held is None:
                return
            await asyncio.sleep(0.05)

    async def sign_up(
        self, email: str, components: Sequence[str] = (), *, client: str = "10.0.0.1", **kw: Any
    ) -> httpx.Response:
        """POST the sign-up form as a client at `client` (behind a trusted proxy)."""
        form = urlencode([("email", email), *(("components", c) for c in components)])
        headers = {
            "x-forwarded-for": client,
            "content-type": "application/x-www-form-urlencoded",
            **kw.pop("headers", {}),
        }
        return await self.http.post("/status/subscribe", content=form, headers=headers, **kw)

    async def subscribe_confirmed(self, email: str, components: Sequence[str] = ()) -> None:
        """Sign up, get the confirmation mail, open its link."""
        before = len(self.smtp.received)
        answer = await self.sign_up(
            email, components, client=f"10.1.{before // 200}.{before % 200}"
        )
        assert answer.status_code == 202, answer.text
        await self.drain()
        [mail] = [r.message for r in self.smtp.received[before:]]
        opened = await self.http.get(confirm_link(mail))
        assert opened.status_code == 200, opened.text

    async def publish(self, title: str = "Checkout errors", **kw: Any) -> int:
        """A page-only public incident's update; its update id."""
        options: dict[str, Any] = {
            "status": PublicStatus.INVESTIGATING,
            "message": "We are looking into failed payments.",
            "components": {"API": ComponentStatus.MAJOR_OUTAGE},
            "by": "U0ALICE",
            **kw,
        }
        return (await self.page.publish(None, title=title, **options)).update_id

    def mails_to(self, address: str) -> list[EmailMessage]:
        """Every mail the SMTP server got for `address`, oldest first."""
        return [r.message for r in self.smtp.received if address in r.rcpt_tos]

    def subscriber(self, email: str) -> StatusSubscriber | None:
        """The stored subscriber of `email`."""
        with Session(self.engine) as session:
            query = select(StatusSubscriber).where(StatusSubscriber.email == email)
            return session.exec(query).first()

    def effect_keys(self, kind: str) -> list[str]:
        """Keys of every effect of `kind`, oldest first."""
        with Session(self.engine) as session:
            query = select(Effect.key).where(Effect.kind == kind).order_by(col(Effect.id))
            return list(session.exec(query))


def text_of(mail: EmailMessage) -> str:
    """The plain text part."""
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def html_of(mail: EmailMessage) -> str:
    """The HTML part."""
    part = mail.get_body(("html",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def confirm_link(mail: EmailMessage) -> str:
    """The confirmation link in a mail's text."""
    return next(u for u in LINK.findall(text_of(mail)) if "/status/confirm?" in u)


def unsubscribe_link(mail: EmailMessage) -> str:
    """The link of the mail's List-Unsubscribe header."""
    header = str(mail["List-Unsubscribe"])
    assert header.startswith("<") and header.endswith(">"), header
    return header[1:-1]


@asynccontextmanager
async def subscriber_stack(
    engine: Engine,
    folder: Path,
    smtp: SmtpServer,
    *,
    clock: Clock | None = None,
    limits: SignupLimits | None = None,
    mailer: Mailer | None = None,
    policy: Policy | None = None,
) -> AsyncIterator[Stack]:
    """Build the stack, serve its routes until the block ends."""
    clock = clock or Clock()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = load_statuspage_config(str(write_config(folder)))
    outbox = Outbox(engine, clock, policy or Policy())
    page = StatusPageService(engine, outbox, config, clock)
    smtp_mailer = SmtpMailer(parse_smtp_url(smtp.url()), mail_from=MAIL_FROM, clock=clock)
    mailer = mailer or smtp_mailer
    subscribers = SubscriberService(
        engine, outbox, config, ItsdangerousLinkSigner(), public_url=url, clock=clock, limits=limits
    )
    publications = ServicePublications(engine, page, config, url)
    renderer = MailRenderer(config.branding, url)
    delivery = SubscriberDelivery(
        engine, outbox, subscribers, publications, renderer, mailer, clock=clock
    )
    webhooks = WebhookSubscribers(
        engine, outbox, publications, HttpWebhookPoster(timeout=2.0), clock=clock
    )
    delivery.register()
    webhooks.register()
    app = FastAPI()
    app.include_router(build_status_subscribe_router(subscribers, config=config, public_url=url))
    app.include_router(build_status_router(page, url))
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", **uvicorn_limits())  # type: ignore[arg-type]
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.01)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            yield Stack(
                engine, clock, outbox, page, subscribers, delivery, webhooks, smtp, url, http
            )
    finally:
        await outbox.stop(grace=0)
        server.should_exit = True
        await task
        sock.close()
