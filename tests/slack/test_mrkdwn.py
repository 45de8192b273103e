"""Escaping, Slack markup and channel names."""

import pytest

from bot.core.text import (
    actor_mrkdwn,
    channel_name,
    escape_mrkdwn,
    is_slack_user,
    plain_from_slack,
    truncate,
    user_ids_in,
)


def test_escape_order_is_ampersand_first() -> None:
    assert escape_mrkdwn("a & <b> &lt;") == "a &amp; &lt;b&gt; &amp;lt;"


def test_mentions_survive_only_when_allowed() -> None:
    text = "ask <@U0BOB> not <!channel> or <https://x|y>"
    assert escape_mrkdwn(text) == "ask &lt;@U0BOB&gt; not &lt;!channel&gt; or &lt;https://x|y&gt;"
    kept = escape_mrkdwn(text, allow_user_mentions=True)
    assert kept.startswith("ask <@U0BOB> not &lt;!channel&gt;")


@pytest.mark.parametrize(
    ("slack", "plain"),
    [
        ("<!here> look", "@here look"),
        ("<!subteam^S123|@oncall> now", "@oncall now"),
        ("see <#C123|general>", "see #general"),
        ("<https://a.example>", "https://a.example"),
        ("<https://evil.example|Approve>", "Approve (https://evil.example)"),
        ("x &lt;y&gt; &amp;amp;", "x <y> &amp;"),
        ("hi <@U0BOB|bob>", "hi <@U0BOB>"),
    ],
)
def test_plain_from_slack(slack: str, plain: str) -> None:
    assert plain_from_slack(slack) == plain


def test_channel_name_is_slack_legal_and_at_most_80() -> None:
    name = channel_name("inc", 12345, "Ünïcode & EMOJI 🔥 " + "very long words " * 20)
    assert len(name) <= 80
    assert name.startswith("inc-12345-unicode-emoji")
    assert all(c.islower() or c.isdigit() or c in "-_" for c in name)


def test_channel_name_with_suffix_and_empty_slug() -> None:
    assert channel_name("inc", 3, "🔥🔥") == "inc-3"
    assert channel_name("inc", 3, "db down", suffix="-2") == "inc-3-db-down-2"
    assert len(channel_name("inc", 3, "word " * 40, suffix="-5")) <= 80


def test_truncate_marks_the_cut() -> None:
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abc", 4) == "abc"


def test_user_ids_in_order_without_repeats() -> None:
    assert user_ids_in("<@U2|b> <@U1> <@U2>") == ["U2", "U1"]


@pytest.mark.parametrize(
    ("actor", "shown"),
    [
        ("U0ALICE", "<@U0ALICE>"),
        ("W012ABCD", "<@W012ABCD>"),
        ("Alertmanager", "Alertmanager"),
        ("u0alice", "u0alice"),
        ("<!channel>", "&lt;!channel&gt;"),
        ("", ""),
    ],
)
def test_actors_are_mentioned_only_when_they_are_slack_users(actor: str, shown: str) -> None:
    assert actor_mrkdwn(actor) == shown
    assert is_slack_user(actor) == shown.startswith("<@")
