"""The manifest and the code agree: scopes for every Web API call, every command, every event."""

import ast
from pathlib import Path

import yaml
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.handlers.events import EVENTS
from bot.slack.listeners import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())
BOT_SCOPES = set(MANIFEST["oauth_config"]["scopes"]["bot"])

# Scopes each Web API method needs, from Slack's method reference. Channels may be public or
# private, so conversation methods need both families.
METHOD_SCOPES: dict[str, set[str]] = {
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.getPermalink": set(),
    "conversations.create": {"channels:manage", "groups:write"},
    "conversations.invite": {"channels:manage", "groups:write"},
    "conversations.setTopic": {"channels:manage", "groups:write"},
    "conversations.history": {"channels:history", "groups:history"},
    "conversations.replies": {"channels:history", "groups:history"},
    "conversations.open": {"im:write"},
    "pins.add": {"pins:write"},
    "users.info": {"users:read"},
    "usergroups.users.list": {"usergroups:read"},
    "usergroups.list": {"usergroups:read"},
    "usergroups.users.update": {"usergroups:write"},
    "users.list": {"users:read"},
    "users.lookupByEmail": {"users:read.email"},
    "conversations.info": {"channels:read", "groups:read"},
    "views.open": set(),
    "auth.test": set(),
    "conversations.list": {"channels:read", "groups:read"},
    "views.update": set(),
    "views.push": set(),
    # slack-sdk's files_upload_v2: getUploadURLExternal, upload, completeUploadExternal.
    "files.upload.v2": {"files:write"},
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
}
EVENT_SCOPES = {
    "pin_added": "pins:read",
    "reaction_added": "reactions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
}
# Scopes no single method call shows: why each is needed.
EXTRA_SCOPES = {
    "commands": "the /incident and /oncall slash commands",
    "chat:write.public": "the digest posts in the announce channel without joining it",
}
CLIENT_METHODS = {n for n in dir(AsyncWebClient) if not n.startswith("_") and "_" in n}


def _modules() -> list[tuple[Path, ast.Module]]:
    files = [p for p in (ROOT / "bot").rglob("*.py") if "sandbox" not in p.parts]
    return [(p, ast.parse(p.read_text(), filename=str(p))) for p in files]


def called_web_api_methods() -> set[str]:
    """Web API methods the bot calls through a slack-sdk client, by AST."""
    found = set()
    for _path, tree in _modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in CLIENT_METHODS
                and isinstance(node.func.value, ast.Name | ast.Attribute)
                and "client" in ast.unparse(node.func.value)
            ):
                found.add(node.func.attr.replace("_", "."))
    return found


def test_the_scanner_sees_the_calls_we_know_about() -> None:
    methods = called_web_api_methods()
    assert {"conversations.create", "pins.add", "chat.update", "views.open"} <= methods


def test_every_called_method_has_its_scopes_in_the_manifest() -> None:
    for method in sorted(called_web_api_methods()):
        assert method in METHOD_SCOPES, f"add {method}'s required scopes to METHOD_SCOPES"
        missing = METHOD_SCOPES[method] - BOT_SCOPES
        assert not missing, f"{method} needs {missing} in manifest.yml"


def test_manifest_asks_for_no_scope_the_code_does_not_need() -> None:
    needed = set(EXTRA_SCOPES)
    for method in called_web_api_methods():
        needed |= METHOD_SCOPES[method]
    needed |= {EVENT_SCOPES[e] for e in MANIFEST["settings"]["event_subscriptions"]["bot_events"]}
    assert needed == BOT_SCOPES


def test_every_handled_command_is_declared() -> None:
    declared = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert set(COMMANDS) == declared


def test_every_subscribed_event_is_handled_and_back() -> None:
    # Slack subscribes to messages per kind of conversation; Bolt hears them all as `message`.
    subscribed = {
        e.split(".")[0] for e in MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    }
    assert set(EVENTS) == subscribed


def test_manifest_settings() -> None:
    settings = MANIFEST["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    # Mentions arrive as <@U…|name>, which the commands parse; never as bare names.
    assert all(c["should_escape"] is True for c in MANIFEST["features"]["slash_commands"])
