"""One of emulate's services (npm `emulate`, tests/servers/emulate) in a Node subprocess.

    with run_emulate("twilio", seed={...}) as (url, process):
        url  # http://127.0.0.1:<port>

Tests skip, saying how to install, only when Node or the npm package is missing (`.ci/run`
installs them). The process exits when we stop it or when its standard input closes, so an
emulator never outlives the test run that started it.
"""

import json
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

EMULATE_DIR = Path(__file__).resolve().parent / "emulate"
INSTALL_HINT = "npm ci --prefix tests/servers/emulate"
STARTUP_SECONDS = 20.0


def require_emulate() -> tuple[str, Path]:
    """Node and the start script; skip the test, saying how to install, when they are missing."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node is not installed (apt-get install nodejs npm)")
    if not (EMULATE_DIR / "node_modules" / "emulate" / "package.json").exists():
        pytest.skip(f"the emulate npm package is not installed ({INSTALL_HINT})")
    return node, EMULATE_DIR / "start.mjs"


@contextmanager
def run_emulate(
    service: str, *, port: int = 0, seed: dict[str, Any] | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Start `service` on `port` (0: any free one) with `seed` (its own part of emulate's seed),
    wait for the URL it prints, stop it at the end."""
    node, script = require_emulate()
    with tempfile.TemporaryDirectory(prefix=f"emulate-{service}-") as folder:
        command = [node, str(script), service, str(port)]
        if seed is not None:
            seed_file = Path(folder) / "seed.json"
            seed_file.write_text(json.dumps({service: seed}))
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
            yield _first_line(service, process), process
        finally:
            _stop(process)


def _first_line(service: str, process: subprocess.Popen[str]) -> str:
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
        pytest.fail(f"emulate's {service} did not start: {line}\n{stdout.read()}", pytrace=False)
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
