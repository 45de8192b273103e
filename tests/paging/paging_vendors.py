"""The world a page reaches beyond Slack, for the end-to-end paging tests: emulate's Twilio (its
REST API behind a proxy that can fail requests, its inbound texts delivered to the app's public
URL), a real SMTP server, and the warroom.yml whose people are reached through them.

A plain module (test files import it by name; `paging_app` makes fixtures of it).
"""

import base64
import hashlib
import hmac
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from forwarding_proxy import ForwardingProxy
from servers.smtp_server import Received, SmtpServer
from servers.twilio_server import TwilioEmulator

MAIL_FROM = "Warroom <pager@warroom.example.com>"
_NUMBERS = itertools.count(1)

# Three levels of ten minutes: carol, then bob, then alice; each reached by Slack at once, by
# SMS at once, by e-mail after a minute and by a call after five.
PAGING_YML = """
routes:
  - name: checkout
    match: {{service: checkout}}
    action: declare
    escalation: production-api
  - name: payments
    match: {{service: payments}}
    action: declare
    escalation: production-api
  - name: batch
    match: {{service: batch}}
    action: declare
    escalation: carol-twice
escalation_policies:
  - name: production-api
    levels:
      - targets: [U0CAROL]
        timeout: 10m
      - targets: [U0BOB]
        timeout: 10m
      - targets: [U0ALICE]
        timeout: 10m
  - name: carol-twice
    levels:
      - targets: [U0CAROL]
        timeout: 10m
    repeat: 1
people:
{people}
"""
PERSON = """  - user: {user}
    phone: "{phone}"
    email: {email}
    rules: [{{method: sms, after: 0s}}, {{method: voice, after: 5m}}, {{method: email, after: 1m}}]
"""
USERS = {"carol": "U0CAROL", "bob": "U0BOB", "alice": "U0ALICE"}


@dataclass(frozen=True)
class Person:
    """Someone paged: their Slack name and id, and a number and address no other test uses
    (the emulator and the SMTP server live as long as the module)."""

    name: str
    user: str
    phone: str
    email: str


def new_people() -> dict[str, Person]:
    """carol, bob and alice with fresh numbers and addresses."""
    run = next(_NUMBERS)
    return {
        name: Person(name, user, f"+1555{run:04d}{i:03d}", f"{name}.{run}@example.com")
        for i, (name, user) in enumerate(USERS.items(), start=1)
    }


def paging_yml(people: dict[str, Person]) -> str:
    """warroom.yml: checkout and payments routed to the three-level policy, batch to a policy
    paging carol twice; everyone's contact rules."""
    entries = "".join(
        PERSON.format(user=p.user, phone=p.phone, email=p.email) for p in people.values()
    )
    return PAGING_YML.format(people=entries)


@dataclass
class Vendors:
    """The stand-ins a module's apps are wired to."""

    twilio: TwilioEmulator
    twilio_proxy: ForwardingProxy  # in front of the emulator's REST API
    front_door: ForwardingProxy  # the app's public URL, forwarding to the running app
    smtp: SmtpServer
    slack_proxy: ForwardingProxy  # in front of the sandbox's Web API

    def settings(self, *, through_proxy: bool = False, slack_proxy: bool = False) -> dict[str, Any]:
        """Settings overrides wiring an app to them; the Twilio API, and Slack's when asked,
        through a proxy that can fail requests."""
        slack = {"slack_api_url": f"{self.slack_proxy.url}/api/"} if slack_proxy else {}
        return slack | {
            "twilio_account_sid": self.twilio.account_sid,
            "twilio_auth_token": self.twilio.auth_token,
            "twilio_from": self.twilio.phone_number,
            "twilio_api_url": self.twilio_proxy.url if through_proxy else self.twilio.url,
            "warroom_smtp_url": self.smtp.url(),
            "warroom_mail_from": MAIL_FROM,
            "warroom_public_url": self.front_door.url,
        }

    def texts_to(self, person: Person) -> list[dict[str, Any]]:
        """Every text our number sent the person, oldest first."""
        found = self.twilio.listed("Messages", To=person.phone, From=self.twilio.phone_number)
        return list(reversed(found))

    def calls_to(self, person: Person) -> list[dict[str, Any]]:
        """Every call our number made to the person, oldest first."""
        found = self.twilio.listed("Calls", To=person.phone, From=self.twilio.phone_number)
        return list(reversed(found))

    def mails_to(self, person: Person) -> list[Received]:
        """Every mail the SMTP server received for the person."""
        return [m for m in self.smtp.received if person.email in m.rcpt_tos]

    def text_from(self, phone: str, body: str) -> httpx.Response:
        """A text to our number, as the emulator receives it and posts it to the app."""
        with self.twilio.client() as client:
            return client.post(
                "/_twilio/simulate/inbound-message",
                data={"To": self.twilio.phone_number, "From": phone, "Body": body},
                timeout=30,
            )


def twilio_signature(token: str, url: str, form: Sequence[tuple[str, str]]) -> str:
    """Twilio's X-Twilio-Signature as its documentation describes it, written apart from ours."""
    data = url + "".join(f"{k}{v}" for k, v in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()
