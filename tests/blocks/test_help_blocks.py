"""The `/incident help` message."""

import pytest

from bot.slack.blocks import build_help_blocks

SUBCOMMANDS = [
    "declare [sev1|sev2|sev3|sev4] &lt;title&gt;",
    "update &lt;text&gt;",
    "severity &lt;sev1-4&gt;",
    "status &lt;triage|investigating|identified|mitigated|resolved|closed&gt;",
    "commander @user",
    "role &lt;comms|scribe|responder&gt; @user",
    "note &lt;text&gt;",
    "resolve [summary]",
    "close",
    "list",
    "help",
]


@pytest.mark.parametrize("usage", SUBCOMMANDS)
def test_help_lists_every_subcommand(usage, block_kit):
    blocks = build_help_blocks()
    block_kit.message(blocks)
    assert usage in block_kit.texts(blocks)


def test_help_mentions_the_declare_form(block_kit):
    text = block_kit.texts(build_help_blocks())
    assert "`/incident declare [sev1|sev2|sev3|sev4] &lt;title&gt;`" in text
    assert "`declare` alone opens a form" in text


def test_unknown_subcommand_is_named_first_and_escaped(block_kit, hostile):
    blocks = build_help_blocks("frobnicate")
    assert blocks[0]["text"]["text"] == "I don't know `/incident frobnicate`."
    hostile_blocks = build_help_blocks(hostile)
    block_kit.message(hostile_blocks)
    block_kit.harmless(hostile_blocks)
    assert hostile_blocks[0]["text"]["text"].startswith("I don't know `/incident &lt;!channel&gt;")


def test_without_unknown_there_is_no_apology():
    assert not build_help_blocks()[0]["text"]["text"].startswith("I don't know")
