"""The shape of the tree holds (import-linter's contracts in `.importlinter`), and each
contract fails when someone breaks it: every probe adds one made-up import to a copy of the
tree and expects lint-imports to name the contract it breaks."""

import configparser
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")
CONFIG = ROOT / ".importlinter"

# (module to add the import to, the import, the contract it must break)
PROBES = [
    ("bot/incidents/rules/lifecycle.py", "from sqlmodel import Session", "Incident rules"),
    ("bot/incidents/rules/cadence.py", "import jinja2", "Incident rules"),
    ("bot/alerts/rules/routing.py", "from storage.database import make_engine", "Alert rules"),
    (
        "bot/alerts/rules/classify.py",
        "from bot.incidents.rules.lifecycle import is_open",
        "Alert rules",
    ),
    ("bot/incidents/service.py", "from bot.settings import Settings", "The layers"),
    ("bot/incidents/service.py", "import aiohttp", "Features reach the outside"),
    ("bot/alerts/service.py", "import slack_sdk", "Features reach the outside"),
    ("bot/incidents/postmortem/render.py", "import slack_sdk", "Features reach the outside"),
    ("bot/alerts/service.py", "from bot.incidents import records", "Features talk"),
    ("bot/web/webhooks.py", "from bot.slack.surfaces import room", "The layers"),
    ("bot/kernel/outbox.py", "from bot.incidents import ports", "The layers"),
    ("bot/kernel/outbox.py", "import fastapi", "The kernel knows"),
    ("bot/slack/calls.py", "from bot import app", "The layers"),
    ("bot/ops/doctor.py", "from bot.app import build_warroom", "The layers"),
    ("bot/slack/identity.py", "from bot.ops import problems", "The layers"),
    ("storage/queries/incidents.py", "from bot.kernel import text", "Storage is the bottom"),
    ("bot/sandbox/world.py", "from storage import models", "The sandbox"),
    ("bot/incidents/service.py", "import prometheus_client", "Features reach the outside"),
    ("bot/observability/metrics.py", "from bot.slack import calls", "Observability knows"),
    ("bot/observability/logs.py", "import slack_sdk", "Observability knows"),
]


def _copy_tree(into: Path) -> Path:
    for package in ("bot", "storage"):
        shutil.copytree(
            ROOT / package, into / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(CONFIG, into / ".importlinter")
    contracts = into / "tests" / "architecture"
    contracts.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "architecture" / "allowlist.py", contracts / "allowlist.py")
    return into


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120
    )


def test_the_tree_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def layer_gaps(root: Path) -> list[str]:
    """Packages (and modules) right under bot/ that are in no layer, or in more than one."""
    config = configparser.ConfigParser()
    config.read(root / ".importlinter")
    layers = config["importlinter:contract:layers"]["layers"].split()
    named = [name for name in layers if name != "|"]
    packages = sorted(
        path.stem if path.is_file() else path.name
        for path in (root / "bot").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    )
    return [p for p in packages if named.count(p) != 1] + [n for n in named if n not in packages]


def test_every_package_under_bot_is_in_exactly_one_layer() -> None:
    assert layer_gaps(ROOT) == [], "name every package under bot/ in one layer of .importlinter"


def _probe(tmp_path: Path, index: int, module: str, line: str) -> subprocess.CompletedProcess[str]:
    root = _copy_tree(tmp_path / f"probe-{index}")
    target = root / module
    target.write_text(target.read_text() + f"\n{line}  # probe\n")
    return _lint(root)


def test_each_contract_fails_when_broken(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda job: _probe(tmp_path, job[0], job[1][0], job[1][1]), enumerate(PROBES))
        )
    for (module, line, contract), result in zip(PROBES, results, strict=True):
        assert result.returncode != 0, f"{module}: {line!r} broke no contract"
        assert contract in broken_contracts(result.stdout), (
            f"{module}: {line!r} should break {contract!r}:\n{result.stdout[-2000:]}"
        )


def broken_contracts(report: str) -> str:
    """The names of the contracts lint-imports reports broken (its lines wrap long names)."""
    flat = " ".join(report.split())
    return " | ".join(re.findall(r"((?:(?!KEPT|BROKEN).)*) BROKEN", flat))


def test_a_package_outside_every_layer_is_caught(tmp_path: Path) -> None:
    root = _copy_tree(tmp_path / "new-package")
    (root / "bot" / "reports").mkdir()
    (root / "bot" / "reports" / "__init__.py").write_text('"""Not in any layer."""\n')
    assert layer_gaps(root) == ["reports"]


@pytest.mark.parametrize("line", ["import os", "from bot.kernel.errors import DomainError"])
def test_an_allowed_import_breaks_nothing(tmp_path: Path, line: str) -> None:
    root = _copy_tree(tmp_path / "allowed")
    target = root / "bot" / "incidents" / "rules" / "lifecycle.py"
    target.write_text(target.read_text() + f"\n{line}  # allowed\n")
    result = _lint(root)
    assert result.returncode == 0, result.stdout
