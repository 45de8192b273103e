"""User text shows literally: no heading, link, emphasis or HTML sneaks in through it."""

import re
from datetime import date, timedelta

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from postmortem_samples import T0, Rows, full_incident, stored

from bot.incidents.postmortem.render import load_postmortem_renderer, md, md_block, md_url
from storage.enums import EventKind
from storage.models import ActionItem

HOSTILE_TITLE = "*bold* _x_ # [link](http://e) <b> | pipe ##"
HOSTILE_LINES = [
    "# Not a heading",
    "- not a list",
    "> not a quote",
    "1. not ordered",
    "```",
    "<!channel> and <@U1> and <@U99> ping",
    "===",
    "---",
    "| a | b |",
    "|---|---|",
    "&amp; &copy; $x$ ~~strike~~ `tick` \\back ![img](http://i) <http://auto>",
    "[ref]: http://r",
    "<script>alert(1)</script>",
]
HOSTILE_BLOCK = "\n".join(HOSTILE_LINES[:6]) + "\n\n    indented\n" + "\n".join(HOSTILE_LINES[6:])
HOSTILE_NOTE = "# heading?\n- list? | pipe | `code` **strong** <!here> [x](javascript:alert(1))"
EVIL_LINK = "https://acme.slack.com/p1)[evil](http://x.example"
PEOPLE = {"U1": "alex_*the*_[great]", "U2": "bo"}


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _visible(inline: Token) -> str:
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def _hostile_rows() -> Rows:
    rows = full_incident()
    incident = rows.incident
    incident.title = HOSTILE_TITLE
    block, _ = stored(HOSTILE_BLOCK)  # typed in Slack: a mention arrives as <@U1>
    incident.summary = incident.impact = incident.root_cause = block
    incident.resolution = block
    incident.services = ["*svc*", "# api", "a|b"]
    incident.estimated_cost = "$5 to $10 `each`"
    rows.event(16, EventKind.NOTE, HOSTILE_NOTE, "U1")
    rows.event(17, EventKind.PINNED, "\n".join(HOSTILE_LINES), "U2", permalink=EVIL_LINK)
    rows.event(18, EventKind.PINNED, "no scheme", "U2", permalink="javascript:alert(1)")
    rows.action_items.append(
        ActionItem(
            incident_id=1,
            text="[ ] fake box *x* <!channel>\n# not a heading",
            owner="U1",
            due_on=date(2026, 4, 1),
            created_by="U1",
            created_at=T0 + timedelta(days=3),
        )
    )
    return rows


@pytest.fixture(scope="module")
def document() -> str:
    return load_postmortem_renderer(None).render(_hostile_rows().context(PEOPLE))


@pytest.fixture(scope="module")
def tokens(document: str) -> list[Token]:
    return _parser().parse(document)


def _inline_children(tokens: list[Token]) -> list[Token]:
    return [child for token in tokens if token.type == "inline" for child in token.children or []]


def test_only_the_templates_headings_exist(tokens: list[Token]) -> None:
    headings = [
        (token.tag, _visible(tokens[i + 1]))
        for i, token in enumerate(tokens)
        if token.type == "heading_open"
    ]
    assert headings[0] == (
        "h1",
        f"Incident Post-Mortem: #inc-42-checkout-api-returning-502s {HOSTILE_TITLE}",
    )
    assert [tag for tag, _ in headings] == ["h1"] + ["h2"] * 10


def test_no_html_code_quote_rule_or_extra_table_appears(tokens: list[Token]) -> None:
    block_types = {token.type for token in tokens}
    inline_types = {child.type for child in _inline_children(tokens)}
    assert not block_types & {"html_block", "fence", "code_block", "blockquote_open", "hr"}
    assert not inline_types & {"html_inline", "code_inline", "s_open", "image"}
    assert [t.type for t in tokens].count("table_open") == 1  # the metrics table
    assert "ordered_list_open" not in block_types


def test_the_only_links_are_the_pinned_messages_and_they_stay_whole(tokens: list[Token]) -> None:
    children = _inline_children(tokens)
    links = [
        (child.attrs["href"], children[i + 1].content)
        for i, child in enumerate(children)
        if child.type == "link_open"
    ]
    assert links == [
        ("https://acme.slack.com/archives/C0INC1/p1772960700000100", "message"),
        ("https://acme.slack.com/p1%29%5Bevil%5D%28http://x.example", "message"),
    ]


def test_emphasis_comes_only_from_the_template(tokens: list[Token]) -> None:
    children = _inline_children(tokens)
    strong = [children[i + 1].content for i, c in enumerate(children) if c.type == "strong_open"]
    emphasised = [children[i + 1].content for i, c in enumerate(children) if c.type == "em_open"]
    for text in strong:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|[A-Z][A-Za-z ]+:", text), text
    assert len(emphasised) == 3  # the prompts of the three sections nothing records yet
    assert all(text.startswith(("What", "How")) for text in emphasised)


def test_user_text_is_visible_literally(document: str, tokens: list[Token]) -> None:
    visible = "\n".join(_visible(t) for t in tokens if t.type == "inline")
    for line in HOSTILE_LINES:
        shown = line.replace("<@U1>", "@alex_*the*_[great]").replace("<@U99>", "@U99")
        assert shown in visible, line
    assert "    indented" not in document and "indented" in visible
    assert HOSTILE_TITLE in visible
    flat_note = " ".join(HOSTILE_NOTE.replace("\n", " ").split())
    assert f"Note by @alex_*the*_[great] · {flat_note}" in visible
    assert "[ ] fake box *x* <!channel> # not a heading — owner: @alex_*the*_[great]" in visible
    assert "*svc*, # api, a|b" in visible and "$5 to $10 `each`" in visible
    assert "no scheme" in visible  # its javascript: permalink was dropped, not linked


def test_mentions_show_names_and_unknown_ids_stay_ids(document: str) -> None:
    assert "<@U" not in document
    assert "@U99" in document


def test_a_one_line_value_never_breaks_its_line() -> None:
    assert md("first\nsecond\r\n  third") == "first second third"
    assert "\n" not in md(HOSTILE_BLOCK)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("# title", "\\# title"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("12. item", "12\\. item"),
        ("3) item", "3\\) item"),
        ("> quote", "\\> quote"),
        ("===", "\\==="),
        ("Region down #", "Region down \\#"),
        ("##", "\\##"),
        ("C# build", "C# build"),
        ("a | b", "a \\| b"),
        ("AT&T &amp;", "AT&T \\&amp;"),
        ("snake_case *x*", "snake\\_case \\*x\\*"),
        ("", ""),
        (None, ""),
    ],
)
def test_md_escapes_what_markdown_would_read(text: str | None, escaped: str) -> None:
    assert md(text) == escaped


def test_md_block_keeps_lines_and_paragraphs() -> None:
    text = "one\n- two\n\n\n\n  three  \r\nfour"
    assert md_block(text) == "one\\\n\\- two\n\nthree\\\nfour"
    rendered = _parser().render(md_block(text))
    assert rendered == "<p>one<br />\n- two</p>\n<p>three<br />\nfour</p>\n"


def test_md_url_keeps_a_link_inside_its_parentheses() -> None:
    assert md_url("https://e.example/a b(c)<d>") == "https://e.example/a%20b%28c%29%3Cd%3E"
    assert md_url("https://e.example/p?x=1&y=2#f") == "https://e.example/p?x=1&y=2#f"
