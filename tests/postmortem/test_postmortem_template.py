"""A custom template is checked at start-up: every problem is one line naming the file."""

import os
from pathlib import Path

import pytest
from postmortem_samples import full_incident

from bot.incidents.postmortem.render import (
    PostmortemRenderer,
    TemplateProblem,
    default_template,
    load_postmortem_renderer,
)

MINIMAL = "# {{ title | md }}\n{% for entry in timeline %}- {{ entry.label | md }}\n{% endfor %}"


def _problem(path: str | None) -> str:
    with pytest.raises(TemplateProblem) as caught:
        load_postmortem_renderer(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("postmortem template ")
    return message


def test_no_path_or_a_blank_one_means_the_built_in_template() -> None:
    for path in (None, "", "  "):
        assert load_postmortem_renderer(path).path == default_template()
    assert default_template().name == "postmortem.md.j2" and default_template().is_file()


def test_a_custom_template_renders(tmp_path: Path) -> None:
    template = tmp_path / "mine.md.j2"
    template.write_text(MINIMAL)
    document = load_postmortem_renderer(str(template)).render(full_incident().context())
    assert document.startswith("# Checkout API returning 502s\n- Impact began\n- Declared\n")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.md.j2"
    assert _problem(str(missing)) == f"postmortem template {missing}: no such file"


def test_a_folder_is_not_a_template(tmp_path: Path) -> None:
    assert _problem(str(tmp_path)) == f"postmortem template {tmp_path}: is a folder, not a file"


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    template = tmp_path / "latin1.md.j2"
    template.write_bytes("# Caf\xe9 {{ title }}".encode("latin-1"))
    assert _problem(str(template)) == f"postmortem template {template}: is not UTF-8 text"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    template = tmp_path / "secret.md.j2"
    template.write_text(MINIMAL)
    template.chmod(0)
    assert "cannot be read (Permission denied)" in _problem(str(template))


def test_a_syntax_error_names_its_line(tmp_path: Path) -> None:
    template = tmp_path / "broken.md.j2"
    template.write_text("# {{ title }}\n\n{% for entry in timeline %}\n- {{ entry.text }\n")
    message = _problem(str(template))
    assert message.startswith(f"postmortem template {template}:4: syntax error: ")


def test_an_unclosed_block_is_a_syntax_error(tmp_path: Path) -> None:
    template = tmp_path / "unclosed.md.j2"
    template.write_text("# {{ title }}\n{% if summary %}\n{{ summary }}\n")
    assert f"{template}:" in _problem(str(template)) and "syntax error" in _problem(str(template))


def test_an_undefined_name_fails_the_sample_render_with_its_line(tmp_path: Path) -> None:
    template = tmp_path / "typo.md.j2"
    template.write_text("# {{ title }}\n\n{{ sumary }}\n")
    assert _problem(str(template)) == (
        f"postmortem template {template}:3: rendering a sample incident failed: "
        "'sumary' is undefined"
    )


def test_an_undefined_name_in_a_branch_only_an_empty_incident_takes_is_caught(
    tmp_path: Path,
) -> None:
    template = tmp_path / "branch.md.j2"
    template.write_text("{% if summary %}{{ summary }}{% else %}{{ no_such_prompt }}{% endif %}\n")
    assert "'no_such_prompt' is undefined" in _problem(str(template))


def test_an_unknown_filter_is_named(tmp_path: Path) -> None:
    template = tmp_path / "filter.md.j2"
    template.write_text("# {{ title | markdownify }}\n")
    message = _problem(str(template))
    assert str(template) in message and "markdownify" in message


def test_a_template_that_raises_while_rendering_is_caught(tmp_path: Path) -> None:
    template = tmp_path / "raises.md.j2"
    template.write_text("# {{ title }}\n{{ 1 // (timeline | length - timeline | length) }}\n")
    message = _problem(str(template))
    assert f"{template}:2: rendering a sample incident failed: ZeroDivisionError" in message


def test_an_include_of_a_missing_file_is_named(tmp_path: Path) -> None:
    template = tmp_path / "outer.md.j2"
    template.write_text("# {{ title }}\n{% include 'inner.md.j2' %}\n")
    assert "inner.md.j2" in _problem(str(template))


def test_the_renderer_can_be_built_directly() -> None:
    renderer = PostmortemRenderer()
    assert renderer.render(full_incident().context()).startswith("# Incident Post-Mortem: ")
