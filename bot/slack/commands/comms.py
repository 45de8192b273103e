"""Parsing the stakeholder and status page commands (Slack command syntax). Pure: no I/O.

`/incident stakeholders <message>` shares an update with the audiences the incident reaches;
`/incident statuspage` opens the status page form, `/incident statuspage <status> <message>`
publishes at once; `/incident impact customers yes|no` records customer impact.
"""

from dataclasses import dataclass

from bot.kernel.errors import InvalidInput
from bot.slack.mrkdwn import escape_mrkdwn, plain_from_slack
from bot.statuspage.definitions import PublicStatus

MAX_STAKEHOLDER_MESSAGE = 3000
MAX_PUBLIC_MESSAGE = 5000
STATUSES = ", ".join(status.value for status in PublicStatus)
STATUSPAGE_USAGE = "`/incident statuspage identified We found the cause and are fixing it`"
_YES = frozenset({"yes", "y", "true", "on"})
_NO = frozenset({"no", "n", "false", "off"})


@dataclass(frozen=True)
class ShareWithStakeholders:
    """Send a stakeholder update to every audience the incident reaches."""

    text: str


@dataclass(frozen=True)
class PublishStatusPage:
    """Publish on the status page at once; without a status, open the form."""

    status: PublicStatus | None = None
    message: str = ""


@dataclass(frozen=True)
class SetCustomerImpact:
    """Whether customers are affected."""

    affected: bool


def parse_stakeholders(rest: str, _user: str) -> ShareWithStakeholders:
    """The text after `/incident stakeholders`: the message, as plain text."""
    text = plain_from_slack(rest).strip()
    if not text:
        raise InvalidInput(
            "Write what stakeholders should hear: "
            "`/incident stakeholders Checkout is recovering; ETA 14:30 UTC`."
        )
    if len(text) > MAX_STAKEHOLDER_MESSAGE:
        raise InvalidInput(
            f"The update is {len(text)} characters; keep it under {MAX_STAKEHOLDER_MESSAGE}."
        )
    return ShareWithStakeholders(text=text)


def parse_statuspage(rest: str, _user: str) -> PublishStatusPage:
    """Nothing: the form. Else a public status, then the message the page shows."""
    if not rest.strip():
        return PublishStatusPage()
    word, _, message = rest.strip().partition(" ")
    try:
        status = PublicStatus(word.lower())
    except ValueError:
        shown = escape_mrkdwn(plain_from_slack(word)).replace("`", "'")[:40]
        raise InvalidInput(
            f"`{shown}` is not a public status ({STATUSES}): {STATUSPAGE_USAGE}, "
            "or `/incident statuspage` alone for the form."
        ) from None
    text = plain_from_slack(message).strip()
    if not text:
        raise InvalidInput(f"Write the message the status page shows: {STATUSPAGE_USAGE}.")
    if len(text) > MAX_PUBLIC_MESSAGE:
        raise InvalidInput(
            f"The message is {len(text)} characters; keep it under {MAX_PUBLIC_MESSAGE}."
        )
    return PublishStatusPage(status=status, message=text)


def parse_customer_impact(value: str) -> SetCustomerImpact | None:
    """`yes` or `no` after `/incident impact customers`; None when it is something else (the
    impact described in words: `customers cannot pay`)."""
    word = value.strip().lower()
    if not word:
        raise InvalidInput(
            "Say whether customers are affected: `/incident impact customers yes` (or no)."
        )
    if word in _YES:
        return SetCustomerImpact(affected=True)
    if word in _NO:
        return SetCustomerImpact(affected=False)
    return None
