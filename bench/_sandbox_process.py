"""The sandbox standing in for Slack, served from a process of its own.

Slack is another machine: its work must not share the app's interpreter (Python runs one
thread at a time per process), or every figure counts the stand-in's work as the app's.
`SandboxProcess` starts this file as a child process, which serves a fresh sandbox on a free
port, prints its URL and serves until its standard input closes (the parent stopped it, or
died). It has the `url` and `api_url` of `bot.sandbox.SandboxServer`, so a bench stack takes
either.

    .venv/bin/python bench/_sandbox_process.py   # prints the URL; Ctrl-D stops it
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_SECONDS = 30.0


class SandboxProcess:
    """A fresh sandbox in a child process; `stop` (or leaving the `with`) ends it."""

    def __init__(self) -> None:
        environment = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env=environment,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()  # blocks until served, or the child died
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the sandbox process did not start (it said {line!r})")
        self.url = line
        self.api_url = f"{self.url}/api/"

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid

    def stop(self) -> None:
        """Close its input (it stops serving and exits), then make sure it is gone."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a live process has used so far (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def own_cpu_seconds() -> float:
    """User plus system CPU time this process has used so far (every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Serve a fresh sandbox until standard input closes."""
    import logging

    from bot.sandbox import SandboxServer

    logging.basicConfig(level=logging.WARNING)
    for name in ("uvicorn", "httpx", "bot"):
        logging.getLogger(name).setLevel(logging.WARNING)
    with SandboxServer() as server:
        print(server.url, flush=True)
        sys.stdin.read()  # returns at end of input: the parent is done with us


if __name__ == "__main__":
    main()
