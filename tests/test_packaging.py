"""Warroom as a stranger installs it, and as the deployment files run it.

The wheel is built from this tree (through a source distribution, as `python -m build` does),
installed with the PostgreSQL extra into a fresh virtual environment and run from empty
directories, with nothing of the checkout on its path. The container's entrypoint is started
from that installation exactly as the Dockerfile says (its ENV, WORKDIR, ENTRYPOINT, CMD and
HEALTHCHECK are read from the file, so the test breaks when they drift); where a Docker engine
and a Python base image can be had, the image itself is built and run. compose.yaml and the
systemd unit are read as their tools read them.
"""

import ast
import configparser
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from processes import WARROOM, WarroomProcess, free_port, running_warroom, warroom_env
from sqlalchemy import create_engine, pool, text

from bot.kernel import bundled
from bot.sandbox import SandboxServer
from bot.sandbox.driver import SlackDriver
from storage import migrate

ROOT = Path(__file__).resolve().parents[1]
DEV_BIN = Path(sys.executable).parent
SECRET = "packaging-secret"
INSTALL_SECONDS = 600
# What the python:3.11-slim image sets before the Dockerfile's own ENV (`docker inspect`).
BASE_IMAGE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
}


# -- the bundled files: one list in three places -------------------------------------------


def _setup_py_bundled() -> tuple[str, ...]:
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "BUNDLED" for target in node.targets
        ):
            return tuple(ast.literal_eval(node.value))
    raise AssertionError("setup.py has no BUNDLED")


def _manifest_in_includes() -> set[str]:
    named: set[str] = set()
    for line in (ROOT / "MANIFEST.in").read_text().splitlines():
        words = line.split()
        if words and words[0] == "include":
            named.update(words[1:])
    return named


