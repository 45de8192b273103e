"""Imports point down the layers of ARCHITECTURE.md, never up."""

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "storage")
ADAPTERS = ("bot.slack", "bot.alerts", "bot.web", "bot.scheduler")
ENTRY = ("bot.cli", "bot.app", "bot.serve", "bot.demo")
SLACK_AND_HTTP = ("slack_bolt", "slack_sdk", "fastapi", "starlette")


@dataclass(frozen=True)
class Rule:
    """Modules under `layer` must not import anything under `forbidden`, bar `allowed`.

    A pattern ending in "." matches only what lies below it: "bot.alerts." forbids the
    internals of `bot.alerts` but lets its package face (`bot.alerts` itself) be imported.
    """

    layer: str
    forbidden: tuple[str, ...]
    why: str
    allowed: tuple[str, ...] = ()


def _adapter_rule(adapter: str) -> Rule:
    others = tuple(f"{other}." for other in ADAPTERS if other != adapter)
    return Rule(
        adapter,
        (*others, *ENTRY, "bot.sandbox"),
        "adapters talk to each other only through services, never through internals",
    )


RULES = (
    Rule("storage", ("bot",), "storage is the bottom layer and never imports bot"),
    Rule(
        "bot.core",
        (
            "bot.services",
            *ADAPTERS,
            "bot.sandbox",
            *ENTRY,
            "bot.settings",
            "storage.database",
            "storage.queries",
            "storage.migrate",
            *SLACK_AND_HTTP,
            "httpx",
            "aiohttp",
            "uvicorn",
            "apscheduler",
            "requests",
        ),
        "rules are pure: no use cases, adapters, settings, I/O or database sessions",
    ),
    Rule(
        "bot.services",
        (*SLACK_AND_HTTP, *ADAPTERS, "bot.sandbox", *ENTRY),
        "use cases reach Slack and HTTP only through ports",
    ),
    *(_adapter_rule(adapter) for adapter in ADAPTERS),
    Rule(
        "bot.sandbox",
        ("bot", "storage"),
        "the sandbox stands in for Slack and knows nothing of the bot",
        allowed=("bot.sandbox",),
    ),
)


@dataclass(frozen=True)
class Violation:
    """One import that points up."""

    path: str
    line: int
    importer: str
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported} ({self.why})"


def _matches(module: str, pattern: str) -> bool:
    if pattern.endswith("."):
        return module.startswith(pattern)
    return module == pattern or module.startswith(pattern + ".")


def module_exists(name: str) -> bool:
    """Whether `name` is a module or package of this repository."""
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or path.is_dir()


def imported_modules(
    module: str, source: str, *, is_package: bool, is_module: Callable[[str], bool]
) -> Iterator[tuple[int, str]]:
    """Every module an import statement in `source` names, with its line, nested ones included."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            yield node.lineno, target
            for alias in node.names:
                if is_module(f"{target}.{alias.name}"):
                    yield node.lineno, f"{target}.{alias.name}"


def find_violations(
    module: str,
    source: str,
    path: str,
    *,
    is_package: bool = False,
    is_module: Callable[[str], bool] = module_exists,
) -> list[Violation]:
    """The imports in one module's source that break a layer rule."""
    rules = [rule for rule in RULES if _matches(module, rule.layer)]
    found = []
    for line, imported in imported_modules(
        module, source, is_package=is_package, is_module=is_module
    ):
        for rule in rules:
            if any(_matches(imported, allowed) for allowed in rule.allowed):
                continue
            if any(_matches(imported, forbidden) for forbidden in rule.forbidden):
                found.append(Violation(path, line, module, imported, rule.why))
    return found


