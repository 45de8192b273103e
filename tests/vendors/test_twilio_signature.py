"""Twilio's request signature, checked against the example in Twilio's documentation."""

import pytest

from bot.vendors.twilio_signature import twilio_signature, verify_twilio_signature

# Twilio's documented example: auth token 12345, this URL and form, this signature.
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
FORM = [
    ("Digits", "1234"),
    ("To", "+18005551212"),
    ("From", "+14158675309"),
    ("Caller", "+14158675309"),
    ("CallSid", "CA1234567890ABCDE"),
]
SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_the_documented_example_signs_as_twilio_does() -> None:
    assert twilio_signature(TOKEN, URL, FORM) == SIGNATURE
    assert verify_twilio_signature(TOKEN, URL, FORM, SIGNATURE)


def test_repeated_names_sign_each_distinct_value_in_order() -> None:
    # twilio-python's validator: names sorted, then each distinct value of a name, sorted.
    form = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678")]
    form += [("Digits", "1234"), ("Digits", "1234")]
    assert twilio_signature(TOKEN, URL, form) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@pytest.mark.parametrize(
    ("url", "form", "token"),
    [
        (URL + "&baz=3", FORM, TOKEN),
        ("http://mycompany.com/myapp.php?foo=1&bar=2", FORM, TOKEN),
        (URL, [*FORM[:-1], ("CallSid", "CA0000000000")], TOKEN),
        (URL, [*FORM, ("Extra", "1")], TOKEN),
        (URL, FORM, "54321"),
    ],
    ids=["query", "scheme", "value", "extra-field", "token"],
)
def test_any_change_breaks_the_signature(url: str, form: list[tuple[str, str]], token: str) -> None:
    assert not verify_twilio_signature(token, url, form, SIGNATURE)


def test_the_default_port_may_be_spelt_or_not() -> None:
    with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    assert verify_twilio_signature(TOKEN, with_port, FORM, SIGNATURE)
    signed_with_port = twilio_signature(TOKEN, with_port, FORM)
    assert verify_twilio_signature(TOKEN, URL, FORM, signed_with_port)
    assert not verify_twilio_signature(TOKEN, "https://mycompany.com:8443/myapp.php", FORM, "x")


def test_garbage_signatures_are_refused_without_error() -> None:
    for signature in ("", "not base64 ☃", SIGNATURE[:-2]):
        assert not verify_twilio_signature(TOKEN, URL, FORM, signature)
