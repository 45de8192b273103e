"""E-mail subscribers end to end, against a real SMTP server (aiosmtpd) and the routes served by
uvicorn: sign up, the confirmation mail, its link, a publication mailed (text and HTML, RFC 8058
headers), the one-click unsubscribe, and who is never mailed."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from servers.smtp_server import SmtpServer, smtp_server
from sqlalchemy.engine import Engine
from subscribers_stack import (
    HTML,
    confirm_link,
    html_of,
    subscriber_stack,
    text_of,
    unsubscribe_link,
)

from bot.statuspage.definitions import ComponentStatus, PublicStatus

ONE_CLICK = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


async def test_sign_up_mails_a_confirmation_link_that_confirms(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        answer = await stack.sign_up("Ada@Example.com", ["API", "Payments"])
        assert answer.status_code == 202
        assert answer.json()["result"] == "confirmation_sent"
        subscriber = stack.subscriber("ada@example.com")
        assert subscriber is not None and subscriber.confirmed_at is None
        await stack.drain()

        [mail] = stack.mails_to("ada@example.com")
        assert mail["Subject"] == "Confirm your subscription to Acme Status"
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "API, Payments" in text_of(mail)
        link = confirm_link(mail)
        assert link.startswith(f"{stack.url}/status/confirm?token=")
        assert link in html_of(mail)

        first = await stack.http.get(link, headers=HTML)
        assert first.status_code == 200
        assert "You are subscribed" in first.text
        again = await stack.http.get(link)
        assert again.status_code == 200 and again.json()["result"] == "already_confirmed"

        subscriber = stack.subscriber("ada@example.com")
        assert subscriber is not None and subscriber.confirmed_at is not None
        assert subscriber.components == ["API", "Payments"]
        assert "set-cookie" not in first.headers


async def test_a_publication_mails_confirmed_followers_in_text_and_html(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.subscribe_confirmed("all@example.com")
        await stack.subscribe_confirmed("api@example.com", ["API"])
        await stack.subscribe_confirmed("mail@example.com", ["Email delivery"])
        await stack.sign_up("pending@example.com", client="10.9.9.9")
        await stack.drain()  # its confirmation mail, never opened
        received = len(smtp.received)

        update_id = await stack.publish(
            message="Card payments fail for some customers.\nWe are on it.",
            components={"API": ComponentStatus.MAJOR_OUTAGE},
        )
        await stack.drain()

        new = smtp.received[received:]
        assert sorted(r.rcpt_tos[0] for r in new) == ["all@example.com", "api@example.com"]
        [mail] = stack.mails_to("api@example.com")[1:]
        assert mail["Subject"] == "[Acme Status] Investigating: Checkout errors"
        assert mail.get_content_type() == "multipart/alternative"
        text, html = text_of(mail), html_of(mail)
        assert "Card payments fail for some customers.\nWe are on it." in text
        assert "- API: Major outage" in text
        assert "Card payments fail for some customers." in html
        assert f"{stack.url}/status/incidents/" in text
        link = unsubscribe_link(mail)
        assert link.startswith(f"{stack.url}/status/unsubscribe?token=")
        assert link in text and link in html
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert stack.effect_keys("statuspage.mail") == [
            f"statuspage.mail:update:{update_id}:{n}" for n in (1, 2)
        ]


async def test_one_click_unsubscribe_works_once_and_stops_the_mails(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.subscribe_confirmed("ada@example.com")
        await stack.publish()
        await stack.drain()
        mail = stack.mails_to("ada@example.com")[-1]
        link = unsubscribe_link(mail)

        # What a mail client does (RFC 8058): POST exactly this body, no cookies.
        done = await stack.http.post(link, content=b"List-Unsubscribe=One-Click", headers=ONE_CLICK)
        assert done.status_code == 200 and done.json()["result"] == "unsubscribed"
        subscriber = stack.subscriber("ada@example.com")
        assert subscriber is not None and subscriber.unsubscribed_at is not None
        again = await stack.http.post(
            link, content=b"List-Unsubscribe=One-Click", headers=ONE_CLICK
        )
        assert again.status_code == 200 and again.json()["result"] == "already_unsubscribed"
        assert stack.subscriber("ada@example.com").unsubscribed_at == subscriber.unsubscribed_at  # type: ignore[union-attr]

        count = len(smtp.received)
        await stack.publish(status=PublicStatus.IDENTIFIED, message="Found it.")
        await stack.drain()
        assert len(smtp.received) == count


async def test_the_unsubscribe_link_shows_a_button_and_a_get_changes_nothing(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.subscribe_confirmed("ada@example.com")
        link = unsubscribe_link(stack.mails_to("ada@example.com")[0])

        page = await stack.http.get(link, headers=HTML)
        assert page.status_code == 200
        assert "ada@example.com" in page.text
        assert 'name="List-Unsubscribe" value="One-Click"' in page.text
        assert "<script" not in page.text
        assert stack.subscriber("ada@example.com").unsubscribed_at is None  # type: ignore[union-attr]

        # The button posts the form as a browser does.
        form = await stack.http.post(link, data={"List-Unsubscribe": "One-Click"}, headers=HTML)
        assert form.status_code == 200 and "You are unsubscribed" in form.text
        shown = await stack.http.get(link, headers=HTML)
        assert "unsubscribed already" in shown.text


async def test_one_click_in_multipart_form_data_unsubscribes_too(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.subscribe_confirmed("ada@example.com")
        link = unsubscribe_link(stack.mails_to("ada@example.com")[0])
        done = await stack.http.post(link, files={"List-Unsubscribe": (None, "One-Click")})
        assert done.status_code == 200 and done.json()["result"] == "unsubscribed"


async def test_a_post_without_the_one_click_body_unsubscribes_nobody(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.subscribe_confirmed("ada@example.com")
        link = unsubscribe_link(stack.mails_to("ada@example.com")[0])
        for body in (b"", b"List-Unsubscribe=One-Click&x=1", b"List-Unsubscribe=yes"):
            refused = await stack.http.post(link, content=body, headers=ONE_CLICK)
            assert refused.status_code == 400
            assert "List-Unsubscribe=One-Click" in refused.json()["reason"]
        assert stack.subscriber("ada@example.com").unsubscribed_at is None  # type: ignore[union-attr]


async def test_an_unsubscribed_address_signing_up_again_needs_a_new_confirmation(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.subscribe_confirmed("ada@example.com")
        old_confirm = confirm_link(stack.mails_to("ada@example.com")[0])
        link = unsubscribe_link(stack.mails_to("ada@example.com")[0])
        await stack.http.post(link, content=b"List-Unsubscribe=One-Click", headers=ONE_CLICK)
        assert (await stack.http.get(old_confirm)).status_code == 400

        assert (await stack.sign_up("ada@example.com", client="10.2.0.1")).status_code == 202
        await stack.drain()
        assert stack.subscriber("ada@example.com").confirmed_at is None  # type: ignore[union-attr]
        stale = await stack.http.get(old_confirm)
        assert stale.status_code == 400 and "earlier sign-up" in stale.json()["reason"]
        count = len(smtp.received)
        await stack.publish()
        await stack.drain()
        assert len(smtp.received) == count  # not confirmed yet: nothing

        fresh = confirm_link(stack.mails_to("ada@example.com")[-1])
        assert (await stack.http.get(fresh)).status_code == 200
        await stack.publish(title="Another one")
        await stack.drain()
        assert stack.mails_to("ada@example.com")[-1]["Subject"].endswith("Another one")


async def test_a_confirmed_subscriber_changes_components_only_by_the_new_link(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.subscribe_confirmed("ada@example.com", ["API"])
        await stack.sign_up("ada@example.com", ["Payments"], client="10.3.0.1")
        await stack.drain()
        assert stack.subscriber("ada@example.com").components == ["API"]  # type: ignore[union-attr]
        link = confirm_link(stack.mails_to("ada@example.com")[-1])
        assert (await stack.http.get(link)).json()["result"] == "confirmed"
        assert stack.subscriber("ada@example.com").components == ["Payments"]  # type: ignore[union-attr]


async def test_maintenance_starting_and_ending_mails_its_followers(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.subscribe_confirmed("payments@example.com", ["Payments"])
        await stack.subscribe_confirmed("api@example.com", ["API"])
        now = stack.clock.now
        await stack.page.add_maintenance(
            "Database upgrade",
            "Payments may be slow for a few minutes.",
            ["Payments"],
            now + timedelta(minutes=10),
            now + timedelta(minutes=40),
            by="U0ALICE",
        )
        stack.clock.advance(minutes=11)
        await stack.page.tick()
        stack.clock.advance(minutes=30)
        await stack.page.tick()
        await stack.drain()

        subjects = [m["Subject"] for m in stack.mails_to("payments@example.com")[1:]]
        assert subjects == [
            "[Acme Status] Maintenance in progress: Database upgrade",
            "[Acme Status] Maintenance completed: Database upgrade",
        ]
        assert "Payments may be slow" in text_of(stack.mails_to("payments@example.com")[1])
        assert len(stack.mails_to("api@example.com")) == 1  # its confirmation only


async def test_a_link_in_a_message_stays_text_in_the_mail(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.subscribe_confirmed("ada@example.com")
        await stack.publish(message="See https://evil.example/x for details")
        await stack.drain()
        html = html_of(stack.mails_to("ada@example.com")[-1])
        assert "See https://evil.example/x for details" in html
        assert 'href="https://evil.example' not in html


async def test_the_status_page_carries_the_form_and_the_form_signs_up(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        page = await stack.http.get("/status", headers=HTML)
        assert page.status_code == 200
        assert f'<form method="post" action="{stack.url}/status/subscribe">' in page.text
        for name in ("API", "Dashboard", "Payments", "Email delivery"):
            assert f'name="components" value="{name}"' in page.text
        # What a browser sends for the form with two boxes ticked.
        answer = await stack.sign_up("ada@example.com", ["API", "Email delivery"], headers=HTML)
        assert answer.status_code == 202
        assert "Check your inbox" in answer.text and "ada@example.com" in answer.text