def test_every_template_travels_in_the_wheel() -> None:
    templates = {str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert templates <= set(bundled.BUNDLED)


def test_setup_py_manifest_in_and_the_reader_name_the_same_files() -> None:
    assert _setup_py_bundled() == bundled.BUNDLED
    assert set(bundled.BUNDLED) <= _manifest_in_includes()
    for name in bundled.BUNDLED:
        assert (ROOT / name).is_file(), name


def test_bundled_files_are_found_from_any_directory(tmp_path: Path) -> None:
    # From the checkout (an editable install): `warroom example` prints each file as it is.
    for what, (name, _) in _examples().items():
        result = subprocess.run(
            [str(DEV_BIN / "warroom"), "example", what],
            cwd=tmp_path,
            env=_clean_env(),
            capture_output=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == (ROOT / name).read_bytes(), what
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_bundled_name_is_refused() -> None:
    with pytest.raises(ValueError, match="not a file Warroom ships with"):
        bundled.bundled("setup.py")


def _examples() -> dict[str, tuple[str, str]]:
    from bot.cli import EXAMPLES

    return EXAMPLES


# -- the wheel in a fresh virtual environment ----------------------------------------------


@dataclass
class Installed:
    """The wheel built from this tree, installed in a virtual environment of its own."""

    wheel: Path
    venv: Path

    @property
    def warroom(self) -> Path:
        return self.venv / "bin" / "warroom"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def run(
        self, args: list[str], cwd: Path, timeout: float = 120, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """`warroom ARGS` from this installation, in `cwd`, with only `env` as settings."""
        return subprocess.run(
            [str(self.warroom), *args],
            cwd=cwd,
            env=_clean_env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _clean_env(**values: str) -> dict[str, str]:
    """This environment without Python paths, virtual environments or settings, plus `values`."""
    dropped = ("SLACK_", "WARROOM_", "PYTHON", "VIRTUAL_ENV", "PIP_", "DATABASE_URL")
    keep = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    keep["PYTHONNOUSERSITE"] = "1"
    return {**keep, **values}


def _copy_source(into: Path) -> Path:
    """The tree as a clone has it: no virtual environment, caches, builds, databases or .env."""
    ignored = shutil.ignore_patterns(
        ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
        ".hypothesis", ".import_linter_cache", "*.db", "*.db-*", ".env", "bench", "tests",
    )  # fmt: skip
    shutil.copytree(ROOT, into, ignore=ignored)
    return into


def _dev_constraints(into: Path) -> Path:
    """The versions the development environment runs, so the fresh one matches it."""
    frozen = subprocess.run(
        [str(DEV_BIN / "python"), "-m", "pip", "list", "--format=freeze", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = into / "constraints.txt"
    path.write_text(frozen)
    return path


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """One build and one install for the whole module: installing takes a while."""
    work = tmp_path_factory.mktemp("packaging")
    source = _copy_source(work / "source")
    dist = work / "dist"
    built = subprocess.run(
        [str(DEV_BIN / "python"), "-m", "build", "--outdir", str(dist), str(source)],
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=INSTALL_SECONDS,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = dist.glob("warroom-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = subprocess.run(
        [
            str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile",
            "--constraint", str(_dev_constraints(work)), f"{wheel}[postgres]",
        ],
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=INSTALL_SECONDS,
    )  # fmt: skip
    assert pip.returncode == 0, pip.stdout[-3000:] + pip.stderr[-3000:]
    return Installed(wheel, venv)


@pytest.mark.slow
def test_the_wheel_carries_every_file_warroom_reads(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for name in bundled.BUNDLED:
        assert f"bot/_bundled/{name}" in names, name
    migrations = ROOT / "storage" / "migrations"
    versions = sorted((migrations / "versions").glob("*.py"))
    for path in [migrations / "env.py", migrations / "script.py.mako", *versions]:
        assert path.relative_to(ROOT).as_posix() in names, path
    # The wheel is the installation, not a pointer to this checkout.
    assert not any(name.endswith((".pth", "direct_url.json")) for name in names)
    assert "bot/sandbox/__init__.py" in names  # `warroom demo` needs it


@pytest.mark.slow
def test_the_installed_package_reads_its_own_files(installed: Installed, tmp_path: Path) -> None:
    probe = (
        "import json, bot, storage.migrate as m\n"
        "from bot.kernel.bundled import BUNDLED, bundled\n"
        "from bot.incidents.postmortem.render import default_template\n"
        "print(json.dumps({'bot': bot.__file__, 'template': str(default_template()),\n"
        "  'migrations': str(m.MIGRATIONS_DIR), 'head': m.head_revision(),\n"
        "  'files': {n: str(bundled(n)) for n in BUNDLED}}))\n"
    )
    result = subprocess.run(
        [str(installed.python), "-c", probe],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    site = Path(found["bot"]).parent.parent
    assert site.is_relative_to(installed.venv), found
    assert Path(found["template"]) == site / "bot" / "_bundled" / "templates" / "postmortem.md.j2"
    assert Path(found["migrations"]) == site / "storage" / "migrations"
    assert found["head"] == migrate.head_revision()
    for name, path in found["files"].items():
        assert Path(path) == site / "bot" / "_bundled" / name
        assert Path(path).read_bytes() == (ROOT / name).read_bytes(), name


@pytest.mark.slow
def test_version_and_examples_from_the_installed_command(
    installed: Installed, tmp_path: Path
) -> None:
    version = installed.run(["--version"], tmp_path)
    assert version.returncode == 0, version.stderr
    wheel_version = installed.wheel.name.split("-")[1]
    assert version.stdout.strip() == f"warroom {wheel_version}"
    for what, (name, _) in _examples().items():
        shown = installed.run(["example", what], tmp_path)
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout == (ROOT / name).read_text(encoding="utf-8"), what
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_demo_from_an_empty_directory(installed: Installed, tmp_path: Path) -> None:
    cwd, scratch = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    scratch.mkdir()
    result = installed.run(["demo"], cwd, timeout=180, TMPDIR=str(scratch))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr
    out = result.stdout
    assert "declare sev2" in out and "#inc-1-checkout-api-returning-502s" in out
    assert "the postmortem drafted on close" in out  # the bundled template rendered it
    assert list(cwd.iterdir()) == []  # nothing written where it was started
    assert (scratch / "warroom-demo" / "warroom-demo.db").is_file()


@pytest.mark.slow
def test_db_upgrade_on_a_fresh_database(
    installed: Installed, blank_database_url: str, tmp_path: Path
) -> None:
    upgraded = installed.run(["db", "upgrade"], tmp_path, DATABASE_URL=blank_database_url)
    assert upgraded.returncode == 0, upgraded.stderr
    head = migrate.head_revision()
    assert upgraded.stdout.strip().endswith(head), upgraded.stdout
    current = installed.run(["db", "current"], tmp_path, DATABASE_URL=blank_database_url)
    assert current.stdout.strip() == head
    assert migrate.pending_changes(blank_database_url) == []  # the schema the models expect


# -- the container's entrypoint, as the Dockerfile has it ----------------------------------


@dataclass
class Image:
    """What the last stage of the Dockerfile sets up for the process it starts."""

    env: dict[str, str]
    workdir: str
    user: str
    command: list[str]
    healthcheck: list[str]
    exposed: list[str]


def read_dockerfile(path: Path = ROOT / "Dockerfile") -> Image:
    """The final stage's ENV, WORKDIR, USER, ENTRYPOINT + CMD and HEALTHCHECK, as Docker reads
    them (line continuations joined, comments dropped, `$VAR` expanded in ENV)."""
    lines = [line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
    instructions: list[tuple[str, str]] = []
    for line in re.sub(r"\\\n", " ", "\n".join(lines)).splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    env = dict(BASE_IMAGE_ENV)
    found: dict[str, Any] = {"WORKDIR": "/", "USER": "root", "EXPOSE": []}
    for keyword, rest in instructions[last_from + 1 :]:
        if keyword == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                env[key] = re.sub(
                    r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value
                )  # fmt: skip
        elif keyword in ("ENTRYPOINT", "CMD"):
            found[keyword] = json.loads(rest)  # exec form only: no shell in between
        elif keyword == "HEALTHCHECK":
            found[keyword] = json.loads(rest.split(" CMD ", 1)[1])
        elif keyword == "EXPOSE":
            found["EXPOSE"] += rest.split()
        elif keyword in ("WORKDIR", "USER"):
            found[keyword] = rest
    return Image(
        env=env,
        workdir=found["WORKDIR"],
        user=found["USER"],
        command=[*found["ENTRYPOINT"], *found.get("CMD", [])],
        healthcheck=found["HEALTHCHECK"],
        exposed=found["EXPOSE"],
    )


def test_the_dockerfile_runs_warroom_unprivileged_on_all_interfaces() -> None:
    image = read_dockerfile()
    assert image.command == ["warroom", "run"]
    assert image.user.split(":")[0] not in ("root", "0")
    assert image.env["WARROOM_HOST"] == "0.0.0.0"
    assert image.env["PATH"].startswith(image.env["VIRTUAL_ENV"] + "/bin:")
    assert image.env["WARROOM_LOG_FORMAT"] in ("text", "json")
    assert f"{image.env['WARROOM_PORT']}" in image.exposed
    assert "/healthz" in " ".join(image.healthcheck)
    text = (ROOT / "Dockerfile").read_text()
    assert "[postgres]" in text  # the image talks to PostgreSQL out of the box


def _entrypoint_env(image: Image, venv: Path, workdir: Path, **settings: str) -> dict[str, str]:
    """The image's environment with its paths moved to this machine, plus `docker run -e`."""
    moved = {image.env["VIRTUAL_ENV"]: str(venv), image.workdir: str(workdir)}

    def move(value: str) -> str:
        for old, new in moved.items():
            value = value.replace(old, new)
        return value

    env = {key: move(value) for key, value in image.env.items()}
    env["HOME"] = str(workdir)  # the image's user has WORKDIR as its home
    return {**env, **settings}


def _assert_log_format(log_format: str, output: str) -> None:
    """With WARROOM_LOG_FORMAT=json, every line the process wrote is one JSON object."""
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines, "the process logged nothing"
    if log_format != "json":
        return
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r}") from None
        assert isinstance(record, dict) and {"level", "message"} <= set(record), line


def _resolve(command: list[str], env: dict[str, str]) -> list[str]:
    found = shutil.which(command[0], path=env["PATH"])
    assert found is not None, f"{command[0]} is not on the image's PATH {env['PATH']}"
    return [found, *command[1:]]


@pytest.mark.slow
def test_the_container_entrypoint_serves_and_stops_on_sigterm(
    installed: Installed, blank_database_url: str, tmp_path: Path
) -> None:
    image = read_dockerfile()
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    port = str(free_port())
    with SandboxServer() as sandbox:
        settings = {
            "SLACK_BOT_TOKEN": "xoxb-sandbox-token",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": sandbox.api_url,
            "WARROOM_PORT": port,  # `docker run -e`: 3000 may be taken on this machine
        }
        if blank_database_url.startswith("postgresql"):
            settings["DATABASE_URL"] = blank_database_url
        # else the image's default: sqlite:///warroom.db, in its WORKDIR
        env = _entrypoint_env(image, installed.venv, workdir, **settings)
        # compose.yaml's one-shot `migrate` runs first, with the same image and settings.
        migration = subprocess.run(
            _resolve([*image.command[:1], *compose["services"]["migrate"]["command"]], env),
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert migration.returncode == 0, migration.stderr
        log = tmp_path / "warroom.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                _resolve(image.command, env),
                cwd=workdir,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        running = WarroomProcess(process, f"http://127.0.0.1:{port}", log)
        try:
            running.wait_healthy()
            health = subprocess.run(
                _resolve(image.healthcheck, env), env=env, capture_output=True, timeout=30
            )
            assert health.returncode == 0, health.stderr
            with SlackDriver(running.events_url, SECRET, sandbox.url) as driver:
                answer = driver.slash("alice", "general", "declare sev2 Installed from a wheel")
                assert answer.status_code == 200
                driver.wait_for(
                    lambda: driver.channel_by_name("inc-1-installed-from-a-wheel"), timeout=15
                )
            process.send_signal(signal.SIGTERM)
            returncode = process.wait(timeout=30)
        finally:
            running.stop()
    # uvicorn finishes what is in flight, then ends by the signal it was sent (or 0 as PID 1).
    assert returncode in (0, -signal.SIGTERM), running.output()
    assert "Traceback" not in running.output(), running.output()
    _assert_log_format(image.env["WARROOM_LOG_FORMAT"], running.output())
    if "DATABASE_URL" not in settings:
        assert (workdir / "warroom.db").is_file()
    # Once the process is gone, the image's healthcheck says so.
    after = subprocess.run(_resolve(image.healthcheck, env), env=env, capture_output=True)
    assert after.returncode != 0


# -- several hosts upgrading at once -------------------------------------------------------


def _migration_lock() -> int:
    found = re.search(
        r"^MIGRATION_LOCK = (0x[0-9a-f]+|\d+)",
        (ROOT / "storage" / "migrations" / "env.py").read_text(),
        re.MULTILINE,
    )
    assert found is not None, "storage/migrations/env.py has no MIGRATION_LOCK"
    return int(found.group(1), 0)


@pytest.mark.slow
def test_upgrades_started_together_on_postgresql_queue_and_all_succeed(
    blank_database_url: str, tmp_path: Path
) -> None:
    """Each host's ExecStartPre (or each `migrate` run) upgrading one database at the same time:
    they wait for each other on an advisory lock, and the later ones find nothing to do."""
    if not blank_database_url.startswith("postgresql"):
        pytest.skip("one SQLite file has one host: `warroom run` there migrates it itself")
    lock = _migration_lock()
    holder = create_engine(blank_database_url, poolclass=pool.NullPool)
    waiting = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND classid = :high AND objid = :low"
    ).bindparams(high=lock >> 32, low=lock & 0xFFFFFFFF)
    processes: list[subprocess.Popen[str]] = []
    try:
        with holder.connect() as connection, connection.begin():
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=lock))
            processes = [
                subprocess.Popen(
                    [*WARROOM, "db", "upgrade"],
                    cwd=tmp_path,
                    env=warroom_env(DATABASE_URL=blank_database_url),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(3)
            ]
            # All three are queued behind the test's hold before any may migrate.
            with holder.connect() as watcher:
                deadline = time.monotonic() + 60
                while watcher.execute(waiting).scalar_one() < len(processes):
                    assert all(p.poll() is None for p in processes), [
                        p.communicate() for p in processes if p.poll() is not None
                    ]
                    assert time.monotonic() < deadline, "the upgrades never waited on the lock"
                    time.sleep(0.1)
        head = migrate.head_revision()
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            assert out.strip() == f"database at revision {head}"
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        holder.dispose()


# -- compose.yaml and the systemd unit -----------------------------------------------------


def test_compose_migrates_once_then_starts_two_replicas_behind_an_optional_proxy() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) >= {"postgres", "migrate", "warroom", "proxy"}
    postgres, migration, app, proxy = (
        services[n] for n in ("postgres", "migrate", "warroom", "proxy")
    )
    assert postgres["healthcheck"]["test"]
    assert migration["command"] == ["db", "upgrade"] and migration["restart"] == "no"
    assert migration["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert app["command"] == ["run"]
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert app["deploy"]["replicas"] >= 2
    for service in (migration, app):
        assert service["build"] == "." and service["image"] == app["image"]
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["WARROOM_HOST"] == "0.0.0.0"
    # Published ports would clash between replicas: only the proxy publishes any.
    assert "ports" not in app and "ports" not in migration
    assert proxy["profiles"] == ["tls"]
    assert proxy["depends_on"]["warroom"]["condition"] == "service_healthy"
    caddyfile = next(v for v in proxy["volumes"] if v.endswith(":/etc/caddy/Caddyfile:ro"))
    assert (ROOT / caddyfile.split(":")[0]).is_file()
    for volume in (v.split(":")[0] for s in services.values() for v in s.get("volumes", [])):
        assert volume.startswith("./") or volume in compose["volumes"], volume


def test_the_proxy_forwards_only_what_slack_alert_senders_and_calendars_need() -> None:
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    forwarded = re.search(r"@public path (.+)", caddyfile)
    assert forwarded is not None
    assert forwarded.group(1).split() == ["/slack/events", "/webhooks/*", "/oncall/*"]
    assert "respond 404" in caddyfile  # /metrics, /readyz and the rest stay private


@pytest.mark.slow
def test_warroom_behind_the_caddyfile(tmp_path: Path) -> None:
    """Caddy run with deploy/Caddyfile (plain HTTP on a local port instead of a certificate):
    signed Slack requests and webhooks reach Warroom untouched; nothing else gets through."""
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("proxy not run: no caddy on PATH (Debian's package caddy; .ci/run installs it)")
    config = tmp_path / "Caddyfile"
    # No admin endpoint: port 2019 may be taken on this machine.
    config.write_text("{\n\tadmin off\n}\n" + (ROOT / "deploy" / "Caddyfile").read_text())
    token = "proxy-webhook-token-0123456789"
    port = free_port()
    with (
        SandboxServer() as sandbox,
        running_warroom(
            tmp_path,
            SLACK_BOT_TOKEN="xoxb-sandbox-token",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=sandbox.api_url,
            WARROOM_WEBHOOK_TOKEN=token,
            WARROOM_LOG_LEVEL="WARNING",
        ) as app,
    ):
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "WARROOM_DOMAIN": f"http://127.0.0.1:{port}",
            "WARROOM_UPSTREAM": "127.0.0.1",
            "WARROOM_UPSTREAM_PORT": app.url.rsplit(":", 1)[1],
        }
        log = tmp_path / "caddy.log"
        with log.open("wb") as output:
            proxy = subprocess.Popen(
                [caddy, "run", "--config", str(config), "--adapter", "caddyfile"],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(base)
                    break
                except httpx.TransportError:
                    assert proxy.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
            with SlackDriver(f"{base}/slack/events", SECRET, sandbox.url) as driver:
                assert (
                    driver.slash("alice", "general", "declare sev2 Behind a proxy").status_code
                    == 200
                )
                driver.wait_for(lambda: driver.channel_by_name("inc-1-behind-a-proxy"), timeout=15)
                assert (
                    driver.slash(
                        "alice", "general", "declare sev1 x", signature="v0=00"
                    ).status_code
                    == 401
                )
            refused = httpx.post(f"{base}/webhooks/generic", json={"title": "disk full"})
            assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
            accepted = httpx.post(
                f"{base}/webhooks/generic",
                json={"title": "disk full", "severity": "critical", "dedup_key": "disk-1"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert accepted.status_code == 202, accepted.text
            # Calendar feeds are forwarded; the app itself refuses a feed without its token.
            feed = httpx.get(f"{base}/oncall/sre.ics")
            assert feed.status_code == 401 and feed.json()["error"], feed.text
            assert httpx.get(f"{app.url}/healthz").status_code == 200
            for private in ("/healthz", "/readyz", "/metrics", "/", "/slack/events/../healthz"):
                shut = httpx.get(base + private)
                assert shut.status_code == 404 and shut.content == b"", private
        finally:
            proxy.terminate()
            proxy.wait(timeout=30)


def test_the_systemd_unit_migrates_first_and_runs_hardened(tmp_path: Path) -> None:
    text = (ROOT / "deploy" / "warroom.service").read_text()
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(text)
    service = unit["Service"]
    warroom = service["ExecStart"].split()[0]
    assert warroom.endswith("/bin/warroom")
    assert service["ExecStartPre"] == f"{warroom} db upgrade"
    assert service["ExecStart"] == f"{warroom} run"
    assert service["KillSignal"] == "SIGTERM"
    # A stop by SIGTERM is clean to systemd; 143 covers a wrapper that turns it into a status.
    assert "143" in service["SuccessExitStatus"].split()
    assert service["DynamicUser"] == "yes" and service["StateDirectory"] == "warroom"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("unit not verified: no systemd-analyze on PATH (Debian: package systemd)")
    # systemd's own reading, with the command pointed at this machine's `warroom`.
    local = tmp_path / "warroom.service"
    local.write_text(text.replace(warroom, str(DEV_BIN / "warroom")))
    verify = subprocess.run(
        [analyze, "verify", str(local)], capture_output=True, text=True, timeout=60
    )
    assert verify.returncode == 0 and not verify.stderr.strip(), verify.stderr
    # Its exposure score, 0 (locked down) to 10 (none): 1.7 when written.
    security = subprocess.run(
        [analyze, "security", "--offline=yes", "--threshold=20", str(local)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert security.returncode == 0, security.stdout[-3000:]


# -- the image itself, where a Docker engine and a base image can be had -------------------

PYTHON_IMAGE_ENV = "WARROOM_TEST_PYTHON_IMAGE"


def _docker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _first_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = (result.stderr or result.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit status {result.returncode}"


def _docker_or_skip() -> str:
    """The base image to build on, or a skip saying exactly what is missing."""
    if shutil.which("docker") is None:
        pytest.skip("image not built: no docker command on PATH")
    engine = _docker("info", "--format", "{{.ServerVersion}}", timeout=30)
    if engine.returncode != 0:
        host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        pytest.skip(f"image not built: no Docker engine answers at {host} ({_first_line(engine)})")
    base = os.environ.get(PYTHON_IMAGE_ENV) or "python:3.11-slim"
    if _docker("image", "inspect", base).returncode != 0:
        pulled = _docker("pull", base, timeout=300)
        if pulled.returncode != 0:
            pytest.skip(
                f"image not built: the base image {base} is not here and cannot be pulled "
                f"({_first_line(pulled)}); .ci/run builds a stand-in and names it in "
                f"{PYTHON_IMAGE_ENV}"
            )
    return base


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    """The image built from this tree's Dockerfile; removed at the end."""
    base = _docker_or_skip()
    tag = f"warroom-test:{uuid.uuid4().hex[:12]}"
    before = _dangling_images()
    try:
        built = _docker(
            "build", "--network", "host", "--build-arg", f"PYTHON_IMAGE={base}",
            "--tag", tag, str(ROOT), timeout=INSTALL_SECONDS,
        )  # fmt: skip
        assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
        yield tag
    finally:
        _docker("image", "rm", "--force", tag)
        # The build stage is left untagged: remove what this build left, and nothing else.
        left = sorted(_dangling_images() - before)
        if left:
            _docker("image", "rm", "--force", *left)


def _dangling_images() -> set[str]:
    listed = _docker("image", "ls", "--quiet", "--no-trunc", "--filter", "dangling=true")
    return set(listed.stdout.split())


@pytest.mark.slow
def test_the_image_runs_as_the_dockerfile_says(image: str, tmp_path: Path) -> None:
    shown = json.loads(_docker("image", "inspect", image).stdout)[0]["Config"]
    assert shown["User"] == read_dockerfile().user
    assert shown["Entrypoint"] == ["warroom"] and shown["Cmd"] == ["run"]
    version = _docker("run", "--rm", image, "--version")
    assert version.returncode == 0 and version.stdout.startswith("warroom "), version.stderr
    example = _docker("run", "--rm", image, "example", "env")
    assert example.stdout == (ROOT / ".env.example").read_text()
    port = str(free_port())
    name = f"warroom-test-{uuid.uuid4().hex[:12]}"
    with SandboxServer() as sandbox:
        started = _docker(
            "run", "--detach", "--name", name, "--network", "host",
            "--env", "SLACK_BOT_TOKEN=xoxb-sandbox-token",
            "--env", f"SLACK_SIGNING_SECRET={SECRET}",
            "--env", f"SLACK_API_URL={sandbox.api_url}",
            "--env", f"WARROOM_PORT={port}",
            image,
        )  # fmt: skip
        assert started.returncode == 0, started.stderr
        try:
            deadline = time.monotonic() + 120
            status = ""
            while status != "healthy":
                state = json.loads(_docker("inspect", name).stdout)[0]["State"]
                status = state.get("Health", {}).get("Status", "")
                assert state["Running"], _docker("logs", name).stdout
                assert time.monotonic() < deadline, f"never healthy: {state.get('Health')}"
                time.sleep(1)
            with SlackDriver(f"http://127.0.0.1:{port}/slack/events", SECRET, sandbox.url) as d:
                assert d.slash("alice", "general", "declare sev2 From the image").status_code == 200
                d.wait_for(lambda: d.channel_by_name("inc-1-from-the-image"), timeout=15)
            stopped = _docker("stop", "--time", "30", name, timeout=60)
            assert stopped.returncode == 0, stopped.stderr
            state = json.loads(_docker("inspect", name).stdout)[0]["State"]
            logs = _docker("logs", name)
            assert state["ExitCode"] in (0, 128 + signal.SIGTERM), logs.stdout + logs.stderr
            assert "Traceback" not in logs.stdout + logs.stderr
            _assert_log_format(
                read_dockerfile().env["WARROOM_LOG_FORMAT"], logs.stdout + logs.stderr
            )
        finally:
            _docker("rm", "--force", name)
