"""Fixtures for the Block Kit builders: model instances, a fixed clock, a limit checker."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.slack.ids import ActionId, BlockId, CallbackId
from storage.enums import Role, Severity, Status
from storage.models import Incident, IncidentRole, StatusUpdate

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOSTILE = "<!channel> pwned <https://evil.example|click> & <!here> <@U999>"
FORBIDDEN = ("<!channel>", "<https://evil.example", "<!here>")

IDS = {str(v) for enum in (ActionId, BlockId, CallbackId) for v in enum}


def strings(value: Any) -> Iterator[str]:
    """Every string anywhere inside a JSON-like value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


class BlockKit:
    """Checks Block Kit against Slack's documented limits, independently of the builders."""

    def harmless(self, value: Any) -> None:
        """No output string anywhere can broadcast or hide a link."""
        for text in strings(value):
            for bad in FORBIDDEN:
                assert bad not in text, f"{bad!r} leaked in {text[:200]!r}"

    def texts(self, value: Any) -> str:
        """Every string in `value`, joined, for substring checks."""
        return "\n".join(strings(value))

    def message(self, blocks: list[dict[str, Any]]) -> None:
        """A message's blocks are valid and within every limit."""
        assert isinstance(blocks, list)
        assert 1 <= len(blocks) <= 50
        for block in blocks:
            self.block(block)

    def modal(self, view: dict[str, Any]) -> None:
        """A modal view is valid and within every limit."""
        assert view["type"] == "modal"
        assert view["callback_id"] in IDS
        for key in ("title", "submit", "close"):
            if key in view:
                assert view[key]["type"] == "plain_text"
                assert 1 <= len(view[key]["text"]) <= 24, view[key]
        assert len(view.get("private_metadata", "")) <= 3000
        assert 1 <= len(view["blocks"]) <= 100
        for block in view["blocks"]:
            self.block(block)
        View(**view).validate_json()

    def block(self, block: dict[str, Any]) -> None:
        """One block: Slack's limits, and slack_sdk can parse and validate it."""
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
        if "block_id" in block:
            assert block["block_id"] in IDS
        self._walk(block)
        kind = block["type"]
        if kind == "header":
            assert len(block["text"]["text"]) <= 150
        if kind == "section":
            assert "text" in block or "fields" in block
            assert len(block.get("fields", [])) <= 10
            for field in block.get("fields", []):
                assert 1 <= len(field["text"]) <= 2000
        if kind == "actions":
            assert 1 <= len(block["elements"]) <= 25
        if kind == "context":
            assert 1 <= len(block["elements"]) <= 10

    def _walk(self, node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                self._walk(item)
            return
        if not isinstance(node, dict):
            return
        if node.get("type") in ("plain_text", "mrkdwn"):
            assert 1 <= len(node["text"]) <= 3000, node
        if "action_id" in node:
            assert node["action_id"] in IDS
        if node.get("type") == "button":
            assert len(node["text"]["text"]) <= 75
            assert 1 <= len(node.get("value", "x")) <= 2000
        if "confirm" in node and isinstance(node["confirm"], dict) and "deny" in node["confirm"]:
            confirm = node["confirm"]
            assert len(confirm["title"]["text"]) <= 100
            assert len(confirm["text"]["text"]) <= 300
            assert len(confirm["confirm"]["text"]) <= 30
            assert len(confirm["deny"]["text"]) <= 30
        for option in node.get("options", []):
            assert len(option["text"]["text"]) <= 75
            assert len(option["value"]) <= 150
        for value in node.values():
            self._walk(value)


@pytest.fixture
def block_kit() -> BlockKit:
    """The limit checker."""
    return BlockKit()


@pytest.fixture
def hostile() -> str:
    """User text that tries to broadcast, hide a link and ping someone."""
    return HOSTILE


@pytest.fixture
def now() -> datetime:
    """A fixed clock."""
    return NOW


@pytest.fixture
def make_incident() -> Callable[..., Incident]:
    """Build an Incident with sensible defaults; keyword arguments override."""

    def make(**overrides: Any) -> Incident:
        fields: dict[str, Any] = {
            "id": 1,
            "number": 7,
            "title": "Checkout is failing",
            "severity": Severity.SEV2,
            "status": Status.INVESTIGATING,
            "services": ["checkout"],
            "declared_by": "U1",
            "declared_at": NOW - timedelta(hours=1, minutes=5),
            "next_update_due_at": NOW + timedelta(minutes=20),
        }
        fields.update(overrides)
        return Incident(**fields)

    return make


@pytest.fixture
def make_update() -> Callable[..., StatusUpdate]:
    """Build a StatusUpdate; keyword arguments override."""

    def make(**overrides: Any) -> StatusUpdate:
        fields: dict[str, Any] = {
            "id": 1,
            "incident_id": 1,
            "text": "Rolled back deploy 4812; error rate falling.",
            "author": "U2",
            "posted_at": NOW - timedelta(minutes=10),
            "status": Status.INVESTIGATING,
            "severity": Severity.SEV2,
        }
        fields.update(overrides)
        return StatusUpdate(**fields)

    return make


def role(kind: Role, user_id: str, minutes_ago: int = 30) -> IncidentRole:
    """A role row assigned `minutes_ago` before the fixed clock."""
    return IncidentRole(
        incident_id=1,
        role=kind,
        user_id=user_id,
        assigned_at=NOW - timedelta(minutes=minutes_ago),
    )


@pytest.fixture
def make_role() -> Callable[..., IncidentRole]:
    """Build an IncidentRole."""
    return role
