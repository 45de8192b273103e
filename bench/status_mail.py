"""1,000 status page subscribers mailed of one publication, against a local SMTP server.

Stores 1,000 confirmed subscribers (following every component) in a fresh SQLite file (or, with
--postgres, a schema of its own on that server, dropped afterwards), starts aiosmtpd on a free
127.0.0.1 port in a thread of its own, and wires the status page service and the subscribers'
fan-out and mails as the app does (the outbox with its default policy: 8 effects at a time, one
SMTP connection per mail through the paging mailer). It then publishes one public incident and
times, from the publication's commit, the fan-out (one `statuspage.mail` effect per subscriber)
and the mails until the server has all of them. Goal: every subscriber mailed, once, in under
60 s. Each received mail is checked for its List-Unsubscribe headers and both parts.

The exit status is non-zero only when the run itself broke (a mail missing, or one twice).

    .venv/bin/python bench/status_mail.py [--subscribers 1000 --concurrency 8 --postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import secrets
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _harness import BenchError, bench_database, describe_machine, silence_logs, verdict
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import insert
from sqlmodel import Session as DbSession
from sqlmodel import col, func, select

from bot.email.smtp import SmtpMailer
from bot.email.smtp_url import parse_smtp_url
from bot.kernel.outbox import Outbox, Policy
from bot.statuspage.config import load_statuspage_config
from bot.statuspage.definitions import ComponentStatus, PublicStatus
from bot.statuspage.service import StatusPageService
from bot.statuspage.subscribers import SubscriberService
from bot.statuspage.subscribers_delivery import SubscriberDelivery
from bot.statuspage.subscribers_mail import MailRenderer
from bot.statuspage.subscribers_source import ServicePublications
from bot.web.status_subscribe_links import ItsdangerousLinkSigner
from storage.database import make_engine
from storage.models import Effect, StatusSubscriber

GOAL_SECONDS = 60.0
PUBLIC_URL = "https://status.bench.example"
CONFIG = """
components:
  - {name: API, services: [api]}
  - {name: Payments, services: [payments]}
status_page:
  name: Bench Status
"""


@dataclass
class Inbox:
    """The SMTP server's handler: who got what, and when."""

    recipients: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the recipient and check the message's headers and parts."""
        content = envelope.original_content or envelope.content or b""
        assert isinstance(content, bytes)
        message = email.message_from_bytes(content, policy=email.policy.default)
        fault = _fault(message)
        with self.lock:
            self.recipients.extend(envelope.rcpt_tos)
            self.times.append(time.perf_counter())
            if fault:
                self.faults.append(fault)
        return "250 OK"


def _fault(message: Any) -> str | None:
    if not str(message.get("List-Unsubscribe", "")).startswith(f"<{PUBLIC_URL}/status/"):
        return "no List-Unsubscribe link"
    if message.get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click":
        return "no List-Unsubscribe-Post"
    if message.get_body(("plain",)) is None or message.get_body(("html",)) is None:
        return "not both text and HTML"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def store_subscribers(database_url: str, count: int) -> None:
    """`count` confirmed subscribers following everything, in one transaction."""
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    rows = [
        {
            "email": f"reader{n}@bench.example",
            "components": [],
            "nonce": secrets.token_hex(8),
            "created_at": now,
            "confirmed_at": now,
        }
        for n in range(count)
    ]
    with DbSession(engine) as session:
        session.execute(insert(StatusSubscriber), rows)
        session.commit()
    engine.dispose()


async def run(
    database_url: str, smtp_url: str, inbox: Inbox, args: argparse.Namespace
) -> dict[str, float]:
    """Publish once and wait for every mail; the figures."""
    engine = make_engine(database_url)
    clock = lambda: datetime.now(UTC)  # noqa: E731
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "warroom.yml"
        path.write_text(CONFIG)
        config = load_statuspage_config(str(path))
    outbox = Outbox(engine, clock, Policy(concurrency=args.concurrency))
    page = StatusPageService(engine, outbox, config, clock)
    subscribers = SubscriberService(
        engine, outbox, config, ItsdangerousLinkSigner(), public_url=PUBLIC_URL, clock=clock
    )
    mailer = SmtpMailer(parse_smtp_url(smtp_url), mail_from="status@bench.example")
    delivery = SubscriberDelivery(
        engine,
        outbox,
        subscribers,
        ServicePublications(engine, page, config, PUBLIC_URL),
        MailRenderer(config.branding, PUBLIC_URL),
        mailer,
        clock=clock,
    )
    delivery.register()
    await subscribers.link_key()  # made once at start-up in the app, not per mail
    outbox.start()
    started = time.perf_counter()
    await page.publish(
        None,
        title="Checkout errors",
        status=PublicStatus.INVESTIGATING,
        message="Card payments fail for some customers; we are on it.",
        components={"API": ComponentStatus.MAJOR_OUTAGE},
        by="bench",
    )
    fanned_out = await _wait_for_effects(engine, args.subscribers, started)
    deadline = started + GOAL_SECONDS * 5
    while len(inbox.recipients) < args.subscribers and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    await outbox.stop()
    engine.dispose()
    if not inbox.times:
        raise BenchError("no mail arrived")
    return {
        "fan_out": fanned_out - started,
        "first": inbox.times[0] - started,
        "last": inbox.times[-1] - started,
    }


async def _wait_for_effects(engine: Any, count: int, started: float) -> float:
    query = select(func.count()).where(col(Effect.kind) == "statuspage.mail")
    while time.perf_counter() - started < GOAL_SECONDS * 5:
        with DbSession(engine) as session:
            if int(session.exec(query).one()) >= count:
                return time.perf_counter()
        await asyncio.sleep(0.01)
    raise BenchError("the fan-out never wrote every mail")


def main() -> int:
    """Run the bench and print its figures; 1 when the run broke."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=Policy().concurrency)
    parser.add_argument("--postgres", metavar="URL", default=None)
    args = parser.parse_args()
    silence_logs()
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    backend = "PostgreSQL" if args.postgres else "SQLite"
    try:
        with bench_database(args.postgres) as database_url:
            store_subscribers(database_url, args.subscribers)
            figures = asyncio.run(
                run(database_url, f"smtp://127.0.0.1:{port}?starttls=false", inbox, args)
            )
    except BenchError as broken:
        print(f"bench broke: {broken}", file=sys.stderr)
        return 1
    finally:
        controller.stop()
    counts = Counter(inbox.recipients)
    twice = sum(1 for n in counts.values() if n > 1)
    missing = args.subscribers - len(counts)
    total = figures["last"]
    print(f"status_mail on {backend}: {describe_machine()}")
    print(f"  subscribers                 {args.subscribers}")
    print(f"  fan-out written after       {figures['fan_out']:.2f} s")
    print(f"  first mail after            {figures['first']:.2f} s")
    print(
        f"  every mail after            {total:.2f} s "
        f"({args.subscribers / total:.0f} mails/s)   goal < {GOAL_SECONDS:.0f} s   "
        f"{verdict(total < GOAL_SECONDS and not missing and not twice)}"
    )
    print(f"  missing / twice / faulty    {missing} / {twice} / {len(inbox.faults)}")
    if missing or twice or inbox.faults:
        print(
            f"bench broke: {missing} missing, {twice} twice, faults {set(inbox.faults)}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
