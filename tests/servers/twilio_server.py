"""emulate's Twilio service (npm `emulate`, tests/servers/emulate) in a Node subprocess.

    with start_twilio_emulator() as twilio:
        twilio.url  # http://127.0.0.1:<free port>, the account below seeded

Or, in a test module or conftest, `twilio = twilio_emulator_fixture()`. Tests skip, saying
how to install it, only when Node or the npm packages are missing (`.ci/run` installs them).
"""

import html
import json
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

EMULATE_DIR = Path(__file__).resolve().parent / "emulate"
INSTALL_HINT = "npm ci --prefix tests/servers/emulate"
STARTUP_SECONDS = 20.0
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


def require_emulate() -> tuple[str, Path]:
    """Node and the start script; skip the test, saying how to install, when they are missing."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node is not installed (apt-get install nodejs npm)")
    if not (EMULATE_DIR / "node_modules" / "emulate" / "package.json").exists():
        pytest.skip(f"the emulate npm package is not installed ({INSTALL_HINT})")
    return node, EMULATE_DIR / "start.mjs"


@contextmanager
def start_twilio_emulator(seed: dict[str, Any] | None = None) -> Iterator[TwilioEmulator]:
    """Start the emulator on a free port, wait for its URL, stop it at the end."""
    node, script = require_emulate()
    with tempfile.TemporaryDirectory(prefix="emulate-") as folder:
        command = [node, str(script), "twilio", "0"]
        if seed is not None:
            seed_file = Path(folder) / "seed.json"
            seed_file.write_text(json.dumps({"twilio": seed}))
            command.append(str(seed_file))
        # Standard input stays open while we run: the script exits when it closes.
        process = subprocess.Popen(
            command,
            cwd=EMULATE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            yield TwilioEmulator(url=_first_line(process), process=process)
        finally:
            _stop(process)


def _first_line(process: subprocess.Popen[str]) -> str:
    """The URL the script prints, or a failure with everything it printed."""
    stdout = process.stdout
    assert stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()))
    reader.start()
    reader.join(STARTUP_SECONDS)
    line = lines[0].strip() if lines else ""
    if not line.startswith("http://"):
        _stop(process)
        pytest.fail(f"the Twilio emulator did not start: {line}\n{stdout.read()}", pytrace=False)
    # Keep draining its output, so that a chatty emulator never blocks on a full pipe.
    threading.Thread(target=stdout.read, daemon=True).start()
    return line


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    if process.stdin is not None:
        process.stdin.close()


def twilio_emulator_fixture(scope: str = "module") -> Callable[..., Any]:
    """A pytest fixture yielding a running `TwilioEmulator`, one per `scope`."""

    @pytest.fixture(scope=scope)  # type: ignore[call-overload]
    def twilio() -> Iterator[TwilioEmulator]:
        with start_twilio_emulator() as emulator:
            yield emulator

    return twilio
