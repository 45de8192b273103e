"""emulate's Twilio service (npm `emulate`, tests/servers/emulate) in a Node subprocess.

    with start_twilio_emulator() as twilio:
        twilio.url  # http://127.0.0.1:<free port>, the account below seeded

Or, in a test module or conftest, `twilio = twilio_emulator_fixture()`. Tests skip, saying
how to install it, only when Node or the npm packages are missing (`.ci/run` installs them).
"""

import html
import re
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from servers.emulate_process import run_emulate

# emulate's seeded account: its defaults, stated here so the tests read what they rely on.
ACCOUNT_SID = "AC00000000000000000000000000000000"
AUTH_TOKEN = "twilio_test_auth_token"
PHONE_NUMBER = "+15551234567"
PHONE_NUMBER_SID = "PN00000000000000000000000000000000"


@dataclass
class TwilioEmulator:
    """A running emulator: its base URL and the seeded account."""

    url: str
    process: subprocess.Popen[str]
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    phone_number: str = PHONE_NUMBER

    @property
    def account_url(self) -> str:
        """The REST base of the seeded account."""
        return f"{self.url}/2010-04-01/Accounts/{self.account_sid}"

    def client(self) -> httpx.Client:
        """A client signed in as the seeded account, for looking at the emulator's state."""
        return httpx.Client(base_url=self.url, auth=(self.account_sid, self.auth_token))

    def listed(self, resource: str, **query: str) -> list[dict[str, Any]]:
        """Every record of `resource` ("Messages", "Calls") the REST list shows for `query`."""
        with self.client() as client:
            answer = client.get(
                f"{self.account_url}/{resource}.json", params={**query, "PageSize": "1000"}
            )
        answer.raise_for_status()
        records: list[dict[str, Any]] = answer.json()[resource.lower()]
        return records

    def twiml_steps(self, call_sid: str) -> list[str]:
        """The TwiML verbs emulate read from a call's `Twiml` (its REST API does not show
        them; its inspector page does, in a table row per call)."""
        with self.client() as client:
            page = client.get("/", params={"tab": "calls"}).text
        for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
            cells = [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row, flags=re.S)]
            if cells and cells[0] == call_sid:
                return [step for step in cells[5].split(", ") if step]
        raise AssertionError(f"no call {call_sid} on the emulator's inspector page")

    def set_sms_url(self, url: str, number_sid: str = PHONE_NUMBER_SID) -> None:
        """Where an inbound text to the seeded number is posted (its `SmsUrl`)."""
        with self.client() as client:
            path = f"{self.account_url}/IncomingPhoneNumbers/{number_sid}.json"
            client.post(path, data={"SmsUrl": url, "SmsMethod": "POST"}).raise_for_status()


@contextmanager
def start_twilio_emulator(seed: dict[str, Any] | None = None) -> Iterator[TwilioEmulator]:
    """Start the emulator on a free port, wait for its URL, stop it at the end."""
    with run_emulate("twilio", seed=seed) as (url, process):
        yield TwilioEmulator(url=url, process=process)


def twilio_emulator_fixture(scope: str = "module") -> Callable[..., Any]:
    """A pytest fixture yielding a running `TwilioEmulator`, one per `scope`."""

    @pytest.fixture(scope=scope)  # type: ignore[call-overload]
    def twilio() -> Iterator[TwilioEmulator]:
        with start_twilio_emulator() as emulator:
            yield emulator

    return twilio
