"""The chaos run's traffic and its Slack.

`Workload`: one thread sends declarations, updates, Acknowledge clicks and Alertmanager
notifications to whichever `warroom run` processes are up, and keeps a ledger of what was sent
and what a process acknowledged (200 for Slack, 202 for a webhook). A request that no process
answered is refused, not counted; with two processes up it is sent again, the same signed body,
to the other one (stored by the first before it died, it is a replay there: answered, and
carried out once).

`SlowSlack`: the sandbox's Web API behind a relay that takes a few tens of milliseconds per
call, as Slack does over the internet, so that a kill lands among calls in flight.
"""

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from slack_relay import Answer, SlackRelay

from bot.sandbox.client import SandboxActionError
from bot.sandbox.driver import SlackDriver
from bot.slack.ids import ActionId

PEOPLE = ("alice", "bob", "carol")
# What the thread sends, and how often (a declaration instead of an update or a click while
# no incident channel is known yet).
MIX = {"declare": 3, "update": 3, "click": 2, "alert": 2}
REFRESH_SECONDS = 1.0


@dataclass
class Ledger:
    """What the workload sent, and what the app acknowledged, by kind and by item."""

    sent: Counter[str] = field(default_factory=Counter)
    acknowledged: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    failed_over: int = 0  # acknowledged by the other process after the first did not answer
    unexpected: list[tuple[str, int]] = field(default_factory=list)  # (kind, status)
    errors: list[str] = field(default_factory=list)  # the workload's own failures
    ack_seconds: list[float] = field(default_factory=list)  # each acknowledgement's wait
    titles_sent: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)
    updates_sent: dict[str, str] = field(default_factory=dict)  # text: channel
    updates: dict[str, str] = field(default_factory=dict)
    clicks_sent: dict[str, set[str]] = field(default_factory=dict)  # channel: user ids
    clicks: dict[str, set[str]] = field(default_factory=dict)
    groups_sent: set[str] = field(default_factory=set)  # alert names
    groups: set[str] = field(default_factory=set)
    resolved_sent: set[str] = field(default_factory=set)
    resolved: set[str] = field(default_factory=set)


def alert_notification(name: str, *, status: str = "firing") -> dict[str, Any]:
    """Alertmanager's notification for group `name`: one critical alert, firing or resolved."""
    labels = {"alertname": name, "severity": "critical", "service": "checkout"}
    alert = {
        "status": status,
        "labels": labels,
        "annotations": {"summary": f"{name} on checkout"},
        "startsAt": "2026-12-04T10:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-12-04T10:20:00Z",
        "generatorURL": f"http://prometheus.example/graph?g0.expr={name}",
        "fingerprint": name.lower(),
    }
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "warroom",
        "groupLabels": {"alertname": name},
        "commonLabels": labels,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": [alert],
    }


class FailoverDriver(SlackDriver):
    """A driver that signs each request for one of the processes up, picked at random, and
    sends the same body to the next one when a process does not answer."""

    def __init__(
        self, urls: Callable[[], list[str]], secret: str, sandbox_url: str, rng: random.Random
    ) -> None:
        super().__init__("", secret, sandbox_url, timeout=10.0)
        self.urls = urls
        self.rng = rng
        self.failed_over = False
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, dict[str, Any]] = {}

    def targets(self) -> list[str]:
        """The base URLs of the processes up, the first at random."""
        urls = self.urls()
        self.rng.shuffle(urls)
        return urls

    def post_signed(self, body: str, content_type: str, **options: Any) -> httpx.Response:
        error: httpx.TransportError | None = None
        for n, base in enumerate(self.targets()):
            self.events_url = f"{base}/slack/events"
            try:
                response = super().post_signed(body, content_type, **options)
            except httpx.TransportError as failed:
                error = failed
                continue
            self.failed_over = n > 0
            return response
        raise error or httpx.ConnectError("no warroom process is up")

    def post_webhook(self, token: str, notification: dict[str, Any]) -> tuple[int, bool]:
        """POST an Alertmanager notification; its status and whether another process took it."""
        error: httpx.TransportError | None = None
        for n, base in enumerate(self.targets()):
            try:
                answer = self.http.post(
                    f"{base}/webhooks/alertmanager",
                    json=notification,
                    headers={"Authorization": f"Bearer {token}"},
                )
            except httpx.TransportError as failed:
                error = failed
                continue
            return answer.status_code, n > 0
        raise error or httpx.ConnectError("no warroom process is up")

    # People and channels do not change during the run: look each up once, not per request.
    def user(self, ref: str) -> dict[str, Any]:
        if ref not in self._users:
            found = super().user(ref)
            self._users[found["id"]] = self._users[found["name"]] = found
        return self._users[ref]

    def channel(self, ref: str) -> dict[str, Any]:
        if ref not in self._channels:
            self.learn([super().channel(ref)])
        return self._channels[ref]

    def learn(self, channels: Sequence[dict[str, Any]]) -> None:
        """Remember channels read from the sandbox, by id and by name."""
        for found in channels:
            self._channels[found["id"]] = self._channels[found["name"]] = found


