"""Who may sign in to /app, from the claims a provider vouches for."""

from typing import Any

import pytest

from bot.web.app.admission import SLACK_TEAM_CLAIM, admit
from bot.web.app.auth import safe_next
from bot.web.app.config import AppConfig

DOMAINS = ("example.com", "Example.org")


@pytest.mark.parametrize(
    ("claims", "allowed", "reason"),
    [
        ({"email": "ann@example.com", "email_verified": True}, True, ""),
        ({"email": "Ann@EXAMPLE.ORG", "email_verified": "true"}, True, ""),
        # Microsoft Entra: no email_verified, its optional xms_edov claim instead.
        ({"email": "ann@example.com", "xms_edov": True}, True, ""),
        ({"email": "ann@example.com"}, False, "has not verified the address ann@example.com"),
        ({"email": "ann@example.com", "email_verified": False}, False, "has not verified"),
        (
            {"email": "eve@example.com.evil.test", "email_verified": True},
            False,
            "accounts of example.com.evil.test may not sign in here",
        ),
        (
            {"email": "eve@sub.example.com", "email_verified": True},
            False,
            "accounts of sub.example.com",
        ),
        ({"email_verified": True}, False, "did not share an e-mail address"),
    ],
    ids=["verified", "case", "entra", "unverified", "false", "lookalike", "subdomain", "none"],
)
def test_an_e_mail_domain_admits_only_verified_addresses_of_its_own(
    claims: dict[str, Any], allowed: bool, reason: str
) -> None:
    decision = admit(claims, domains=DOMAINS, workspace=None)
    assert decision.allowed is allowed
    assert reason.lower() in decision.reason.lower()


def test_a_workspace_admits_its_members_whatever_their_address() -> None:
    member = {SLACK_TEAM_CLAIM: "T0OURS", "email": "x@gmail.com", "email_verified": True}
    assert admit(member, domains=(), workspace="T0OURS").allowed
    assert admit(member, domains=DOMAINS, workspace="T0OURS").allowed
    other = {**member, SLACK_TEAM_CLAIM: "T0THEIRS"}
    refused = admit(other, domains=DOMAINS, workspace="T0OURS")
    assert not refused.allowed
    assert refused.reason == (
        "Accounts of gmail.com may not sign in here; you did not sign in with this Slack workspace."
    )


def test_with_no_allow_list_nobody_comes_in_and_app_stays_off() -> None:
    assert not admit({"email": "a@b.c", "email_verified": True}, domains=(), workspace=None).allowed
    config = AppConfig(
        public_url="https://w.example",
        secret="s" * 32,
        issuer="https://i",
        client_id="c",
        client_secret="s",
    )
    assert config.problem() is not None and "WARROOM_APP_ALLOWED_DOMAINS" in config.problem()
    half = AppConfig(public_url="https://w.example", secret="s" * 32, issuer="https://i")
    assert half.problem() == (
        "Sign-in is half configured: also set WARROOM_OIDC_CLIENT_ID and "
        "WARROOM_OIDC_CLIENT_SECRET."
    )


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/app/incidents/3?x=1", True),
        ("/app", True),
        ("//evil.example/app", False),
        ("https://evil.example/app/", False),
        ("/app//evil.example", False),
        ("/application", False),
        ("/app/auth/logout", False),
        ("/app\\\\evil", False),
        (None, False),
    ],
)
def test_after_sign_in_people_only_go_to_a_page_of_the_app(target: str | None, kept: bool) -> None:
    assert (safe_next(target) == target) is kept
    assert safe_next(target).startswith("/app")
