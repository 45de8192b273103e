"""Interaction payloads exactly as Slack sends them: slash commands, block actions, submissions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

TEXT_INPUTS = frozenset({"plain_text_input", "email_text_input", "url_text_input", "number_input"})
SINGLE_OPTION = frozenset({"static_select", "external_select", "radio_buttons", "overflow"})
MULTI_OPTION = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
# element type -> (state key, initial_* key)
SELECTED_FIELDS: dict[str, tuple[str, str]] = {
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}
STATEFUL = TEXT_INPUTS | (SINGLE_OPTION - {"overflow"}) | MULTI_OPTION | set(SELECTED_FIELDS)
UNSET: Any = object()


def build_slash_form(
    *,
    token: str,
    team_id: str,
    team_domain: str,
    channel_id: str,
    channel_name: str,
    user_id: str,
    user_name: str,
    command: str,
    text: str,
    api_app_id: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """Return the form fields of a slash command, in Slack's order."""
    return {
        "token": token,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def iter_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Yield (block, element) for every interactive element in a list of blocks."""
    for block in blocks:
        if block.get("type") == "actions":
            for element in block.get("elements") or []:
                yield block, element
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict) and block[key].get("type") != "image":
                yield block, block[key]


def find_action(
    blocks: list[dict[str, Any]], action_id: str, block_id: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the (block, element) with this action_id, or raise LookupError naming what exists."""
    found = [
        (b, e)
        for b, e in iter_elements(blocks)
        if e.get("action_id") == action_id and (block_id is None or b.get("block_id") == block_id)
    ]
    if not found:
        present = sorted({str(e.get("action_id")) for _, e in iter_elements(blocks)})
        raise LookupError(f"no element with action_id {action_id!r}; present: {present}")
    return found[0]


def _options(element: Mapping[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def resolve_option(element: Mapping[str, Any], given: Any) -> dict[str, Any]:
    """Turn a value, a visible label or an option object into the element's option."""
    if isinstance(given, dict):
        given = given.get("selected_option", given)
        if isinstance(given, dict) and "text" in given:
            return given
        given = given.get("value") if isinstance(given, dict) else given
    options = _options(element)
    for option in options:
        if given in (option.get("value"), option.get("text", {}).get("text")):
            return option
    if element.get("type", "").endswith("external_select"):
        return {"text": {"type": "plain_text", "text": str(given)}, "value": str(given)}
    values = [o.get("value") for o in options]
    raise LookupError(f"{given!r} is not an option of {element.get('action_id')!r}: {values}")


def _unwrap(kind: str, given: Any) -> Any:
    """Accept a full state entry (e.g. {"selected_user": "U1"}) as well as the bare value."""
    if not isinstance(given, dict):
        return given
    for key in ("value", "selected_options", *(f for f, _ in SELECTED_FIELDS.values())):
        if key in given and (key != "value" or kind in TEXT_INPUTS):
            return given[key]
    return given


def build_state_entry(element: Mapping[str, Any], given: Any = UNSET) -> dict[str, Any]:
    """Return one element's entry in `state.values` (its initial value when not given)."""
    kind = element["type"]
    entry: dict[str, Any] = {"type": kind}
    given = _unwrap(kind, given)
    if kind in TEXT_INPUTS:
        entry["value"] = element.get("initial_value") if given is UNSET else given
    elif kind in SINGLE_OPTION:
        chosen = element.get("initial_option") if given is UNSET else given
        entry["selected_option"] = None if chosen is None else resolve_option(element, chosen)
    elif kind in MULTI_OPTION:
        chosen = (element.get("initial_options") or []) if given is UNSET else given
        entry["selected_options"] = [resolve_option(element, c) for c in chosen]
    elif kind in SELECTED_FIELDS:
        field, initial = SELECTED_FIELDS[kind]
        empty: Any = [] if kind.startswith("multi_") else None
        entry[field] = element.get(initial, empty) if given is UNSET else given
    return entry


def is_empty(entry: Mapping[str, Any]) -> bool:
    """Tell whether a state entry holds no answer."""
    values = [v for k, v in entry.items() if k != "type"]
    return all(v in (None, "", []) for v in values)


def build_state_values(
    blocks: list[dict[str, Any]], given: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """Return `state.values` for blocks with the answers `given` as {block_id: {action_id: v}}."""
    given = dict(given or {})
    values: dict[str, dict[str, Any]] = {}
    known: set[tuple[str, str]] = set()
    for block, element in iter_elements(blocks):
        block_id, action_id = block.get("block_id", ""), element.get("action_id", "")
        known.add((block_id, action_id))
        if element.get("type") not in STATEFUL:
            continue
        answer = given.get(block_id, {}).get(action_id, UNSET)
        values.setdefault(block_id, {})[action_id] = build_state_entry(element, answer)
    for block_id, answers in given.items():
        for action_id in answers:
            if (block_id, action_id) not in known:
                raise LookupError(f"no input {block_id!r}/{action_id!r} in this view: {known}")
    return values


def check_required(blocks: list[dict[str, Any]], values: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse what Slack's client refuses to submit: empty required inputs, too-long text."""
    for block in blocks:
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, dict):
            continue
        entry = values.get(block.get("block_id", ""), {}).get(element.get("action_id", ""), {})
        if not block.get("optional") and is_empty(entry):
            raise ValueError(
                f"required input {block.get('block_id')!r} is empty; "
                "Slack would not let the user submit"
            )
        text = entry.get("value")
        if (
            isinstance(text, str)
            and element.get("max_length")
            and (len(text) > element["max_length"])
        ):
            raise ValueError(f"input {block.get('block_id')!r} is longer than its max_length")


def build_action(
    block: Mapping[str, Any], element: Mapping[str, Any], action_ts: str, given: Any = UNSET
) -> dict[str, Any]:
    """Return one entry of a block_actions payload's `actions`."""
    action: dict[str, Any] = {
        "action_id": element.get("action_id"),
        "block_id": block.get("block_id"),
        "type": element["type"],
        "action_ts": action_ts,
    }
    if element["type"] == "button":
        action["text"] = element.get("text")
        value = element.get("value") if given is UNSET else given
        if value is not None:
            action["value"] = value
        for key in ("style", "url"):
            if key in element:
                action[key] = element[key]
        return action
    entry = build_state_entry(element, given)
    entry.pop("type")
    action.update(entry)
    if "placeholder" in element:
        action["placeholder"] = element["placeholder"]
    return action


def build_block_actions(
    *,
    user: Mapping[str, str],
    team: Mapping[str, str],
    api_app_id: str,
    token: str,
    container: dict[str, Any],
    trigger_id: str,
    actions: list[dict[str, Any]],
    state_values: dict[str, Any],
    channel: Mapping[str, str] | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    """Return a `block_actions` payload from a message (with channel) or a modal (with view)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": dict(user),
        "api_app_id": api_app_id,
        "token": token,
        "container": container,
        "trigger_id": trigger_id,
        "team": dict(team),
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if channel is not None:
        payload["channel"] = dict(channel)
    if message is not None:
        payload["message"] = message
    if view is not None:
        payload["view"] = {**view, "state": {"values": state_values}}
    else:
        payload["state"] = {"values": state_values}
    if response_url is not None:
        payload["response_url"] = response_url
    payload["actions"] = actions
    return payload


def build_view_submission(
    *,
    user: Mapping[str, str],
    team: Mapping[str, str],
    api_app_id: str,
    token: str,
    view: dict[str, Any],
    state_values: dict[str, Any],
    trigger_id: str,
) -> dict[str, Any]:
    """Return a `view_submission` payload for a stored modal and the user's answers."""
    return {
        "type": "view_submission",
        "team": dict(team),
        "user": dict(user),
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id,
        "view": {**view, "state": {"values": state_values}},
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
