"""Delivers Events API envelopes to the app: signed, in order per channel, retried like Slack."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.sandbox.signing import build_signed_headers

DEFAULT_RETRY_DELAYS = (0.05, 0.1, 0.2)
DEFAULT_DELIVERY_TIMEOUT = 3.0
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


@dataclass
class Attempt:
    """One POST of an event to the app, and what came back."""

    retry_num: int | None
    retry_reason: str | None
    status: int | None
    body: str
    failure: str | None
    elapsed: float
    at: float


@dataclass
class Delivery:
    """One event on its way to the app, with every attempt made so far."""

    event_id: str
    envelope: dict[str, Any]
    key: str
    url: str
    secret: str
    attempts: list[Attempt] = field(default_factory=list)
    done: bool = False
    ok: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready description of this delivery."""
        return {
            "event_id": self.event_id,
            "event_type": self.envelope["event"].get("type"),
            "envelope": self.envelope,
            "url": self.url,
            "done": self.done,
            "ok": self.ok,
            "attempts": [a.__dict__ for a in self.attempts],
        }


class EventDispatcher:
    """Background sender: one thread with its own event loop, one ordered queue per channel."""

    def __init__(
        self,
        *,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        timeout: float = DEFAULT_DELIVERY_TIMEOUT,
    ) -> None:
        self.retry_delays = tuple(retry_delays)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self._pending = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._queues: dict[str, asyncio.Queue[Delivery]] = {}
        self._client: httpx.AsyncClient | None = None

    def submit(self, envelope: dict[str, Any], *, key: str, url: str, secret: str) -> None:
        """Queue an envelope for delivery and return at once."""
        delivery = Delivery(envelope["event_id"], envelope, key, url, secret)
        with self._lock:
            self._deliveries.append(delivery)
            self._pending += 1
        loop = self._ensure_loop()
        loop.call_soon_threadsafe(self._enqueue, delivery)

    def pending(self) -> int:
        """Return how many deliveries are not finished yet."""
        with self._lock:
            return self._pending

    def deliveries(self) -> list[Delivery]:
        """Return every delivery recorded so far."""
        with self._lock:
            return list(self._deliveries)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until nothing is pending; return False on timeout."""
        deadline = time.monotonic() + timeout
        while self.pending():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        """Stop the sender thread; deliveries still queued are dropped."""
        loop, stop, thread = self._loop, self._stop, self._thread
        if loop is not None and stop is not None and thread is not None:
            loop.call_soon_threadsafe(stop.set)
            thread.join(timeout=5)
        self._thread = None
        self._loop = None
        self._ready.clear()

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=lambda: asyncio.run(self._main()), name="sandbox-events", daemon=True
                )
                self._thread.start()
        self._ready.wait(timeout=5)
        assert self._loop is not None, "event sender did not start"
        return self._loop

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._queues = {}
        async with httpx.AsyncClient() as client:
            self._client = client
            self._ready.set()
            await self._stop.wait()
            self._client = None

    def _enqueue(self, delivery: Delivery) -> None:
        queue = self._queues.get(delivery.key)
        if queue is None:
            queue = asyncio.Queue()
            self._queues[delivery.key] = queue
            asyncio.get_running_loop().create_task(self._work(queue))
        queue.put_nowait(delivery)

    async def _work(self, queue: asyncio.Queue[Delivery]) -> None:
        while True:
            delivery = await queue.get()
            try:
                await self._deliver(delivery)
            finally:
                with self._lock:
                    delivery.done = True
                    self._pending -= 1

    async def _deliver(self, delivery: Delivery) -> None:
        reason: str | None = None
        for retry_num in range(len(self.retry_delays) + 1):
            if retry_num:
                await asyncio.sleep(self.retry_delays[retry_num - 1])
            attempt = await self._attempt(delivery, retry_num or None, reason)
            with self._lock:
                delivery.attempts.append(attempt)
            if attempt.failure is None:
                delivery.ok = True
                return
            if attempt.failure == "no_retry":
                return
            reason = attempt.failure

    async def _attempt(
        self, delivery: Delivery, retry_num: int | None, reason: str | None
    ) -> Attempt:
        assert self._client is not None
        body = json.dumps(delivery.envelope)
        timestamp = int(time.time())
        headers = build_signed_headers(delivery.secret, timestamp, body, "application/json")
        headers["User-Agent"] = USER_AGENT
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = reason or "http_error"
        started = time.monotonic()
        status: int | None = None
        text = ""
        try:
            response = await self._client.post(
                delivery.url, content=body, headers=headers, timeout=self.timeout
            )
            status, text = response.status_code, response.text[:2000]
            failure = _classify(response)
        except httpx.TimeoutException:
            failure = "http_timeout"
        except httpx.HTTPError:
            failure = "connection_failed"
        return Attempt(
            retry_num,
            reason if retry_num else None,
            status,
            text,
            failure,
            time.monotonic() - started,
            time.time(),
        )


def _classify(response: httpx.Response) -> str | None:
    if 200 <= response.status_code < 300:
        return None
    if response.headers.get("X-Slack-No-Retry") == "1":
        return "no_retry"
    if 300 <= response.status_code < 400:
        return "too_many_redirects"
    return "http_error"
