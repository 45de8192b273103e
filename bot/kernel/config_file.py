"""Reading `warroom.yml` and saying what is wrong with it in one line: the part every
feature's section of the file (routes, schedules, …) shares."""

from collections.abc import Mapping
from difflib import get_close_matches
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic_core import ErrorDetails


class ConfigError(ValueError):
    """The file cannot be used; the message is one line naming the file, the place and the
    fault."""


def read_yaml(path: str) -> Any:
    """The file's YAML document, every failure turned into a ConfigError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = error.problem or error.context or "invalid YAML"
        raise ConfigError(f"{path}: {where}invalid YAML ({problem})") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML ({error})") from None


def read_mapping(path: str | None) -> Mapping[str, Any]:
    """The file's top-level mapping: empty when there is no file named or it is empty; a
    ConfigError when it is not a mapping."""
    if path is None:
        return {}
    data = read_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the top level must be a mapping")
    return data


def list_section(path: str, data: Mapping[str, Any], key: str) -> list[Any]:
    """The entries of a section that is a list (none when it is absent)."""
    entries = data.get(key)
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: {key}: must be a list")
    return entries


def describe_problem(
    problem: ErrorDetails,
    known_keys: list[str],
    enums: Mapping[str, type[StrEnum]] | None = None,
) -> str:
    """Pydantic's complaint in the words of the file's format; `known_keys` are those allowed
    where the problem is, `enums` the words each enum-valued key accepts."""
    kind = problem["type"]
    field = next((p for p in reversed(problem["loc"]) if isinstance(p, str)), "")
    if kind == "extra_forbidden":
        guess = get_close_matches(field, known_keys, n=1)
        hint = f"; did you mean {guess[0]}?" if guess else f"; known keys: {', '.join(known_keys)}"
        return f"is not a known key{hint}"
    if kind == "enum" and enums and field in enums:
        return "must be one of " + ", ".join(member.value for member in enums[field])
    if kind == "missing":
        return "is required"
    if kind == "value_error":
        return str(problem["ctx"]["error"])
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "must be a mapping"
    if kind == "list_type":
        return "must be a list"
    if kind.startswith("date_"):
        return "must be a date like 2026-01-05"
    if kind == "string_type":
        given = problem["input"]
        number = isinstance(given, int | float) and not isinstance(given, bool)
        return "must be a string" + (" (quote numbers)" if number else "")
    return str(problem["msg"]).lower()
