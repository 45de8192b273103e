"""Subscriber rules: addresses, components, who hears of a publication, when a sign-up is one
too many."""

import pytest

from bot.statuspage.rules.subscribers import (
    SignupLimits,
    SubscriptionError,
    follows,
    parse_components,
    parse_email,
    signup_refusal,
)

KNOWN = ["API", "Payments", "Email delivery"]


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("ada@example.com", "ada@example.com"),
        ("  Ada.Lovelace+status@Example.CO.uk ", "ada.lovelace+status@example.co.uk"),
        ("o'brien@mail.example.org", "o'brien@mail.example.org"),
    ],
)
def test_addresses_are_trimmed_and_lower_cased(given: str, kept: str) -> None:
    assert parse_email(given) == kept


@pytest.mark.parametrize(
    "given",
    [
        "",
        "ada",
        "ada@localhost",
        "ada@@example.com",
        ".ada@example.com",
        "a..b@example.com",
        "ada@-example.com",
        "ada @example.com",
        "ada@example.com\nBcc: x@y.z",
        '"quoted"@example.com',
        "ada@[127.0.0.1]",
        "Ada <ada@example.com>",
        "x" * 65 + "@example.com",
    ],
)
def test_what_is_not_a_plain_address_is_refused(given: str) -> None:
    with pytest.raises(SubscriptionError):
        parse_email(given)


def test_components_are_checked_kept_in_order_once() -> None:
    assert parse_components(["Payments", " API", "Payments", ""], KNOWN) == ("Payments", "API")
    assert parse_components([], KNOWN) == ()
    with pytest.raises(SubscriptionError, match="no component 'api'"):
        parse_components(["api"], KNOWN)


def test_who_hears_of_a_publication() -> None:
    assert follows([], ["API"])  # follows everything
    assert follows(["API"], ["API", "Payments"])
    assert not follows(["Email delivery"], ["API"])
    assert follows(["Email delivery"], [])  # a publication about no component reaches all


def test_limits_per_client_then_per_address() -> None:
    limits = SignupLimits()
    assert signup_refusal(4, 2, limits) is None
    assert "at most 5 in an hour" in (signup_refusal(5, 0, limits) or "")
    assert "3 confirmation mails in a day" in (signup_refusal(0, 3, limits) or "")
