"""Hostile webhooks over real HTTP: never a 5xx, a refusal says why, and never half a write.

One app per test takes every example, so what earlier examples stored is there for later
ones to repeat, resolve or collide with. After each request: the status is below 500; a
refusal is JSON with a reason and left Alert, AlertGroup, WebhookDelivery, Incident and
TimelineEvent exactly as they were; an acceptance stored the body byte for byte.
"""

import copy
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from conftest import MakeHarness
from harness import WEBHOOK_TOKEN, Harness
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy import func, select
from sqlmodel import Session, col
from sqlmodel import select as select_rows

from storage.models import Alert, AlertGroup, Incident, TimelineEvent, WebhookDelivery

MAX_BODY = 1024 * 1024
UNKNOWN = "nagios"
SOURCES = ["alertmanager", "grafana", "pagerduty", "generic", UNKNOWN]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alerts"
PAYLOADS = {
    path.relative_to(FIXTURES).as_posix(): json.loads(path.read_text())
    for path in sorted([*FIXTURES.glob("*.json"), *FIXTURES.glob("captured/*.json")])
}
COUNTED = (Alert, AlertGroup, WebhookDelivery, Incident, TimelineEvent)
# WARROOM_HOSTILE_EXAMPLES=1000 for a long hunt; the default keeps the file near 35 s a backend.
HOSTILE = settings(
    max_examples=int(os.environ.get("WARROOM_HOSTILE_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one app for every example, on purpose
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
# The most digits `json.loads` takes in an integer (Python's int_max_str_digits); longer ones
# are refused with a 400 (pinned by a test at the end), which the strategies cannot build.
MAX_DIGITS = 4300


def own_payloads(source: str) -> list[str]:
    """The fixture names a source's endpoint takes; every fixture for an unknown source."""
    own = [name for name in PAYLOADS if name.rpartition("/")[2].startswith(f"{source}_")]
    return own or list(PAYLOADS)


def field_names(value: Any) -> set[str]:
    """Every object key anywhere in a JSON value."""
    found: set[str] = set()
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            found.update(node)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


FIELD_NAMES = sorted(set().union(*(field_names(p) for p in PAYLOADS.values())))

# -- what a hostile sender puts in a JSON value ------------------------------------------------

# Every character, NUL and lone surrogates included: json.dumps writes them as `\u0000`
# and `\ud800` escapes, which is how they arrive over the wire.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)
ODD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\ud800",
        "\udfff",
        "x\ud83d",
        "\ufeff",
        "\u2028\u2029",
        "\u202eevil",
        "e\u0301\u0301\u0301",
        "🔥" * 3,
        "<!channel> <@U123> <https://evil.example|ok>",
        "&amp;<>",
        "firing",
        "resolved",
        "FIRING",
        "trigger",
        "acknowledge",
        "resolve",
        "critical",
        "page",
        "4",
        "1",
        "null",
        "http://[::1",
        "https://",
        "javascript:alert(1)",
    ]
)
WRONG_TIMES = st.sampled_from(
    [
        "2024-13-01T00:00:00Z",
        "2024-02-30T12:00:00Z",
        "2024-05-14T25:61:61Z",
        "0000-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-23:59",
        "9999-12-31T23:59:59.999999999Z",
        "2024-05-14T11:12:31+24:00",
        "2024-05-14T11:12:31-00:00",
        "2024-05-14T11:12:31.1234567890123456789Z",
        "2024-05-14T11:12:31",
        "2024-05-14",
        "1715678460",
        "yesterday",
        "\uff12\uff10\uff12\uff14-05-14T11:12:31Z",  # fullwidth digits
        "2024-05-14T11:12:31\x00Z",
    ]
) | st.datetimes().map(lambda moment: moment.isoformat() + "Z")
NUMBERS = (
    st.integers()
    | st.sampled_from([-1, 0, -(2**63), 2**63 - 1, 2**63, 2**64 + 1])
    | st.integers(min_value=1, max_value=MAX_DIGITS).map(lambda digits: -int("9" * digits))
    | st.integers(min_value=1, max_value=MAX_DIGITS).map(lambda digits: int("9" * digits))
    | st.floats()  # NaN and ±Infinity too: json.dumps writes them and json.loads reads them
)
SCALARS = st.none() | st.booleans() | NUMBERS | ANY_TEXT | ODD_TEXT
KEYS = ANY_TEXT | st.sampled_from(FIELD_NAMES)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=25,
)

# Values json.dumps cannot write as wanted travel as a marker string and are spliced into
# the text afterwards: nesting deeper than json.dumps recurses, and number literals such as
# `1e999` or `-0`.
_MARKER = re.compile(r'"\\u0000(deep|literal):([^"]*)"')


