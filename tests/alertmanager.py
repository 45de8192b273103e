"""A real Prometheus Alertmanager in a subprocess, notifying one webhook URL, driven by amtool.

    with RealAlertmanager("http://127.0.0.1:8000/alerts/alertmanager", tmp_path, token="t") as am:
        am.fire(alertname="HighErrorRate", service="checkout", annotations={"summary": "5xx"})
        ...
        am.resolve(alertname="HighErrorRate", service="checkout")

Or, in a test module or conftest, `start_alertmanager = alertmanager_fixture()` makes a fixture
that yields `start(webhook_url, **options) -> RealAlertmanager`, stopped when the test ends.

Tests skip (with the apt-get line to run) when the binaries are not installed.

Timings (measured with Alertmanager 0.25): it rejects only zero intervals, so the defaults are
group_wait 1s (two alerts fired back to back arrive in one notification, ~1s after the first),
group_interval 1s and repeat_interval 1s. It sends only on a group_interval tick, and a repeat
is due only once *more* than repeat_interval has passed since the last send, so a firing group
is re-sent every repeat_interval + group_interval when one is a multiple of the other (1s/1s:
every 2s; 1s/2s: every 3s), and a resolution arrives on the next tick (<= group_interval).
"""

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
import yaml
from processes import free_port

INSTALL_HINT = "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)"
STARTUP_SECONDS = 15.0
RECEIVER = "warroom"
Duration = str | float
Alerts = list[dict[str, Any]]


def find_binaries() -> tuple[str, str]:
    """Paths of the Alertmanager server and of amtool; skip the test when either is missing."""
    server = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    amtool = shutil.which("amtool")
    if not server or not amtool:
        pytest.skip(INSTALL_HINT)
    return server, amtool


def duration(value: Duration) -> str:
    """An Alertmanager duration: strings pass through, numbers are seconds ("1.5" -> "1500ms")."""
    if isinstance(value, str):
        return value
    return f"{round(value * 1000)}ms"


def rfc3339(moment: datetime | None = None) -> str:
    """`moment` (default: now) in UTC as amtool's --start/--end want it, to the microsecond."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _quoted(value: str) -> str:
    """A label or annotation value as amtool parses it: it reads `k=v` as a matcher, so a bare
    value may not contain a double quote, and a quoted one is unquoted and unescaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def build_config(
    webhook_url: str,
    *,
    token: str | None = None,
    token_in: Literal["header", "query"] = "header",
    token_param: str = "token",
    group_by: Sequence[str] = ("alertname", "service"),
    group_wait: Duration = "1s",
    group_interval: Duration = "1s",
    repeat_interval: Duration = "1s",
    max_alerts: int = 0,
) -> dict[str, Any]:
    """One route to one webhook receiver that also sends resolutions.

    The token goes in `Authorization: Bearer <token>` (`http_config.authorization`, whose `type`
    defaults to Bearer) or, with token_in="query", in the URL as `?<token_param>=<token>`.
    """
    webhook: dict[str, Any] = {"url": webhook_url, "send_resolved": True}
    if max_alerts:
        webhook["max_alerts"] = max_alerts
    if token is not None and token_in == "header":
        webhook["http_config"] = {"authorization": {"type": "Bearer", "credentials": token}}
    elif token is not None:
        webhook["url"] = _with_query(webhook_url, **{token_param: token})
    return {
        "route": {
            "receiver": RECEIVER,
            "group_by": list(group_by),
            "group_wait": duration(group_wait),
            "group_interval": duration(group_interval),
            "repeat_interval": duration(repeat_interval),
        },
        "receivers": [{"name": RECEIVER, "webhook_configs": [webhook]}],
    }


