"""Debian's chromium, headless, driven over the DevTools protocol: load a page (with or without
JavaScript) and read the DOM the browser built and what it logged; or keep a tab open and use
it as a person does (pick an option, click a button, follow where it leads, take a screenshot).
Cookies live in the browser's profile, so a sign-in made in one tab holds in the next.

`chromium --dump-dom` reads the DOM by running a script in the page, so it prints nothing once
scripts are disabled; the protocol's DOM domain reads it without any script.
"""

import base64
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

    def __init__(
        self,
        executable: str,
        profile: Path,
        *,
        javascript: bool = True,
        host_rules: str | None = None,
    ) -> None:
        self.executable = executable
        self.profile = profile
        self.javascript = javascript
        # e.g. "MAP warroom.test:80 127.0.0.1:8123": a public name reaches a local server
        self.host_rules = host_rules
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
            *([f"--host-resolver-rules={self.host_rules}"] if self.host_rules else []),
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
        tab = self.open(url)
        loaded = Loaded(tab.html(), tab.messages())
        tab.close()
        return loaded

    def open(self, url: str) -> "Tab":
        """A new tab showing `url` once its load event fired; close it when done."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Log", "Runtime", "DOM"):
            self.call(f"{domain}.enable", session=session)
        tab = Tab(self, target, session)
        tab.navigate(url)
        return tab


class Tab:
    """One open tab, used as a person does: what it shows, a choice, a click, a screenshot."""

    def __init__(self, browser: Chromium, target: str, session: str) -> None:
        self.browser = browser
        self.target = target
        self.session = session

    def _call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.call(method, params, session=self.session)

    def _mine(self) -> list[dict[str, Any]]:
        return [e for e in self.browser._events if e.get("sessionId") == self.session]

    def _forget_loads(self) -> None:
        self.browser._events[:] = [
            e
            for e in self.browser._events
            if not (e.get("sessionId") == self.session and e.get("method") == "Page.loadEventFired")
        ]

    def navigate(self, url: str) -> None:
        """Go to `url` and wait for its load event (after any redirects)."""
        self._forget_loads()
        answer = self._call("Page.navigate", {"url": url})
        if answer.get("errorText"):
            raise RuntimeError(f"{url}: {answer['errorText']}")
        self.browser._wait_for("Page.loadEventFired", self.session)

    def url(self) -> str:
        """The address the tab shows now."""
        history = self._call("Page.getNavigationHistory")
        return str(history["entries"][history["currentIndex"]]["url"])

    def html(self) -> str:
        """The DOM as the browser built it, read without running a script in the page."""
        root = self._call("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        return str(self._call("DOM.getOuterHTML", {"nodeId": root})["outerHTML"])

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript `expression` in the page (run by the browser's tools, so
        whatever the page's policy allows its own scripts)."""
        answer = self._call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in answer:
            raise RuntimeError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def messages(self) -> list[str]:
        """The console and log lines the page made so far."""
        return [m for m in (_message(e) for e in self._mine()) if m]

    def _node(self, selector: str) -> int:
        root = self._call("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = int(
            self._call("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        )
        if not node:
            raise LookupError(f"nothing on {self.url()} matches {selector!r}")
        return node

    def choose(self, selector: str) -> None:
        """Click the radio button, checkbox or option's label at `selector` (no page load)."""
        self._click(self._node(selector))

    def click(self, selector: str) -> None:
        """Click what `selector` finds, as a mouse does, and wait for the page it leads to."""
        node = self._node(selector)
        self._forget_loads()
        self._click(node)
        self.browser._wait_for("Page.loadEventFired", self.session)

    def _click(self, node: int) -> None:
        self._call("DOM.scrollIntoViewIfNeeded", {"nodeId": node})
        quad = self._call("DOM.getContentQuads", {"nodeId": node})["quads"][0]
        x, y = sum(quad[0::2]) / 4, sum(quad[1::2]) / 4
        for kind in ("mousePressed", "mouseReleased"):
            self._call(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def screenshot(self, path: Path, width: int = 1200) -> tuple[int, int]:
        """Save the whole page, `width` CSS pixels wide, as a PNG; its width and height."""
        self._call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": False},
        )
        size = self._call("Page.getLayoutMetrics")["cssContentSize"]
        height = int(size["height"] + 0.5)
        self._call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        shot = self._call("Page.captureScreenshot", {"format": "png"})
        path.write_bytes(base64.b64decode(shot["data"]))
        return width, height

    def close(self) -> None:
        """Close the tab."""
        self.browser.call("Target.closeTarget", {"targetId": self.target})


def _message(event: dict[str, Any]) -> str:
    """A console or log line, or nothing for other events."""
    params = event.get("params", {})
    if event.get("method") == "Log.entryAdded":
        entry = params.get("entry", {})
        where = f" ({entry['url']})" if entry.get("url") else ""
        return f"{entry.get('level')}: {entry.get('source')}: {entry.get('text')}{where}"
    if event.get("method") == "Runtime.consoleAPICalled":
        values = [
            str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])
        ]
        return f"console.{params.get('type')}: {' '.join(values)}"
    if event.get("method") == "Runtime.exceptionThrown":
        return f"exception: {params.get('exceptionDetails', {}).get('text')}"
    return ""
