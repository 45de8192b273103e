"""Fitting escaped user text inside Block Kit limits."""

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.slack.blocks.limits import fit_mrkdwn, fit_plain, split_mrkdwn
from bot.slack.mrkdwn import escape_mrkdwn

PIECES = [*"ab &<>\n@U1", "@U12", "<@U12>", "<!channel>"]
NASTY = st.lists(st.sampled_from(PIECES), max_size=200).map("".join)
HALF_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")
MENTION = re.compile(r"<@[UW][A-Z0-9]+>")


def _listed(mentions: bool) -> list[str]:
    """The people the text may mention: the ones its `@U1` and `@U12` name, or nobody."""
    return ["U1", "U12"] if mentions else []


def assert_inert(out: str, mentions: bool) -> None:
    assert not HALF_ENTITY.search(out)
    rest = MENTION.sub("", out) if mentions else out
    assert "<" not in rest
    assert ">" not in rest


@given(NASTY, st.integers(min_value=1, max_value=120), st.booleans())
def test_fit_never_exceeds_and_never_cuts_an_entity(text, limit, mentions):
    out = fit_mrkdwn(text, limit, mentions=_listed(mentions))
    assert len(out) <= limit
    assert_inert(out, mentions)


@given(NASTY, st.booleans())
def test_split_keeps_every_piece_within_the_limit(text, mentions):
    pieces = split_mrkdwn(text, 60, max_parts=50, mentions=_listed(mentions))
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
    assert fit_mrkdwn("R&D @U1", 100, mentions=["U1"]) == "R&amp;D <@U1>"
    assert fit_mrkdwn("R&D <@U1>", 100) == "R&amp;D &lt;@U1&gt;"
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
    pieces = split_mrkdwn(text, 60, max_parts=10_000, mentions=_listed(mentions))
    joined = re.sub(r"<@([UW][A-Z0-9]+)>", r"@\1", "".join(pieces))
    joined = joined.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", text)
