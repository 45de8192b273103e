"""`stakeholders:` in warroom.yml: audiences, the severities that reach them, customer success
when customers are affected; every mistake one line naming the entry and the field."""

from pathlib import Path

import pytest

from bot.comms.config import ConfigError, load_comms_config
from bot.comms.definitions import Audience, CommsConfig
from storage.enums import Severity

GOOD = """\
stakeholders:
  - name: executives
    channel: "#exec-incidents"
    emails: [cto@example.com, cto@example.com, ceo@example.com]
    severities: [SEV1]
  - name: customer-success
    channel: C0CS
    when_customers_affected: true
  - name: support
    emails: [support@example.com]
    severities: [sev1, sev2]
    when_customers_affected: true
"""


def _load(tmp_path: Path, text: str) -> CommsConfig:
    path = tmp_path / "warroom.yml"
    path.write_text(text)
    return load_comms_config(str(path))


def test_audiences_are_read_as_written(tmp_path: Path) -> None:
    config = _load(tmp_path, GOOD)
    executives, success, support = config.audiences
    assert support.severities == {Severity.SEV1, Severity.SEV2}
    assert executives == Audience(
        name="executives",
        channel="exec-incidents",
        emails=("cto@example.com", "ceo@example.com"),
        severities=frozenset({Severity.SEV1}),
    )
    assert (success.channel, success.emails, success.when_customers_affected) == (
        "C0CS",
        (),
        True,
    )
    reached = config.reached(Severity.SEV2, customers_affected=False)
    assert [a.name for a in reached] == ["support"]
    reached = config.reached(Severity.SEV3, customers_affected=True)
    assert [a.name for a in reached] == ["customer-success", "support"]
    assert config.nagged_severities() == {Severity.SEV1, Severity.SEV2}


def test_no_file_or_no_section_means_no_audiences(tmp_path: Path) -> None:
    assert load_comms_config(None).audiences == ()
    assert _load(tmp_path, "routes: []\n").audiences == ()


def test_only_sev1_audiences_nag_only_sev1(tmp_path: Path) -> None:
    text = "stakeholders:\n  - name: exec\n    channel: exec\n    severities: [sev1, sev3]\n"
    assert _load(tmp_path, text).nagged_severities() == {Severity.SEV1}


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ("stakeholders: {exec: 1}", "stakeholders: must be a list"),
        ("stakeholders: [exec]", "stakeholders[0]: must be a mapping"),
        (
            "stakeholders:\n  - channel: exec\n    severities: [sev1]",
            "stakeholders[0]: name: is required",
        ),
        (
            "stakeholders:\n  - name: Exec Team\n    channel: exec\n    severities: [sev1]",
            "stakeholder audience Exec Team: name: 'Exec Team' must be lowercase letters",
        ),
        (
            "stakeholders:\n  - name: exec\n    chanel: exec\n    severities: [sev1]",
            "stakeholder audience exec: chanel: is not a known key; did you mean channel?",
        ),
        (
            "stakeholders:\n  - name: exec\n    channel: Exec Room\n    severities: [sev1]",
            "stakeholder audience exec: channel: 'Exec Room' is not a Slack channel",
        ),
        (
            "stakeholders:\n  - name: exec\n    emails: [cto]\n    severities: [sev1]",
            "stakeholder audience exec: emails[0]: 'cto' is not an e-mail address",
        ),
        (
            "stakeholders:\n  - name: exec\n    emails: cto@example.com\n    severities: [sev1]",
            "stakeholder audience exec: emails: must be a list",
        ),
        (
            "stakeholders:\n  - name: exec\n    channel: exec\n    severities: [sev9]",
            "stakeholder audience exec: severities[0]: 'sev9' is not a severity",
        ),
        (
            "stakeholders:\n  - name: exec\n    channel: exec\n    when_customers_affected: maybe",
            "stakeholder audience exec: when_customers_affected: must be true or false",
        ),
        (
            "stakeholders:\n  - name: exec\n    severities: [sev1]",
            "stakeholder audience exec: give a channel, emails, or both",
        ),
        (
            "stakeholders:\n  - name: exec\n    channel: exec",
            "stakeholder audience exec: no incident reaches it: list severities, or set "
            "when_customers_affected: true",
        ),
        (
            "stakeholders:\n  - {name: a, channel: x, severities: [sev1]}\n"
            "  - {name: a, channel: y, severities: [sev2]}",
            "stakeholder audience a: name: 'a' is used twice",
        ),
    ],
)
def test_each_mistake_is_one_line_naming_the_entry(tmp_path: Path, entry: str, said: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, entry + "\n")
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'warroom.yml'}: {said}"), message
    assert "\n" not in message
