"""The built-in template against golden documents; WARROOM_UPDATE_GOLDEN=1 rewrites them."""

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from postmortem_samples import Rows, empty_incident, full_incident, private_incident

from bot.incidents.postmortem.render import PostmortemRenderer, load_postmortem_renderer

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "postmortem"
UPDATE = os.environ.get("WARROOM_UPDATE_GOLDEN") == "1"
SAMPLES: dict[str, Callable[[], Rows]] = {
    "full": full_incident,
    "empty": empty_incident,
    "private": private_incident,
}


@pytest.fixture(scope="module")
def renderer() -> PostmortemRenderer:
    return load_postmortem_renderer(None)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_document_matches_its_golden_file(renderer: PostmortemRenderer, name: str) -> None:
    rendered = renderer.render(SAMPLES[name]().context())
    golden = GOLDEN / f"{name}.md"
    if UPDATE:
        golden.write_text(rendered, encoding="utf-8", newline="\n")
    assert golden.exists(), f"{golden} is missing: run with WARROOM_UPDATE_GOLDEN=1 to write it"
    assert rendered == golden.read_text(encoding="utf-8"), (
        f"{name}.md differs; if the change is intended, rerun with WARROOM_UPDATE_GOLDEN=1 "
        "and review the diff"
    )


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_same_rows_render_the_same_bytes(name: str) -> None:
    first = load_postmortem_renderer(None).render(SAMPLES[name]().context())
    second = load_postmortem_renderer(None).render(SAMPLES[name]().context())
    assert first.encode() == second.encode()


def test_sections_come_in_the_agreed_order(renderer: PostmortemRenderer) -> None:
    headings = [
        line
        for line in renderer.render(full_incident().context()).splitlines()
        if line[:2] == "# " or line.startswith("## ")
    ]
    assert headings == [
        "# Incident Post-Mortem: #inc-42-checkout-api-returning-502s Checkout API returning 502s",
        "## Summary",
        "## Impact",
        "## Timeline",
        "## Root Cause",
        "## Contributing Factors",
        "## Resolution",
        "## Action Items",
        "## Lessons Learned",
        "## Prevention",
        "## Metrics",
    ]


def test_a_private_incident_without_a_channel_is_called_inc_n(renderer: PostmortemRenderer) -> None:
    document = renderer.render(private_incident().context())
    assert document.startswith("# Incident Post-Mortem: INC-9 Credential exposure review\n")
    assert "- **Visibility:** private incident" in document


def test_unfilled_sections_carry_blameless_prompts(renderer: PostmortemRenderer) -> None:
    document = renderer.render(empty_incident().context())
    sections = dict(
        (part.split("\n", 1)[0], part.split("\n", 1)[1].strip())
        for part in document.split("\n## ")[1:]
    )
    for name in (
        "Summary",
        "Impact",
        "Root Cause",
        "Contributing Factors",
        "Resolution",
        "Action Items",
        "Lessons Learned",
        "Prevention",
    ):
        prompt = sections[name].split("\n", 1)[0]
        assert prompt.startswith("_") and prompt.endswith("_") and "?" in prompt, name
        assert "who" not in prompt.lower().replace("who and what", ""), prompt
