"""warroom.yml's components and status_page sections: read as written, every mistake one line
naming the file, the entry and the field."""

from pathlib import Path

import pytest

from bot.statuspage.config import ConfigError, load_statuspage_config
from bot.statuspage.definitions import Branding, ComponentDef, StatusPageConfig


def load(tmp_path: Path, text: str) -> StatusPageConfig:
    path = tmp_path / "warroom.yml"
    path.write_text(text)
    return load_statuspage_config(str(path))


def test_components_and_branding_are_read(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
components:
  - {name: API, group: Platform, description: REST, services: [checkout, checkout, api]}
  - {name: Docs}
status_page:
  name: Acme Status
  logo_url: https://example.com/logo.png
  accent_color: "#0a7d33"
  support_url: https://example.com/help
routes: []
""",
    )
    assert config.components == (
        ComponentDef("API", "Platform", "REST", ("checkout", "api")),
        ComponentDef("Docs"),
    )
    assert config.branding == Branding(
        "Acme Status",
        "https://example.com/logo.png",
        "#0a7d33",
        "https://example.com/help",
    )


def test_no_file_and_no_sections_give_the_defaults(tmp_path: Path) -> None:
    assert load_statuspage_config(None).components == ()
    assert load(tmp_path, "routes: []\n").branding == Branding()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("components: {API: 1}", "components: must be a list"),
        ("components: [API]", "components[0]: must be a mapping"),
        ("components: [{group: x}]", "components[0]: name: is required"),
        ('components: [{name: ""}]', "components[0]: name: must not be empty"),
        ("components: [{name: A}, {name: A}]", "component A: name: 'A' is used twice"),
        ("components: [{name: 'a,b'}]", "component a,b: name: 'a,b' must not contain a comma"),
        ("components: [{name: A, group: 7}]", "component A: group: must be a string"),
        ("components: [{name: A, group: [x]}]", "component A: group: must be a string"),
        ("components: [{name: A, services: web}]", "component A: services: must be a list"),
        (
            "components: [{name: A, services: [web, 5]}]",
            "component A: services[1]: must be a string (quote numbers)",
        ),
        ("components: [{name: A, sevrices: [x]}]", "sevrices: is not a known key; did you mean"),
        ("status_page: [x]", "status_page: must be a mapping"),
        ("status_page: {accent_color: red}", "status_page: accent_color: 'red' is not a colour"),
        (
            "status_page: {logo_url: 'javascript:alert(1)'}",
            "status_page: logo_url: 'javascript:alert(1)' is not an http(s) URL",
        ),
        ("status_page: {support_url: 'x\" onload=y'}", "support_url:"),
        ('status_page: {name: ""}', "status_page: name: must not be empty"),
    ],
)
def test_a_mistake_is_one_line_naming_where_it_is(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, text)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'warroom.yml'}: ")
    assert problem in message