def deep(depth: int) -> str:
    """A marker for `depth` nested lists."""
    return f"\x00deep:{depth}"


def literal(text: str) -> str:
    """A marker for a JSON number literal written as is."""
    return f"\x00literal:{text}"


def _splice(match: re.Match[str]) -> str:
    if match[1] == "deep":
        depth = int(match[2])
        return "[" * depth + "0" + "]" * depth
    return match[2]


def encode(value: Any, *, ascii_only: bool = True) -> bytes:
    """The body a sender would POST; without `ascii_only`, lone surrogates become bad UTF-8."""
    # json.dumps escapes control characters either way, so the markers' NUL is always `\u0000`.
    text = _MARKER.sub(_splice, json.dumps(value, ensure_ascii=ascii_only))
    return text.encode("utf-8", "surrogatepass")


HUGE_TEXT = st.tuples(
    st.sampled_from(["x", "é", "€", "😀", "\ud800", "\x00", " ", "\\", '"', "<!here>"]),
    st.integers(min_value=1, max_value=200_000),
).map(lambda pair: pair[0] * max(1, pair[1] // len(json.dumps(pair[0]))))
LITERALS = st.sampled_from(
    ["1e999", "-1e999", "1E+400", "-0", "-0.0", "5e-324", "1e-400", "0." + "0" * 400 + "1"]
).map(literal)
DEEP = st.integers(min_value=2, max_value=5_000).map(deep)
SWAPPED: st.SearchStrategy[Any] = st.sampled_from(
    [None, True, False, 0, -1, 1.5, "", "0", [], {}, [[]], {"": None}]
)
HOSTILE_VALUES = (
    SWAPPED | ODD_TEXT | WRONG_TIMES | NUMBERS | LITERALS | DEEP | HUGE_TEXT | JSON_VALUES
)


def places(document: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a JSON value, in a stable order."""
    found: list[tuple[Any, Any]] = []
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            steps = list(node.items())
        elif isinstance(node, list):
            steps = list(enumerate(node))
        else:
            continue
        for step, child in steps:
            found.append((node, step))
            pending.append(child)
    return found


@st.composite
def mutated(draw: st.DrawFn, names: list[str]) -> Any:
    """A real payload with one to four places dropped, swapped, added or duplicated."""
    document = copy.deepcopy(PAYLOADS[draw(st.sampled_from(names))])
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        spots = places(document)
        if not spots:
            break
        parent, step = draw(st.sampled_from(spots))
        action = draw(st.sampled_from(["drop", "swap", "swap", "add", "duplicate"]))
        # Copies: sampled values are shared objects, and a later step may change this one.
        if action == "drop":
            del parent[step]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(KEYS)] = copy.deepcopy(draw(HOSTILE_VALUES))
        elif action == "duplicate" and isinstance(parent, list):
            # Two alerts with one key in one delivery, or a second alert with a twist.
            parent.insert(draw(st.integers(0, len(parent))), copy.deepcopy(parent[step]))
        else:
            parent[step] = copy.deepcopy(draw(HOSTILE_VALUES))
    return document


# -- bodies that are not JSON, or only nearly --------------------------------------------------


def valid_bodies(source: str) -> st.SearchStrategy[bytes]:
    """A real payload of the source, as bytes."""
    return st.sampled_from(own_payloads(source)).map(lambda name: encode(PAYLOADS[name]))


def flip(body: bytes, at: int, byte: int) -> bytes:
    """`body` with one byte replaced."""
    at %= len(body)
    return body[:at] + bytes([byte]) + body[at + 1 :]


def padded(body: bytes, size: int) -> bytes:
    """`body` after leading JSON whitespace, `size` bytes in all (or `body` if longer)."""
    return b" " * max(0, size - len(body)) + body


ODD_BYTES = st.sampled_from(
    [
        b"",
        b" \r\n\t",
        b"\x00",
        b"null",
        b"{}",
        b"[]",
        b'""',
        b"\xef\xbb\xbf{}",
        b"\xff\xfe{\x00}\x00",
        b'{"title": "\xc0\x80", "dedup_key": "k"}',  # an overlong NUL
        b'{"title": "\xed\xa0\x80", "dedup_key": "k"}',  # a surrogate as UTF-8 bytes
        b'{"title": "a\x00b", "dedup_key": "k"}',  # a raw NUL inside a string
        b'{"title": "t", "dedup_key": "k"}\x00',
        b'{"title": "t", "dedup_key": "k"',
        b'{"title": "t", "dedup_key": "k"}{"title": "t", "dedup_key": "k"}',
        b'{"title": NaN, "dedup_key": Infinity}',
        b"[" * 100_000,
        b"{" * 10_000,
    ]
)


def raw_bodies(source: str) -> st.SearchStrategy[bytes]:
    """Arbitrary bytes, and real payloads bent just a little (a byte, a prefix, padding)."""
    valid = valid_bodies(source)
    return st.one_of(
        st.binary(max_size=2_048),
        ODD_BYTES,
        st.builds(flip, valid, st.integers(min_value=0), st.integers(0, 255)),
        st.builds(lambda body, cut: body[: cut % (len(body) + 1)], valid, st.integers(0)),
        st.builds(lambda body, tail: body + tail, valid, st.binary(min_size=1, max_size=64)),
        st.builds(padded, valid, st.integers(MAX_BODY - 4, MAX_BODY + 4)),
    )


# -- credentials and headers -------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """Headers and query parameters, and whether the contract says they must let a sender in.

    `authorised` is None where the contract leaves it open (two tokens that disagree).
    """

    name: str
    headers: list[tuple[str, str | bytes]] = field(default_factory=list)
    params: list[tuple[str, str]] = field(default_factory=list)
    authorised: bool | None = False


def query_string(params: list[tuple[str, str]]) -> str:
    """`?name=value&…`, percent-encoded; a lone surrogate goes out as the bytes UTF-8 refuses."""
    if not params:
        return ""
    pairs = (
        f"{quote(name, safe='')}={quote(value, safe='', errors='surrogatepass')}"
        for name, value in params
    )
    return "?" + "&".join(pairs)


def as_bytes(header: tuple[str, str | bytes]) -> tuple[bytes, bytes]:
    """A header as the bytes that go on the wire."""
    name, value = header
    return name.encode("ascii"), value if isinstance(value, bytes) else value.encode("latin-1")


def bearer(token: str) -> list[tuple[str, str | bytes]]:
    """An Authorization header."""
    return [("authorization", f"Bearer {token}")]


# What an HTTP client can put in a header: no control characters, no space at either end.
HEADER_SAFE = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=64
)
WRONG_TOKENS = st.one_of(
    HEADER_SAFE,
    st.sampled_from(
        [
            WEBHOOK_TOKEN[:-1],
            WEBHOOK_TOKEN + "x",
            WEBHOOK_TOKEN.upper(),
            "x" + WEBHOOK_TOKEN,
            WEBHOOK_TOKEN[:16],
            "x" * 4_000,
        ]
    ),
).filter(lambda token: token.strip() != WEBHOOK_TOKEN)
QUERY_TOKENS = ANY_TEXT.filter(lambda token: token.strip() != WEBHOOK_TOKEN)

CREDENTIALS = st.one_of(
    st.just(Credentials("none")),
    st.just(Credentials("bearer", bearer(WEBHOOK_TOKEN), authorised=True)),
    st.just(Credentials("query", params=[("token", WEBHOOK_TOKEN)], authorised=True)),
    st.sampled_from(["bearer", "BEARER", "Bearer ", "bEaReR  "]).map(
        lambda scheme: Credentials(
            "scheme", [("authorization", f"{scheme} {WEBHOOK_TOKEN}")], authorised=True
        )
    ),
    WRONG_TOKENS.map(lambda token: Credentials("wrong bearer", bearer(token))),
    QUERY_TOKENS.map(lambda token: Credentials("wrong query", params=[("token", token)])),
    st.sampled_from(
        [
            Credentials("bare scheme", [("authorization", "Bearer")]),
            Credentials("basic", [("authorization", "Basic dGVzdDp0ZXN0")]),
            Credentials("token scheme", [("authorization", f"Token {WEBHOOK_TOKEN}")]),
            Credentials("no scheme", [("authorization", WEBHOOK_TOKEN)]),
            Credentials("other header", [("x-webhook-token", WEBHOOK_TOKEN)]),
            Credentials("latin-1 bytes", [("authorization", b"Bearer \xff\xfe\xe9")]),
            Credentials("empty query", params=[("token", "")]),
            Credentials("nul query", params=[("token", "\x00" + WEBHOOK_TOKEN)]),
            Credentials("query key case", params=[("TOKEN", WEBHOOK_TOKEN)]),
            Credentials(
                "bearer right, query wrong",
                bearer(WEBHOOK_TOKEN),
                [("token", "wrong")],
                authorised=True,
            ),
            Credentials(
                "bearer wrong, query right",
                bearer("wrong-token-0123456789"),
                [("token", WEBHOOK_TOKEN)],
                authorised=None,
            ),
            Credentials(
                "two headers",
                [*bearer("wrong-token-0123456789"), *bearer(WEBHOOK_TOKEN)],
                authorised=None,
            ),
            Credentials(
                "two query tokens",
                params=[("token", "wrong"), ("token", WEBHOOK_TOKEN)],
                authorised=None,
            ),
        ]
    ),
)
ODD_HEADERS = st.lists(
    st.sampled_from(
        [
            ("content-type", "text/plain"),
            ("content-type", "application/x-www-form-urlencoded"),
            ("content-type", "multipart/form-data; boundary=x"),
            ("content-type", "application/json; charset=utf-16"),
            ("content-type", "application/json"),
            ("content-type", ';;==; charset=""'),
            ("content-encoding", "gzip"),
            ("accept", "text/html"),
            ("x-forwarded-for", "203.0.113.9, 10.0.0.1"),
            ("user-agent", "Alertmanager/0.27.0"),
            ("x-padding", "p" * 4_000),
        ]
    ),
    max_size=3,
)

# -- the app under attack, and the properties --------------------------------------------------


def count_rows(harness: Harness) -> dict[str, int]:
    """Rows in every table a delivery writes, read in one query."""
    query = select(
        *(select(func.count()).select_from(t).scalar_subquery().label(t.__name__) for t in COUNTED)
    )
    with harness.engine.connect() as connection:
        return dict(connection.execute(query).one()._mapping)


def newest_delivery(harness: Harness) -> WebhookDelivery | None:
    """The last stored webhook body."""
    with Session(harness.engine) as session:
        query = select_rows(WebhookDelivery).order_by(col(WebhookDelivery.id).desc()).limit(1)
        return session.exec(query).first()


@dataclass
class Target:
    """The running app, and one kept-alive client that POSTs to it."""

    harness: Harness
    client: httpx.Client

    def post(
        self,
        source: str,
        content: bytes,
        *,
        credentials: Credentials | None = None,
        headers: list[tuple[str, str | bytes]] | None = None,
        chunked: bool = False,
    ) -> httpx.Response:
        """POST raw bytes; the token as a Bearer header unless other credentials are given."""
        credentials = credentials or Credentials("bearer", bearer(WEBHOOK_TOKEN))
        sent: Any = iter([content]) if chunked else content
        return self.client.post(
            f"/webhooks/{source}{query_string(credentials.params)}",
            content=sent,
            headers=[as_bytes(header) for header in [*credentials.headers, *(headers or [])]],
        )

    def attack(self, source: str, content: bytes, **options: Any) -> httpx.Response:
        """POST, then check every property; return the answer for further checks."""
        self.harness.settle()  # no follow-up of an earlier delivery may move the counts
        before = count_rows(self.harness)
        response = self.post(source, content, **options)
        shown = f"HTTP {response.status_code} {response.text[:500]!r} for {content[:300]!r}"
        if currently_in_test_context():  # see them with --hypothesis-show-statistics
            event(f"HTTP {response.status_code}")
        if response.is_success:
            assert response.status_code == 202, shown
            self.check_stored(source, content, response, before)
            return response
        after = count_rows(self.harness)
        assert response.status_code < 500, f"{shown}; rows before {before}, after {after}"
        assert after == before, f"a partial write: {shown}; rows before {before}, after {after}"
        self.check_refusal(response, shown)
        return response

    def check_stored(
        self, source: str, content: bytes, response: httpx.Response, before: dict[str, int]
    ) -> None:
        """An accepted delivery was kept exactly as sent."""
        after = count_rows(self.harness)
        assert after["WebhookDelivery"] == before["WebhookDelivery"] + 1, (before, after)
        stored = newest_delivery(self.harness)
        assert stored is not None
        answer = response.json()
        if source != "pagerduty":  # PagerDuty's answer is PagerDuty's shape, without an id
            assert answer["ok"] is True and answer["delivery"] == stored.id, answer
        assert stored.source == source
        assert stored.body == content.decode("utf-8")

    def check_refusal(self, response: httpx.Response, shown: str) -> None:
        """A refusal says why, in JSON."""
        assert response.headers.get("content-type", "").startswith("application/json"), shown
        answer = response.json()
        assert answer["ok"] is False, shown
        assert isinstance(answer["error"], str) and answer["error"], shown
        assert isinstance(answer["reason"], str) and answer["reason"].strip(), shown


def expected(source: str) -> set[int]:
    """What a request with the right token may answer."""
    return {404} if source == UNKNOWN else {202, 400, 413}


@pytest.fixture
def target(make_harness: MakeHarness) -> Iterator[Target]:
    """The app with webhooks on and the default routing (alerts become offers)."""
    harness = make_harness(warroom_webhook_token=WEBHOOK_TOKEN)
    with httpx.Client(base_url=harness.handle.url, timeout=30) as client:
        yield Target(harness, client)


# -- (a) arbitrary JSON ------------------------------------------------------------------------

TOP_LEVEL = JSON_VALUES | st.dictionaries(st.sampled_from(FIELD_NAMES), JSON_VALUES, max_size=8)


@pytest.mark.parametrize("source", SOURCES)
@HOSTILE
@given(body=TOP_LEVEL, ascii_only=st.booleans())
def test_arbitrary_json_is_never_a_5xx_or_a_partial_write(
    target: Target, source: str, body: Any, ascii_only: bool
) -> None:
    response = target.attack(source, encode(body, ascii_only=ascii_only))
    assert response.status_code in expected(source)


# -- (b) real payloads, broken -----------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
@HOSTILE
@given(data=st.data())
def test_mutated_real_payloads_are_never_a_5xx_or_a_partial_write(
    target: Target, source: str, data: st.DataObject
) -> None:
    body = data.draw(mutated(own_payloads(source)), label="body")
    content = encode(body, ascii_only=data.draw(st.booleans(), label="ascii_only"))
    response = target.attack(source, content)
    assert response.status_code in expected(source)


# -- (c) arbitrary bytes -----------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
@HOSTILE
@given(data=st.data())
def test_arbitrary_bytes_are_never_a_5xx_or_a_partial_write(
    target: Target, source: str, data: st.DataObject
) -> None:
    content = data.draw(raw_bodies(source), label="content")
    chunked = data.draw(st.booleans(), label="chunked")
    response = target.attack(source, content, chunked=chunked)
    assert response.status_code in expected(source)
    if len(content) > MAX_BODY and source != UNKNOWN:
        assert response.status_code == 413


# -- (d) tokens and headers --------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
@HOSTILE
@given(data=st.data())
def test_odd_tokens_and_headers_are_never_a_5xx_or_a_partial_write(
    target: Target, source: str, data: st.DataObject
) -> None:
    credentials = data.draw(CREDENTIALS, label="credentials")
    headers = data.draw(ODD_HEADERS, label="headers")
    content = data.draw(valid_bodies(source), label="content")
    chunked = data.draw(st.booleans(), label="chunked")
    response = target.attack(
        source, content, credentials=credentials, headers=headers, chunked=chunked
    )
    if source == UNKNOWN:
        assert response.status_code == 404
    elif credentials.authorised is True:
        assert response.status_code == 202, response.text
    elif credentials.authorised is False:
        assert response.status_code == 401, response.text
    else:
        assert response.status_code in (202, 401)


# -- bugs the properties found, kept fixed -----------------------------------------------------


def test_an_integer_longer_than_4300_digits_is_a_400_not_a_500(target: Target) -> None:
    content = b'{"title": "t", "dedup_key": "k", "n": ' + b"9" * (MAX_DIGITS + 1) + b"}"
    response = target.attack("generic", content)
    assert response.status_code == 400


def generic_alert(key: str, status: str) -> bytes:
    """A generic alert in the group `disks`."""
    return encode({"title": "Disk full", "dedup_key": key, "group": "disks", "status": status})


def pagerduty_alert(key: str, status: str) -> bytes:
    """A PagerDuty event whose payload group is `disks`."""
    action = {"firing": "trigger", "resolved": "resolve"}[status]
    payload = {"summary": "Disk full", "source": "db-1", "severity": "error", "group": "disks"}
    return encode(
        {"routing_key": "R0123456789", "event_action": action, "dedup_key": key, "payload": payload}
    )


@pytest.mark.parametrize(
    ("source", "alert"),
    [("generic", generic_alert), ("pagerduty", pagerduty_alert)],
    ids=["generic", "pagerduty"],
)
def test_a_refire_after_a_newer_episode_opened_is_stored_not_a_500(
    target: Target, source: str, alert: Callable[[str, str], bytes]
) -> None:
    assert target.attack(source, alert("a", "firing")).status_code == 202  # episode 1
    assert target.attack(source, alert("a", "resolved")).status_code == 202  # all resolved
    assert target.attack(source, alert("b", "firing")).status_code == 202  # episode 2
    response = target.attack(source, alert("a", "firing"))  # a re-fires: it joins episode 2
    assert response.status_code == 202
