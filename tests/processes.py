"""`warroom run` as its own operating-system process, started the way an operator starts it."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import pool
from sqlmodel import Session

from storage.database import make_engine

WARROOM = [sys.executable, "-m", "bot"]
ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 20.0


def warroom_env(**values: str) -> dict[str, str]:
    """This environment without any Slack or Warroom setting, plus `values`."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WARROOM_"))}
    keep.pop("DATABASE_URL", None)
    keep["PYTHONPATH"] = str(ROOT)
    return {**keep, **values}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WarroomProcess:
    """A running `warroom run`: its process, its base URL and the file its output goes to."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def events_url(self) -> str:
        """Where Slack sends slash commands, clicks and events."""
        return f"{self.url}/slack/events"

    def output(self) -> str:
        """Everything the process printed so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the process to shut down (SIGTERM), as a service manager does; kill if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)

    def wait_healthy(self, timeout: float = STARTUP_SECONDS) -> None:
        """Return once `/healthz` answers 200; AssertionError if the process dies or stalls."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.url}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.process.poll() is None, f"warroom run exited:\n{self.output()}"
            assert time.monotonic() < deadline, f"warroom run did not come up:\n{self.output()}"
            time.sleep(0.1)


def start_warroom(cwd: Path, *, name: str = "warroom", **env: str) -> WarroomProcess:
    """Start `warroom run` in `cwd` with only `env` as settings; return once it is healthy.

    WARROOM_PORT defaults to a free port; output goes to `<cwd>/<name>.log`.
    """
    env.setdefault("WARROOM_PORT", str(free_port()))
    log = cwd / f"{name}.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [*WARROOM, "run"],
            cwd=cwd,
            env=warroom_env(**env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = WarroomProcess(process, f"http://127.0.0.1:{env['WARROOM_PORT']}", log)
    try:
        running.wait_healthy()
    except BaseException:
        running.stop()
        raise
    return running


@contextmanager
def running_warroom(cwd: Path, *, name: str = "warroom", **env: str) -> Iterator[WarroomProcess]:
    """`start_warroom`, stopped again when the block ends (however it ends)."""
    running = start_warroom(cwd, name=name, **env)
    try:
        yield running
    finally:
        running.stop()


@contextmanager
def own_session(database_url: str) -> Iterator[Session]:
    """A session on a connection of the test's own (no pool), to read what processes wrote."""
    engine = make_engine(database_url, poolclass=pool.NullPool)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()
