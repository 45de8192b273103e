"""Debian's chromium, headless, driven over the DevTools protocol: load a page (with or without
JavaScript) and read the DOM the browser built and what it logged.

`chromium --dump-dom` reads the DOM by running a script in the page, so it prints nothing once
scripts are disabled; the protocol's DOM domain reads it without any script.
"""

import itertools
import json
import os
import subprocess
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

START_TIMEOUT = 30.0


@dataclass
class Loaded:
    """A page as the browser has it: the serialised DOM, and the console and log lines."""

    html: str
    messages: list[str] = field(default_factory=list)


class Chromium:
    """One headless browser process; each `load` opens a tab of its own."""

    def __init__(self, executable: str, profile: Path, *, javascript: bool = True) -> None:
        self.executable = executable
        self.profile = profile
        self.javascript = javascript
        self._ids = itertools.count(1)
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> "Chromium":
        self.profile.mkdir(parents=True, exist_ok=True)
        self._log = (self.profile / "stderr.txt").open("w+")
        command = [
            self.executable,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--remote-debugging-port=0",
            f"--user-data-dir={self.profile}",
            *(["--no-sandbox"] if os.geteuid() == 0 else []),  # chromium refuses root otherwise
            *([] if self.javascript else ["--blink-settings=scriptEnabled=false"]),
            "about:blank",
        ]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=self._log)
        self._stack = ExitStack()
        try:
            socket = connect(self._devtools_url(), max_size=None)
            self._socket: ClientConnection = self._stack.enter_context(socket)
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        try:
            self._stack.close()
        finally:
            self._stop()

    def _stop(self) -> None:
        try:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)
        finally:
            self._log.close()

    def _devtools_url(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            for line in (self.profile / "stderr.txt").read_text().splitlines():
                if line.startswith("DevTools listening on "):
                    return line.removeprefix("DevTools listening on ").strip()
            if self._process.poll() is not None:
                break
            time.sleep(0.05)
        tail = (self.profile / "stderr.txt").read_text()[-2000:]
        raise RuntimeError(f"chromium did not start its DevTools endpoint: {tail}")

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        """Send one command and wait for its answer; events seen meanwhile are kept."""
        number = next(self._ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        while True:
            answer = json.loads(self._socket.recv(timeout=START_TIMEOUT))
            if answer.get("id") == number:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return dict(answer.get("result", {}))
            self._events.append(answer)

    def _wait_for(self, method: str, session: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(
            e.get("method") == method and e.get("sessionId") == session for e in self._events
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} within {timeout}s")
            self._events.append(json.loads(self._socket.recv(timeout=timeout)))

    def load(self, url: str) -> Loaded:
        """Open `url` in a new tab, wait for its load event, and read its DOM."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Log", "Runtime"):
            self.call(f"{domain}.enable", session=session)
        self._events.clear()
        self.call("Page.navigate", {"url": url}, session=session)
        self._wait_for("Page.loadEventFired", session)
        root = self.call("DOM.getDocument", {"depth": -1}, session=session)["root"]["nodeId"]
        html = self.call("DOM.getOuterHTML", {"nodeId": root}, session=session)["outerHTML"]
        messages = [_message(e) for e in self._events if e.get("sessionId") == session]
        self.call("Target.closeTarget", {"targetId": target})
        return Loaded(html, [m for m in messages if m])


def _message(event: dict[str, Any]) -> str:
    """A console or log line, or nothing for other events."""
    params = event.get("params", {})
    if event.get("method") == "Log.entryAdded":
        entry = params.get("entry", {})
        return f"{entry.get('level')}: {entry.get('source')}: {entry.get('text')}"
    if event.get("method") == "Runtime.consoleAPICalled":
        values = [
            str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])
        ]
        return f"console.{params.get('type')}: {' '.join(values)}"
    if event.get("method") == "Runtime.exceptionThrown":
        return f"exception: {params.get('exceptionDetails', {}).get('text')}"
    return ""