class RealAlertmanager:
    """A `prometheus-alertmanager` process on 127.0.0.1:<free port>, its files in `directory`.

    `directory/alertmanager.yml` is the config, `directory/data` the storage, and
    `directory/alertmanager.log` its output (logfmt, debug level: every flush and notify
    attempt is there). Every amtool run is appended to `directory/amtool.log`.
    """

    def __init__(
        self,
        webhook_url: str,
        directory: Path,
        *,
        token: str | None = None,
        token_in: Literal["header", "query"] = "header",
        token_param: str = "token",
        group_by: Sequence[str] = ("alertname", "service"),
        group_wait: Duration = "1s",
        group_interval: Duration = "1s",
        repeat_interval: Duration = "1s",
        max_alerts: int = 0,
        log_level: str = "debug",
        startup_timeout: float = STARTUP_SECONDS,
    ) -> None:
        self.server_binary, self.amtool_binary = find_binaries()
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.config = build_config(
            webhook_url,
            token=token,
            token_in=token_in,
            token_param=token_param,
            group_by=group_by,
            group_wait=group_wait,
            group_interval=group_interval,
            repeat_interval=repeat_interval,
            max_alerts=max_alerts,
        )
        self.config_path = directory / "alertmanager.yml"
        self.config_path.write_text(yaml.safe_dump(self.config, sort_keys=False))
        self.log_path = directory / "alertmanager.log"
        self.amtool_log_path = directory / "amtool.log"
        self.log_level = log_level
        self.startup_timeout = startup_timeout
        self.port = 0
        self._log_offset = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._fired: dict[frozenset[tuple[str, str]], tuple[dict[str, str], str | None]] = {}

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL of its HTTP API (also what it puts in `externalURL`)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Start the process and return once `/-/ready` answers 200; fail with its log if not.

        A port taken between choosing and binding it is retried on another port.
        """
        for _attempt in range(3):
            self.port = free_port()
            self._spawn()
            try:
                self._wait_ready()
                return self
            except _PortTaken:
                self.stop()
        pytest.fail(f"Alertmanager found no free port:\n{self.output()}", pytrace=False)

    def _spawn(self) -> None:
        command = [
            self.server_binary,
            f"--config.file={self.config_path}",
            f"--storage.path={self.directory / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            f"--web.external-url={self.url}",
            "--cluster.listen-address=",  # no HA gossip, so nothing on 0.0.0.0:9094
            f"--log.level={self.log_level}",
        ]
        with self.log_path.open("ab") as log:
            log.write(f"$ {' '.join(command)}\n".encode())
            log.flush()
            self._log_offset = log.tell()
            self.process = subprocess.Popen(
                command,
                cwd=self.directory,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                output = self.output()
                if "address already in use" in output[self._log_offset :]:
                    raise _PortTaken
                self.stop()
                pytest.fail(f"Alertmanager exited at start:\n{output}", pytrace=False)
            if time.monotonic() >= deadline:
                self.stop()
                pytest.fail(
                    f"Alertmanager not ready after {self.startup_timeout}s:\n{self.output()}",
                    pytrace=False,
                )
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (it shuts down gracefully), SIGKILL if it hangs. Safe to call twice."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def output(self) -> str:
        """Everything the server logged so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # -- driving it -------------------------------------------------------------------------

    def amtool(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `amtool --alertmanager.url=<this> <args>`; AssertionError with its output if it
        fails. Output is appended to amtool.log either way."""
        command = [self.amtool_binary, f"--alertmanager.url={self.url}", *args]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
        )
        with self.amtool_log_path.open("a") as log:
            log.write(
                f"$ {' '.join(command)}\n{result.stdout}{result.stderr}[exit {result.returncode}]\n"
            )
        assert result.returncode == 0, (
            f"amtool failed ({result.returncode}): {' '.join(command)}\n{result.stderr}"
        )
        return result

    def _add(
        self,
        labels: Mapping[str, str],
        annotations: Mapping[str, str],
        starts_at: datetime | None,
        ends_at: datetime | None,
        generator_url: str | None,
    ) -> None:
        assert labels.get("alertname"), "an alert needs an alertname label"
        args = ["alert", "add", *(f"{k}={_quoted(v)}" for k, v in labels.items())]
        args += [f"--annotation={k}={_quoted(v)}" for k, v in annotations.items()]
        if starts_at is not None:
            args.append(f"--start={rfc3339(starts_at)}")
        if ends_at is not None:
            args.append(f"--end={rfc3339(ends_at)}")
        if generator_url is not None:
            args.append(f"--generator-url={generator_url}")
        self.amtool(*args)

    def fire(
        self,
        label_map: Mapping[str, str] | None = None,
        /,
        *,
        annotations: Mapping[str, str] | None = None,
        starts_at: datetime | None = None,
        generator_url: str | None = None,
        **more_labels: str,
    ) -> None:
        """Post (or re-post) a firing alert, as Prometheus does each evaluation.

        Its labels are `label_map` plus the keyword labels: `fire(alertname="X", service="y")`
        or `fire(LABELS, instance="a")` (that form type-checks with a dict of labels).
        Without `starts_at`, Alertmanager stamps it on arrival (an ongoing alert keeps its first
        start). It stays firing for `resolve_timeout` (5m) unless posted again or resolved.
        """
        labels = {**(label_map or {}), **more_labels}
        annotations = dict(annotations or {})
        self._fired[frozenset(labels.items())] = (annotations, generator_url)
        self._add(labels, annotations, starts_at, None, generator_url)

    def resolve(
        self,
        label_map: Mapping[str, str] | None = None,
        /,
        *,
        annotations: Mapping[str, str] | None = None,
        ends_at: datetime | None = None,
        generator_url: str | None = None,
        **more_labels: str,
    ) -> None:
        """Post the alert with these exact labels (as `fire` takes them) again with `endsAt` =
        `ends_at` (default now): Alertmanager then notifies it resolved on its next tick.

        Alertmanager keeps the newest post's annotations and generatorURL (a bare resolve would
        notify them empty), so those last fired with these labels are sent again unless given.
        """
        labels = {**(label_map or {}), **more_labels}
        fired_annotations, fired_generator_url = self._fired.get(
            frozenset(labels.items()), ({}, None)
        )
        if annotations is None:
            annotations = fired_annotations
        if generator_url is None:
            generator_url = fired_generator_url
        self._add(labels, annotations, None, ends_at or datetime.now(UTC), generator_url)

    def alerts(self, label_map: Mapping[str, str] | None = None, /, **more_labels: str) -> Alerts:
        """Its current alerts (`GET /api/v2/alerts`: labels, annotations, startsAt, endsAt,
        fingerprint, status.state, ...), only those with all the given labels if any."""
        labels = {**(label_map or {}), **more_labels}
        params: list[tuple[str, str | int | float | bool | None]] = [
            ("filter", f"{k}={_quoted(v)}") for k, v in labels.items()
        ]
        response = httpx.get(f"{self.url}/api/v2/alerts", params=params, timeout=5.0)
        response.raise_for_status()
        alerts: Alerts = response.json()
        return alerts


class _PortTaken(Exception):
    """The chosen port was bound by someone else before Alertmanager got it."""


def alertmanager_fixture(
    name: str | None = None, **defaults: Any
) -> Callable[..., Iterator[Callable[..., RealAlertmanager]]]:
    """A pytest fixture yielding `start(webhook_url, **options) -> RealAlertmanager`.

    Assign it in a test module or conftest: `start_alertmanager = alertmanager_fixture()`
    (the fixture takes that name unless `name` is given). `defaults` are RealAlertmanager
    options for every start; each started Alertmanager is stopped when the test ends and
    gets its own folder under the test's tmp_path.
    """

    def fixture(tmp_path: Path) -> Iterator[Callable[..., RealAlertmanager]]:
        with ExitStack() as running:
            count = 0

            def start(webhook_url: str, **options: Any) -> RealAlertmanager:
                nonlocal count
                count += 1
                manager = RealAlertmanager(
                    webhook_url, tmp_path / f"alertmanager-{count}", **{**defaults, **options}
                )
                return running.enter_context(manager)

            yield start

    return pytest.fixture(fixture, name=name) if name else pytest.fixture(fixture)
