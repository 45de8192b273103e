"""The fan-out and the mails across crashes: a process stopped part way through the mails, and
a fan-out run again because its answer was lost, send nobody anything twice (counted at the
real SMTP server). Hostile text in a publication reaches the reader inert."""

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.smtp_server import SmtpServer, smtp_server
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from subscribers_stack import MAIL_FROM, html_of, subscriber_stack, text_of

from bot.email.smtp import SmtpMailer
from bot.email.smtp_url import parse_smtp_url
from bot.kernel.mail import Mail, Mailer
from bot.kernel.outbox import Attempt, Policy
from storage.models import Effect

ADDRESSES = [f"reader{n}@example.com" for n in range(10)]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


class StallingMailer:
    """Sends the first `allowed` mails, then hangs as a dying process would."""

    def __init__(self, inner: Mailer, allowed: int) -> None:
        self.inner = inner
        self.allowed = allowed
        self.stalled = 0

    async def send_mail(self, mail: Mail, *, retry: bool) -> None:
        if self.allowed <= 0:
            self.stalled += 1
            await asyncio.Event().wait()
        self.allowed -= 1
        await self.inner.send_mail(mail, retry=retry)


def states(engine: Engine, kind: str) -> list[str]:
    with Session(engine) as session:
        query = select(Effect.state).where(Effect.kind == kind).order_by(col(Effect.id))
        return list(session.exec(query))


def publication_mails(smtp: SmtpServer) -> list[str]:
    """The recipient of every mail that is not a confirmation."""
    return sorted(
        r.rcpt_tos[0] for r in smtp.received if not r.message["Subject"].startswith("Confirm")
    )


async def test_a_process_stopped_mid_fan_out_sends_nobody_anything_twice(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as first:
        for address in ADDRESSES:
            await first.subscribe_confirmed(address)
        clock = first.clock
    smtp_mailer = SmtpMailer(parse_smtp_url(smtp.url()), mail_from=MAIL_FROM, clock=clock)
    stalling = StallingMailer(smtp_mailer, allowed=4)

    async with subscriber_stack(engine, tmp_path, smtp, clock=clock, mailer=stalling) as dying:
        await dying.publish()
        dying.outbox.start()
        for _ in range(500):
            # Outcomes ending together are recorded together: wait until the four sent are.
            recorded = states(engine, "statuspage.mail").count("done") == 4
            if len(publication_mails(smtp)) == 4 and stalling.stalled and recorded:
                break
            await asyncio.sleep(0.02)
        await dying.outbox.stop(grace=0)  # the process dies with mails claimed and unsent
    assert len(publication_mails(smtp)) == 4
    assert states(engine, "statuspage.mail").count("done") == 4

    # A claim the dead process held lapses after the outbox's lease (its release may not have
    # been written before it died): the next process takes it then.
    clock.advance(seconds=Policy().lease.total_seconds() + 1)
    async with subscriber_stack(engine, tmp_path, smtp, clock=clock) as restarted:
        await restarted.drain()
    assert publication_mails(smtp) == sorted(ADDRESSES)
    assert states(engine, "statuspage.mail") == ["done"] * 10


async def test_a_fan_out_run_again_adds_no_mail(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        for address in ADDRESSES[:3]:
            await stack.subscribe_confirmed(address)
        update_id = await stack.publish()
        await stack.drain()
        assert publication_mails(smtp) == sorted(ADDRESSES[:3])
        keys = stack.effect_keys("statuspage.mail")

        # Its answer was lost: the outbox runs the fan-out again, and so does a direct call.
        with Session(engine) as session:
            session.execute(
                update(Effect)
                .where(col(Effect.kind) == "statuspage.published")
                .values(state="pending", claimed_until=None, done_at=None)
            )
            session.commit()
        await stack.drain()
        attempt = Attempt(0, f"statuspage.published:{update_id}", 2, stack.clock())
        await stack.delivery.fan_out({"update_id": update_id}, attempt)
        await stack.drain()

        assert stack.effect_keys("statuspage.mail") == keys
        assert publication_mails(smtp) == sorted(ADDRESSES[:3])


async def test_a_subscriber_gone_before_their_mail_is_not_mailed(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.subscribe_confirmed("ada@example.com")
        await stack.subscribe_confirmed("bob@example.com")
        update_id = await stack.publish()
        # The fan-out alone, then Ada leaves before the mails go out.
        attempt = Attempt(0, f"statuspage.published:{update_id}", 1, stack.clock())
        await stack.delivery.fan_out({"update_id": update_id}, attempt)
        link = stack.mails_to("ada@example.com")[0]["List-Unsubscribe"][1:-1]
        await stack.http.post(
            link,
            content=b"List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        await stack.drain()
        assert publication_mails(smtp) == ["bob@example.com"]


HOSTILE_TITLE = '<script>alert(1)</script> *bold* <!channel> "><img src=x onerror=alert(2)>'
HOSTILE_MESSAGE = (
    '"><img src=x onerror=alert(3)> <a href="javascript:alert(4)">click</a> '
    "<style>body{display:none}</style> ${{7*7}} {% raw %} " + "long " * 2000
)


async def test_hostile_text_reaches_the_reader_inert(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.subscribe_confirmed("ada@example.com")
        await stack.publish(title=HOSTILE_TITLE, message=HOSTILE_MESSAGE)
        await stack.drain()
        mail = stack.mails_to("ada@example.com")[-1]
        html, text = html_of(mail), text_of(mail)

        for raw in ("<script>", "<img src=x", '<a href="javascript:', "<style>", "<!channel>"):
            assert raw not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=alert(3)&gt;" in html
        # Not rendered as a template: the literal stays and no 49 stands outside the links
        # (whose random port may hold one).
        assert "${{7*7}} {% raw %}" in html
        assert "49" not in re.sub(r'href="[^"]*"', "", html)
        # The text part is the text as written, whole.
        assert HOSTILE_MESSAGE.strip() in text
        assert HOSTILE_TITLE in text
        assert "\n" not in str(mail["Subject"])
        assert str(mail["Subject"]).startswith("[Acme Status] Investigating: <script>")


async def test_a_title_cannot_add_a_header(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.subscribe_confirmed("ada@example.com")
        await stack.publish(title="Checkout\r\nBcc: everyone@example.com")
        await stack.drain()
        mail = stack.mails_to("ada@example.com")[-1]
        assert mail["Bcc"] is None
        assert [r.rcpt_tos for r in smtp.received[-1:]] == [["ada@example.com"]]
