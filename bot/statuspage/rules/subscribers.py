"""Subscriber rules: what an address and a choice of components must look like, who a
publication reaches, and when a sign-up is one too many."""

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta

MAX_EMAIL = 254  # RFC 5321's limit on a path, less its angle brackets
MAX_COMPONENTS = 100
# Deliberately narrower than RFC 5322: no quoted local parts, comments or IP literals, nothing
# a header could be bent with; a domain with at least one dot.
_LOCAL = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")


class SubscriptionError(ValueError):
    """A sign-up that cannot be taken; the message is one line saying why."""


@dataclass(frozen=True)
class SignupLimits:
    """How many sign-ups one client may make an hour, and how many confirmation mails one
    address may get a day."""

    per_client: int = 5
    client_window: timedelta = timedelta(hours=1)
    per_address: int = 3
    address_window: timedelta = timedelta(days=1)


def parse_email(text: str) -> str:
    """The address, trimmed and lower-cased; `SubscriptionError` saying what is wrong."""
    address = text.strip()
    if not address:
        raise SubscriptionError("enter an e-mail address")
    if len(address) > MAX_EMAIL:
        raise SubscriptionError(f"an e-mail address has at most {MAX_EMAIL} characters")
    if not _EMAIL.fullmatch(address) or ".." in address or address.startswith("."):
        raise SubscriptionError("that is not an e-mail address like name@example.com")
    return address.lower()


def parse_components(names: Sequence[str], known: Collection[str]) -> tuple[str, ...]:
    """The chosen components, each once, in the order given; none means every component.
    `SubscriptionError` naming a component the page does not have."""
    chosen: list[str] = []
    for raw in names:
        name = raw.strip()
        if not name or name in chosen:
            continue
        if name not in known:
            shown = name if len(name) <= 60 else name[:60] + "…"
            raise SubscriptionError(f"the status page has no component {shown!r}")
        chosen.append(name)
    if len(chosen) > MAX_COMPONENTS:
        raise SubscriptionError(f"choose at most {MAX_COMPONENTS} components")
    return tuple(chosen)


def follows(chosen: Collection[str], affected: Collection[str]) -> bool:
    """Whether a subscriber following `chosen` hears of a publication about `affected`: one
    following everything hears of all, and a publication naming no component reaches all."""
    return not chosen or not affected or any(name in chosen for name in affected)


def signup_refusal(from_client: int, mails_to_address: int, limits: SignupLimits) -> str | None:
    """Why a sign-up is refused given the sign-ups the client made and the confirmation mails
    the address got lately, or None."""
    if from_client >= limits.per_client:
        return (
            f"too many sign-ups from your network: at most {limits.per_client} "
            f"in {_span(limits.client_window)}; try again later"
        )
    if mails_to_address >= limits.per_address:
        return (
            f"this address was sent {limits.per_address} confirmation mails in "
            f"{_span(limits.address_window)}; use one of them, or try again later"
        )
    return None


def _span(window: timedelta) -> str:
    hours = int(window.total_seconds() // 3600)
    if hours == 24:
        return "a day"
    if hours == 1:
        return "an hour"
    return f"{hours} hours" if hours else f"{int(window.total_seconds() // 60)} minutes"
