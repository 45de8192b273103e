"""Fitting escaped user text inside Block Kit limits."""

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.core.text import escape_mrkdwn
from bot.slack.blocks.limits import fit_mrkdwn, fit_plain, split_mrkdwn

PIECES = [*"ab &<>\n@U1", "<@U12>", "<!channel>"]
NASTY = st.lists(st.sampled_from(PIECES), max_size=200).map("".join)
HALF_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")
MENTION = re.compile(r"<@[UW][A-Z0-9]+>")


def assert_inert(out: str, mentions: bool) -> None:
    assert not HALF_ENTITY.search(out)
    rest = MENTION.sub("", out) if mentions else out
    assert "<" not in rest
    assert ">" not in rest


@given(NASTY, st.integers(min_value=1, max_value=120), st.booleans())
def test_fit_never_exceeds_and_never_cuts_an_entity(text, limit, mentions):
    out = fit_mrkdwn(text, limit, allow_user_mentions=mentions)
    assert len(out) <= limit
    assert_inert(out, mentions)


@given(NASTY, st.booleans())
def test_split_keeps_every_piece_within_the_limit(text, mentions):
    pieces = split_mrkdwn(text, 60, max_parts=50, allow_user_mentions=mentions)
    assert all(0 < len(p) <= 60 for p in pieces)
    for piece in pieces:
        assert_inert(piece, mentions)


def test_split_keeps_all_text_when_there_is_room():
    text = "alpha beta\ngamma delta " * 50
    pieces = split_mrkdwn(text, 100, max_parts=50)
    assert " ".join(pieces).split() == text.split()


def test_split_marks_what_it_drops():
    pieces = split_mrkdwn("word " * 500, 100, max_parts=3, marker="[cut]")
    assert len(pieces) == 3
    assert pieces[-1].endswith("[cut]")


def test_fit_keeps_short_text_whole():
    assert fit_mrkdwn("R&D <@U1>", 100, allow_user_mentions=True) == "R&amp;D <@U1>"
    assert fit_mrkdwn("a" * 10, 5) == "aaaa…"
    assert fit_mrkdwn("&&&&", 6) == escape_mrkdwn("&") + "…"


def test_plain_text_turns_markup_into_words():
    assert fit_plain("<!channel> see <https://evil.example|click>", 150) == (
        "@channel see click (https://evil.example)"
    )
    assert fit_plain("x" * 200, 150) == "x" * 149 + "…"
    assert fit_plain("&amp;lt;!channel&amp;gt; &lt;!here&gt;", 150) == "@channel @here"


@given(NASTY, st.booleans())
def test_split_loses_nothing_but_whitespace_when_there_is_room(text, mentions):
    pieces = split_mrkdwn(text, 60, max_parts=10_000, allow_user_mentions=mentions)
    joined = "".join(pieces).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", text)
