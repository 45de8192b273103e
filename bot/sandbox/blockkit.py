"""Block Kit checks: reject what Slack rejects, with Slack-style messages and JSON pointers."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.block_limits import (
    ACTIONS_ELEMENTS,
    BLOCK_TYPES,
    CHOICES,
    INPUT_ELEMENTS,
    LIMITS,
    SECTION_ACCESSORIES,
    TEXT_TYPES,
)


class _Checker:
    """Walks a payload and collects `[ERROR] … [json-pointer:…]` lines."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    def string(self, value: Any, pointer: str, limit: int, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.fail(f"missing required field: {pointer.rsplit('/', 1)[-1]}", pointer)
            return
        if not isinstance(value, str):
            self.fail("expected string", pointer)
        elif len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", pointer)

    def text(
        self, obj: Any, pointer: str, limit: int, *, plain: bool = False, required: bool = True
    ) -> None:
        if obj is None:
            if required:
                self.fail(f"missing required field: {pointer.rsplit('/', 1)[-1]}", pointer)
            return
        if not isinstance(obj, dict):
            self.fail("expected text object", pointer)
            return
        kinds = {"plain_text"} if plain else TEXT_TYPES
        if obj.get("type") not in kinds:
            self.fail(f"must be one of: {', '.join(sorted(kinds))}", f"{pointer}/type")
        value = obj.get("text")
        if not isinstance(value, str):
            self.fail("missing required field: text", f"{pointer}/text")
        elif not value:
            self.fail("must be more than 0 characters", f"{pointer}/text")
        elif len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", f"{pointer}/text")

    def items(self, value: Any, pointer: str, limit: int, *, minimum: int = 1) -> list[Any]:
        if not isinstance(value, list):
            self.fail(f"missing required field: {pointer.rsplit('/', 1)[-1]}", pointer)
            return []
        if len(value) > limit:
            self.fail(f"no more than {limit} items allowed", pointer)
        elif len(value) < minimum:
            self.fail(f"must provide at least {minimum} items", pointer)
        return value

    def confirm(self, obj: Any, pointer: str) -> None:
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.fail("expected object", pointer)
            return
        self.text(obj.get("title"), f"{pointer}/title", LIMITS["confirm_title"], plain=True)
        self.text(obj.get("text"), f"{pointer}/text", LIMITS["confirm_text"])
        for key in ("confirm", "deny"):
            self.text(obj.get(key), f"{pointer}/{key}", LIMITS["confirm_button"], plain=True)

    def option(self, obj: Any, pointer: str, *, plain: bool = True) -> None:
        if not isinstance(obj, dict):
            self.fail("expected option object", pointer)
            return
        self.text(obj.get("text"), f"{pointer}/text", LIMITS["option_text"], plain=plain)
        self.string(obj.get("value"), f"{pointer}/value", LIMITS["option_value"], required=True)
        self.text(
            obj.get("description"),
            f"{pointer}/description",
            LIMITS["option_description"],
            plain=plain,
            required=False,
        )
        self.string(obj.get("url"), f"{pointer}/url", LIMITS["url"])

    def options(self, element: dict[str, Any], pointer: str, limit: int, plain: bool) -> list[Any]:
        values: list[Any] = []
        for i, opt in enumerate(self.items(element.get("options"), f"{pointer}/options", limit)):
            self.option(opt, f"{pointer}/options/{i}", plain=plain)
            values.append(opt.get("value") if isinstance(opt, dict) else None)
        return values

    def element(self, element: Any, pointer: str, allowed: frozenset[str]) -> None:
        if not isinstance(element, dict):
            self.fail("expected element object", pointer)
            return
        kind = element.get("type")
        if kind not in allowed:
            self.fail(f"unsupported element type: {kind}", f"{pointer}/type")
            return
        self.string(element.get("action_id"), f"{pointer}/action_id", LIMITS["action_id"])
        self.confirm(element.get("confirm"), f"{pointer}/confirm")
        self.text(
            element.get("placeholder"),
            f"{pointer}/placeholder",
            LIMITS["placeholder"],
            plain=True,
            required=False,
        )
        if kind in ("button", "workflow_button"):
            self.text(element.get("text"), f"{pointer}/text", LIMITS["button_text"], plain=True)
            self.string(element.get("value"), f"{pointer}/value", LIMITS["button_value"])
            self.string(element.get("url"), f"{pointer}/url", LIMITS["url"])
            if element.get("style") not in (None, "primary", "danger"):
                self.fail("must be one of: danger, primary", f"{pointer}/style")
        elif kind in ("static_select", "multi_static_select"):
            self._static_select(element, pointer)
        elif kind == "overflow":
            self.options(element, pointer, LIMITS["overflow_options"], plain=True)
        elif kind in CHOICES:
            limit = LIMITS["checkbox_options" if kind == "checkboxes" else "radio_options"]
            values = self.options(element, pointer, limit, plain=False)
            self._initial(element, pointer, values)
        elif kind == "plain_text_input":
            for key in ("min_length", "max_length"):
                value = element.get(key)
                if isinstance(value, int) and not 0 <= value <= LIMITS["input_length"]:
                    self.fail(f"must be at most {LIMITS['input_length']}", f"{pointer}/{key}")
        elif kind == "datepicker" and element.get("initial_date") is not None:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(element["initial_date"])):
                self.fail("must match format YYYY-MM-DD", f"{pointer}/initial_date")
        elif kind == "image":
            self._image(element, pointer)

    def _static_select(self, element: dict[str, Any], pointer: str) -> None:
        if element.get("option_groups") is not None:
            values: list[Any] = []
            groups = self.items(
                element["option_groups"], f"{pointer}/option_groups", LIMITS["option_groups"]
            )
            for g, group in enumerate(groups):
                where = f"{pointer}/option_groups/{g}"
                if isinstance(group, dict):
                    self.text(
                        group.get("label"),
                        f"{where}/label",
                        LIMITS["option_group_label"],
                        plain=True,
                    )
                    values += self.options(group, where, LIMITS["select_options"], plain=True)
        else:
            values = self.options(element, pointer, LIMITS["select_options"], plain=True)
        self._initial(element, pointer, values)

    def _initial(self, element: dict[str, Any], pointer: str, values: list[Any]) -> None:
        chosen = element.get("initial_options") or []
        if isinstance(element.get("initial_option"), dict):
            chosen = [element["initial_option"]]
        for opt in chosen:
            if not isinstance(opt, dict) or opt.get("value") not in values:
                self.fail("initial option must be one of the options", f"{pointer}/initial_option")

    def _image(self, obj: dict[str, Any], pointer: str) -> None:
        if obj.get("image_url") is None and obj.get("slack_file") is None:
            self.fail("missing required field: image_url", f"{pointer}/image_url")
        self.string(obj.get("image_url"), f"{pointer}/image_url", LIMITS["url"])
        self.string(
            obj.get("alt_text"), f"{pointer}/alt_text", LIMITS["image_alt_text"], required=True
        )

    def block(self, block: Any, pointer: str) -> None:
        if not isinstance(block, dict):
            self.fail("expected block object", pointer)
            return
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.fail(f"unsupported block type: {kind}", f"{pointer}/type")
            return
        self.string(block.get("block_id"), f"{pointer}/block_id", LIMITS["block_id"])
        getattr(self, f"_block_{kind}", lambda b, p: None)(block, pointer)
        self._unique_action_ids(block, pointer)

    def _block_section(self, block: dict[str, Any], pointer: str) -> None:
        if block.get("text") is None and block.get("fields") is None:
            self.fail("must provide either text or fields", pointer)
        self.text(block.get("text"), f"{pointer}/text", LIMITS["text"], required=False)
        if block.get("fields") is not None:
            fields = self.items(block["fields"], f"{pointer}/fields", LIMITS["section_fields"])
            for i, field in enumerate(fields):
                self.text(field, f"{pointer}/fields/{i}", LIMITS["section_field_text"])
        if block.get("accessory") is not None:
            self.element(block["accessory"], f"{pointer}/accessory", SECTION_ACCESSORIES)

    def _block_actions(self, block: dict[str, Any], pointer: str) -> None:
        elements = self.items(
            block.get("elements"), f"{pointer}/elements", LIMITS["actions_elements"]
        )
        for i, element in enumerate(elements):
            self.element(element, f"{pointer}/elements/{i}", ACTIONS_ELEMENTS)

    def _block_context(self, block: dict[str, Any], pointer: str) -> None:
        elements = self.items(
            block.get("elements"), f"{pointer}/elements", LIMITS["context_elements"]
        )
        for i, element in enumerate(elements):
            where = f"{pointer}/elements/{i}"
            if isinstance(element, dict) and element.get("type") == "image":
                self._image(element, where)
            else:
                self.text(element, where, LIMITS["text"])

    def _block_header(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("text"), f"{pointer}/text", LIMITS["header_text"], plain=True)

    def _block_image(self, block: dict[str, Any], pointer: str) -> None:
        self._image(block, pointer)
        self.text(
            block.get("title"),
            f"{pointer}/title",
            LIMITS["image_title"],
            plain=True,
            required=False,
        )

    def _block_input(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("label"), f"{pointer}/label", LIMITS["input_label"], plain=True)
        self.text(
            block.get("hint"), f"{pointer}/hint", LIMITS["input_hint"], plain=True, required=False
        )
        if block.get("element") is None:
            self.fail("missing required field: element", f"{pointer}/element")
        else:
            self.element(block["element"], f"{pointer}/element", INPUT_ELEMENTS)

    def _block_markdown(self, block: dict[str, Any], pointer: str) -> None:
        self.string(block.get("text"), f"{pointer}/text", LIMITS["markdown_text"], required=True)

    def _block_rich_text(self, block: dict[str, Any], pointer: str) -> None:
        if not isinstance(block.get("elements"), list):
            self.fail("missing required field: elements", f"{pointer}/elements")

    def _unique_action_ids(self, block: dict[str, Any], pointer: str) -> None:
        elements = block.get("elements") if block.get("type") == "actions" else None
        seen: set[str] = set()
        for i, element in enumerate(elements if isinstance(elements, list) else []):
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if action_id in seen:
                self.fail(
                    "action_id must be unique within a block", f"{pointer}/elements/{i}/action_id"
                )
            if isinstance(action_id, str):
                seen.add(action_id)

    def blocks(self, blocks: Any, pointer: str, limit: int) -> None:
        seen: set[str] = set()
        for i, block in enumerate(self.items(blocks, pointer, limit, minimum=0)):
            self.block(block, f"{pointer}/{i}")
            block_id = block.get("block_id") if isinstance(block, dict) else None
            if isinstance(block_id, str):
                if block_id in seen:
                    self.fail(f"duplicate block_id: {block_id}", f"{pointer}/{i}/block_id")
                seen.add(block_id)


def validate_message_blocks(blocks: Any) -> list[str]:
    """Return Slack's complaints about a message's blocks (empty when Slack accepts them)."""
    checker = _Checker()
    checker.blocks(blocks, "/blocks", LIMITS["message_blocks"])
    return checker.errors


def validate_view(view: Any) -> list[str]:
    """Return Slack's complaints about a modal or Home tab view (empty when accepted)."""
    checker = _Checker()
    if not isinstance(view, dict):
        checker.fail("expected view object", "/view")
        return checker.errors
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.fail("must be one of: home, modal", "/view/type")
    checker.blocks(view.get("blocks"), "/view/blocks", LIMITS["modal_blocks"])
    if kind == "modal":
        checker.text(view.get("title"), "/view/title", LIMITS["modal_title"], plain=True)
        for key in ("submit", "close"):
            checker.text(
                view.get(key), f"/view/{key}", LIMITS[f"modal_{key}"], plain=True, required=False
            )
        has_input = any(
            isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or []
        )
        if has_input and view.get("submit") is None:
            checker.fail("must provide a submit property when using input blocks", "/view/submit")
    for key in ("private_metadata", "callback_id", "external_id"):
        checker.string(view.get(key), f"/view/{key}", LIMITS[key])
    return checker.errors
