"""Slack markup in, plain text out; plain text in, escaped mrkdwn out; channel names."""

import pytest

from bot.kernel.text import actor_text, is_person, mentions_of, split_mentions, truncate
from bot.slack.mrkdwn import (
    channel_name,
    escape_mrkdwn,
    plain_from_slack,
    render_mrkdwn,
    user_ids_in,
)


def test_escape_order_is_ampersand_first() -> None:
    assert escape_mrkdwn("a & <b> &lt;") == "a &amp; &lt;b&gt; &amp;lt;"


def test_only_listed_mentions_become_slack_mentions() -> None:
    text = "ask @U0BOB not @U0EVE or <!channel> or <https://x|y>"
    shown = render_mrkdwn(text, ["U0BOB"])
    assert shown.startswith("ask <@U0BOB> not @U0EVE or &lt;!channel&gt;")
    assert render_mrkdwn(text) == escape_mrkdwn(text)


def test_a_listed_user_group_is_a_subteam_mention() -> None:
    assert render_mrkdwn("paged @S0ONCALL", ["S0ONCALL"]) == "paged <!subteam^S0ONCALL>"


@pytest.mark.parametrize(
    ("slack", "plain"),
    [
        ("<!here> look", "@here look"),
        ("<!subteam^S123|@oncall> now", "@oncall now"),
        ("see <#C123|general>", "see #general"),
        ("<https://a.example>", "https://a.example"),
        ("<https://evil.example|Approve>", "Approve (https://evil.example)"),
        ("x &lt;y&gt; &amp;amp;", "x <y> &amp;"),
        ("hi <@U0BOB|bob>", "hi @U0BOB"),
        ("nul\x00 and bell\x07 gone, tab\tkept", "nul and bell gone, tab\tkept"),
    ],
)
def test_plain_from_slack(slack: str, plain: str) -> None:
    assert plain_from_slack(slack) == plain


def test_plain_text_round_trips_to_the_same_mention() -> None:
    slack = "ask <@U0BOB|bob> & <@U0AMY>"
    assert render_mrkdwn(plain_from_slack(slack), user_ids_in(slack)) == (
        "ask <@U0BOB> &amp; <@U0AMY>"
    )


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
        ("U0ALICE", "@U0ALICE"),
        ("W012ABCD", "@W012ABCD"),
        ("Alertmanager", "Alertmanager"),
        ("u0alice", "u0alice"),
        ("<!channel>", "<!channel>"),
        ("", ""),
    ],
)
def test_actors_are_mentioned_only_when_they_are_people(actor: str, shown: str) -> None:
    assert actor_text(actor) == shown
    assert is_person(actor) == shown.startswith("@")
    assert mentions_of(actor) == ([actor] if shown.startswith("@") else [])


def test_split_mentions_keeps_unlisted_ids_as_text() -> None:
    parts = split_mentions("@U1 told @U2", ["U1"])
    assert [getattr(p, "id", p) for p in parts] == ["U1", " told @U2"]
