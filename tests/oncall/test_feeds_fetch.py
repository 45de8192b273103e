"""Fetching a feed over real HTTP: conditional, http(s) only, bounded in time and size."""

from collections.abc import Iterator

import pytest
from ical_server import FeedServer

from bot.oncall.ports import FeedUnavailable
from bot.web.ical_fetch import HttpFeedFetcher

BODY = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer(BODY) as running:
        yield running


async def test_a_feed_is_fetched_with_its_validators(server: FeedServer) -> None:
    fetched = await HttpFeedFetcher().fetch(server.url)
    assert (fetched.body, fetched.etag) == (BODY.decode(), '"v1"')
    assert fetched.last_modified == "Sun, 01 Mar 2026 12:00:00 GMT"
    assert server.seen[0].headers["accept"].startswith("text/calendar")


async def test_an_unchanged_feed_answers_304_and_no_body(server: FeedServer) -> None:
    fetched = await HttpFeedFetcher().fetch(server.url, etag='"v1"', last_modified="x")
    assert fetched.body is None and fetched.etag == '"v1"'
    assert server.seen[0].headers["if-none-match"] == '"v1"'
    assert server.seen[0].headers["if-modified-since"] == "x"


async def test_a_byte_order_mark_is_not_part_of_the_feed(server: FeedServer) -> None:
    server.plan.body = b"\xef\xbb\xbf" + BODY
    fetched = await HttpFeedFetcher().fetch(server.url)
    assert fetched.body == BODY.decode()


async def test_a_slow_feed_gives_up_at_the_timeout(server: FeedServer) -> None:
    server.plan.delay = 2.0
    with pytest.raises(FeedUnavailable, match=r"within 0\.3 s"):
        await HttpFeedFetcher(timeout=0.3).fetch(server.url)


@pytest.mark.parametrize("declared", [True, False])
async def test_a_feed_larger_than_the_limit_is_refused(server: FeedServer, declared: bool) -> None:
    if declared:
        server.plan.body = b"X" * 300_000  # Content-Length says so before any byte is read
    else:
        server.plan.stream_bytes = 50 * 1024 * 1024  # only reading finds out
    with pytest.raises(FeedUnavailable, match="larger than 200000 bytes"):
        await HttpFeedFetcher(max_bytes=200_000).fetch(server.url)


@pytest.mark.parametrize("status", [404, 500, 503])
async def test_a_feed_that_answers_an_error_is_unavailable(server: FeedServer, status: int) -> None:
    server.plan.status = status
    with pytest.raises(FeedUnavailable, match=f"HTTP {status}"):
        await HttpFeedFetcher().fetch(server.url)


async def test_a_feed_that_is_down_is_unavailable() -> None:
    server = FeedServer(BODY)
    server.stop()
    with pytest.raises(FeedUnavailable, match="cannot fetch the feed: ConnectError"):
        await HttpFeedFetcher().fetch(server.url)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/oncall.ics", "webcal://x/oncall.ics"]
)
async def test_only_http_and_https_feeds_are_fetched(url: str) -> None:
    with pytest.raises(FeedUnavailable, match="only http:// and https://"):
        await HttpFeedFetcher().fetch(url)
