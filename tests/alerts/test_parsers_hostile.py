"""Whatever JSON arrives, every parser answers an AlertBatch within limits or a PayloadError."""

import copy
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.alerts.parsers import PARSERS
from bot.alerts.rules.signals import (
    MAX_KEY,
    MAX_LINK,
    MAX_TITLE,
    AlertBatch,
    AlertSignal,
    AlertSource,
    AlertState,
    PayloadError,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alerts"
SAMPLES = {
    name: [json.loads(path.read_text()) for path in sorted(FIXTURES.glob(f"{name}_*.json"))]
    for name in PARSERS
}
Parser = Callable[[Any], AlertBatch]

# Every character, NUL and unpaired surrogates included: `json.loads` hands both over.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
TRICKY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\ud800",
        "firing",
        "resolved",
        "trigger",
        "critical",
        "4",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "2024-02-30T10:00:00Z",
        "2024-05-14T10:00:00.123456789123+05:30",
        "2024-05-14T24:00:00+24:00",
        "http://[::1",
        "https://",
        "javascript:alert(1)",
        "https://example.com/a b",
        "<!channel>",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.builds(lambda: 10**5000)  # `str()` refuses integers this long
    | st.floats()  # NaN and ±Infinity too: `json.loads` accepts them
    | ANY_TEXT
    | TRICKY_TEXT
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(ANY_TEXT, children, max_size=5)
    ),
    max_leaves=30,
)


def nest(depth: int) -> Any:
    """A list inside a dict inside a list … `depth` levels deep, built without recursion."""
    value: Any = "bottom"
    for level in range(depth):
        value = [value] if level % 2 else {"alerts": value}
    return value


HUGE = (
    st.integers(min_value=1_000, max_value=200_000).map(lambda size: "x" * size)
    | st.integers(min_value=1_000, max_value=50_000).map(nest)
    | st.integers(min_value=2_000, max_value=20_000).map(lambda size: ["x"] * size)
)
REPLACEMENTS = JSON_VALUES | HUGE | TRICKY_TEXT


def paths(value: Any) -> list[tuple[Any, ...]]:
    """Every place in a JSON value down to a fixture's depth, the root `()` first."""
    found: list[tuple[Any, ...]] = [()]
    pending: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while pending:
        path, node = pending.pop()
        # An earlier mutation may have planted 50,000 levels: listing every path into
        # them would cost the square of that.
        if not isinstance(node, dict | list) or len(path) >= 8:
            continue
        for step, child in node.items() if isinstance(node, dict) else enumerate(node):
            found.append((*path, step))
            pending.append(((*path, step), child))
    return found


@st.composite
def mutated(draw: st.DrawFn, samples: list[Any]) -> Any:
    """A real sample with one to three places dropped or replaced by something hostile."""
    body = copy.deepcopy(draw(st.sampled_from(samples)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(paths(body)))
        replacement = draw(REPLACEMENTS)
        if not path:
            body = replacement
            continue
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = replacement
    return body


def storable(text: str) -> bool:
    """Whether a database would take the text: no NUL, valid UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def check_signal(alert: AlertSignal, source: AlertSource) -> None:
    """One alert respects every limit AlertSignal promises."""
    assert isinstance(alert, AlertSignal)
    assert alert.source is source
    assert isinstance(alert.state, AlertState)
    assert 0 < len(alert.key) <= MAX_KEY
    assert 0 < len(alert.group) <= MAX_KEY
    assert 0 < len(alert.title) <= MAX_TITLE
    assert alert.link == "" or (
        alert.link.startswith(("http://", "https://")) and len(alert.link) <= MAX_LINK
    )
    for moment in (alert.starts_at, alert.ends_at):
        assert moment is None or moment.utcoffset() == timedelta(0)
    texts = [alert.key, alert.group, alert.title, alert.severity, alert.service, alert.summary]
    assert all(
        isinstance(key, str) and isinstance(value, str) for key, value in alert.labels.items()
    )
    texts += [*alert.labels, *alert.labels.values(), alert.link]
    assert all(isinstance(text, str) and storable(text) for text in texts)


def check_answer(parser: Parser, source: AlertSource, body: Any) -> None:
    """The parser answers a sound batch or a short PayloadError; anything else fails."""
    try:
        batch = parser(body)
    except PayloadError as error:
        assert isinstance(error.reason, str)
        assert 0 < len(error.reason) <= 200  # a reason never echoes the payload
        return
    assert isinstance(batch, AlertBatch)
    assert batch.source is source
    assert isinstance(batch.group_title, str)
    assert len(batch.group_title) <= MAX_TITLE
    assert storable(batch.group_title)
    for alert in batch.alerts:
        check_signal(alert, source)


PARSER_CASES = [
    pytest.param(parser, AlertSource(name), id=name) for name, parser in PARSERS.items()
]
HOSTILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(("parser", "source"), PARSER_CASES)
@HOSTILE
@given(body=JSON_VALUES)
def test_arbitrary_json_gives_a_batch_or_a_payload_error(
    parser: Parser, source: AlertSource, body: Any
) -> None:
    check_answer(parser, source, body)


@pytest.mark.parametrize("name", list(PARSERS))
@HOSTILE
@given(data=st.data())
def test_mutated_real_payloads_give_a_batch_or_a_payload_error(
    name: str, data: st.DataObject
) -> None:
    body = data.draw(mutated(SAMPLES[name]))
    check_answer(PARSERS[name], AlertSource(name), body)


@pytest.mark.parametrize("name", list(PARSERS))
def test_every_parser_has_real_samples_that_parse(name: str) -> None:
    assert SAMPLES[name]
    for body in SAMPLES[name]:
        assert PARSERS[name](body).alerts


@pytest.mark.parametrize("name", list(PARSERS))
def test_deeply_nested_values_anywhere_are_handled_without_recursing(name: str) -> None:
    deep = nest(100_000)
    for sample in SAMPLES[name]:
        check_answer(PARSERS[name], AlertSource(name), deep)
        for path in paths(sample)[1:]:
            body = copy.deepcopy(sample)
            parent = body
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = deep
            check_answer(PARSERS[name], AlertSource(name), body)


def test_nul_and_lone_surrogates_are_made_storable() -> None:
    body = {"title": "disk\x00 full \ud83d", "dedup_key": "k\udc00", "labels": {"\ud800": "\x00"}}
    (alert,) = PARSERS["generic"](body).alerts
    assert alert.title == "disk full ?"
    assert alert.key == "k?"
    assert alert.labels == {"?": ""}


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-05-14T10:00:00+24:00"],
)
def test_times_outside_pythons_range_are_refused(moment: str) -> None:
    with pytest.raises(PayloadError, match="started_at must be an RFC 3339 time"):
        PARSERS["generic"]({"title": "t", "dedup_key": "k", "started_at": moment})