def project_modules() -> Iterator[tuple[str, Path]]:
    """Every Python module under the checked packages, with its dotted name."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


def test_no_import_points_up_the_layers() -> None:
    violations: list[str] = []
    for module, path in project_modules():
        relative = str(path.relative_to(ROOT))
        try:
            source = path.read_text(encoding="utf-8")
            found = find_violations(module, source, relative, is_package=path.name == "__init__.py")
        except SyntaxError as error:
            violations.append(f"{relative}:{error.lineno}: cannot be parsed: {error.msg}")
            continue
        violations.extend(str(violation) for violation in found)

    assert not violations, "imports that point up the layers:\n" + "\n".join(violations)


def test_the_walk_sees_the_project() -> None:
    modules = dict(project_modules())

    assert {"storage.models", "storage.migrate", "bot.core.lifecycle"} <= modules.keys()


KNOWN_MODULES = {
    "bot.services.incidents",
    "bot.settings",
    "bot.cli",
    "bot.alerts.parsers",
    "bot.sandbox.state",
}


@pytest.mark.parametrize(
    ("module", "source", "imported"),
    [
        ("storage.queries", "import bot.core.lifecycle", "bot.core.lifecycle"),
        ("storage", "from bot import settings", "bot"),
        ("bot.core.lifecycle", "from bot.services import incidents", "bot.services"),
        ("bot.core.lifecycle", "from ..services import incidents", "bot.services"),
        ("bot.core.text", "import slack_sdk.web", "slack_sdk.web"),
        ("bot.core.text", "def f():\n    from bot.settings import Settings\n", "bot.settings"),
        ("bot.core.text", "from storage.database import unit_of_work", "storage.database"),
        (
            "bot.core.text",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import httpx\n",
            "httpx",
        ),
        ("bot.services.incidents", "from slack_bolt import App", "slack_bolt"),
        ("bot.services.incidents", "from fastapi import FastAPI", "fastapi"),
        ("bot.services.incidents", "from bot.slack.notifier import Notifier", "bot.slack.notifier"),
        ("bot.services.incidents", "from bot import cli", "bot.cli"),
        ("bot.web.routes", "from bot.alerts.parsers import parse", "bot.alerts.parsers"),
        ("bot.web.routes", "from bot.alerts import parsers", "bot.alerts.parsers"),
        ("bot.slack.listeners.commands", "from bot.app import build_app", "bot.app"),
        ("bot.scheduler.jobs", "from ..slack.notifier import Notifier", "bot.slack.notifier"),
        ("bot.sandbox.server", "from storage.models import Incident", "storage.models"),
        ("bot.sandbox.server", "from bot.core.text import escape", "bot.core.text"),
    ],
)
def test_the_checker_catches_an_upward_import(module: str, source: str, imported: str) -> None:
    found = find_violations(module, source, "synthetic.py", is_module=KNOWN_MODULES.__contains__)

    assert imported in [violation.imported for violation in found]
    assert all(str(violation).startswith("synthetic.py:") for violation in found)


def test_the_checker_reports_file_and_line() -> None:
    source = '"""Doc."""\n\nimport os\nfrom bot.web import server\n'

    [violation] = find_violations("storage.queries", source, "storage/queries.py")

    assert str(violation).startswith("storage/queries.py:4: storage.queries imports bot.web")


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("storage.queries", "from storage.models import Incident\nimport sqlmodel"),
        ("bot.core.lifecycle", "from storage.models import Incident\nfrom bot.core import text"),
        ("bot.services.incidents", "from bot.core.lifecycle import transition\nimport httpx"),
        ("bot.services.incidents", "from bot.services.ports import Notifier"),
        ("bot.slack.listeners.commands", "from slack_bolt import App\nfrom bot.services import x"),
        ("bot.slack.listeners.commands", "from bot.slack.blocks import build_status"),
        ("bot.web.routes", "from bot.alerts import parse_alert\nfrom fastapi import FastAPI"),
        ("bot.sandbox.server", "from bot.sandbox import state\nfrom .state import State"),
        ("bot.cli", "from bot.sandbox.state import State\nfrom bot.app import build_app"),
    ],
)
def test_the_checker_allows_downward_imports(module: str, source: str) -> None:
    found = find_violations(module, source, "synthetic.py", is_module=KNOWN_MODULES.__contains__)

    assert found == []
