"""The README's settings table names every setting Warroom reads, and nothing it does not."""

import re
from pathlib import Path

from bot.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
ENV_EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"


def _settings_table() -> str:
    text = README.read_text()
    start = text.index("### Settings (environment or `.env`)")
    return text[start : text.index("\n### ", start + 1)]


def _named(table: str) -> set[str]:
    """Setting names in the table's first column; `X_SEV1` … `_SEV4` stands for all four."""
    names: set[str] = set()
    for row in table.splitlines():
        if not row.startswith("| `"):
            continue
        first = row.split("|")[1]
        found = re.findall(r"`([A-Z_0-9]+)`", first)
        names.update(n for n in found if not n.startswith("_"))
        ranged = re.search(r"`([A-Z_]+)_SEV1`\s*…\s*`_SEV4`", first)
        if ranged:
            names.update(f"{ranged.group(1)}_SEV{n}" for n in range(1, 5))
    return names


def test_every_setting_is_in_the_readme_table() -> None:
    settings = {name.upper() for name in Settings.model_fields}
    named = _named(_settings_table())
    assert settings - named == set(), "settings missing from the README table"
    assert named - settings == set(), "the README table names settings that do not exist"


def test_every_setting_is_in_the_example_env() -> None:
    example = ENV_EXAMPLE.read_text()
    missing = {n.upper() for n in Settings.model_fields if n.upper() not in example}
    assert missing == set()
