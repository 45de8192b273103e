"""Sign-ups refused with their reason: bad addresses and components, bodies that are not a form,
too many sign-ups from one client or mails to one address, links that are expired, cut short or
forged. Pages for browsers, JSON for the rest; never a 500."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.smtp_server import SmtpServer, smtp_server
from sqlalchemy.engine import Engine
from subscribers_stack import HTML, confirm_link, subscriber_stack

from bot.statuspage.rules.subscribers import SignupLimits
from bot.web.status_subscribe_links import ItsdangerousLinkSigner

FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.mark.parametrize(
    ("email", "components", "reason"),
    [
        ("", (), "enter an e-mail address"),
        ("not-an-address", (), "not an e-mail address"),
        ("a@b", (), "not an e-mail address"),
        ("ada@example.com\r\nBcc: all@example.com", (), "not an e-mail address"),
        ("<script>@example.com", (), "not an e-mail address"),
        ("a" * 250 + "@example.com", (), "at most 254 characters"),
        ("ada@example.com", ("Billing",), "no component 'Billing'"),
    ],
    ids=["empty", "no-at", "no-dot", "header-injection", "markup", "too-long", "unknown-component"],
)
async def test_bad_input_is_a_400_with_its_reason(
    engine: Engine,
    tmp_path: Path,
    smtp: SmtpServer,
    email: str,
    components: tuple[str, ...],
    reason: str,
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        answer = await stack.sign_up(email, components)
        assert answer.status_code == 400
        assert answer.json() == {
            "ok": False,
            "error": "invalid_request",
            "reason": answer.json()["reason"],
        }
        assert reason in answer.json()["reason"]
        page = await stack.sign_up(email, components, headers=HTML)
        assert page.status_code == 400
        assert page.headers["content-type"].startswith("text/html")
        assert "Your subscription was not taken" in page.text
        assert '<form method="post"' in page.text  # the form again, to try once more
        await stack.drain()
        assert smtp.received == []


async def test_bodies_that_are_not_a_sign_up_are_refused_not_failed(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        cases = [
            (b"email=a%40example.com&email=b%40example.com", FORM, 400),
            (b"components=API", FORM, 400),
            (b"\xff\xfe\x00garbage", FORM, 400),
            (b"email=%E0%A4%A", FORM, 400),
            (b"<xml/>", {"content-type": "application/xml"}, 415),
            (b"x" * 20_000, FORM, 413),
            (b"{not json", {"content-type": "application/json"}, 400),
            (b'{"email": 5}', {"content-type": "application/json"}, 400),
        ]
        for body, headers, status in cases:
            answer = await stack.http.post("/status/subscribe", content=body, headers=headers)
            assert answer.status_code == status, (body[:40], answer.text)
            assert answer.json()["ok"] is False and answer.json()["reason"]


async def test_json_sign_ups_work_for_api_clients(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        answer = await stack.http.post(
            "/status/subscribe", json={"email": "bot@example.com", "components": ["API"]}
        )
        assert answer.status_code == 202
        assert stack.subscriber("bot@example.com").components == ["API"]  # type: ignore[union-attr]


async def test_six_sign_ups_an_hour_from_one_client_are_one_too_many(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        for n in range(5):
            assert (await stack.sign_up(f"p{n}@example.com", client="10.5.5.5")).status_code == 202
        refused = await stack.sign_up("p5@example.com", client="10.5.5.5")
        assert refused.status_code == 429
        assert refused.json()["error"] == "rate_limited"
        assert "at most 5 in an hour" in refused.json()["reason"]
        assert "retry-after" in refused.headers
        page = await stack.sign_up("p5@example.com", client="10.5.5.5", headers=HTML)
        assert page.status_code == 429 and "at most 5 in an hour" in page.text
        assert stack.subscriber("p5@example.com") is None
        # Another client is not held back, and an hour later this one may again.
        assert (await stack.sign_up("q@example.com", client="10.6.6.6")).status_code == 202
        stack.clock.advance(minutes=61)
        assert (await stack.sign_up("p5@example.com", client="10.5.5.5")).status_code == 202
        await stack.drain()
        assert len(smtp.received) == 7


async def test_one_address_gets_at_most_three_confirmation_mails_a_day(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        for n in range(3):
            assert (await stack.sign_up("ada@example.com", client=f"10.7.0.{n}")).status_code == 202
        refused = await stack.sign_up("ada@example.com", client="10.7.0.9")
        assert refused.status_code == 429
        assert "3 confirmation mails in a day" in refused.json()["reason"]
        await stack.drain()
        assert len(stack.mails_to("ada@example.com")) == 3
        stack.clock.advance(hours=24, minutes=1)
        assert (await stack.sign_up("ada@example.com", client="10.7.0.9")).status_code == 202


async def test_limits_are_settings_of_the_service(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    limits = SignupLimits(per_client=1, per_address=1)
    async with subscriber_stack(engine, tmp_path, smtp, limits=limits) as stack:
        assert (await stack.sign_up("a@example.com", client="10.8.0.1")).status_code == 202
        assert (await stack.sign_up("b@example.com", client="10.8.0.1")).status_code == 429


async def test_a_confirmation_link_expires_after_48_hours(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.sign_up("ada@example.com")
        await stack.drain()
        link = confirm_link(stack.mails_to("ada@example.com")[0])
        stack.clock.advance(hours=48, minutes=1)
        expired = await stack.http.get(link, headers=HTML)
        assert expired.status_code == 400
        assert "has expired" in expired.text and "sign up again" in expired.text
        assert stack.subscriber("ada@example.com").confirmed_at is None  # type: ignore[union-attr]


async def test_links_that_are_not_ours_are_a_clear_400(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.sign_up("ada@example.com")
        await stack.drain()
        link = confirm_link(stack.mails_to("ada@example.com")[0])
        token = link.split("token=", 1)[1]
        signer = ItsdangerousLinkSigner()
        forged = signer.sign(
            {"s": 1, "n": "x", "c": []},
            key="guessed",
            purpose="statuspage.confirm",
            now=stack.clock(),
        )
        # An unsubscribe token is no confirmation token, and the other way round.
        key = await stack.subscribers.link_key()
        swapped = signer.sign(
            {"s": 1}, key=key, purpose="statuspage.unsubscribe", now=stack.clock()
        )
        for path, bad in [
            ("/status/confirm", ""),
            ("/status/confirm", token[:-3]),
            ("/status/confirm", "%00%ff<script>"),
            ("/status/confirm", forged),
            ("/status/confirm", swapped),
            ("/status/unsubscribe", token),
            ("/status/unsubscribe", "nonsense"),
        ]:
            answer = await stack.http.get(path, params={"token": bad})
            assert answer.status_code == 400, (path, bad, answer.text)
            assert answer.json()["error"] == "invalid_link"
            page = await stack.http.get(path, params={"token": bad}, headers=HTML)
            assert page.status_code == 400 and "This link does not work" in page.text
            assert "<script>" not in page.text
        assert stack.subscriber("ada@example.com").confirmed_at is None  # type: ignore[union-attr]


async def test_sign_ups_are_refused_while_mail_is_not_set_up(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with subscriber_stack(engine, tmp_path, smtp) as stack:
        stack.subscribers.mail_enabled = False
        answer = await stack.sign_up("ada@example.com")
        assert answer.status_code == 503
        assert "e-mail subscriptions are off" in answer.json()["reason"]