class Workload(threading.Thread):
    """Sends the mix until stopped; `ledger` holds what was sent and acknowledged."""

    def __init__(
        self,
        urls: Callable[[], list[str]],
        *,
        secret: str,
        token: str,
        sandbox_url: str,
        seed: int,
    ) -> None:
        super().__init__(name="chaos-workload", daemon=True)
        self.rng = random.Random(seed)
        self.driver = FailoverDriver(urls, secret, sandbox_url, random.Random(seed + 1))
        self.token = token
        self.ledger = Ledger()
        self.stopping = threading.Event()
        self.rooms: dict[str, dict[str, Any]] = {}  # channel id: its status message, first seen
        self.serial = 0
        self._refreshed = 0.0

    def stop(self) -> None:
        """Finish the request under way, then stop."""
        self.stopping.set()
        if self.ident is not None:  # started
            self.join(timeout=30)
        self.driver.close()

    def run(self) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        while not self.stopping.is_set():
            refused = sum(self.ledger.refused.values())
            try:
                self.refresh()
                kind = self.rng.choices(kinds, weights)[0]
                if kind in ("update", "click") and not self.rooms:
                    kind = "declare"
                getattr(self, f"send_{kind}")()
            except Exception as error:  # recorded, and the run fails at the end
                self.ledger.errors.append(f"{type(error).__name__}: {error}")
            # About ten requests a second; nobody answered: no process is up, so a little later.
            pause = 0.25 if sum(self.ledger.refused.values()) > refused else 0.05
            self.stopping.wait(pause + self.rng.uniform(0, 0.1))

    def refresh(self) -> None:
        """Learn the incident channels whose status block is pinned, once a second."""
        now = time.monotonic()
        if now - self._refreshed < REFRESH_SECONDS:
            return
        self._refreshed = now
        channels = self.driver.state("channels")["channels"]
        self.driver.learn(channels)
        for channel in channels:
            if channel["id"] in self.rooms or channel["is_im"] or not channel["pins"]:
                continue
            if channel["name"].startswith("inc-"):
                found = self.driver.message(channel["id"], channel["pins"][0])
                self.rooms[channel["id"]] = found["message"]

    # -- the four kinds of request ------------------------------------------------------------

    def _answered(self, kind: str, send: Callable[[], tuple[int, bool]], expected: int) -> bool:
        """Send one request; whether a process acknowledged it."""
        self.ledger.sent[kind] += 1
        began = time.monotonic()
        try:
            status, failed_over = send()
        except httpx.TransportError:
            self.ledger.refused[kind] += 1
            return False
        if status != expected:
            self.ledger.unexpected.append((kind, status))
            return False
        self.ledger.acknowledged[kind] += 1
        self.ledger.ack_seconds.append(time.monotonic() - began)
        self.ledger.failed_over += failed_over
        return True

    def _slash(self, user: str, channel: str, text: str) -> tuple[int, bool]:
        response = self.driver.slash(user, channel, text)
        return response.status_code, self.driver.failed_over

    def send_declare(self) -> None:
        self.serial += 1
        title = f"Chaos D{self.serial}"
        severity = self.rng.choice(("sev1", "sev2", "sev3"))
        who = self.rng.choice(PEOPLE)
        self.ledger.titles_sent.add(title)
        send = lambda: self._slash(who, "general", f"declare {severity} {title}")  # noqa: E731
        if self._answered("declare", send, 200):
            self.ledger.titles.add(title)

    def send_update(self) -> None:
        self.serial += 1
        channel = self.rng.choice(sorted(self.rooms))
        text = f"Chaos update U{self.serial}"
        who = self.rng.choice(PEOPLE)
        self.ledger.updates_sent[text] = channel
        if self._answered("update", lambda: self._slash(who, channel, f"update {text}"), 200):
            self.ledger.updates[text] = channel

    def send_click(self) -> None:
        channel = self.rng.choice(sorted(self.rooms))
        shown = self.rooms[channel]
        if ActionId.ACKNOWLEDGE not in str(shown.get("blocks")):
            # First seen acknowledged already: a click on a button nobody sees is no click.
            self.send_declare()
            return
        who = self.rng.choice(PEOPLE)
        user_id = self.driver.user(who)["id"]

        def click() -> tuple[int, bool]:
            # As shown when first seen: a slow client still shows the button after the edit.
            try:
                response = self.driver.click(
                    who, channel, shown["ts"], ActionId.ACKNOWLEDGE, as_shown=shown
                )
            except SandboxActionError as refused:
                raise AssertionError(f"the sandbox refused a click: {refused}") from None
            return response.status_code, self.driver.failed_over

        self.ledger.clicks_sent.setdefault(channel, set()).add(user_id)
        if self._answered("click", click, 200):
            self.ledger.clicks.setdefault(channel, set()).add(user_id)

    def send_alert(self) -> None:
        ledger = self.ledger
        firing = sorted(ledger.groups - ledger.resolved_sent)
        roll = self.rng.random()
        if firing and roll < 0.15:
            # Alertmanager re-sends a group's whole state: a repeat, not a new incident.
            name, status = self.rng.choice(firing), "firing"
        elif firing and roll < 0.3:
            name, status = self.rng.choice(firing), "resolved"
        else:
            self.serial += 1
            name, status = f"ChaosAlert{self.serial}", "firing"
        (ledger.groups_sent if status == "firing" else ledger.resolved_sent).add(name)
        notification = alert_notification(name, status=status)
        kind = "alert" if status == "firing" else "alert resolved"
        if self._answered(kind, lambda: self.driver.post_webhook(self.token, notification), 202):
            (ledger.groups if status == "firing" else ledger.resolved).add(name)


class SlowSlack(SlackRelay):
    """The sandbox's Web API behind a relay that waits `latency` seconds (drawn at random)
    before passing each call on and again before answering: at any moment calls are in
    flight, and a process killed then never hears what Slack did for it."""

    def __init__(self, api_url: str, *, latency: tuple[float, float] = (0.005, 0.04)) -> None:
        super().__init__(api_url)
        self.latency = latency
        self.rng = random.Random()

    def before(self, method: str) -> Answer | None:
        self.wait()
        return None

    def after(self, method: str) -> None:
        self.wait()

    def wait(self) -> None:
        """Half of one call's latency."""
        time.sleep(self.rng.uniform(*self.latency))
